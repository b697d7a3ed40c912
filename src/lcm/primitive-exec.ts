import { ExecRequest, ExecResult, ResourceRef, SupportsExec, VimError } from '../../vim-adapters/contract/src';
import type { OpStep } from '../records/ns.entities';
import { bounded, sleep } from './bounded';
import type { PrimitiveRun } from './day-n';
import type { RunControl } from './run-control';

const RETRY_DELAYS_MS = [100, 400, 1600];

/** A primitive's failure: the step fails with this message and the operation goes FAILED_TEMP. */
export class PrimitiveFailure extends Error {}

/**
 * Runs a primitive's script once, with the time limit of its execution environment (`timeout-seconds`).
 *
 * A script cannot be observed, so it is never run twice by the engine: the VIM call is bounded by the script's limit
 * plus a margin (the VIM-call timeout, for reaching the compute), and when that passes, or the adapter fails in a way
 * that does not promise the command never started, the step fails saying the script may have run; running it again is
 * the operator's decision (`retry`). The contract's promise: an exec error with `retryable: true` means the command was
 * not started (no running pod yet, the SSH connection refused, a compute still booting), and only those are tried again.
 */
export async function execPrimitive(
  a: SupportsExec,
  step: OpStep,
  request: Omit<ExecRequest, 'timeoutMs'>,
  control: RunControl,
  callTimeoutMs: number,
): Promise<ExecResult> {
  const run = step.data as unknown as PrimitiveRun;
  const limitS = run.env.timeoutSeconds;
  const boundMs = limitS * 1000 + callTimeoutMs;
  const mayHaveRun = (why: string) =>
    new PrimitiveFailure(
      `primitive '${run.primitive}' may have run: ${why}; it is not run again by itself (retry the operation to run it again)`,
    );
  for (let attempt = 0; ; attempt++) {
    step.attempts += 1;
    try {
      return await bounded(
        (signal) => a.exec(step.ref as ResourceRef<'compute'>, { ...request, timeoutMs: limitS * 1000 }, signal),
        control.signal,
        boundMs,
        () => mayHaveRun(`no answer from the VIM within ${Math.round(boundMs / 1000)} s (its limit of ${limitS} s and a margin)`),
      );
    } catch (e) {
      if (control.signal.aborted) throw control.signal.reason as Error;
      if (e instanceof PrimitiveFailure) throw e;
      if (!VimError.isVimError(e)) throw mayHaveRun((e as Error).message);
      if (!e.retryable || attempt >= RETRY_DELAYS_MS.length) throw e;
      step.lastError = `${e.code}: ${e.message}`;
      await sleep(RETRY_DELAYS_MS[attempt], control.signal);
    }
  }
}
