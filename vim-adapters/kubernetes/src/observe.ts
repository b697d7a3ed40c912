import type { KubernetesObject } from '@kubernetes/client-node';
import { Condition, Observed, ResourceRef } from '../../contract/src';
import { KubeObjects } from './objects';
import { APPLIED_AT_ANNOTATION, PORTS_ANNOTATION } from './manifests';
import { ContainerStatuses, containerTrouble } from './pod-status';

type Obj = Record<string, unknown>;
export type Workload = KubernetesObject & {
  spec?: { replicas?: number };
  status?: {
    readyReplicas?: number;
    replicas?: number;
    conditions?: { type: string; status: string; reason?: string; message?: string }[];
  };
};
export type Pod = KubernetesObject & {
  spec?: { nodeName?: string; containers?: { resources?: { requests?: Record<string, string> } }[] };
  status?: { phase?: string; podIP?: string; conditions?: { type: string; status: string; reason?: string; message?: string }[] };
};

/** How observation judges readiness (the account's `readiness` and `readiness_timeout_s`). */
export interface Readiness {
  readiness: 'pods' | 'accepted';
  readinessTimeoutMs: number;
}

export const WORKLOAD_KINDS = ['Deployment', 'StatefulSet'] as const;

export function observed(
  ref: ResourceRef,
  obj: KubernetesObject,
  provisioned: boolean,
  conditions: Condition[],
  details: Obj,
): Observed {
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(obj.metadata?.labels ?? {}))
    if (k.startsWith('mano.io/') && k !== 'mano.io/resource') labels[`mano.${k.slice('mano.io/'.length)}`] = v;
  // label values are cut to Kubernetes' rules; the identity asked for is what the caller knows it by
  return {
    ref: { ...ref, labels: { ...labels, ...ref.labels } },
    providerId: obj.metadata?.uid ?? `${obj.kind}/${obj.metadata?.name}`,
    provisioned,
    upToDate: true,
    addresses: [],
    conditions,
    details,
  };
}

/** The Deployment or StatefulSet of a VDU instance. */
export async function workloadOf(api: KubeObjects, name: string, namespace: string): Promise<Workload | null> {
  for (const kind of WORKLOAD_KINDS) {
    const w = await api.read('apps/v1', kind, name, namespace);
    if (w) return w as Workload;
  }
  return null;
}

/** How long ago the object was (last) applied: the readiness timeout counts from there. */
export function appliedAge(obj: KubernetesObject): number {
  const since = obj.metadata?.annotations?.[APPLIED_AT_ANNOTATION] ?? obj.metadata?.creationTimestamp;
  return Date.now() - Date.parse(String(since ?? new Date().toISOString()));
}

export async function observeCompute(
  api: KubeObjects,
  options: Readiness,
  ref: ResourceRef,
  name: string,
  namespace: string,
): Promise<Observed | null> {
  const workload = await workloadOf(api, name, namespace);
  if (!workload) return null;
  const [pods, service] = await Promise.all([
    api.list<Pod>('v1', 'Pod', namespace, `mano.io/resource=${name}`),
    api.read('v1', 'Service', name, namespace) as Promise<(KubernetesObject & { spec?: { clusterIP?: string } }) | null>,
  ]);
  const wanted = workload.spec?.replicas ?? 1;
  const ready = (workload.status?.readyReplicas ?? 0) >= wanted;
  const provisioned = ready || options.readiness === 'accepted';
  const conditions: Condition[] = [
    {
      type: 'Ready',
      status: ready ? 'True' : 'False',
      reason: `${workload.status?.readyReplicas ?? 0}/${wanted} pods ready`,
    },
  ];
  const podConditions = ready ? '' : await podTrouble(api, pods, namespace);
  const age = appliedAge(workload);
  if (!provisioned && age > options.readinessTimeoutMs)
    conditions.push({
      type: 'Failed',
      status: 'True',
      reason: 'ReadinessTimeout',
      message: `not ready ${Math.round(age / 1000)} s after it was applied (readiness_timeout_s ${options.readinessTimeoutMs / 1000}): ${
        podConditions || (pods.length ? 'pods not ready' : 'no pods were created (is a controller manager running?)')
      }`,
    });
  const ip = service?.spec?.clusterIP && service.spec.clusterIP !== 'None' ? service.spec.clusterIP : pods[0]?.status?.podIP;
  const ports = (workload.metadata?.annotations?.[PORTS_ANNOTATION] ?? '').split(',').filter(Boolean);
  return {
    ...observed(ref, workload, provisioned, conditions, {
      namespace,
      kind: workload.kind,
      pods: pods.map((p) => `${p.metadata?.name}: ${p.status?.phase ?? 'Unknown'}`),
      ...(podConditions ? { podConditions } : {}),
    }),
    addresses: ip ? ports.map((port) => ({ port, network: namespace, ip })) : [],
  };
}

/**
 * What keeps pods from being ready, as a human reads it: their conditions that are not True — for a pod the
 * scheduler cannot place, its reason ("0/3 nodes are available: 3 Insufficient cpu."), from the condition or else
 * from the pod's latest FailedScheduling event.
 */
export async function podTrouble(api: KubeObjects, pods: Pod[], namespace: string): Promise<string> {
  let events: (KubernetesObject & { involvedObject?: { name?: string }; reason?: string; message?: string })[] | undefined;
  const out: string[] = [];
  for (const p of pods) {
    const conditions = (p.status?.conditions ?? []).filter((c) => c.status !== 'True');
    const unscheduled = !p.spec?.nodeName && !conditions.some((c) => c.type === 'PodScheduled' && c.message);
    if (unscheduled && p.status?.phase === 'Pending') {
      events ??= await api.list('v1', 'Event', namespace).catch(() => []);
      const last = events.filter((e) => e.involvedObject?.name === p.metadata?.name && e.reason === 'FailedScheduling').pop();
      if (last?.message) {
        out.push(`${p.metadata?.name} PodScheduled=False (Unschedulable: ${last.message})`);
        continue;
      }
    }
    for (const c of conditions)
      out.push(
        `${p.metadata?.name} ${c.type}=${c.status}${c.reason ? ` (${c.reason}${c.message ? `: ${c.message}` : ''})` : ''}`,
      );
    out.push(...containerTrouble(p as ContainerStatuses));
  }
  return out.join('; ');
}
