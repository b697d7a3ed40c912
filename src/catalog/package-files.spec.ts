import { randomBytes } from 'node:crypto';
import type { AppConfig } from '../config/env';
import { makeTarGz } from '../../test/utils/packages';
import type { CatalogItemEntity } from '../records/catalog-item.entity';
import { PackageFilesCache } from './package-files';

const MiB = 1024 * 1024;
const config = (packageCacheBytes: number) =>
  ({ packageCacheBytes, packageMaxUnpackedBytes: 64 * MiB, packageMaxFiles: 100, packageMaxRatio: 1000 }) as AppConfig;

/** A stored tar.gz package of `size` random bytes (incompressible: what is unpacked is what is held). */
async function pkg(id: string, size: number, revision = 1, modified = 1000): Promise<CatalogItemEntity> {
  const content = await makeTarGz([
    { name: 'p/', type: 'directory' },
    { name: 'p/vnfd.yaml', content: 'vnfd: {}\n' },
    { name: 'p/images/blob.bin', content: randomBytes(size) },
  ]);
  return {
    id,
    admin: { revision, storage: { 'pkg-dir': 'p', descriptor: 'vnfd.yaml' } },
    modified,
    packageContent: content.toString('base64'),
    packageContentType: 'application/gzip',
    descriptorText: 'vnfd: {}\n',
  } as unknown as CatalogItemEntity;
}

describe('package unpack cache', () => {
  it('unpacks once for many concurrent and later readers, loading the record once', async () => {
    const cache = new PackageFilesCache(config(64 * MiB));
    const item = await pkg('a', 2 * MiB);
    let loads = 0;
    const light = { id: item.id, admin: item.admin, modified: item.modified };
    const load = async () => {
      loads++;
      return item;
    };
    const all = await Promise.all(Array.from({ length: 20 }, () => cache.files(light, 'vnfd', load)));
    expect(cache.unpacks).toBe(1);
    expect(loads).toBe(1);
    expect(new Set(all).size).toBe(1);
    expect([...all[0].keys()].sort()).toEqual(['images/blob.bin', 'vnfd.yaml']);
    await cache.files(light, 'vnfd', load);
    expect(cache.unpacks).toBe(1);
    expect(cache.heldBytes).toBe(2 * MiB + 9);
  });

  it('reads a new revision anew and forgets the old one', async () => {
    const cache = new PackageFilesCache(config(64 * MiB));
    await cache.files(await pkg('a', MiB, 1));
    const v2 = await pkg('a', MiB, 2, 1000);
    await cache.files(v2);
    expect(cache.unpacks).toBe(2);
    expect(cache.heldBytes).toBe(MiB + 9);
  });

  it('stays within its byte budget, dropping the least recently used', async () => {
    const cache = new PackageFilesCache(config(5 * MiB));
    const items = await Promise.all(['a', 'b', 'c', 'd'].map((id) => pkg(id, 2 * MiB)));
    await cache.files(items[0]);
    await cache.files(items[1]);
    await cache.files(items[0]); // a is now the most recently used
    await cache.files(items[2]); // over budget: b goes
    expect(cache.heldBytes).toBeLessThanOrEqual(5 * MiB);
    expect(cache.unpacks).toBe(3);
    await cache.files(items[0]);
    expect(cache.unpacks).toBe(3);
    await cache.files(items[1]);
    expect(cache.unpacks).toBe(4);
    await cache.files(items[3]);
    expect(cache.heldBytes).toBeLessThanOrEqual(5 * MiB);
  });

  it('keeps nothing larger than the budget, yet concurrent readers still share one unpack; failures are not cached', async () => {
    const cache = new PackageFilesCache(config(MiB));
    const big = await pkg('big', 2 * MiB);
    await Promise.all(Array.from({ length: 5 }, () => cache.files(big)));
    expect(cache.unpacks).toBe(1);
    expect(cache.heldBytes).toBe(0);
    await cache.files(big);
    expect(cache.unpacks).toBe(2);

    const broken = { ...(await pkg('x', 10)), packageContent: Buffer.from('not a tarball').toString('base64') };
    await expect(cache.files(broken as CatalogItemEntity)).rejects.toThrow();
    await expect(cache.files(broken as CatalogItemEntity)).rejects.toThrow();
    expect(cache.unpacks).toBe(4);
  });
});
