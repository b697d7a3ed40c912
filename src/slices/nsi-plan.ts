import { createHash } from 'node:crypto';
import { newId } from '../common/ids';
import { Obj, isObj, list, str, truthy } from '../common/values';
import type { SubnetData } from '../lcm/slice-subnet-steps';
import { NsiEntity, NsiLcmOpOccEntity, SliceStep } from '../records/nsi.entities';
import type { NsiInstantiateParams } from './params';

/** What one netslice-subnet of a template needs: its NSD (`_id` and descriptor). */
export interface SubnetNsd {
  id: string;
  descriptorId: string;
  descriptor: Obj;
}

/** The NST's subnets and VLDs, as stored on the NSI (`network-slice-template`). */
export const subnetsOf = (nst: Obj): Obj[] => list(nst['netslice-subnet']);
export const vldsOf = (nst: Obj): Obj[] => list(nst['netslice-vld']);
export const isShared = (s: Obj): boolean => truthy(s['is-shared-nss']);

/** A shared subnet is found again by project, NSD and subnet id (as OSM looks it up). */
export function shareKeyOf(project: string, nsdRef: string, nssId: string): string {
  return createHash('sha256').update(`${project}\n${nsdRef}\n${nssId}`).digest('hex').slice(0, 40);
}

/** Slice VLD network names: deterministic, so a resumed step and every slice sharing the network agree. */
export const sliceNetworkName = (owner: { nsiId: string } | { shareKey: string }, vld: string): string =>
  'nsiId' in owner ? `nsi-${owner.nsiId.slice(0, 8)}-${vld}` : `nss-${owner.shareKey.slice(0, 8)}-${vld}`;

/** Which slice VLDs touch which subnet (`nss-connection-point-ref`), and the NS VLD behind each NSD connection point. */
function connections(nst: Obj, nssId: string, nsd: Obj): { vld: string; nsVld: string }[] {
  const saps = new Map(list(nsd.sapd).map((s) => [String(s.id), str(s['virtual-link-desc'])]));
  return vldsOf(nst).flatMap((v) =>
    list(v['nss-connection-point-ref'])
      .filter((r) => String(r['nss-ref']) === nssId)
      .flatMap((r) => {
        const nsVld = saps.get(String(r['nsd-connection-point-ref']));
        return nsVld ? [{ vld: String(v.id ?? v.name), nsVld }] : [];
      }),
  );
}

/** Who owns the network of a slice VLD: the first shared subnet it touches (it lives as long as that NS), else the NSI. */
export function vldOwner(nst: Obj, vldId: string, shareKeys: Map<string, string>): string {
  const v = vldsOf(nst).find((x) => String(x.id ?? x.name) === vldId);
  for (const r of list(v?.['nss-connection-point-ref'])) {
    const key = shareKeys.get(String(r['nss-ref']));
    if (key) return key;
  }
  return 'nsi';
}

/**
 * The NS instantiation parameters of one subnet, as OSM builds them: the NST's own, then the request's
 * `netslice-subnet` entry and `additionalParamsForSubnet`; each NS VLD on a slice VLD attaches to its network.
 */
export function subnetParams(
  nsiId: string,
  req: NsiInstantiateParams,
  nst: Obj,
  s: Obj,
  nsd: SubnetNsd,
  shareKeys: Map<string, string>,
): Obj {
  const nssId = String(s.id);
  const p: Obj = isObj(s['instantiation-parameters']) ? structuredClone(s['instantiation-parameters']) : {};
  p.nsdId = nsd.id;
  p.nsName = `${req.nsiName}.${nssId}`;
  p.vimAccountId = req.vimAccountId;
  p.nsDescription = str(s.description) ?? null;
  if (req.ssh_keys) p.ssh_keys = req.ssh_keys;
  // the slice's placement engine and constraints, unless the subnet has its own
  if (req['placement-engine'] !== undefined) p['placement-engine'] = req['placement-engine'];
  if (req['placement-constraints'] !== undefined) p['placement-constraints'] = structuredClone(req['placement-constraints']);
  const own = (req['netslice-subnet'] ?? []).find((x) => x.id === nssId);
  if (own) {
    const { id: _id, ...rest } = structuredClone(own);
    Object.assign(p, rest);
  }
  const extra = (req.additionalParamsForSubnet ?? []).find((x) => x.id === nssId);
  if (extra?.additionalParamsForNs) p.additionalParamsForNs = extra.additionalParamsForNs;
  if (extra?.additionalParamsForVnf) p.additionalParamsForVnf = extra.additionalParamsForVnf;
  const vims = vimsOf(p);
  const vld = list(p.vld);
  for (const c of connections(nst, nssId, nsd.descriptor)) {
    if (vld.some((v) => v.name === c.nsVld)) continue;
    const given = (req['netslice-vld'] ?? []).find((v) => v.name === c.vld)?.['vim-network-name'];
    const owner = vldOwner(nst, c.vld, shareKeys);
    const name = sliceNetworkName(owner === 'nsi' ? { nsiId } : { shareKey: owner }, c.vld);
    const perVim = Object.fromEntries(
      vims.map((vim) => [vim, typeof given === 'object' ? (given[vim] ?? name) : (given ?? name)]),
    );
    vld.push({ name: c.nsVld, 'vim-network-name': vims.length === 1 ? perVim[vims[0]] : perVim });
  }
  if (vld.length) p.vld = vld;
  return p;
}

