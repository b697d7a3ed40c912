import { diagnosticsMetrics } from '../../openstack/src/computes';
import { parseComputeStatus, parseLoadProfile, parseSettableMetrics, profileStep } from '../src/metrics';

describe('metric inputs and load profiles', () => {
  it('checks settable metrics, naming the bad field', () => {
    expect(parseSettableMetrics({ cpu: 0.5, packetsIn: 3, custom: { queue: 2 } }, 'body')).toEqual({
      cpu: 0.5,
      packetsIn: 3,
      custom: { queue: 2 },
    });
    expect(() => parseSettableMetrics({ cpu: 1.5 }, 'body')).toThrow(/body\.cpu/);
    expect(() => parseSettableMetrics({ cpus: 1 }, 'body')).toThrow(/body\.cpus.*not a settable metric/);
    expect(() => parseSettableMetrics({ custom: { 'a b': 1 } }, 'body')).toThrow(/not a metric name/);
    expect(() => parseLoadProfile({ labels: { a: 1 }, steps: [] }, 'body')).toThrow(/body\.labels/);
    expect(() => parseLoadProfile({ steps: [{ cpu: 0.1, durationS: -1 }] }, 'body')).toThrow(/steps\[0\]\.durationS/);
  });

  it('checks a compute status: ERROR with an optional message, or ACTIVE', () => {
    expect(parseComputeStatus({ status: 'ERROR', message: 'disk gone' }, 'body')).toBe('disk gone');
    expect(parseComputeStatus({ status: 'ERROR' }, 'body')).toContain('ERROR');
    expect(parseComputeStatus({ status: 'ACTIVE' }, 'body')).toBeNull();
    expect(() => parseComputeStatus({ status: 'SHUTOFF' }, 'body')).toThrow(/body\.status/);
    expect(() => parseComputeStatus({ status: 'ERROR', why: 1 }, 'body')).toThrow(/body\.why/);
    expect(() => parseComputeStatus({ status: 'ERROR', message: 'x'.repeat(501) }, 'body')).toThrow(/body\.message/);
    expect(() => parseComputeStatus({ status: 'ACTIVE', message: 'm' }, 'body')).toThrow(/body\.message/);
  });

  it('holds each step for its duration, the last for ever, or repeats', () => {
    const steps = [{ cpu: 0.9, durationS: 10 }, { cpu: 0.1, durationS: 5 }, { cpu: 0.5 }];
    expect(profileStep({ labels: {}, steps }, 0)?.cpu).toBe(0.9);
    expect(profileStep({ labels: {}, steps }, 12)?.cpu).toBe(0.1);
    expect(profileStep({ labels: {}, steps }, 1000)?.cpu).toBe(0.5);
    const looping = { labels: {}, steps: steps.slice(0, 2), repeat: true };
    expect(profileStep(looping, 16)?.cpu).toBe(0.9);
    expect(profileStep({ labels: {}, steps: [] }, 0)).toBeUndefined();
  });
});

describe('OpenStack server diagnostics', () => {
  it('reads CPU %, memory and NIC counters; no CPU figure means no metrics (never zeros)', () => {
    expect(
      diagnosticsMetrics({
        cpu_details: [{ utilisation: 40 }, { utilisation: 60 }],
        memory_details: { maximum: 1024, used: 256 },
        nic_details: [{ rx_packets: 10, tx_packets: 4, rx_octets: 1000, tx_octets: null }],
      }),
    ).toMatchObject({
      cpu: 0.5,
      memoryBytes: 256 * 2 ** 20,
      memoryUtilization: 0.25,
      packetsIn: 10,
      packetsOut: 4,
      bytesIn: 1000,
    });
    const m = diagnosticsMetrics({ cpu_details: [{ utilisation: 10 }] })!;
    expect(m.packetsIn).toBeUndefined();
    expect(m.memoryUtilization).toBeUndefined();
    expect(diagnosticsMetrics({ cpu_details: [{ utilisation: null }] })).toBeNull();
  });
});
