import { VimError } from '../../vim-adapters/contract/src';

/**
 * Runs `fn` with a signal that aborts at the timeout or when the run is interrupted, and settles at that moment
 * even if `fn` ignores its signal (its promise is then left to itself). One timer and one listener per call.
 */
export function bounded<T>(
  fn: (signal: AbortSignal) => Promise<T>,
  interrupt: AbortSignal,
  timeoutMs: number,
  onTimeout: () => Error = () => new VimError('VIM.TIMEOUT', `no answer from the VIM within ${timeoutMs} ms`, true),
): Promise<T> {
  if (interrupt.aborted) return Promise.reject(interrupt.reason as Error);
  const call = new AbortController();
  return new Promise<T>((resolve, reject) => {
    const stop = (reason: Error) => {
      call.abort(reason);
      reject(reason);
    };
    const onInterrupt = () => stop(interrupt.reason as Error);
    const timer = setTimeout(() => stop(onTimeout()), timeoutMs);
    interrupt.addEventListener('abort', onInterrupt, { once: true });
    fn(call.signal)
      .then(resolve, reject)
      .finally(() => {
        clearTimeout(timer);
        interrupt.removeEventListener('abort', onInterrupt);
      });
  });
}

export const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error);
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal!.reason as Error);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
