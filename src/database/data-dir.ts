import { Logger } from '@nestjs/common';
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Files of the data directory only the service may read: the database, the key sealing VIM secrets, the TLS key. */
export const PRIVATE_FILES = ['mano.sqlite', 'mano.sqlite-wal', 'mano.sqlite-shm', 'secret.key', 'tls/server.key'];

/**
 * Creates the data directory 0700 and narrows it, `tls/` and the private files when an older start (or an
 * operator) left them wider. A directory the service does not own (a volume mounted with a group) cannot be
 * chmod-ed: that is logged, not fatal.
 */
export function preparePrivateDataDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  narrow(dir, 0o700);
  narrow(join(dir, 'tls'), 0o700);
  for (const file of PRIVATE_FILES) narrow(join(dir, file), 0o600);
}

/**
 * The SQLite file, created 0600 before SQLite opens it (SQLite would create it 0644); its -wal and -shm files
 * take the database file's mode.
 */
export function createPrivateFile(file: string): void {
  if (!existsSync(file)) closeSync(openSync(file, 'a', 0o600));
  narrow(file, 0o600);
}

function narrow(path: string, allowed: number): void {
  let mode: number;
  try {
    mode = statSync(path).mode & 0o777;
  } catch {
    return; // not there (yet): created with the right mode when it is
  }
  if ((mode & ~allowed) === 0) return;
  try {
    chmodSync(path, mode & allowed);
  } catch (e) {
    new Logger('DataDir').warn(`${path} is mode ${mode.toString(8)} and cannot be narrowed: ${(e as Error).message}`);
  }
}
