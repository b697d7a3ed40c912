import { vnfLoops } from './descriptor-loops';
import { alarmState, evaluatePolicy, freshPolicyState, mean, metricValue, PolicyInput } from './evaluation';
import type { PolicyDef } from './descriptor-loops';

const policy: PolicyDef = {
  aspect: 'a',
  name: 'p',
  maxLevel: 2,
  thresholdTimeS: 10,
  cooldownTimeS: 5,
  scaleOutOperation: 'OR',
  scaleInOperation: 'AND',
  criteria: [{ name: 'c', metric: 'cpu', outThreshold: 80, outOp: 'GT', inThreshold: 20, inOp: 'LT' }],
  vdus: ['w'],
};
const input = (over: Partial<PolicyInput> = {}): PolicyInput => ({
  policy,
  state: freshPolicyState('1', 'a', 'p'),
  values: new Map([['cpu', 90]]),
  level: 0,
  busy: false,
  now: 1000,
  ...over,
});

describe('metric values', () => {
  it('maps OSM performance metrics to the VIM measurement, unavailable as null (never 0)', () => {
    const m = { cpu: 0.42, memoryBytes: 10, memoryUtilization: 0.5, packetsIn: 7, custom: { queue: 3 }, at: '' };
    expect(metricValue('cpu_utilization', m)).toBeCloseTo(42);
    expect(metricValue('average_memory_utilization', m)).toBe(50);
    expect(metricValue('packets_received', m)).toBe(7);
    expect(metricValue('packets_sent', m)).toBeNull();
    expect(metricValue('queue', m)).toBe(3);
    expect(metricValue('cpu_utilization', null)).toBeNull();
    expect(metricValue('memory_utilization', { cpu: 0, memoryBytes: 1, at: '' })).toBeNull();
    expect(mean([null, 2, 4])).toBe(3);
    expect(mean([null])).toBeNull();
  });

  it('gives alarm states for every relation, INSUFFICIENT_DATA without a value', () => {
    expect(alarmState(71, 'GT', 70)).toBe('ALARM');
    expect(alarmState(70, 'GT', 70)).toBe('OK');
    expect(alarmState(70, 'GE', 70)).toBe('ALARM');
    expect(alarmState(69, 'LT', 70)).toBe('ALARM');
    expect(alarmState(70, 'LE', 70)).toBe('ALARM');
    expect(alarmState(70, 'EQ', 70)).toBe('ALARM');
    expect(alarmState(null, 'GT', 70)).toBe('INSUFFICIENT_DATA');
  });
});

