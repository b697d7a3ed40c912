import type { CatalogItemEntity } from './catalog-item.entity';
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
