import { DomainError } from '../common/errors/domain-error';

/** SOL005 operation states (OSM uses the same names). A queued operation is PROCESSING with queuePosition > 0. */
export type OpState =
  'PROCESSING' | 'COMPLETED' | 'PARTIALLY_COMPLETED' | 'FAILED_TEMP' | 'FAILED' | 'ROLLING_BACK' | 'ROLLED_BACK';

export type OpEvent =
  | 'steps_done' // every step completed
  | 'optional_failed' // every required step completed, an optional one failed
  | 'step_failed' // a step failed (not retryable, or retries exhausted)
  | 'retry' // POST …/retry
  | 'rollback' // POST …/rollback
  | 'fail' // POST …/fail
  | 'rollback_done'
  | 'rollback_failed'
  | 'cancelled' // POST …/cancel took effect (the running step finished, or was abandoned when FORCEFUL)
  | 'superseded'; // a terminate replaces a failed operation (OSM lets you terminate after a failure)

/** The one transition table; anything not here is refused. */
export const TRANSITIONS: Readonly<Record<OpState, Partial<Record<OpEvent, OpState>>>> = {
  PROCESSING: {
    steps_done: 'COMPLETED',
    optional_failed: 'PARTIALLY_COMPLETED',
    step_failed: 'FAILED_TEMP',
    cancelled: 'FAILED_TEMP',
  },
  FAILED_TEMP: { retry: 'PROCESSING', rollback: 'ROLLING_BACK', fail: 'FAILED', superseded: 'FAILED' },
  ROLLING_BACK: { rollback_done: 'ROLLED_BACK', rollback_failed: 'FAILED_TEMP', cancelled: 'FAILED_TEMP' },
  COMPLETED: {},
  PARTIALLY_COMPLETED: {},
  FAILED: {},
  ROLLED_BACK: {},
};

export const FINAL_STATES: readonly OpState[] = ['COMPLETED', 'PARTIALLY_COMPLETED', 'FAILED', 'ROLLED_BACK'];
export const isFinal = (s: string): boolean => (FINAL_STATES as readonly string[]).includes(s);

export function transition(from: OpState, event: OpEvent): OpState {
  const to = TRANSITIONS[from]?.[event];
  if (!to) {
    throw DomainError.conflict('LCM.INVALID_STATE_TRANSITION', `operation in state ${from} cannot take '${event}'`);
  }
  return to;
}
