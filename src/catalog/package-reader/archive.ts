import { posix } from 'node:path';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { extract, Header } from 'tar-stream';
import { fromBuffer, Entry, ZipFile } from 'yauzl';
import { DomainError } from '../../common/errors/domain-error';

/** Limits every archive is read within; defaults in README (Configuration). */
export interface ArchiveLimits {
  maxUnpackedBytes: number;
  maxFiles: number;
  /** unpacked ÷ packed, checked once more than 1 MiB is unpacked */
  maxRatio: number;
}

/** An archive's regular files by normalised relative path. Nothing is written to disk. */
export interface ArchiveFiles {
  files: Map<string, Buffer>;
  directories: Set<string>;
  /** What was accepted but is worth telling (links not followed), shown on the package as `_admin.warnings`. */
  warnings: string[];
}

const bad = (detail: string): DomainError =>
  DomainError.unprocessable('PACKAGE.UNSAFE_ARCHIVE', detail, [{ path: 'package', message: detail }]);

/** A safe relative path, or an error naming the entry: no absolute paths, no `..`, no NUL, no backslash tricks. */
export function safeEntryPath(name: string): string {
  if (name.includes('\u0000')) throw bad(`entry name contains a NUL byte`);
  if (name.startsWith('/') || /^[A-Za-z]:[\\/]/.test(name)) throw bad(`entry '${name}' has an absolute path`);
  const parts = name
    .replace(/\\/g, '/')
    .split('/')
    .filter((p) => p !== '' && p !== '.');
  if (parts.some((p) => p === '..')) throw bad(`entry '${name}' leaves the package (..)`);
  const normalised = posix.join(...(parts.length ? parts : ['.']));
  if (normalised === '.') throw bad(`entry '${name}' has an empty path`);
  return normalised;
}

/** Counts what is unpacked and refuses bombs before they are fully read. */
export class UnpackBudget {
  private unpacked = 0;
  private count = 0;

  constructor(
    private readonly limits: ArchiveLimits,
    private readonly packedBytes: number,
  ) {}

  entry(name: string): void {
    if (++this.count > this.limits.maxFiles)
      throw bad(`package has more than ${this.limits.maxFiles} entries (MANO_PACKAGE_MAX_FILES)`);
    if (name.length > 1024) throw bad(`entry name longer than 1024 characters`);
  }

  bytes(n: number): void {
    this.unpacked += n;
    if (this.unpacked > this.limits.maxUnpackedBytes) {
      throw bad(`package unpacks to more than ${this.limits.maxUnpackedBytes} bytes (MANO_PACKAGE_MAX_UNPACKED_BYTES)`);
    }
    if (this.unpacked > 1024 * 1024 && this.unpacked / Math.max(1, this.packedBytes) > this.limits.maxRatio) {
      throw bad(
        `package compression ratio exceeds ${this.limits.maxRatio}:1 (MANO_PACKAGE_MAX_RATIO): refused as a possible archive bomb`,
      );
    }
  }
}

/**
 * Reads a .tar.gz in memory, streaming through gunzip and tar with limits checked as bytes arrive.
 * Refused: links (symbolic or hard), devices, FIFOs, absolute or escaping paths, duplicates.
 */
export async function readTarGz(packed: Buffer, limits: ArchiveLimits): Promise<ArchiveFiles> {
  const budget = new UnpackBudget(limits, packed.length);
  const files = new Map<string, Buffer>();
  const directories = new Set<string>();
  const links = new Map<string, string>();
  const tar = extract();
  const gunzip = createGunzip();
  let failure: unknown;

  const done = new Promise<void>((resolve, reject) => {
    tar.on('entry', (header: Header, stream, next) => {
      try {
        budget.entry(header.name);
        const path = safeEntryPath(header.name);
        if (header.type === 'directory') {
          directories.add(path);
          stream.resume();
          stream.on('end', next);
          return;
        }
        if (header.type === 'link') {
          throw bad(`entry '${header.name}' is a hard link to '${header.linkname}': hard links are not accepted in packages`);
        }
        if (header.type === 'symlink') {
          if (files.has(path) || links.has(path)) throw bad(`entry '${path}' appears twice`);
          links.set(path, header.linkname ?? '');
          stream.resume();
          stream.on('end', next);
          return;
        }
        if (header.type !== 'file' && header.type !== 'contiguous-file') {
          throw bad(`entry '${header.name}' is a ${header.type}: only regular files and folders are accepted`);
        }
        if (files.has(path) || links.has(path)) throw bad(`entry '${path}' appears twice`);
        const chunks: Buffer[] = [];
        stream.on('data', (data: unknown) => {
          const chunk = data as Buffer;
          try {
            budget.bytes(chunk.length);
            chunks.push(chunk);
          } catch (e) {
            failure = e;
            stream.destroy();
            tar.destroy();
            gunzip.destroy();
            reject(e);
          }
        });
        stream.on('end', () => {
          files.set(path, Buffer.concat(chunks));
          next();
        });
      } catch (e) {
        failure = e;
        tar.destroy();
        gunzip.destroy();
        reject(e);
      }
    });
    tar.on('finish', resolve);
    tar.on('error', (e: Error) => reject(failure ?? bad(`not a valid tar archive: ${e.message}`)));
    gunzip.on('error', (e: Error) => reject(failure ?? bad(`not a valid gzip stream: ${e.message}`)));
  });
  Readable.from([packed]).pipe(gunzip).pipe(tar);
  await done;
  return { files, directories, warnings: resolveLinks(files, directories, links, budget) };
}

