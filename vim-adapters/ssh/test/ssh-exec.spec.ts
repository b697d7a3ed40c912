import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { VimError } from '../../contract/src';
import { sshExec, SshTarget } from '../src/ssh-exec';
import { startSshd, TestSshd } from './sshd';

const skip = process.env.MANO_IT_SSH === '0';
if (skip) console.log('SSH executor tests skipped (MANO_IT_SSH=0)');

/** The SSH executor against a real OpenSSH server started here on 127.0.0.1 with throw-away keys. */
(skip ? describe.skip : describe)('SSH executor (real OpenSSH)', () => {
  let dir: string;
  let sshd: TestSshd;
  let target: SshTarget;

  beforeAll(async () => {
    sshd = await startSshd();
    ({ target, dir } = sshd);
  });

  afterAll(() => {
    sshd?.stop();
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
