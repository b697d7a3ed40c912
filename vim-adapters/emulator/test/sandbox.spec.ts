import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExecRequest } from '../../contract/src';
import { execMode, resetExecMode, uidRange } from '../src/isolation';
import { Sandbox, SandboxOptions } from '../src/sandbox';

/**
 * Hostile day-1/2 scripts against the emulator's sandbox: each is contained and the host is checked afterwards.
 * These tests need bubblewrap (Debian `bubblewrap`; scripts/test-all.sh installs it): without it they fail and say so.
 */
describe('emulator script sandbox (bubblewrap)', () => {
  let root: string;
  let dataDir: string;
  let box: Sandbox;
  const secret = `TOP-SECRET-${process.pid}-${Date.now()}`;
  const options: SandboxOptions = { outputLimit: 64 * 1024 };
  const run = (req: Partial<ExecRequest> & { command: string[] }, o = options) => box.exec({ timeoutMs: 20_000, ...req }, o);
  /** Processes on the host whose command line holds the marker (pgrep, so the check is the host's own view). */
  const leftovers = (marker: string): string => {
    try {
      return execFileSync('pgrep', ['-af', marker], { encoding: 'utf8' }).trim();
    } catch {
      return ''; // pgrep exits 1 when nothing matches
    }
  };

  beforeAll(() => {
    resetExecMode();
    const mode = execMode();
    if (mode.kind !== 'bwrap')
      throw new Error(`the sandbox tests need bubblewrap: ${mode.kind === 'refused' ? mode.reason : mode.kind} (install it)`);
    // a data dir laid out as the service's: the secret key at its root, sandboxes four levels below
    root = mkdtempSync(join(tmpdir(), 'sandbox-'));
    dataDir = join(root, 'data');
    mkdirSync(dataDir, { mode: 0o700 });
    writeFileSync(join(dataDir, 'secret.key'), secret, { mode: 0o600 });
    writeFileSync(join(dataDir, 'mano.sqlite'), `db ${secret}`, { mode: 0o600 });
    box = new Sandbox(join(dataDir, 'vims', 'acc', 'sandboxes', 'vm-1'));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('runs as an unprivileged uid (a per-compute uid of the range as root, 65534 in a user namespace otherwise)', async () => {
    const r = await run({ command: ['sh', '-c', 'id -u; id -g; hostname; pwd'] });
    const [uid, gid, host, cwd] = r.stdout.trim().split('\n');
    if (process.getuid?.() === 0) {
      const { first, size } = uidRange();
      expect(Number(uid)).toBeGreaterThanOrEqual(first);
      expect(Number(uid)).toBeLessThan(first + size);
      expect(gid).toBe(uid);
      expect(statSync(box.dir).uid).toBe(Number(uid));
    } else {
      expect([uid, gid]).toEqual(['65534', '65534']);
    }
    expect({ host, cwd }).toEqual({ host: 'vm-1', cwd: '/sandbox' });
  });

  it('cannot read the data dir, its secret key or /etc/shadow; the secret never reaches the output', async () => {
    const r = await run({
      command: ['sh', '-c', 'cat ../../../../secret.key; cat /etc/shadow; ls / ; find / -name secret.key 2>/dev/null; exit 0'],
    });
    expect(r.stdout + r.stderr).not.toContain(secret);
    expect(r.stderr).toMatch(/secret\.key: No such file/);
    expect(r.stderr).toMatch(/\/etc\/shadow: No such file/);
    expect(r.stdout.split('\n')).not.toContain('root');
    expect(r.stdout.split('\n')).not.toContain('home');
  });

  it('cannot write outside its directory; a symlink it leaves cannot redirect the next file placed', async () => {
    const r = await run({
      command: [
        'sh',
        '-c',
        'echo x > ../escape; echo x > /usr/escape; echo x > /etc/escape; echo ok > own.txt; ln -s / scripts; exit 0',
      ],
    });
    expect(r.stderr).toMatch(/escape: (Permission denied|Read-only file system)/);
    expect(readFileSync(join(box.dir, 'own.txt'), 'utf8')).toBe('ok\n');
    expect(existsSync(join(box.dir, '..', 'escape'))).toBe(false);
    expect(existsSync('/usr/escape') || existsSync('/etc/escape')).toBe(false);
    await run({ command: ['sh', 'scripts/a.sh'], files: { 'scripts/a.sh': 'echo placed' } });
    expect(existsSync('/a.sh')).toBe(false);
    expect(statSync(join(box.dir, 'scripts')).isDirectory()).toBe(true);
  });

  describe('network', () => {
    let server: Server;
    let port = 0;
    let received = 0;
    beforeAll(async () => {
      server = createServer((s) => {
        received += 1;
        s.destroy();
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      port = (server.address() as { port: number }).port;
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it('cannot reach a listener on the host loopback (its own namespace has no route out)', async () => {
      const code = `import socket\ntry:\n  socket.create_connection(("127.0.0.1", ${port}), timeout=3)\n  print("CONNECTED")\nexcept OSError as e:\n  print("refused:", e)\n`;
      const r = await run({ command: ['python3', 'net.py'], files: { 'net.py': code } });
      expect(r.stdout).toMatch(/^refused: /);
      // the same connection from the host works: the listener is real
      execFileSync('python3', ['-c', `import socket; socket.create_connection(("127.0.0.1", ${port}), timeout=3)`]);
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(received).toBe(1);
    });
  });

  it('a fork bomb is bounded by the process limit and leaves nothing behind', async () => {
    const marker = `forkbomb-${process.pid}`;
    const r = await run(
      { command: ['sh', '-c', `for i in $(seq 1 500); do sh -c 'sleep 3001; : ${marker}' & done; wait`], timeoutMs: 4_000 },
      { ...options, limits: { processes: 20, memoryMiB: 1024, fileSizeMiB: 64, openFiles: 256, tmpMiB: 64 } },
    );
    expect(r.stderr).toMatch(/Cannot fork|Resource temporarily unavailable/);
    expect(leftovers(marker)).toBe('');
    expect(leftovers('sleep 3001')).toBe('');
  });

  it('cannot allocate past its memory limit, nor fill /tmp or a file past their limits', async () => {
    const limits = { processes: 64, memoryMiB: 256, fileSizeMiB: 8, openFiles: 256, tmpMiB: 16 };
    const mem = await run({ command: ['python3', '-c', 'a = bytearray(1 << 30)'] }, { ...options, limits });
    expect(mem.exitCode).not.toBe(0);
    expect(mem.stderr).toContain('MemoryError');
    const tmp = await run(
      { command: ['sh', '-c', 'head -c 32M /dev/zero > /tmp/fill'] },
      { ...options, limits: { ...limits, fileSizeMiB: 64 } },
    );
    expect(tmp.stderr).toMatch(/No space left on device/);
    const big = await run({ command: ['sh', '-c', 'head -c 16M /dev/zero > big'] }, { ...options, limits });
    expect(big.exitCode).not.toBe(0);
    expect(big.stderr).toMatch(/File size limit exceeded/);
    expect(statSync(join(box.dir, 'big')).size).toBeLessThanOrEqual(8 * 1024 * 1024);
  });

  it('a script that runs forever is killed at the time limit with every process it started, setsid included', async () => {
    const marker = `escapee-${process.pid}`;
    const started = Date.now();
    const r = await run({
      command: ['sh', '-c', `setsid sh -c 'sleep 3002; : ${marker}' & nohup sleep 3003 & while :; do :; done`],
      timeoutMs: 1_500,
    });
    expect(r).toMatchObject({ exitCode: null, timedOut: true });
    expect(Date.now() - started).toBeLessThan(8_000);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(leftovers(marker)).toBe('');
    expect(leftovers('sleep 300[23]')).toBe('');
  });

  it('caps output, saying so', async () => {
    const r = await run({ command: ['sh', '-c', 'yes abc | head -c 100000'] }, { outputLimit: 2048 });
    expect(r.truncated).toBe(true);
    expect(r.stdout).toHaveLength(2048 + '\n[output truncated at 2048 bytes]\n'.length);
    expect(r.stdout.endsWith('\n[output truncated at 2048 bytes]\n')).toBe(true);
  });

  it('runs Python 3 and compiles and runs C (what the code grader needs), with a writable /tmp', async () => {
    const py = await run({
      command: ['python3', 'hello.py'],
      files: { 'hello.py': 'import sys\nprint(sum(range(10)), sys.version_info[0])\n' },
    });
    expect(py).toMatchObject({ exitCode: 0, stdout: '45 3\n' });
    const c = await run({
      command: ['sh', '-c', 'cc -O2 -o /tmp/hello hello.c && /tmp/hello 6 7'],
      files: {
        'hello.c':
          '#include <stdio.h>\n#include <stdlib.h>\nint main(int c, char **v) { printf("%d\\n", atoi(v[1]) * atoi(v[2])); return 0; }\n',
      },
    });
    expect(c).toMatchObject({ exitCode: 0, stdout: '42\n', stderr: '' });
  });
});

describe('emulator script sandbox without bubblewrap', () => {
  const saved = process.env.MANO_EMULATOR_EXEC;
  afterEach(() => {
    if (saved === undefined) delete process.env.MANO_EMULATOR_EXEC;
    else process.env.MANO_EMULATOR_EXEC = saved;
    resetExecMode();
  });

  it('refuses to run scripts, naming the reason, when the mode is not one it knows', async () => {
    process.env.MANO_EMULATOR_EXEC = 'none';
    const dir = mkdtempSync(join(tmpdir(), 'sandbox-'));
    try {
      await expect(new Sandbox(join(dir, 'c')).exec({ command: ['true'] }, { outputLimit: 1024 })).rejects.toMatchObject({
        code: 'VIM.UNSUPPORTED',
        retryable: false,
        message: expect.stringContaining("MANO_EMULATOR_EXEC='none' is not a mode"),
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('runs them unisolated with MANO_EMULATOR_EXEC=unsafe, with a warning and the rlimits still applied', async () => {
    process.env.MANO_EMULATOR_EXEC = 'unsafe';
    const dir = mkdtempSync(join(tmpdir(), 'sandbox-'));
    const warnings: string[] = [];
    try {
      const r = await new Sandbox(join(dir, 'c')).exec(
        { command: ['sh', '-c', 'ulimit -n; pwd'] },
        { outputLimit: 1024, log: (_l, m) => warnings.push(m) },
      );
      expect(r.stdout).toBe(`256\n${join(dir, 'c')}\n`);
      expect(warnings.join()).toMatch(/WITHOUT isolation/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
