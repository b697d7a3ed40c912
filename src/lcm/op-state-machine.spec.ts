import { DomainError } from '../common/errors/domain-error';
import { FINAL_STATES, OpEvent, OpState, transition, TRANSITIONS } from './op-state-machine';

const STATES = Object.keys(TRANSITIONS) as OpState[];
const EVENTS: OpEvent[] = [
  'steps_done',
  'optional_failed',
  'step_failed',
  'retry',
  'rollback',
  'fail',
  'rollback_done',
  'rollback_failed',
  'superseded',
  'cancelled',
];

describe('operation state machine', () => {
  const allowed: [OpState, OpEvent, OpState][] = [
    ['PROCESSING', 'steps_done', 'COMPLETED'],
    ['PROCESSING', 'optional_failed', 'PARTIALLY_COMPLETED'],
    ['PROCESSING', 'step_failed', 'FAILED_TEMP'],
    ['FAILED_TEMP', 'retry', 'PROCESSING'],
    ['FAILED_TEMP', 'rollback', 'ROLLING_BACK'],
    ['FAILED_TEMP', 'fail', 'FAILED'],
    ['FAILED_TEMP', 'superseded', 'FAILED'],
    ['ROLLING_BACK', 'rollback_done', 'ROLLED_BACK'],
    ['ROLLING_BACK', 'rollback_failed', 'FAILED_TEMP'],
    ['PROCESSING', 'cancelled', 'FAILED_TEMP'],
    ['ROLLING_BACK', 'cancelled', 'FAILED_TEMP'],
  ];

  it.each(allowed)('%s --%s--> %s', (from, event, to) => expect(transition(from, event)).toBe(to));

  it('refuses every other pair with a 409', () => {
    const ok = new Set(allowed.map(([f, e]) => `${f}/${e}`));
    let refused = 0;
    for (const from of STATES) {
      for (const event of EVENTS) {
        if (ok.has(`${from}/${event}`)) continue;
        expect(() => transition(from, event)).toThrow(DomainError);
        refused++;
      }
    }
    expect(refused).toBe(STATES.length * EVENTS.length - allowed.length);
  });

  it('has no way out of a final state', () => {
    for (const s of FINAL_STATES) expect(Object.keys(TRANSITIONS[s])).toEqual([]);
  });
});
