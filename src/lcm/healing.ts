import type { ResourceRef } from '../../vim-adapters/contract/src';
import type { OpStep } from '../records/ns.entities';
import { Obj, list, num, str, truthy } from '../common/values';
import type { PlannedCompute } from './planner';
import { computeStep, waitStep } from './workflows';

/**
 * HEAL (OSM R11+ `ns_instances/{id}/heal`, and auto-healing from the VNFD's `healing-aspect`): each named VDU
 * instance is removed and created again under the same name, on the same VIM and zone, with the same addresses where
 * the VIM lets a port keep its IP, then its day-1 runs again when asked. Pure: the service and the watcher use it.
 */

/** One VDU instance to rebuild: its VNF, its current `vdur` entry, and whether day-1 runs on it again. */
export interface HealTarget {
  member: string;
  vnfrId: string;
  vdur: Obj;
  runDay1: boolean;
}

/** What the VDU instance had: each port's address (kept where the VIM allows), its VIM and zone. */
export function pinToRecord(c: PlannedCompute, vdur: Obj, keepAddresses: boolean): PlannedCompute {
  const ips = new Map(list(vdur.interfaces).map((i) => [String(i.name), str(i['ip-address'])]));
  const zone = str(vdur.zone);
  return {
    ...c,
    vimAccountId: String(vdur['vim-account-id'] ?? c.vimAccountId),
    desired: {
      ...c.desired,
      ports: c.desired.ports.map((p) => (keepAddresses && ips.get(p.name) ? { ...p, fixedIp: ips.get(p.name) } : p)),
      ...(zone ? { placement: { ...(c.desired.placement ?? {}), zone } } : {}),
    },
  };
}

/** Remove then re-create each compute, wait until all are up, run the day-1 steps, then update the records. */
export function healSteps(computes: PlannedCompute[], day1: OpStep[]): OpStep[] {
  const steps: OpStep[] = [];
  for (const c of computes) {
    steps.push({
      key: `remove compute ${c.desired.ref.name}`,
      kind: 'remove',
      state: 'PENDING',
      attempts: 0,
      vimAccountId: c.vimAccountId,
      ref: { kind: 'compute', name: c.desired.ref.name, labels: {} } as ResourceRef,
      data: { phase: 'heal' },
    });
    steps.push(computeStep(c));
  }
  for (const c of computes) steps.push(waitStep(c.vimAccountId, c.desired.ref));
  return [...steps, ...day1, { key: 'finalize', kind: 'finalize', state: 'PENDING', attempts: 0, data: { phase: 'heal' } }];
}

/** OSM's `healing-aspect[].healing-policy[]` (augment of the VNFD's df). */
export interface HealingPolicy {
  aspect: string;
  vduId: string;
  eventName?: string;
  recoveryType: string;
  actionOnRecovery: string;
  cooldownS: number;
  day1: boolean;
}

export function healingPolicies(vnfd: Obj): HealingPolicy[] {
  const df = list(vnfd.df)[0] ?? {};
  return list(df['healing-aspect']).flatMap((a) =>
    list(a['healing-policy']).map((p) => ({
      aspect: String(a.id),
      vduId: String(p['vdu-id']),
      eventName: str(p['event-name']),
      recoveryType: str(p['recovery-type']) ?? 'automatic',
      actionOnRecovery: str(p['action-on-recovery']) ?? 'REDEPLOY_ONLY',
      cooldownS: num(p['cooldown-time'], 0),
      day1: truthy(p.day1),
    })),
  );
}

/** What the watcher does about it: only automatic redeploys are carried out here. */
export function automatic(p: HealingPolicy): boolean {
  return p.recoveryType === 'automatic' && p.actionOnRecovery === 'REDEPLOY_ONLY';
}

export type Health = 'ok' | 'failed' | 'gone';

/** Whether one unhealthy VDU instance is healed now: not within its policy's cooldown after the last heal of it. */
export function healNow(p: HealingPolicy, lastHealedS: number | undefined, nowS: number): { heal: boolean; reason?: string } {
  if (lastHealedS !== undefined && nowS - lastHealedS < p.cooldownS)
    return {
      heal: false,
      reason: `in cooldown: healed ${Math.round(nowS - lastHealedS)} s ago, cooldown-time ${p.cooldownS} s`,
    };
  return { heal: true };
}
