import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { DataSource } from 'typeorm';
import { makeTarGz, TarEntry } from '../utils/packages';
import { asJson, createTestDatabase, startTestApp, TestApp, TestDatabase } from '../utils/test-app';

const vnfd = readFileSync(
  join(
    __dirname,
    '..',
    '..',
    '..',
    'shared',
    'corpus',
    'osm-multivdu-gatici',
    'hackfest_multivdu_vnf',
    'hackfest_multivdu_vnfd.yaml',
  ),
  'utf8',
);
const good: TarEntry[] = [
  { name: 'pkg/', type: 'directory' },
  { name: 'pkg/vnfd.yaml', content: vnfd },
];

/** Each hostile package is refused with a 4xx whose detail names the problem, and nothing is stored. */
describe('hostile packages', () => {
  let db: TestDatabase;
  let t: TestApp;
  let admin: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    t = await startTestApp(db, {
      packageMaxFiles: 1000,
      packageMaxUnpackedBytes: 8 * 1024 * 1024,
      packageMaxRatio: 100,
      maxBodyBytes: 2 * 1024 * 1024,
    });
    admin = await t.login();
  });
  afterAll(async () => {
    await t.close();
    await db.drop();
  });

  const state = async (): Promise<string> =>
    JSON.stringify(await t.app.get(DataSource).query('SELECT id, kind, descriptor_id FROM catalog_items ORDER BY id'));
  const refuse = async (body: Buffer, status: number, detail: RegExp, type = 'application/gzip') => {
    const before = await state();
    const res = await asJson(t.http.post('/osm/vnfpkgm/v1/vnf_packages_content'), admin)
      .set('Content-Type', type)
      .send(body)
      .expect(status);
    expect(res.body.detail).toMatch(detail);
    expect(await state()).toBe(before);
    return res;
  };

  it('accepts the well-formed control package', async () => {
    await asJson(t.http.post('/osm/vnfpkgm/v1/vnf_packages_content'), admin)
      .set('Content-Type', 'application/gzip')
      .send(await makeTarGz(good))
      .expect(201);
    await asJson(t.http.delete('/osm/vnfpkgm/v1/vnf_packages/hackfest_multivdu-vnf'), admin).expect(204);
  });

  it('refuses path traversal', async () => {
    await refuse(
      await makeTarGz([...good, { name: 'pkg/../../etc/cron.d/evil', content: 'x' }]),
      422,
      /leaves the package \(\.\.\)/,
    );
  });

  it('refuses absolute paths', async () => {
    await refuse(await makeTarGz([...good, { name: '/etc/passwd', content: 'x' }]), 422, /absolute path/);
  });

  it('refuses symbolic links pointing outside, and hard links', async () => {
    await refuse(
      await makeTarGz([...good, { name: 'pkg/cloud_init/x', type: 'symlink', linkname: '/etc/shadow' }]),
      422,
      /symbolic link to the absolute path '\/etc\/shadow'/,
    );
    await refuse(await makeTarGz([...good, { name: 'pkg/h', type: 'link', linkname: 'pkg/vnfd.yaml' }]), 422, /hard link/);
  });

  it('refuses device files and FIFOs', async () => {
    await refuse(
      await makeTarGz([...good, { name: 'pkg/dev', type: 'character-device' }]),
      422,
      /character-device: only regular files/,
    );
    await refuse(await makeTarGz([...good, { name: 'pkg/pipe', type: 'fifo' }]), 422, /fifo/);
  });

  it('refuses a tar bomb by its compression ratio', async () => {
    const zeros = Buffer.alloc(6 * 1024 * 1024);
    await refuse(await makeTarGz([...good, { name: 'pkg/zeros.bin', content: zeros }]), 422, /compression ratio exceeds 100:1/);
  });

  it('refuses a package that unpacks beyond the limit', async () => {
    const random = Buffer.alloc(9 * 1024 * 1024);
    for (let i = 0; i < random.length; i += 4) random.writeUInt32LE((Math.random() * 2 ** 32) >>> 0, i);
    const pkg = await makeTarGz([...good, { name: 'pkg/big.bin', content: random }]);
    // the body limit is 2 MiB here, so first that answers; with a larger body limit the unpack limit does
    await refuse(pkg, 413, /MANO_MAX_BODY_BYTES/);
    const roomy = await startTestApp(db, { packageMaxUnpackedBytes: 4 * 1024 * 1024, maxBodyBytes: 64 * 1024 * 1024 });
    try {
      const res = await asJson(roomy.http.post('/osm/vnfpkgm/v1/vnf_packages_content'), await roomy.login())
        .set('Content-Type', 'application/gzip')
        .send(pkg)
        .expect(422);
      expect(res.body.detail).toMatch(/unpacks to more than 4194304 bytes/);
    } finally {
      await roomy.close();
    }
  });

  it('refuses 10,000 files', async () => {
    const many = Array.from({ length: 10_000 }, (_, i) => ({ name: `pkg/f${i}`, content: '' }));
    await refuse(await makeTarGz([...good, ...many]), 422, /more than 1000 entries/);
  });

  it('refuses invalid YAML (400) and content that is not a package', async () => {
    await refuse(await makeTarGz([{ name: 'pkg/vnfd.yaml', content: 'vnfd: [unclosed' }]), 400, /not valid YAML/);
    await refuse(Buffer.from('vnfd: {id: [x'), 400, /not valid YAML/, 'text/plain');
    await refuse(
      gzipSync(Buffer.from('this is not a tar archive at all, just text, and long enough to fill a header block')),
      422,
      /not a valid tar archive|descriptor/,
    );
    await refuse(Buffer.from([0x1f, 0x8b, 1, 2, 3]), 422, /gzip/);
  });

  it('refuses duplicate entries, two top-level folders, and a folder without descriptor', async () => {
    await refuse(await makeTarGz([...good, { name: 'pkg/vnfd.yaml', content: vnfd }]), 422, /appears twice/);
    await refuse(await makeTarGz([...good, { name: 'other/readme.txt', content: 'x' }]), 422, /exactly one top-level folder/);
    await refuse(await makeTarGz([{ name: 'pkg/readme.txt', content: 'x' }]), 422, /no descriptor/);
  });

  it('refuses a file named in the descriptor but missing from the package', async () => {
    const withCloudInit = vnfd.replace('    name: mgmtVM\n', '    name: mgmtVM\n    cloud-init-file: cloud-config.txt\n');
    expect(withCloudInit).not.toBe(vnfd);
    await refuse(
      await makeTarGz([{ name: 'pkg/vnfd.yaml', content: withCloudInit }]),
      422,
      /'cloud-config.txt' is not in the package \(expected cloud_init\/cloud-config.txt\)/,
    );
  });
});