/**
 * Reads a .zip (SOL004 CSAR) in memory with the same rules and limits as tar: entries are streamed through
 * the budget; links (unix mode in the external attributes), absolute or escaping paths and duplicates are refused.
 */
export async function readZip(packed: Buffer, limits: ArchiveLimits): Promise<ArchiveFiles> {
  const budget = new UnpackBudget(limits, packed.length);
  const files = new Map<string, Buffer>();
  const directories = new Set<string>();
  const links = new Map<string, string>();
  const zip = await new Promise<ZipFile>((resolve, reject) =>
    fromBuffer(packed, { lazyEntries: true, validateEntrySizes: true, decodeStrings: true, strictFileNames: false }, (err, z) =>
      err ? reject(bad(`not a valid zip archive: ${err.message}`)) : resolve(z),
    ),
  );
  await new Promise<void>((resolve, reject) => {
    const fail = (e: unknown) => {
      zip.close();
      reject(e instanceof DomainError ? e : bad(`not a valid zip archive: ${(e as Error).message}`));
    };
    zip.on('error', fail);
    zip.on('end', resolve);
    zip.on('entry', (entry: Entry) => {
      try {
        budget.entry(entry.fileName);
        const path = safeEntryPath(entry.fileName);
        const mode = (entry.externalFileAttributes >>> 16) & 0o170000;
        const isLink = mode === 0o120000;
        if (entry.fileName.endsWith('/')) {
          directories.add(path);
          zip.readEntry();
          return;
        }
        if (!isLink && mode !== 0 && mode !== 0o100000) throw bad(`entry '${entry.fileName}' is not a regular file`);
        if (files.has(path) || links.has(path)) throw bad(`entry '${path}' appears twice`);
        // a zip symbolic link's data is its target path
        if (isLink && entry.uncompressedSize > 4096)
          throw bad(`entry '${entry.fileName}' is a symbolic link with an oversized target`);
        zip.openReadStream(entry, (err, stream) => {
          if (err) return fail(err);
          const chunks: Buffer[] = [];
          stream.on('data', (chunk: Buffer) => {
            try {
              budget.bytes(chunk.length);
              chunks.push(chunk);
            } catch (e) {
              stream.destroy();
              fail(e);
            }
          });
          stream.on('error', fail);
          stream.on('end', () => {
            if (isLink) links.set(path, Buffer.concat(chunks).toString('utf8'));
            else files.set(path, Buffer.concat(chunks));
            zip.readEntry();
          });
        });
      } catch (e) {
        fail(e);
      }
    });
    zip.readEntry();
  });
  return { files, directories, warnings: resolveLinks(files, directories, links, budget) };
}

/**
 * Symbolic links, as operator-framework charms ship their hooks (`hooks/install -> ../src/charm.py`): a relative
 * link whose target is a file of the package is stored as a copy of that file; one whose target is absent, or a
 * folder, is kept out and reported (never followed); absolute links and links leaving the package are refused.
 */
function resolveLinks(
  files: Map<string, Buffer>,
  directories: Set<string>,
  links: Map<string, string>,
  budget: UnpackBudget,
): string[] {
  const warnings: string[] = [];
  const targetOf = (link: string, target: string): string => {
    if (!target || target.includes('\u0000')) throw bad(`entry '${link}' is a symbolic link with an empty target`);
    if (target.startsWith('/') || /^[A-Za-z]:[\\/]/.test(target))
      throw bad(`entry '${link}' is a symbolic link to the absolute path '${target}': links must stay inside the package`);
    const resolved = posix.normalize(posix.join(posix.dirname(link), target));
    if (resolved === '..' || resolved.startsWith('../') || resolved === '.')
      throw bad(`entry '${link}' is a symbolic link to '${target}', which leaves the package`);
    return resolved;
  };
  for (const [link, first] of links) {
    // follow chains of links inside the package, a bounded number of hops
    let target = targetOf(link, first);
    for (let hops = 0; links.has(target); hops++) {
      if (hops >= 8) throw bad(`entry '${link}' is a symbolic link in a loop or a chain longer than 8`);
      target = targetOf(target, links.get(target)!);
    }
    const content = files.get(target);
    if (content) {
      budget.bytes(content.length);
      files.set(link, content);
    } else {
      const what =
        directories.has(target) || [...files.keys()].some((f) => f.startsWith(`${target}/`))
          ? 'a folder'
          : 'absent from the package';
      warnings.push(`symbolic link '${link}' -> '${first}' not followed: its target is ${what}`);
    }
  }
  return warnings;
}
