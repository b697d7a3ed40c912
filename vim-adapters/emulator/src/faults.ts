import { FaultSpec, VimError } from '../../contract/src';

/** Persisted fault state: the spec and how many calls were counted since it was set. */
export interface FaultState {
  spec: FaultSpec;
  calls: number;
}

/** mulberry32: small, fast and reproducible for a given seed. */
function random(seed: number, n: number): number {
  let t = (seed + Math.imul(n, 0x6d2b79f5)) >>> 0;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

export type FaultDecision = { kind: 'none' } | { kind: 'fail'; error: VimError } | { kind: 'hang'; ms: number };

/** What happens to call number `state.calls` (already incremented). Pure. */
export function decideFault(state: FaultState, operation: string): FaultDecision {
  const { spec, calls } = state;
  if (spec.hangCalls?.includes(calls)) return { kind: 'hang', ms: spec.hangMs ?? 3_600_000 };
  const listed = spec.failCalls?.includes(calls) ?? false;
  const drawn = spec.failureRate !== undefined && random(spec.seed ?? 1, calls) < spec.failureRate;
  if (!listed && !drawn) return { kind: 'none' };
  const code = spec.errorCode ?? 'VIM.UNREACHABLE';
  return {
    kind: 'fail',
    error: new VimError(code, `emulator: injected ${code} on call ${calls} (${operation})`, spec.retryable ?? false),
  };
}

export function hang(ms: number, signal?: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    const timer = setTimeout(() => reject(new VimError('VIM.TIMEOUT', `emulator: injected hang of ${ms} ms ended`, true)), ms);
    // a call without a signal (observe) hangs until the timer: it must not keep the process alive
    timer.unref();
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(new VimError('VIM.TIMEOUT', 'emulator: call aborted while hanging (injected hang)', true));
    });
  });
}
