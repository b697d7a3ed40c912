import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPrivateFile, preparePrivateDataDir } from './data-dir';

const modeOf = (p: string): string => (statSync(p).mode & 0o777).toString(8);

describe('the private data directory', () => {
  let root: string;
  beforeEach(() => (root = mkdtempSync(join(tmpdir(), 'mano-datadir-'))));
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('is created 0700, nested directories included', () => {
    const dir = join(root, 'a', 'data');
    preparePrivateDataDir(dir);
    expect(modeOf(dir)).toBe('700');
  });

  it('narrows a directory and private files an older start left readable, and leaves others alone', () => {
    const dir = join(root, 'data');
    mkdirSync(join(dir, 'tls'), { recursive: true, mode: 0o755 });
    chmodSync(dir, 0o755);
    for (const f of ['mano.sqlite', 'mano.sqlite-wal', 'mano.sqlite-shm', 'secret.key', 'tls/server.key', 'tls/server.crt']) {
      writeFileSync(join(dir, f), 'x', { mode: 0o644 });
    }
    preparePrivateDataDir(dir);
    expect(modeOf(dir)).toBe('700');
    expect(modeOf(join(dir, 'tls'))).toBe('700');
    for (const f of ['mano.sqlite', 'mano.sqlite-wal', 'mano.sqlite-shm', 'secret.key', 'tls/server.key']) {
      expect([f, modeOf(join(dir, f))]).toEqual([f, '600']);
    }
    expect(modeOf(join(dir, 'tls/server.crt'))).toBe('644'); // a certificate is public
  });

  it('creates the database file 0600 before SQLite would create it 0644', () => {
    const file = join(root, 'mano.sqlite');
    createPrivateFile(file);
    expect(modeOf(file)).toBe('600');
  });
});
