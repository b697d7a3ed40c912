import type { KubernetesObject } from '@kubernetes/client-node';
import { DesiredCompute, VimCapacity, VimError, ZoneCapacity } from '../../contract/src';
import { quantity } from './errors';
import { KubernetesMapping, ZONE_LABEL, ZoneBinding } from './manifests';
import { KubeObjects } from './objects';
import { Pod } from './observe';

/** The zone capacity() reports for nodes without a zone label: never a node label itself (see zoneBinding). */
export const UNLABELLED_ZONE = 'default';

/** Allocatable and requested CPU, memory and GPUs per zone (the nodes' zone label, else UNLABELLED_ZONE). */
export async function clusterCapacity(api: KubeObjects, m: KubernetesMapping): Promise<VimCapacity> {
  const [nodes, pods] = await Promise.all([api.list('v1', 'Node'), api.list<Pod>('v1', 'Pod')]);
  const zones = new Map<string, ZoneCapacity>();
  const zoneOfNode = new Map<string, string>();
  for (const node of nodes as (KubernetesObject & { status?: { allocatable?: Record<string, string> } })[]) {
    const name = node.metadata?.labels?.[ZONE_LABEL] ?? UNLABELLED_ZONE;
    zoneOfNode.set(node.metadata?.name ?? '', name);
    const z = zones.get(name) ?? {
      name,
      labels: {},
      total: { vcpu: 0, memoryGiB: 0, storageGiB: null, gpu: 0 },
      used: { vcpu: 0, memoryGiB: 0, storageGiB: 0, gpu: 0 },
    };
    const a = node.status?.allocatable ?? {};
    z.total.vcpu! += quantity(a.cpu, 'cpu');
    z.total.memoryGiB! += quantity(a.memory, 'memory');
    z.total.gpu! += Number(a[m.gpuResource] ?? 0);
    zones.set(name, z);
  }
  for (const pod of pods) {
    if (pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') continue;
    const z = zones.get(zoneOfNode.get(pod.spec?.nodeName ?? '') ?? '');
    if (!z) continue;
    for (const c of pod.spec?.containers ?? []) {
      z.used.vcpu += quantity(c.resources?.requests?.cpu, 'cpu');
      z.used.memoryGiB += quantity(c.resources?.requests?.memory, 'memory');
    }
  }
  return { zones: [...zones.values()], links: [] };
}

/**
 * Only a zone that nodes carry as a label becomes a node selector: the zone capacity() made up for unlabelled nodes
 * binds to those nodes (or to none in particular on a cluster without zones), and a zone no node has is refused
 * before anything is made, instead of pods that never schedule.
 */
export async function zoneBinding(api: KubeObjects, m: KubernetesMapping, d: DesiredCompute): Promise<ZoneBinding> {
  const zone = d.placement?.zone;
  if (!zone || m.zoneSelectors[zone]) return 'selector';
  let nodes: KubernetesObject[];
  try {
    nodes = await api.list('v1', 'Node');
  } catch (e) {
    // an account that may not list nodes: as before, by the label
    if (VimError.isVimError(e) && e.code === 'VIM.AUTH_FAILED') return zone === UNLABELLED_ZONE ? 'none' : 'selector';
    throw e;
  }
  const zones = new Set(nodes.map((n) => n.metadata?.labels?.[ZONE_LABEL]));
  if (zones.has(zone)) return 'selector';
  if (zone === UNLABELLED_ZONE && zones.has(undefined)) return zones.size > 1 ? 'unlabelled' : 'none';
  throw new VimError(
    'VIM.INVALID_REQUEST',
    `zone ${zone}: no node of the cluster has the label ${ZONE_LABEL}=${zone} (zones: ${
      [...zones].map((z) => z ?? `${UNLABELLED_ZONE} (nodes without a zone label)`).join(', ') || 'no nodes'
    }); name a zone of the cluster or map it with the account's zone_selectors`,
    false,
    'placement.zone',
  );
}
