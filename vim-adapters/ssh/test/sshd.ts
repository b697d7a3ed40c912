import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { sshExec, SshTarget } from '../src/ssh-exec';

const SSHD = '/usr/sbin/sshd';

export const freePort = (host = '127.0.0.1') =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, host, () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });

export interface TestSshd {
  /** Where it listens, as whom to log in, with the client key it accepts. */
  target: SshTarget;
  dir: string;
  stop(): void;
}

/**
 * A real OpenSSH server for tests, with throw-away host and client keys, on `listen` (127.0.0.1 by default) and
 * `port` (a free one by default); `clientKey` reuses another server's client key (to stand in for it).
 */
export async function startSshd(
  listen = '127.0.0.1',
  options: { port?: number; clientKey?: string } = {},
): Promise<TestSshd & { hostKeySha256: string }> {
  if (!existsSync(SSHD))
    throw new Error(`${SSHD} is missing: install Debian's openssh-server (.ci/run does), or set MANO_IT_SSH=0`);
  const dir = mkdtempSync(join(tmpdir(), 'mano-sshd-'));
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'host_key')]);
  if (options.clientKey) {
    writeFileSync(join(dir, 'client_key'), options.clientKey, { mode: 0o600 });
    writeFileSync(join(dir, 'client_key.pub'), execFileSync('ssh-keygen', ['-y', '-f', join(dir, 'client_key')]));
  } else execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'client_key')]);
  writeFileSync(join(dir, 'authorized_keys'), readFileSync(join(dir, 'client_key.pub')));
  const hostKeySha256 = String(execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', join(dir, 'host_key.pub')])).split(' ')[1];
  const port = options.port ?? (await freePort());
  writeFileSync(
    join(dir, 'sshd_config'),
    [
      `Port ${port}`,
      `ListenAddress ${listen}`,
      `HostKey ${join(dir, 'host_key')}`,
      `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'PermitRootLogin prohibit-password',
      'StrictModes no',
      'UsePAM no',
      `PidFile ${join(dir, 'sshd.pid')}`,
    ].join('\n'),
  );
  mkdirSync('/run/sshd', { recursive: true });
  const sshd: ChildProcess = spawn(SSHD, ['-D', '-e', '-f', join(dir, 'sshd_config')], { stdio: 'ignore' });
  const stop = () => {
    sshd.kill();
    rmSync(dir, { recursive: true, force: true });
  };
  const target: SshTarget = {
    host: listen,
    port,
    username: userInfo().username,
    privateKey: readFileSync(join(dir, 'client_key'), 'utf8'),
  };
  for (let i = 0; i < 50; i++) {
    const up = await sshExec(target, { command: ['true'] }).then(
      () => true,
      () => false,
    );
    if (up) return { target, dir, stop, hostKeySha256 };
    await new Promise((r) => setTimeout(r, 100));
  }
  stop();
  throw new Error('sshd did not come up');
}
