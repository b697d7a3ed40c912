import type { Repository } from 'typeorm';
import type { Observed, VimAdapter } from '../../vim-adapters/contract/src';
import { DomainError } from '../common/errors/domain-error';
import type { AppConfig } from '../config/env';
import type { CatalogItemEntity } from '../records/catalog-item.entity';
import type { NsInstanceEntity, VnfInstanceEntity } from '../records/ns.entities';
import type { LoopLeaseEntity } from '../records/monitoring.entities';
import { HealingWatcher, HealOperations } from './healing-watcher';
import type { VimAdapters } from './vim-port';

type Obj = Record<string, unknown>;

const vnfd = {
  id: 'web_vnf',
  vdu: [{ id: 'web' }, { id: 'db' }],
  df: [
    {
      id: 'default',
      'healing-aspect': [
        {
          id: 'h',
          'healing-policy': [
            {
              'vdu-id': 'web',
              'recovery-type': 'automatic',
              'action-on-recovery': 'REDEPLOY_ONLY',
              'cooldown-time': 60,
              day1: true,
            },
            // manual: observed by nobody
            { 'vdu-id': 'db', 'recovery-type': 'manual' },
          ],
        },
      ],
    },
  ],
};

/** A watcher over one NS with two web instances and a db, against fake repositories and a fake VIM. */
function setup(seen: Record<string, Observed | null | Error>, admin: Obj = {}) {
  const ns = { id: 'ns-1', nsState: 'READY', modified: 100, record: { _admin: admin } } as unknown as NsInstanceEntity;
  const vdur = (vdu: string, i: number) => ({
    name: `${vdu}-${i}`,
    'vdu-id-ref': vdu,
    'count-index': i,
    'vim-account-id': 'vim',
  });
  const vnf = {
    id: 'vnfr-1',
    nsInstanceId: 'ns-1',
    memberVnfIndex: '1',
    record: { 'vnfd-id': 'pkg-1', vdur: [vdur('web', 0), vdur('web', 1), vdur('db', 0)] },
  } as unknown as VnfInstanceEntity;
  const updates: Obj[] = [];
  const nss = {
    findBy: async () => [ns],
    update: async (_where: unknown, change: Obj) => (updates.push(change), { affected: 1 }),
  } as unknown as Repository<NsInstanceEntity>;
  const vnfs = { findBy: async () => [vnf] } as unknown as Repository<VnfInstanceEntity>;
  const catalog = { find: async () => [{ id: 'pkg-1', descriptor: vnfd }] } as unknown as Repository<CatalogItemEntity>;
  const observed: string[] = [];
  const adapter = {
    observe: async (ref: { name: string }) => {
      observed.push(ref.name);
      const v = seen[ref.name];
      if (v instanceof Error) throw v;
      return v === undefined ? ok(ref.name) : v;
    },
  } as unknown as VimAdapter;
  const adapters = { adapterById: async () => adapter } as unknown as VimAdapters;
  const started: { body: Obj; admin: Obj }[] = [];
  let refuse: DomainError | undefined;
  const operations: HealOperations = {
    startAutomatic: async (_id, body, change) => {
      if (refuse) throw refuse;
      const fresh = { record: { _admin: {} } } as unknown as NsInstanceEntity;
      change(fresh);
      started.push({ body, admin: fresh.record._admin as Obj });
      return 'op-1';
    },
  };
  const watcher = new HealingWatcher(
    { healingIntervalS: 0 } as AppConfig,
    nss,
    vnfs,
    catalog,
    {} as Repository<LoopLeaseEntity>,
    adapters,
    operations,
  );
  return { watcher, started, updates, observed, refuseWith: (e: DomainError) => (refuse = e) };
}
const ok = (name: string): Observed => ({
  ref: { kind: 'compute', name, labels: {} },
  providerId: name,
  provisioned: true,
  upToDate: true,
  addresses: [],
  conditions: [],
});
const failed = (name: string): Observed => ({
  ...ok(name),
  provisioned: false,
  conditions: [{ type: 'Failed', status: 'True', reason: 'ERROR', message: 'server in ERROR' }],
});
const decision = (u: Obj) =>
  ((u.record as Obj)._admin as { healing: { lastDecision: { decision: string; reason: string } } }).healing.lastDecision;

describe('HealingWatcher (one round)', () => {
  it('heals failed and gone instances of automatic policies in one operation; manual policies are not observed', async () => {
    const s = setup({ 'web-0': failed('web-0'), 'web-1': null });
    await s.watcher.watch();
    expect(s.observed).toEqual(['web-0', 'web-1']);
    expect(s.started).toHaveLength(1);
    expect(s.started[0].body).toEqual({
      healVnfData: [
        {
          vnfInstanceId: 'vnfr-1',
          cause: 'auto-healing: web-0 failed in its VIM; web-1 is gone from its VIM',
          additionalParams: {
            vdu: [
              { 'vdu-id': 'web', 'count-index': 0, 'run-day1': true },
              { 'vdu-id': 'web', 'count-index': 1, 'run-day1': true },
            ],
          },
        },
      ],
    });
    const healing = s.started[0].admin.healing as { lastHealed: Obj; lastDecision: Obj; policies: Obj[] };
    expect(Object.keys(healing.lastHealed)).toEqual(['web-0', 'web-1']);
    expect(healing.lastDecision).toMatchObject({ decision: 'heal' });
    expect(healing.policies).toEqual([expect.objectContaining({ 'vdu-id': 'web', 'cooldown-time': 60 })]);
  });

  it('waits out the cooldown, and says so on the NS', async () => {
    const s = setup({ 'web-0': null }, { healing: { lastHealed: { 'web-0': Date.now() / 1000 - 10 } } });
    await s.watcher.watch();
    expect(s.started).toEqual([]);
    expect(decision(s.updates[0])).toMatchObject({ decision: 'wait', reason: expect.stringContaining('in cooldown') });
    // the same decision again is not written again
    const again = setup({ 'web-0': null }, (s.updates[0].record as Obj)._admin as Obj);
    await again.watcher.watch();
    expect(again.updates).toEqual([]);
  });

  it('gives no verdict on a VIM it cannot reach, and records a refused heal (another operation open)', async () => {
    const unreachable = setup({ 'web-0': new Error('connect ECONNREFUSED') });
    await unreachable.watcher.watch();
    expect(unreachable.started).toEqual([]);
    expect(decision(unreachable.updates[0])).toMatchObject({ decision: 'wait', reason: expect.stringContaining('ECONNREFUSED') });

    const busy = setup({ 'web-1': null });
    busy.refuseWith(DomainError.conflict('LCM.OPERATION_IN_PROGRESS', 'There is a pending operation op-0'));
    await busy.watcher.watch();
    expect(decision(busy.updates[0])).toMatchObject({
      decision: 'wait',
      reason: 'web-1 is gone from its VIM; not healed: There is a pending operation op-0',
    });
  });

  it('leaves a healthy NS alone', async () => {
    const s = setup({});
    await s.watcher.watch();
    expect(s.started).toEqual([]);
    expect(decision(s.updates[0])).toMatchObject({ decision: 'none' });
  });
});
