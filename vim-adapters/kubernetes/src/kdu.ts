import type { KubernetesObject } from '@kubernetes/client-node';
import { Condition, DesiredKdu, Observed, ResourceRef } from '../../contract/src';
import { KduEntry, kduIndexName, kduManifests, KubernetesMapping } from './manifests';
import { KubeObjects } from './objects';
import { appliedAge, observed, Pod, podTrouble, Readiness, Workload } from './observe';

const KDU_WORKLOADS = new Set(['Deployment', 'StatefulSet', 'DaemonSet']);

/** Where a KDU's indexed object lives ('' = cluster-wide; absent in indexes written before namespaces were kept). */
const entryNamespace = (e: KduEntry, namespace: string): string | undefined =>
  e.namespace === undefined ? namespace : e.namespace || undefined;

/** The index ConfigMap first (a crash half-way leaves the list of what to remove), then the KDU's objects. */
export async function applyKdu(api: KubeObjects, d: DesiredKdu, m: KubernetesMapping): Promise<void> {
  const { index, objects } = kduManifests(d, m);
  await api.serverSideApply(index);
  for (const obj of objects) await api.serverSideApply(obj);
}

async function kduEntries(api: KubeObjects, ref: ResourceRef, namespace: string): Promise<KduEntry[] | null> {
  const index = (await api.read('v1', 'ConfigMap', kduIndexName(ref), namespace)) as
    (KubernetesObject & { data?: { objects?: string } }) | null;
  return index ? (JSON.parse(index.data?.objects ?? '[]') as KduEntry[]) : null;
}

/** Every object the index lists, in reverse (a namespace the KDU declared goes after what it holds), the index last. */
export async function removeKdu(api: KubeObjects, ref: ResourceRef, namespace: string): Promise<boolean> {
  let deleted = false;
  const entries = (await kduEntries(api, ref, namespace)) ?? [];
  for (const e of [...entries].reverse())
    deleted = (await api.delete(e.apiVersion, e.kind, e.name, entryNamespace(e, namespace))) || deleted;
  for (const e of entries.filter((x) => KDU_WORKLOADS.has(x.kind) || x.kind === 'Namespace'))
    await api.untilGone(e.apiVersion, e.kind, e.name, entryNamespace(e, namespace));
  // the index goes last: until then it tells what is left
  return (await api.delete('v1', 'ConfigMap', kduIndexName(ref), namespace)) || deleted;
}

/** A KDU is ready when every workload among its objects has its replicas ready. */
export async function observeKdu(
  api: KubeObjects,
  options: Readiness,
  ref: ResourceRef,
  namespace: string,
): Promise<Observed | null> {
  const index = await api.read('v1', 'ConfigMap', kduIndexName(ref), namespace);
  if (!index) return null;
  const entries = (await kduEntries(api, ref, namespace)) ?? [];
  const notReady: string[] = [];
  for (const e of entries.filter((x) => KDU_WORKLOADS.has(x.kind))) {
    const w = (await api.read(e.apiVersion, e.kind, e.name, entryNamespace(e, namespace))) as Workload | null;
    const wanted = w?.spec?.replicas ?? 1;
    const ready =
      e.kind === 'DaemonSet' ? (w?.status as { numberReady?: number } | undefined)?.numberReady : w?.status?.readyReplicas;
    if (!w || (ready ?? 0) < wanted) {
      // its pods, by the workload's own selector: why they are not ready (unschedulable…)
      const match = (w?.spec as { selector?: { matchLabels?: Record<string, string> } } | undefined)?.selector?.matchLabels;
      const ns = entryNamespace(e, namespace);
      const pods =
        match && ns && Object.keys(match).length
          ? await api.list<Pod>(
              'v1',
              'Pod',
              ns,
              Object.entries(match)
                .map(([k, v]) => `${k}=${v}`)
                .join(','),
            )
          : [];
      const trouble = ns ? await podTrouble(api, pods, ns) : '';
      notReady.push(`${e.kind} ${e.name}: ${ready ?? 0}/${wanted} ready${trouble ? ` (${trouble})` : ''}`);
    }
  }
  const provisioned = !notReady.length || options.readiness === 'accepted';
  const age = appliedAge(index);
  const conditions: Condition[] = [
    { type: 'Ready', status: notReady.length ? 'False' : 'True', reason: notReady.join('; ') || undefined },
  ];
  if (!provisioned && age > options.readinessTimeoutMs)
    conditions.push({
      type: 'Failed',
      status: 'True',
      reason: 'ReadinessTimeout',
      message: `not ready ${Math.round(age / 1000)} s after it was applied: ${notReady.join('; ')}`,
    });
  return observed(ref, index, provisioned, conditions, {
    namespace,
    objects: entries.map((e) => `${e.kind}/${e.name}`),
  });
}
