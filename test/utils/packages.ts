import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';
import { pack } from 'tar-stream';

export interface TarEntry {
  name: string;
  content?: string | Buffer;
  type?: 'file' | 'directory' | 'symlink' | 'link' | 'character-device' | 'fifo';
  linkname?: string;
}

/** A .tar.gz built in memory, hostile entries included when a test asks for them. */
export async function makeTarGz(entries: TarEntry[]): Promise<Buffer> {
  const p = pack();
  const chunks: Buffer[] = [];
  p.on('data', (c: unknown) => chunks.push(c as Buffer));
  const done = new Promise<void>((r) => p.on('end', () => r()));
  for (const e of entries) {
    const content = e.content === undefined ? undefined : Buffer.from(e.content);
    await new Promise<void>((resolve, reject) =>
      p.entry(
        { name: e.name, type: e.type ?? 'file', linkname: e.linkname, size: content?.length ?? 0 },
        content ?? Buffer.alloc(0),
        (err) => (err ? reject(err) : resolve()),
      ),
    );
  }
  p.finalize();
  await done;
  return gzipSync(Buffer.concat(chunks));
}

/** Every file under `dir`, as tar entries named `<top>/<relative path>`. */
export function folderEntries(dir: string, top: string): TarEntry[] {
  const out: TarEntry[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const full = join(d, name);
      if (statSync(full).isDirectory()) walk(full);
      else out.push({ name: `${top}/${relative(dir, full)}`, content: readFileSync(full) });
    }
  };
  walk(dir);
  return out;
}

export interface ZipEntry {
  name: string;
  content?: string | Buffer;
  /** unix mode, e.g. 0o120777 for a symbolic link */
  mode?: number;
}

/** A .zip (SOL004 CSAR) built in memory, hostile entries included when a test asks for them. */
export async function makeZip(entries: ZipEntry[]): Promise<Buffer> {
  const { ZipFile } = await import('yazl');
  const zip = new ZipFile();
  for (const e of entries) {
    if (e.name.endsWith('/')) zip.addEmptyDirectory(e.name);
    else zip.addBuffer(Buffer.from(e.content ?? ''), e.name, { mode: e.mode ?? 0o100644, compress: true });
  }
  zip.end();
  const chunks: Buffer[] = [];
  for await (const chunk of zip.outputStream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Every file under `dir` as zip entries named by their path relative to `dir`. */
export function zipFolderEntries(dir: string): ZipEntry[] {
  return folderEntries(dir, '.').map((e) => ({ name: e.name.replace(/^\.\//, ''), content: e.content }));
}
