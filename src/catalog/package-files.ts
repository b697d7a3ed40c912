import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/env';
import type { CatalogItemEntity } from '../records/catalog-item.entity';
import { ArchiveLimits, readTarGz, readZip } from './package-reader/archive';

/** The files of a stored package by their path inside the package (its top folder removed). */
export async function packageFiles(item: CatalogItemEntity, limits: ArchiveLimits, kind = 'vnfd'): Promise<Map<string, Buffer>> {
  const storage = (item.admin.storage ?? {}) as { 'pkg-dir'?: string; descriptor?: string };
  const files = new Map<string, Buffer>();
  if (item.packageContent && item.packageContentType === 'application/zip') {
    for (const [p, c] of (await readZip(Buffer.from(item.packageContent, 'base64'), limits)).files) files.set(p, c);
  } else if (item.packageContent && storage['pkg-dir']) {
    const archive = await readTarGz(Buffer.from(item.packageContent, 'base64'), limits);
    for (const [p, c] of archive.files) files.set(p.slice(storage['pkg-dir'].length + 1), c);
  } else if (item.descriptorText) {
    files.set(String(storage.descriptor ?? `${kind}.yaml`), Buffer.from(item.descriptorText));
  }
  return files;
}

/** What identifies one content of a package: a new upload bumps the revision (and `modified`). */
export type PackageRef = Pick<CatalogItemEntity, 'id' | 'admin' | 'modified'>;
const keyOf = (item: PackageRef) => `${item.id}@${String(item.admin.revision ?? 0)}@${item.modified}`;

interface Entry {
  id: string;
  files: Promise<Map<string, Buffer>>;
  /** Unpacked size once known (0 while unpacking). */
  bytes: number;
}

/**
 * The one place packages are unpacked: artifact downloads, cloud-init and primitive scripts all read a package's
 * files through it. Unpacked once per package revision, shared by concurrent readers (20 parallel artifact GETs
 * are one unpack, not 20), kept most-recently-used first within MANO_PACKAGE_CACHE_BYTES of unpacked bytes.
 */
@Injectable()
export class PackageFilesCache {
  private readonly entries = new Map<string, Entry>();
  private cachedBytes = 0;
  /** Unpacks done since start (for tests and diagnostics). */
  unpacks = 0;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  /** Bytes of unpacked files held now; never more than `budgetBytes`. */
  get heldBytes(): number {
    return this.cachedBytes;
  }

  get budgetBytes(): number {
    return this.config.packageCacheBytes;
  }

  /**
   * The files of `item`'s current content. `load` gives the full record (with the package) and is called only
   * when the files are not cached, so a reader can look the record up without its (large) content first.
   */
  files(item: PackageRef, kind = 'vnfd', load: () => Promise<CatalogItemEntity> = async () => item as CatalogItemEntity) {
    const key = keyOf(item);
    const hit = this.entries.get(key);
    if (hit) {
      // most recently used last, so eviction takes the oldest first
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit.files;
    }
    // an older revision of the same package will not be asked for again
    for (const [k, e] of this.entries) if (e.id === item.id) this.drop(k, e);
    const entry: Entry = { id: item.id, bytes: 0, files: Promise.resolve(new Map()) };
    entry.files = this.unpack(key, entry, kind, load);
    this.entries.set(key, entry);
    return entry.files;
  }

  private async unpack(key: string, entry: Entry, kind: string, load: () => Promise<CatalogItemEntity>) {
    try {
      const full = await load();
      this.unpacks++;
      const files = await packageFiles(full, this.limits(), kind);
      if (this.entries.get(key) !== entry) return files;
      // read between the lookup and the load: the record changed, so these files belong to another revision
      if (keyOf(full) !== key) {
        this.drop(key, entry);
        return files;
      }
      entry.bytes = [...files.values()].reduce((n, b) => n + b.length, 0);
      this.cachedBytes += entry.bytes;
      this.evict(key);
      return files;
    } catch (e) {
      if (this.entries.get(key) === entry) this.drop(key, entry);
      throw e;
    }
  }

  /** Oldest first until within budget; a package larger than the whole budget is not kept at all. */
  private evict(newest: string): void {
    const budget = this.budgetBytes;
    for (const [k, e] of this.entries) {
      if (this.cachedBytes <= budget) return;
      if (k !== newest && e.bytes > 0) this.drop(k, e);
    }
    const last = this.entries.get(newest);
    if (this.cachedBytes > budget && last) this.drop(newest, last);
  }

  private drop(key: string, entry: Entry): void {
    if (this.entries.get(key) !== entry) return;
    this.entries.delete(key);
    this.cachedBytes -= entry.bytes;
  }

  private limits(): ArchiveLimits {
    return {
      maxUnpackedBytes: this.config.packageMaxUnpackedBytes,
      maxFiles: this.config.packageMaxFiles,
      maxRatio: this.config.packageMaxRatio,
    };
  }
}