describe('scaling policy evaluation', () => {
  it('scales out only after threshold-time, counted from the first round the condition held', () => {
    const first = evaluatePolicy(input());
    expect(first.action).toBeNull();
    expect(first.state.outSince).toBe(1000);
    expect(evaluatePolicy(input({ state: first.state, now: 1009 })).action).toBeNull();
    const due = evaluatePolicy(input({ state: first.state, now: 1010 }));
    expect(due.action).toBe('SCALE_OUT');
    expect(due.reason).toMatch(/cpu 90 GT 80 for 10 s/);
  });

  it('restarts the count when the condition breaks', () => {
    const held = evaluatePolicy(input()).state;
    const broken = evaluatePolicy(input({ state: held, values: new Map([['cpu', 50]]), now: 1005 })).state;
    expect(broken.outSince).toBeNull();
    expect(evaluatePolicy(input({ state: broken, now: 1011 })).action).toBeNull();
  });

  it('respects max-scale-level, level 0, cooldown and another running operation', () => {
    const held = { ...freshPolicyState('1', 'a', 'p'), outSince: 0, inSince: 0 };
    expect(evaluatePolicy(input({ state: held, level: 2 })).reason).toMatch(/max-scale-level 2/);
    const low = new Map([['cpu', 5]]);
    expect(evaluatePolicy(input({ state: held, values: low, level: 0 })).action).toBeNull();
    expect(evaluatePolicy(input({ state: held, values: low, level: 1 })).action).toBe('SCALE_IN');
    const cooling = evaluatePolicy(input({ state: { ...held, cooldownUntil: 1001 } }));
    expect(cooling.action).toBeNull();
    expect(cooling.reason).toMatch(/cooling down/);
    expect(evaluatePolicy(input({ state: { ...held, cooldownUntil: 1000 } })).action).toBe('SCALE_OUT');
    const busy = evaluatePolicy(input({ state: held, busy: true }));
    expect(busy.action).toBeNull();
    expect(busy.reason).toMatch(/another operation/);
  });

  it('treats an unavailable value as a criterion that does not hold', () => {
    const r = evaluatePolicy(
      input({ values: new Map([['cpu', null]]), state: { ...freshPolicyState('1', 'a', 'p'), outSince: 0 } }),
    );
    expect(r.action).toBeNull();
    expect(r.state.outSince).toBeNull();
    expect(r.reason).toMatch(/cpu unavailable/);
  });

  it('combines criteria with AND / OR', () => {
    const two: PolicyDef = {
      ...policy,
      thresholdTimeS: 0,
      scaleOutOperation: 'AND',
      criteria: [...policy.criteria, { name: 'm', metric: 'mem', outThreshold: 50, outOp: 'GT', inOp: 'LT' }],
    };
    expect(
      evaluatePolicy(
        input({
          policy: two,
          values: new Map([
            ['cpu', 90],
            ['mem', 10],
          ]),
        }),
      ).action,
    ).toBeNull();
    expect(
      evaluatePolicy(
        input({
          policy: two,
          values: new Map([
            ['cpu', 90],
            ['mem', 60],
          ]),
        }),
      ).action,
    ).toBe('SCALE_OUT');
    const or = { ...two, scaleOutOperation: 'OR' as const };
    expect(
      evaluatePolicy(
        input({
          policy: or,
          values: new Map([
            ['cpu', 90],
            ['mem', 10],
          ]),
        }),
      ).action,
    ).toBe('SCALE_OUT');
  });
});

describe('VNFD loops', () => {
  it('reads monitoring parameters, alarms and automatic policies (manual and disabled ones left out)', () => {
    const loops = vnfLoops({
      vdu: [
        {
          id: 'w',
          'monitoring-parameter': [{ id: 'cpu', 'performance-metric': 'cpu_utilization' }],
          alarm: [
            {
              'alarm-id': 'hi',
              'vnf-monitoring-param-ref': 'cpu',
              operation: 'GE',
              value: '75.5',
              actions: { alarm: [{ url: 'http://h/x' }] },
            },
            { 'alarm-id': 'off', 'vnf-monitoring-param-ref': 'cpu', enabled: 'false' },
          ],
        },
      ],
      df: [
        {
          'monitoring-parameter': [{ id: 'all', 'performance-metric': 'packets_sent' }],
          'scaling-aspect': [
            {
              id: 'a',
              'max-scale-level': 3,
              'aspect-delta-details': { deltas: [{ 'vdu-delta': [{ id: 'w' }] }] },
              'scaling-policy': [
                {
                  name: 'auto',
                  'scaling-type': 'automatic',
                  'threshold-time': '10',
                  'cooldown-time': 60,
                  'scaling-criteria': [{ name: 'c', 'vnf-monitoring-param-ref': 'cpu', 'scale-out-threshold': 80 }],
                },
                { name: 'by-hand', 'scaling-type': 'manual' },
              ],
            },
          ],
        },
      ],
    });
    expect(loops.params).toEqual([
      { id: 'cpu', name: 'cpu', metric: 'cpu_utilization', vduId: 'w' },
      { id: 'all', name: 'all', metric: 'packets_sent', vduId: null },
    ]);
    expect(loops.policies).toHaveLength(1);
    expect(loops.policies[0]).toMatchObject({ maxLevel: 3, thresholdTimeS: 10, cooldownTimeS: 60, vdus: ['w'] });
    expect(loops.alarms.map((a) => [a.alarmId, a.kind, a.operation, a.threshold])).toEqual([
      ['hi', 'vdu-alarm', 'GE', 75.5],
      ['auto/c/scale-out', 'scale-out', 'GT', 80],
    ]);
    expect(loops.alarms[0].actions.alarm).toEqual(['http://h/x']);
  });
});
