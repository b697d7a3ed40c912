import type { DesiredCompute, DesiredResource, ResourceRef } from '../../vim-adapters/contract/src';
import type { OpStep, OwnedResource } from '../records/ns.entities';
import type { Plan, PlannedCompute, PlannedKdu } from './planner';

/**
 * Workflows as lists of small idempotent steps, worked out when the operation is created and persisted
 * with it: placement → networks → volumes → computes → wait until provisioned → finalize (records).
 */
export function instantiateSteps(plan: Plan, kdus: PlannedKdu[] = []): OpStep[] {
  const steps: OpStep[] = [];
  steps.push({ key: 'place VNFs', kind: 'place', state: 'PENDING', attempts: 0, data: { vnfs: plan.vnfs } });
  for (const n of plan.networks)
    steps.push(applyStep(n.vimAccountId, n.desired, { nsVld: n.nsVld, memberVnfIndex: n.memberVnfIndex, vnfVld: n.vnfVld }));
  for (const v of plan.volumes) steps.push(applyStep(v.vimAccountId, v.desired, { memberVnfIndex: v.memberVnfIndex }));
  for (const c of plan.computes) steps.push(computeStep(c));
  // KDUs go to their Kubernetes cluster (placement pins only computes and volumes)
  for (const k of kdus)
    steps.push(
      applyStep(k.vimAccountId, k.desired, {
        memberVnfIndex: k.memberVnfIndex,
        vnfrId: k.vnfrId,
        kduName: k.kduName,
        ...(k.helm ? { helmChart: k.helm.chart, helmRelease: k.helm.release } : {}),
      }),
    );
  for (const c of plan.computes) steps.push(waitStep(c.vimAccountId, c.desired.ref));
  for (const k of kdus) steps.push(waitStep(k.vimAccountId, k.desired.ref));
  steps.push({ key: 'finalize', kind: 'finalize', state: 'PENDING', attempts: 0 });
  return steps;
}

export const applyStep = (vimAccountId: string, desired: DesiredResource, data?: Record<string, unknown>): OpStep => ({
  key: `apply ${desired.ref.kind} ${desired.ref.name}`,
  kind: 'apply',
  state: 'PENDING',
  attempts: 0,
  vimAccountId,
  desired,
  data,
});

/** A VDU instance: its compute, with what the records need once it exists. */
export const computeStep = (c: PlannedCompute): OpStep =>
  applyStep(c.vimAccountId, c.desired, {
    memberVnfIndex: c.memberVnfIndex,
    vnfrId: c.vnfrId,
    vduId: c.vduId,
    countIndex: c.countIndex,
    interfaces: c.interfaces,
  });

/** Until a compute (or KDU) is provisioned (server ACTIVE, pods Ready, boot delay over). */
export const waitStep = (vimAccountId: string, ref: ResourceRef): OpStep => ({
  key: `wait ${ref.name}`,
  kind: 'wait',
  state: 'PENDING',
  attempts: 0,
  vimAccountId,
  ref,
});

/** What goes first when an NS's resources are removed: workloads, then their volumes, then the networks they used. */
const REMOVAL_ORDER = { kdu: 0, compute: 0, volume: 1, network: 2 } as const;

/** Everything the NS owns goes, computes first, then volumes, then networks; then the records. */
export function terminateSteps(resources: OwnedResource[]): OpStep[] {
  return [
    ...[...resources]
      .sort((a, b) => REMOVAL_ORDER[a.kind] - REMOVAL_ORDER[b.kind])
      .map((r): OpStep => ({
        key: `remove ${r.kind} ${r.name}`,
        kind: 'remove',
        state: 'PENDING',
        attempts: 0,
        vimAccountId: r.vimAccountId,
        ref: { kind: r.kind, name: r.name, labels: {} } as ResourceRef,
      })),
    { key: 'finalize', kind: 'finalize', state: 'PENDING', attempts: 0 },
  ];
}

/** After placement: each compute and volume of a VNF is pinned to the zone chosen for it. */
export function pinZones(steps: OpStep[], zones: Map<string, string | undefined>): void {
  for (const s of steps) {
    const member = s.data?.memberVnfIndex as string | undefined;
    if (s.kind !== 'apply' || !member || !s.desired || !zones.get(member)) continue;
    if (s.desired.ref.kind === 'compute') {
      const c = s.desired as DesiredCompute;
      c.placement = { ...(c.placement ?? {}), zone: zones.get(member) };
    } else if (s.desired.ref.kind === 'volume') {
      (s.desired as { zone?: string }).zone = zones.get(member);
    }
  }
}

/** An operation being (or having been) rolled back carries its rollback steps. */
export const isRollingBack = (op: { steps: OpStep[] }): boolean => op.steps.some((s) => s.data?.phase === 'rollback');

/**
 * Rollback of an operation that created resources: what it left undone is skipped, and everything it may have
 * created (the NS owned it before the VIM call) is removed — computes, then volumes, then networks.
 */
export function rollbackSteps(steps: OpStep[]): OpStep[] {
  const created = steps
    .filter((s) => s.kind === 'apply' && s.data?.phase !== 'rollback')
    .sort((a, b) => REMOVAL_ORDER[a.desired!.ref.kind] - REMOVAL_ORDER[b.desired!.ref.kind]);
  return [
    ...steps.map((s): OpStep => (s.state === 'DONE' ? s : { ...s, state: 'SKIPPED' })),
    ...created.map((s): OpStep => ({
      key: `rollback: remove ${s.desired!.ref.kind} ${s.desired!.ref.name}`,
      kind: 'remove',
      state: 'PENDING',
      attempts: 0,
      vimAccountId: s.vimAccountId,
      ref: { kind: s.desired!.ref.kind, name: s.desired!.ref.name, labels: {} } as ResourceRef,
      data: { phase: 'rollback' },
    })),
    { key: 'rollback: finalize', kind: 'finalize', state: 'PENDING', attempts: 0, data: { phase: 'rollback' } },
  ];
}
