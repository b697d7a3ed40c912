import type { PlannedCompute } from './planner';
import { automatic, healingPolicies, healNow, healSteps, pinToRecord } from './healing';
import { healedVdur } from './step-results';

const compute = (): PlannedCompute => ({
  vimAccountId: 'vim-from-params',
  memberVnfIndex: '1',
  vnfrId: 'vnfr-1',
  vduId: 'web',
  countIndex: 0,
  interfaces: [],
  desired: {
    ref: { kind: 'compute', name: 'mano-ns-1-web-0', labels: {} },
    deploymentType: 'vm',
    image: 'ubuntu',
    flavor: { vcpu: 1, memoryGiB: 1, storageGiB: 1 },
    ports: [
      { name: 'eth0', network: 'mgmt' },
      { name: 'eth1', network: 'data' },
    ],
  },
});
const vdur = {
  name: 'mano-ns-1-web-0',
  'vim-account-id': 'vim-placed',
  zone: 'pop-b',
  interfaces: [
    { name: 'eth0', 'ip-address': '10.0.0.5' },
    { name: 'eth1', 'ip-address': null },
  ],
};

describe('healing (pure)', () => {
  it('pins a rebuilt compute to its record: VIM, zone, and each port’s old address where the VIM keeps them', () => {
    const kept = pinToRecord(compute(), vdur, true);
    expect(kept.vimAccountId).toBe('vim-placed');
    expect(kept.desired.placement).toEqual({ zone: 'pop-b' });
    expect(kept.desired.ports.map((p) => p.fixedIp)).toEqual(['10.0.0.5', undefined]);
    // Kubernetes assigns pod addresses: none asked for
    expect(pinToRecord(compute(), vdur, false).desired.ports.every((p) => p.fixedIp === undefined)).toBe(true);
  });

  it('removes, re-creates, waits, runs day-1, then finalizes as a heal', () => {
    const day1 = [{ key: 'day-1 configure on x', kind: 'primitive' as const, state: 'PENDING' as const, attempts: 0 }];
    const steps = healSteps([compute()], day1);
    expect(steps.map((s) => s.kind)).toEqual(['remove', 'apply', 'wait', 'primitive', 'finalize']);
    expect(steps.at(-1)!.data).toEqual({ phase: 'heal' });
  });

  it('replaces only the rebuilt vdur entries, in place', () => {
    const before = [
      { name: 'a', 'vim-id': '1' },
      { name: 'b', 'vim-id': '2' },
    ];
    expect(healedVdur(before, [{ name: 'b', 'vim-id': '3' }])).toEqual([
      { name: 'a', 'vim-id': '1' },
      { name: 'b', 'vim-id': '3' },
    ]);
  });

  it('reads OSM healing-aspect policies; only automatic REDEPLOY_ONLY ones are acted on; cooldown holds', () => {
    const policies = healingPolicies({
      df: [
        {
          'healing-aspect': [
            {
              id: 'h',
              'healing-policy': [
                {
                  'vdu-id': 'web',
                  'recovery-type': 'automatic',
                  'action-on-recovery': 'REDEPLOY_ONLY',
                  'cooldown-time': '60',
                  day1: 'true',
                },
                { 'vdu-id': 'db', 'recovery-type': 'manual' },
              ],
            },
          ],
        },
      ],
    });
    expect(policies[0]).toMatchObject({ aspect: 'h', vduId: 'web', cooldownS: 60, day1: true });
    expect(policies.filter(automatic).map((p) => p.vduId)).toEqual(['web']);
    expect(healNow(policies[0], undefined, 1000)).toEqual({ heal: true });
    expect(healNow(policies[0], 970, 1000)).toMatchObject({ heal: false, reason: expect.stringContaining('cooldown-time 60 s') });
    expect(healNow(policies[0], 940, 1000)).toEqual({ heal: true });
  });
});
