import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir, tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { VimError } from '../../contract/src';
import { sshExec, SshTarget } from '../src/ssh-exec';

const SSHD = '/usr/sbin/sshd';
const skip = process.env.MANO_IT_SSH === '0';
if (skip) console.log('SSH executor tests skipped (MANO_IT_SSH=0)');

/** The SSH executor against a real OpenSSH server started here on 127.0.0.1 with throw-away keys. */
(skip ? describe.skip : describe)('SSH executor (real OpenSSH)', () => {
  let dir: string;
  let sshd: ChildProcess;
  let target: SshTarget;

  beforeAll(async () => {
    if (!existsSync(SSHD))
      throw new Error(`${SSHD} is missing: install Debian's openssh-server (.ci/run does), or set MANO_IT_SSH=0`);
    dir = mkdtempSync(join(tmpdir(), 'mano-sshd-'));
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'host_key')]);
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'client_key')]);
    writeFileSync(join(dir, 'authorized_keys'), readFileSync(join(dir, 'client_key.pub')));
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    writeFileSync(
      join(dir, 'sshd_config'),
      [
        `Port ${port}`,
        'ListenAddress 127.0.0.1',
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
    sshd = spawn(SSHD, ['-D', '-e', '-f', join(dir, 'sshd_config')], { stdio: 'ignore' });
    target = {
      host: '127.0.0.1',
      port,
      username: userInfo().username,
      privateKey: readFileSync(join(dir, 'client_key'), 'utf8'),
    };
    for (let i = 0; i < 50; i++) {
      const up = await sshExec(target, { command: ['true'] }).then(
        () => true,
        () => false,
      );
      if (up) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('sshd did not come up');
  });

  afterAll(() => {
    sshd?.kill();
    rmSync(dir, { recursive: true, force: true });
    rmSync(join(homedir(), 'mano-work', 'scripts', 'probe.sh'), { force: true });
    rmSync(join(homedir(), 'mano-work', 'ran.txt'), { force: true });
  });

  it('places the files, runs the script with its arguments, stdin and environment, and reports exit code and output', async () => {
    const script = 'read -r input; echo "prim=$1 greeting=$PARAM_GREETING stdin=$input"; echo warn >&2; touch ran.txt; exit 3';
    const r = await sshExec(target, {
      command: ['sh', 'scripts/probe.sh', 'set-greeting'],
      stdin: '{"greeting":"it\'s me"}\n',
      env: { PARAM_GREETING: "it's me", 'BAD NAME': 'x' },
      files: { 'scripts/probe.sh': script },
      timeoutMs: 10_000,
    });
    expect(r).toEqual({
      exitCode: 3,
      stdout: `prim=set-greeting greeting=it's me stdin={"greeting":"it's me"}\n`,
      stderr: 'warn\n',
      timedOut: false,
      truncated: false,
    });
    expect(existsSync(join(homedir(), 'mano-work', 'ran.txt'))).toBe(true);
  });

  it('ends a command at its timeout and cuts output at the limit', async () => {
    const slow = await sshExec(target, { command: ['sleep', '30'], timeoutMs: 300 });
    expect(slow).toMatchObject({ exitCode: null, timedOut: true });
    const loud = await sshExec(target, { command: ['sh', '-c', 'yes | head -c 200000'] }, undefined, 1000);
    expect(loud.stdout).toHaveLength(1000);
    expect(loud.truncated).toBe(true);
  });

  it('maps a refused key to VIM.AUTH_FAILED and a closed port to a retryable VIM.UNREACHABLE; refuses paths outside the work dir', async () => {
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'other_key')]);
    const refused = await sshExec(
      { ...target, privateKey: readFileSync(join(dir, 'other_key'), 'utf8') },
      { command: ['true'] },
    ).catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: 'VIM.AUTH_FAILED', retryable: false });
    const closed = await sshExec({ ...target, port: 1 }, { command: ['true'] }).catch((e: unknown) => e);
    expect(VimError.isVimError(closed) && closed.code === 'VIM.UNREACHABLE' && closed.retryable).toBe(true);
    await expect(sshExec(target, { command: ['true'], files: { '../evil': 'x' } })).rejects.toMatchObject({
      code: 'VIM.INVALID_REQUEST',
    });
  });
});
