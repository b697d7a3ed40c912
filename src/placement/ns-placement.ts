import type { Session } from '../auth/session';
import { Obj } from '../common/values';
import type { OpStep } from '../records/ns.entities';
import type { InstantiateParams, Plan, PlannedKdu, PlannedVnf } from '../lcm/planner';
import { PlacementOutcome, PlacementService } from './placement.service';

/**
 * The narrow seam between instantiation and the optimiser. Before planning: when the request asks for it, the
 * optimiser picks a VIM per VNF and the request is rewritten as if the user had pinned them (`vnf[].vimAccountId`),
 * so the planner creates each VIM's networks for the VLDs reaching it. The chosen zones ride on the place step.
 */
export async function placeNs(
  placement: PlacementService,
  session: Session,
  ns: { nsId: string; nsd: Obj; vnfds: Map<string, Obj>; params: InstantiateParams },
  demandsOf: (params: InstantiateParams) => PlannedVnf[],
): Promise<{ params: InstantiateParams; outcome?: PlacementOutcome }> {
  if (!PlacementService.wanted(ns.params)) return { params: ns.params };
  const demands = new Map(demandsOf(ns.params).map((v) => [v.memberVnfIndex, v.demand]));
  const outcome = await placement.place(session, [{ nsId: ns.nsId, nsd: ns.nsd, vnfds: ns.vnfds, demands, params: ns.params }]);
  const vnf = [...(ns.params.vnf ?? [])];
  for (const [member, x] of Object.entries(outcome.vnfs)) {
    const i = vnf.findIndex((v) => v['member-vnf-index'] === member);
    if (i >= 0) vnf[i] = { ...vnf[i], vimAccountId: x.vimAccountId };
    else vnf.push({ 'member-vnf-index': member, vimAccountId: x.vimAccountId });
  }
  return { params: { ...ns.params, vnf }, outcome };
}

/** The place step carries the decision: the executor pins these zones instead of choosing per VIM. */
export function attachPlacement(steps: OpStep[], outcome: PlacementOutcome | undefined): void {
  const place = steps.find((s) => s.kind === 'place');
  if (place && outcome) place.data = { ...(place.data ?? {}), pla: outcome };
}

/** Dry run: the placement and what would be created on each VIM, nothing stored or called. */
export function dryRunView(plan: Plan, kdus: PlannedKdu[], outcome: PlacementOutcome | undefined): Obj {
  const perVim = new Map<string, { networks: Obj[]; volumes: Obj[]; computes: Obj[]; kdus: Obj[] }>();
  const of = (vim: string) => {
    if (!perVim.has(vim)) perVim.set(vim, { networks: [], volumes: [], computes: [], kdus: [] });
    return perVim.get(vim)!;
  };
  const zone = (m: string) => outcome?.vnfs[m]?.zone ?? null;
  for (const n of plan.networks)
    of(n.vimAccountId).networks.push({
      name: n.desired.ref.name,
      ...(n.nsVld ? { 'ns-vld': n.nsVld } : {}),
      ...(n.vnfVld ? { 'member-vnf-index': n.memberVnfIndex, 'vnf-vld': n.vnfVld } : {}),
    });
  for (const v of plan.volumes)
    of(v.vimAccountId).volumes.push({
      name: v.desired.ref.name,
      'member-vnf-index': v.memberVnfIndex,
      zone: zone(v.memberVnfIndex),
    });
  for (const c of plan.computes)
    of(c.vimAccountId).computes.push({
      name: c.desired.ref.name,
      'member-vnf-index': c.memberVnfIndex,
      vdu: c.vduId,
      'count-index': c.countIndex,
      zone: zone(c.memberVnfIndex),
      interfaces: c.interfaces.map((i) => ({ name: i.name, network: i.network })),
    });
  for (const k of kdus)
    of(k.vimAccountId).kdus.push({ name: k.desired.ref.name, 'member-vnf-index': k.memberVnfIndex, kdu: k.kduName });
  return {
    dryRun: true,
    placement: outcome ?? { engine: 'capacity-aware', note: 'zones are chosen inside each VIM when the operation runs' },
    resources: Object.fromEntries(perVim),
  };
}
