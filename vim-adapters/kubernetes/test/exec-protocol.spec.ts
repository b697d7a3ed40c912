import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHANNEL, ExecStreamDecoder, exitCodeOf, podExecCommand } from '../src/exec-protocol';

const frame = (channel: number, text: string) => Buffer.concat([Buffer.from([channel]), Buffer.from(text)]);

describe('Kubernetes pod exec: the exec stream protocol', () => {
  it('collects stdout and stderr by channel and reads the exit code from the status channel', () => {
    const d = new ExecStreamDecoder();
    d.push(frame(CHANNEL.stdout, 'greeting '));
    d.push(frame(CHANNEL.stderr, 'warn\n'));
    d.push(frame(CHANNEL.stdout, 'set\n'));
    d.push(Buffer.alloc(0));
    d.push(
      frame(
        CHANNEL.error,
        JSON.stringify({
          metadata: {},
          status: 'Failure',
          message: 'command terminated with non-zero exit code: error executing command [sh -c …], exit code 3',
          reason: 'NonZeroExitCode',
          details: { causes: [{ reason: 'ExitCode', message: '3' }] },
        }),
      ),
    );
    expect(d.result()).toEqual({ exitCode: 3, stdout: 'greeting set\n', stderr: 'warn\n', timedOut: false, truncated: false });
    expect(d.failure).toBeUndefined();
  });

  it('Success is exit 0; a failure of the exec itself has no exit code and says why; output is cut at the limit', () => {
    expect(exitCodeOf({ status: 'Success' })).toBe(0);
    const d = new ExecStreamDecoder(4);
    d.push(frame(CHANNEL.stdout, 'abcdefgh'));
    d.push(
      frame(
        CHANNEL.error,
        JSON.stringify({ status: 'Failure', message: 'container not found ("main")', reason: 'InternalError' }),
      ),
    );
    expect(d.result()).toMatchObject({ exitCode: null, stdout: 'abcd', truncated: true });
    expect(d.failure).toBe('container not found ("main")');
    expect(new ExecStreamDecoder().result(true)).toMatchObject({ exitCode: null, timedOut: true });
  });

  it('builds a container command that writes the files, sets the environment, feeds stdin and runs the script (run here with sh)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mano-podexec-'));
    try {
      const command = podExecCommand(
        {
          command: ['sh', 'scripts/web.sh', 'set-greeting'],
          env: { PARAM_GREETING: "it's 'quoted' & $HOME", 'NOT VALID': 'x' },
          files: { 'scripts/web.sh': 'read -r line; echo "$1 $PARAM_GREETING $line" > out.txt; echo done' },
          stdin: 'from-stdin\n',
        },
        join(dir, 'work'),
      );
      expect(command.slice(0, 2)).toEqual(['sh', '-c']);
      // the exec stream's own stdin is not used: what the command was given is what the script reads
      const run = spawnSync(command[0], command.slice(1), { input: 'not this\n', encoding: 'utf8' });
      expect(run.status).toBe(0);
      expect(run.stdout).toBe('done\n');
      expect(readFileSync(join(dir, 'work', 'out.txt'), 'utf8')).toBe("set-greeting it's 'quoted' & $HOME from-stdin\n");
      expect(() => podExecCommand({ command: ['true'], files: { '../x': '' } })).toThrow('outside the working directory');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
