import { ExecRequest, ExecResult, SupportsExec, VimError } from '../../vim-adapters/contract/src';
import type { OpStep } from '../records/ns.entities';
import { execPrimitive, PrimitiveFailure } from './primitive-exec';
import { RunControl } from './run-control';

/** The engine's exec policy: the script's own time limit, and nothing that may have run is run again by itself. */
describe('execPrimitive', () => {
  const ok: ExecResult = { exitCode: 0, stdout: 'done\n', stderr: '', timedOut: false, truncated: false };
  const step = (timeoutSeconds: number): OpStep => ({
    key: 'day-1 configure on vm',
    kind: 'primitive',
    state: 'PENDING',
    attempts: 0,
    vimAccountId: 'vim',
    ref: { kind: 'compute', name: 'vm', labels: {} },
    data: { primitive: 'configure', params: {}, env: { kind: 'script', file: 'x.sh', timeoutSeconds }, files: {} },
  });
  /** An adapter whose exec answers as `answer` says, counting calls and keeping the requests. */
  const adapter = (answer: (n: number, req: ExecRequest, signal?: AbortSignal) => Promise<ExecResult>) => {
    const calls: ExecRequest[] = [];
    const a: SupportsExec = { exec: (_ref, req, signal) => (calls.push(req), answer(calls.length, req, signal)) };
    return { a, calls };
  };
  const request = { command: ['sh', 'scripts/x.sh', 'configure'] };

  it("passes the primitive's timeout-seconds and waits beyond the VIM-call timeout for a long script", async () => {
    const { a, calls } = adapter(() => new Promise((resolve) => setTimeout(() => resolve(ok), 300)));
    // a 100 ms VIM-call timeout used to cut every exec: the script's 2 s limit (plus that margin) now bounds it
    await expect(execPrimitive(a, step(2), request, new RunControl('w'), 100)).resolves.toEqual(ok);
    expect(calls).toHaveLength(1);
    expect(calls[0].timeoutMs).toBe(2000);
  });

  it('a VIM that does not answer within the limit plus the margin: the step fails, saying it may have run, not run again', async () => {
    const aborted: boolean[] = [];
    const { a, calls } = adapter(
      (_n, _r, signal) =>
        new Promise((_resolve, reject) =>
          signal!.addEventListener('abort', () => {
            aborted.push(true);
            reject(new VimError('VIM.TIMEOUT', 'aborted', true));
          }),
        ),
    );
    const s = step(1);
    const started = Date.now();
    const error = await execPrimitive(a, s, request, new RunControl('w'), 200).catch((e: Error) => e);
    expect(error).toBeInstanceOf(PrimitiveFailure);
    expect((error as Error).message).toBe(
      "primitive 'configure' may have run: no answer from the VIM within 1 s (its limit of 1 s and a margin); it is not run again by itself (retry the operation to run it again)",
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(1150);
    expect(calls).toHaveLength(1);
    expect(aborted).toEqual([true]);
  });

  it('an error that is not a VimError (a transport failure mid-run) is not retried either', async () => {
    const { a, calls } = adapter(() => Promise.reject(new Error('socket hang up')));
    await expect(execPrimitive(a, step(5), request, new RunControl('w'), 100)).rejects.toThrow(
      "primitive 'configure' may have run: socket hang up;",
    );
    expect(calls).toHaveLength(1);
  });

  it('retries only what the adapter says never started (retryable), then answers; a non-retryable error fails at once', async () => {
    const booting = adapter((n) =>
      n < 3 ? Promise.reject(new VimError('VIM.CONFLICT', 'compute vm is still booting', true)) : Promise.resolve(ok),
    );
    await expect(execPrimitive(booting.a, step(5), request, new RunControl('w'), 100)).resolves.toEqual(ok);
    expect(booting.calls).toHaveLength(3);
    const refused = adapter(() => Promise.reject(new VimError('VIM.UNSUPPORTED', 'exec refused: no bwrap', false)));
    await expect(execPrimitive(refused.a, step(5), request, new RunControl('w'), 100)).rejects.toMatchObject({
      code: 'VIM.UNSUPPORTED',
    });
    expect(refused.calls).toHaveLength(1);
  });

  it('a FORCEFUL cancel stops the run at once', async () => {
    const { a } = adapter(() => new Promise(() => undefined));
    const control = new RunControl('w');
    setTimeout(() => control.cancel('FORCEFUL'), 50);
    await expect(execPrimitive(a, step(60), request, control, 100)).rejects.toThrow('cancelled');
  });
});
