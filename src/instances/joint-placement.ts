import type { Session } from '../auth/session';
import { Obj, list } from '../common/values';
import { vnfProfiles } from '../lcm/flavour';
import { InstantiateParams, Plan, planInstantiation } from '../lcm/planner';
import type { NsToPlace } from '../placement/inputs';
import { PlacementOutcome, PlacementService } from '../placement/placement.service';
import type { WimChoice } from '../placement/wim';
import type { NsRequestResolver } from './ns-request';

/** One NS of a group to place together: its record id and its instantiate body. */
export interface JointItem {
  nsId: string;
  body: Obj;
}

/**
 * Several NSs (a slice's subnets) placed in one model: shared capacity, each NS's own constraints. The decision is
 * handed back as each NS's instantiate body pinned to it — `vnf[].vimAccountId` and a zone per VNF
 * (`placement-constraints.vnf-constraints[].zone`) — so when each NS instantiates later its own (now trivial) model
 * lands where the joint one said and records its explanation. Nothing happens unless one of them asks for the
 * optimiser (`placement-engine: PLA` or `placement-constraints`).
 */
export async function placeJointly(
  placement: PlacementService,
  request: NsRequestResolver,
  session: Session,
  all: JointItem[],
  notInstantiated: Set<string>,
): Promise<{ bodies: Obj[]; outcome?: PlacementOutcome }> {
  // an NS already instantiated (a shared subnet another slice runs) holds its capacity already: not placed again
  const items = all.filter((i) => notInstantiated.has(i.nsId));
  const placed = await placeFresh(placement, request, session, items);
  let next = 0;
  return { bodies: all.map((i) => (notInstantiated.has(i.nsId) ? placed.bodies[next++] : i.body)), outcome: placed.outcome };
}

async function placeFresh(
  placement: PlacementService,
  request: NsRequestResolver,
  session: Session,
  items: JointItem[],
): Promise<{ bodies: Obj[]; outcome?: PlacementOutcome }> {
  if (!items.some((i) => PlacementService.wanted(i.body))) return { bodies: items.map((i) => i.body) };
  const nss: NsToPlace[] = [];
  for (const item of items) {
    const { params, nsd, vnfds } = await request.resolve(session, structuredClone(item.body));
    const descriptors = new Map([...vnfds.entries()].map(([k, v]) => [k, v.descriptor]));
    const members = vnfProfiles(nsd.descriptor, params.nsFlavourId).map((vp) => String(vp.id));
    // the plan's demands only: no record ids nor user data are needed for them
    const plan = planInstantiation({
      nsId: item.nsId,
      nsd: nsd.descriptor,
      vnfds: descriptors,
      params,
      vnfrIds: new Map(members.map((m) => [m, m])),
      opId: 'placement',
    });
    nss.push({
      nsId: item.nsId,
      nsd: nsd.descriptor,
      vnfds: descriptors,
      demands: new Map(plan.vnfs.map((v) => [v.memberVnfIndex, v.demand])),
      params,
    });
  }
  const outcome = await placement.place(session, nss);
  const bodies = items.map((item) => {
    const body = structuredClone(item.body) as Obj & Pick<InstantiateParams, 'vnf'>;
    const prefix = nss.length > 1 ? `${item.nsId}/` : '';
    const chosen = Object.entries(outcome.vnfs).filter(([key]) => key.startsWith(prefix) && (prefix || !key.includes('/')));
    if (!chosen.length) return body;
    const vnf = [...(body.vnf ?? [])];
    const pc = { ...((body['placement-constraints'] as Obj | undefined) ?? {}) };
    const vnfC = list(pc['vnf-constraints']).map((c) => ({ ...c }));
    for (const [key, x] of chosen) {
      const member = key.slice(prefix.length);
      const i = vnf.findIndex((v) => String(v['member-vnf-index']) === member);
      if (i >= 0) vnf[i] = { ...vnf[i], vimAccountId: x.vimAccountId };
      else vnf.push({ 'member-vnf-index': member, vimAccountId: x.vimAccountId });
      if (!x.zone) continue;
      const c = vnfC.find((v) => String(v['member-vnf-index']) === member);
      if (c) c.zone = x.zone;
      else vnfC.push({ 'member-vnf-index': member, zone: x.zone });
    }
    if (vnfC.length) pc['vnf-constraints'] = vnfC;
    return { ...body, vnf, 'placement-engine': body['placement-engine'] ?? 'PLA', 'placement-constraints': pc };
  });
  return { bodies, outcome };
}

/** NS VLDs whose networks the plan puts on more than one VIM → those VIMs. */
export function spanningVlds(plan: Plan): Map<string, string[]> {
  const spans = new Map<string, string[]>();
  for (const n of plan.networks) if (n.nsVld) spans.set(n.nsVld, [...(spans.get(n.nsVld) ?? []), n.vimAccountId]);
  for (const [vld, vims] of spans) if (vims.length < 2) spans.delete(vld);
  return spans;
}

/** The NS record's `vld[]` with, on each spanning VLD, its VIMs and the WIM account that would connect them. */
export function withWims(vlds: Obj[], spans: Map<string, string[]>, wims: Map<string, WimChoice>): Obj[] {
  return vlds.map((v) => {
    const { 'vim-accounts': _v, wim: _w, 'wim-reason': _r, ...rest } = v;
    const w = wims.get(String(v.id));
    return w
      ? { ...rest, 'vim-accounts': spans.get(String(v.id)), wim: w.wim, ...(w.reason ? { 'wim-reason': w.reason } : {}) }
      : rest;
  });
}
