import type { Observed } from '../../vim-adapters/contract/src';
import type { Obj } from '../common/values';
import type { NsInstanceEntity, NsLcmOpOccEntity, OpStep } from '../records/ns.entities';
import type { PlannedInterface } from './planner';

/**
 * What an NS operation's steps observed, shaped into OSM's record fields (VNF `vdur`/`kdur`, scaling levels, action
 * output) and the NS's owned-resource list. Pure: the executor persists the results.
 */

/** OSM's scaling level of a group of one VNF (how many scale-out steps are in force). */
export function scaleLevel(ns: NsInstanceEntity, group: string, member: string): number {
  const groups = ((ns.record._admin as Obj | undefined)?.['scaling-group'] as Obj[] | undefined) ?? [];
  return Number(groups.find((g) => g.name === group && g.vnf_index === member)?.['nb-scale-op'] ?? 0);
}

export function primitiveOutput(op: NsLcmOpOccEntity): string | undefined {
  const results = op.steps.map((s) => (s.data?.result as { stdout?: string } | undefined)?.stdout?.trim()).filter((x) => x);
  return results.length ? results.join('\n') : undefined;
}

/** VNF `vdur` entries for the computes the operation created, as OSM's client reads them. */
export function vdurOf(op: NsLcmOpOccEntity): { vnfrId: string; vdur: Obj }[] {
  const waits = new Map(op.steps.filter((s) => s.kind === 'wait').map((s) => [s.ref!.name, s]));
  return op.steps
    .filter((c) => c.kind === 'apply' && c.state === 'DONE' && c.desired?.ref.kind === 'compute')
    .map((c) => {
      const observed = (waits.get(c.desired!.ref.name)?.data?.observed ?? c.data?.observed ?? {}) as ObservedBrief;
      const planned = (c.data?.interfaces ?? []) as PlannedInterface[];
      const interfaces = planned.map((p) => {
        const addr = observed.addresses?.find((a) => a.port === p.name);
        return {
          name: p.name,
          'ip-address': addr?.ip ?? null,
          'mac-address': addr?.mac ?? null,
          'mgmt-vnf': p.mgmt,
          'mgmt-interface': p.mgmt,
          ...(p.nsVld ? { 'ns-vld-id': p.nsVld } : {}),
          ...(p.vnfVld ? { 'vnf-vld-id': p.vnfVld } : {}),
          ...(p.extCpd ? { 'external-connection-point-ref': p.extCpd } : {}),
        };
      });
      const mgmt = interfaces.find((x) => x['mgmt-vnf']) ?? interfaces[0];
      return {
        vnfrId: String(c.data?.vnfrId),
        vdur: {
          _id: c.providerId,
          id: c.providerId,
          'vdu-id-ref': c.data?.vduId,
          'count-index': c.data?.countIndex,
          name: c.desired!.ref.name,
          status: 'ACTIVE',
          'vim-id': c.providerId,
          'vim-account-id': c.vimAccountId,
          zone: observed.zone ?? null,
          'ip-address': mgmt?.['ip-address'] ?? null,
          interfaces,
        },
      };
    });
}

/** The VNF's `vdur` after a heal: each rebuilt instance's entry replaced (new VIM id, addresses), in place. */
export function healedVdur(before: Obj[], rebuilt: Obj[]): Obj[] {
  const byName = new Map(rebuilt.map((v) => [String(v.name), v]));
  return before.map((v) => byName.get(String(v.name)) ?? v);
}

/** The VIM's word that a resource will never become usable as it is (contract README, rule 7). */
export const hasFailed = (o: Observed) => o.conditions.find((c) => c.type === 'Failed' && c.status === 'True');

/** VNF `kdur` entries for the KDUs the operation deployed (OSM's fields: name, cluster, namespace, status). */
export function kdurOf(op: NsLcmOpOccEntity, vnfrId: string): Obj[] {
  return op.steps
    .filter((s) => s.kind === 'apply' && s.state === 'DONE' && s.desired?.ref.kind === 'kdu' && s.data?.vnfrId === vnfrId)
    .map((s) => {
      const observed = (s.data?.observed ?? {}) as ObservedBrief;
      return {
        'kdu-name': s.data?.kduName,
        ...(s.data?.helmChart ? { 'helm-chart': s.data.helmChart } : {}),
        'k8s-cluster': { id: s.vimAccountId },
        'k8s-namespace': observed.namespace ?? null,
        'kdu-instance': s.data?.helmRelease ?? s.desired!.ref.name,
        // a Helm KDU's release is its resource name (helm template <release>), as OSM shows it
        'resource-name': s.data?.helmRelease ?? s.providerId,
        status: 'READY',
      };
    });
}

/** Marks the steps' resources as the NS's own (idempotent). */
export function own(ns: NsInstanceEntity, steps: OpStep[]): void {
  for (const s of steps) {
    const r = { vimAccountId: s.vimAccountId!, kind: s.desired!.ref.kind, name: s.desired!.ref.name };
    if (!ns.resources.some((x) => x.vimAccountId === r.vimAccountId && x.kind === r.kind && x.name === r.name))
      ns.resources = [...ns.resources, r];
  }
}

export interface ObservedBrief {
  providerId: string;
  provisioned?: boolean;
  zone?: string;
  addresses?: { port: string; ip: string; mac?: string }[];
  namespace?: string;
}
export const brief = (o: Observed): ObservedBrief => ({
  providerId: o.providerId,
  provisioned: o.provisioned,
  zone: o.zone,
  addresses: o.addresses,
  ...(typeof o.details?.namespace === 'string' ? { namespace: o.details.namespace } : {}),
});