/** The VIMs one subnet's NS uses: its own, and those of VNFs placed elsewhere. */
export const vimsOf = (p: Obj): string[] => [
  ...new Set([String(p.vimAccountId), ...list(p.vnf).flatMap((v) => (v.vimAccountId ? [String(v.vimAccountId)] : []))]),
];

/** The slice operation's steps: slice VLD networks (one per VIM), the subnets' NSs, finalize. */
export function instantiateSteps(nsi: NsiEntity, req: NsiInstantiateParams, shareKeys: Map<string, string>): SliceStep[] {
  const nst = nsi.record['network-slice-template'] as Obj;
  const admin = nsi.record._admin as Obj;
  const subnetParamsById = new Map(list(admin['netslice-subnet']).map((p) => [String(p['nss-id']), p]));
  const steps: SliceStep[] = [];
  for (const v of vldsOf(nst)) {
    const vld = String(v.id ?? v.name);
    const given = (req['netslice-vld'] ?? []).find((x) => x.name === vld);
    const subnetIds = list(v['nss-connection-point-ref']).map((r) => String(r['nss-ref']));
    const vims = new Set<string>(
      subnetIds.flatMap((id) => vimsOf(subnetParamsById.get(id) ?? { vimAccountId: req.vimAccountId })),
    );
    if (vims.size === 0) vims.add(req.vimAccountId);
    const owner = vldOwner(nst, vld, shareKeys);
    for (const vim of vims) {
      const existing =
        typeof given?.['vim-network-name'] === 'object' ? given['vim-network-name'][vim] : given?.['vim-network-name'];
      if (existing) continue; // the VIM's own network: attached to, never created nor removed
      steps.push({
        key: `network ${vld} on ${vim}`,
        kind: 'network',
        state: 'PENDING',
        attempts: 0,
        data: {
          vimAccountId: vim,
          vld,
          owner,
          name: sliceNetworkName(owner === 'nsi' ? { nsiId: nsi.id } : { shareKey: owner }, vld),
          mgmt: truthy(v['mgmt-network']),
          ...(given?.['ip-profile'] ? { ipProfile: ipProfile(given['ip-profile']) } : {}),
        },
      });
    }
  }
  for (const n of list(admin['nsrs-detailed-list'])) {
    const nssId = String(n['nss-id']);
    const { 'nss-id': _n, ...params } = subnetParamsById.get(nssId) ?? {};
    steps.push(subnetStep({ nssId, nsId: String(n.nsrId), mode: 'instantiate', shareKey: shareKeys.get(nssId) ?? null, params }));
  }
  steps.push({ key: 'finalize', kind: 'finalize', state: 'PENDING', attempts: 0, data: {} });
  return steps;
}

/** Terminate: every subnet is let go (in parallel), then the slice's networks, then the records. */
export function terminateSteps(nsi: NsiEntity, shareKeys: Map<string, string>, last: NsiLcmOpOccEntity | null): SliceStep[] {
  const admin = nsi.record._admin as Obj;
  const used = new Map(
    (last?.steps ?? [])
      .filter((s) => s.kind === 'subnet')
      .map((s) => [String(s.data.nssId), s.data.usedOpId as string | undefined]),
  );
  return [
    ...list(admin['nsrs-detailed-list']).map((n) =>
      subnetStep({
        nssId: String(n['nss-id']),
        nsId: String(n.nsrId),
        mode: 'terminate',
        shareKey: shareKeys.get(String(n['nss-id'])) ?? null,
        usedOpId: str(n.nslcmop_instantiate) ?? used.get(String(n['nss-id'])),
      }),
    ),
    { key: 'remove slice VLDs', kind: 'remove-networks', state: 'PENDING', attempts: 0, data: {} },
    { key: 'finalize', kind: 'finalize', state: 'PENDING', attempts: 0, data: {} },
  ];
}

/** Rollback of a failed instantiation: what was done stays DONE, the rest is skipped, then every subnet is let go. */
export function rollbackSteps(steps: SliceStep[]): SliceStep[] {
  const subnets = steps.filter((s) => s.kind === 'subnet' && s.data.phase !== 'rollback');
  return [
    ...steps.map((s): SliceStep => (s.state === 'DONE' ? s : { ...s, state: 'SKIPPED' })),
    ...subnets.map((s) => {
      const d = s.data as unknown as SubnetData;
      const step = subnetStep({
        nssId: d.nssId,
        nsId: d.nsId,
        mode: 'rollback',
        shareKey: d.shareKey,
        usedOpId: d.usedOpId ?? d.nsOpId,
      });
      return { ...step, key: `rollback: ${step.key}`, data: { ...step.data, phase: 'rollback' } };
    }),
    { key: 'rollback: remove slice VLDs', kind: 'remove-networks', state: 'PENDING', attempts: 0, data: { phase: 'rollback' } },
    { key: 'rollback: finalize', kind: 'finalize', state: 'PENDING', attempts: 0, data: { phase: 'rollback' } },
  ];
}

function subnetStep(d: Omit<SubnetData, 'nsOpId'>): SliceStep {
  return {
    key: `subnet ${d.nssId}`,
    kind: 'subnet',
    state: 'PENDING',
    attempts: 0,
    data: { ...d, nsOpId: newId() } as unknown as Obj,
  };
}

function ipProfile(p: Obj): Obj {
  return {
    ...(p['subnet-address'] ? { cidr: p['subnet-address'] } : {}),
    ...(p['gateway-address'] ? { gatewayIp: p['gateway-address'] } : {}),
    ...(isObj(p['dhcp-params']) ? { dhcp: p['dhcp-params'].enabled !== false } : {}),
  };
}
