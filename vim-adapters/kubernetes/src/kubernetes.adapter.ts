import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import { randomBytes } from 'node:crypto';
import {
  ComputeMetrics,
  DesiredCompute,
  DesiredKdu,
  DesiredNetwork,
  DesiredResource,
  DesiredVolume,
  ExecRequest,
  ExecResult,
  Observed,
  ResourceRef,
  SupportsExec,
  SupportsMetrics,
  SupportsScale,
  VimAdapter,
  VimCapacity,
  VimError,
  VimHealth,
} from '../../contract/src';
import { kubernetesError, quantity, transportReason } from './errors';
import { execInPod } from './exec';
import { applyKdu, observeKdu, removeKdu } from './kdu';
import { checkKduObjects, KduPolicy } from './kdu-policy';
import {
  computeManifests,
  generatedSecretManifest,
  dnsLabel,
  KubernetesMapping,
  namespaceManifests,
  namespaceOf,
  networkManifests,
  vlPolicyName,
  volumeManifests,
} from './manifests';
import { KubeObjects } from './objects';
import { observeCompute, observed, Pod, WORKLOAD_KINDS, workloadOf } from './observe';
import { clusterCapacity, zoneBinding } from './zones';

export { UNLABELLED_ZONE } from './zones';

type K8s = typeof import('@kubernetes/client-node');

export interface KubernetesAdapterOptions {
  mapping: KubernetesMapping;
  /** `pods`: usable once its pods are Ready; `accepted`: once the API server stored it (clusters used only for validation). */
  readiness: 'pods' | 'accepted';
  /** A workload not ready this long after it was (last) applied is reported Failed, with its pods' conditions. */
  readinessTimeoutMs: number;
  execOutputLimit: number;
  /** What KDU objects may be and do here (kdu-policy.ts). */
  kduPolicy: KduPolicy;
}

const MANAGED = 'app.kubernetes.io/managed-by=opencloudedge-mano';
/** What remove looks for by `mano.io/resource`, and the namespace clean-up counts as still in use. */
const OWNED_KINDS: [string, string][] = [
  ['apps/v1', 'Deployment'],
  ['apps/v1', 'StatefulSet'],
  ['v1', 'Service'],
  ['v1', 'ConfigMap'],
  ['v1', 'PersistentVolumeClaim'],
  ['networking.k8s.io/v1', 'NetworkPolicy'],
  ['networking.k8s.io/v1', 'Ingress'],
  ['autoscaling/v2', 'HorizontalPodAutoscaler'],
  ['rbac.authorization.k8s.io/v1', 'RoleBinding'],
  ['rbac.authorization.k8s.io/v1', 'Role'],
  ['v1', 'ServiceAccount'],
  ['v1', 'Secret'],
];

/**
 * Kubernetes as a VIM: the contract's resources become the objects of `manifests.ts`, applied with server-side apply
 * (idempotent, field manager `opencloudedge-mano`), observed from the workload and its pods, removed by label.
 * The pieces live beside it: object calls (objects.ts), observation (observe.ts), KDUs (kdu.ts), exec (exec.ts),
 * zones and capacity (zones.ts).
 */
export class KubernetesAdapter implements VimAdapter, SupportsExec, SupportsScale, SupportsMetrics {
  private readonly api: KubeObjects;

  constructor(
    private readonly kc: KubeConfig,
    private readonly k8s: K8s,
    private readonly options: KubernetesAdapterOptions,
  ) {
    this.api = new KubeObjects(kc, k8s);
  }

  private get m(): KubernetesMapping {
    return this.options.mapping;
  }

  async ping(): Promise<VimHealth> {
    const server = this.kc.getCurrentCluster()?.server ?? '(no server)';
    try {
      const v = await this.kc.makeApiClient(this.k8s.VersionApi).getCode();
      return { ok: true, detail: `Kubernetes ${v.gitVersion} at ${server}`, version: v.gitVersion };
    } catch (e) {
      if (typeof (e as { code?: unknown }).code !== 'number')
        throw new VimError(
          'VIM.UNREACHABLE',
          `cannot reach the Kubernetes API at ${server}: ${transportReason(e)}`,
          true,
          undefined,
          e,
        );
      const error = kubernetesError(e, `Kubernetes API at ${server}`);
      if (error.code === 'VIM.AUTH_FAILED')
        throw new VimError('VIM.AUTH_FAILED', `Kubernetes API at ${server} refused the credentials (${error.message})`, false);
      throw error;
    }
  }

  capacity(): Promise<VimCapacity> {
    return clusterCapacity(this.api, this.m);
  }

  async observe(ref: ResourceRef): Promise<Observed | null> {
    const namespace = namespaceOf(ref, this.m);
    switch (ref.kind) {
      case 'network': {
        const np = await this.api.read('networking.k8s.io/v1', 'NetworkPolicy', vlPolicyName(ref.name), namespace);
        return np ? observed(ref, np, true, [{ type: 'Ready', status: 'True' }], { namespace }) : null;
      }
      case 'volume': {
        const pvc = (await this.api.read('v1', 'PersistentVolumeClaim', dnsLabel(ref.name), namespace)) as
          (KubernetesObject & { status?: { phase?: string } }) | null;
        if (!pvc) return null;
        const phase = pvc.status?.phase ?? 'Pending';
        const ready = phase === 'Bound' || this.options.readiness === 'accepted';
        return observed(ref, pvc, ready, [{ type: 'Bound', status: phase === 'Bound' ? 'True' : 'False', reason: phase }], {
          namespace,
          phase,
        });
      }
      case 'compute':
        return observeCompute(this.api, this.options, ref, dnsLabel(ref.name), namespace);
      case 'kdu':
        return observeKdu(this.api, this.options, ref, namespace);
    }
  }

  async apply(desired: DesiredResource, signal?: AbortSignal): Promise<Observed> {
    void signal;
    const ref = desired.ref;
    if (ref.kind === 'compute') {
      // refused before anything is made: Kubernetes gives pods their addresses
      const fixed = (desired as DesiredCompute).ports.findIndex((p) => p.fixedIp);
      if (fixed >= 0)
        throw new VimError(
          'VIM.INVALID_REQUEST',
          `port ${(desired as DesiredCompute).ports[fixed].name}: Kubernetes assigns pod addresses, fixed IP ${(desired as DesiredCompute).ports[fixed].fixedIp} cannot be honoured`,
          false,
          `ports[${fixed}].fixedIp`,
        );
    }
    if (ref.kind === 'kdu') {
      if ((desired as DesiredKdu).helm)
        throw new VimError('VIM.INVALID_REQUEST', `KDU ${ref.name}: a Helm chart is applied once rendered (renderKdu)`, false);
      // the account's policy, before anything is made (instantiate checked it too; this holds for any caller)
      const [first] = checkKduObjects((desired as DesiredKdu).objects, this.options.kduPolicy);
      if (first)
        throw new VimError(
          'VIM.INVALID_REQUEST',
          `KDU ${ref.name}: ${first.object}: ${first.field}: ${first.message}`,
          false,
          `${first.object.replace(' ', '/')}.${first.field}`,
        );
    }
    // a zone no node has is refused here, before anything is made
    const binding = ref.kind === 'compute' ? await zoneBinding(this.api, this.m, desired as DesiredCompute) : 'selector';
    for (const obj of namespaceManifests(ref, this.m)) await this.api.serverSideApply(obj);
    if (ref.kind === 'kdu') {
      await applyKdu(this.api, desired as DesiredKdu, this.m);
      return (await this.observe(ref))!;
    }
    const objects =
      ref.kind === 'network'
        ? networkManifests(desired as DesiredNetwork, this.m)
        : ref.kind === 'volume'
          ? volumeManifests(desired as DesiredVolume, this.m)
          : computeManifests(desired as DesiredCompute, this.m, imageFor(desired as DesiredCompute), undefined, binding);
    if (ref.kind === 'compute' && (desired as DesiredCompute).generatedSecret)
      await this.generateSecret(desired as DesiredCompute);
    for (const obj of objects) await this.api.serverSideApply(obj);
    const result = await this.observe(ref);
    if (!result) throw new VimError('VIM.INTERNAL', `${ref.kind} ${ref.name} was applied but cannot be read back`, true);
    return result;
  }

  async remove(ref: ResourceRef): Promise<'deleted' | 'absent'> {
    const namespace = namespaceOf(ref, this.m);
    let deleted = false;
    if (ref.kind === 'network') {
      deleted = await this.api.delete('networking.k8s.io/v1', 'NetworkPolicy', vlPolicyName(ref.name), namespace);
    } else if (ref.kind === 'kdu') {
      deleted = await removeKdu(this.api, ref, namespace);
    } else {
      // every object of this resource, found by its label (workload, Service, day-0 ConfigMap, PVC…)
      const selector = `mano.io/resource=${dnsLabel(ref.name)}`;
      for (const [apiVersion, kind] of OWNED_KINDS) {
        for (const obj of await this.api.list(apiVersion, kind, namespace, selector))
          deleted = (await this.api.delete(apiVersion, kind, obj.metadata!.name!, namespace)) || deleted;
      }
      // gone means gone: the next step (a volume, the namespace) must not find it still terminating
      for (const kind of [...WORKLOAD_KINDS, 'PersistentVolumeClaim'])
        await this.api.untilGone(kind === 'PersistentVolumeClaim' ? 'v1' : 'apps/v1', kind, dnsLabel(ref.name), namespace);
    }
    await this.cleanUpNamespace(namespace);
    return deleted ? 'deleted' : 'absent';
  }

  async close(): Promise<void> {}

  /** Day-1/2 in the workload's first running pod, through the pod exec API (files and stdin carried in the command). */
  async exec(ref: ResourceRef<'compute'>, request: ExecRequest, signal?: AbortSignal): Promise<ExecResult> {
    const namespace = namespaceOf(ref, this.m);
    const pods = await this.api.list<Pod>('v1', 'Pod', namespace, `mano.io/resource=${dnsLabel(ref.name)}`);
    const pod = pods.find((p) => p.status?.phase === 'Running');
    if (!pod)
      throw new VimError(
        'VIM.CONFLICT',
        `no running pod of ${ref.name} to run the command in (${pods.length ? pods.map((p) => `${p.metadata?.name}: ${p.status?.phase}`).join(', ') : 'none'})`,
        true,
      );
    return execInPod(this.k8s, this.kc, namespace, pod, request, this.options.execOutputLimit, signal);
  }

  async scale(ref: ResourceRef<'compute'>, replicas: number): Promise<Observed> {
    const namespace = namespaceOf(ref, this.m);
    const workload = await workloadOf(this.api, dnsLabel(ref.name), namespace);
    if (!workload) throw new VimError('VIM.NOT_FOUND', `compute ${ref.name} does not exist`, false);
    // a merge patch of the one field: a server-side apply of a partial object by our field manager would drop the
    // fields that manager applied before (the whole workload)
    await this.api.mergePatch(
      {
        apiVersion: 'apps/v1',
        kind: workload.kind,
        metadata: { name: workload.metadata!.name, namespace },
        spec: { replicas },
      } as KubernetesObject,
      `scale ${workload.kind} ${workload.metadata!.name}`,
    );
    return (await this.observe(ref))!;
  }

  /** From the metrics API (metrics-server) when the cluster has it; null otherwise. */
  async metrics(ref: ResourceRef<'compute'>): Promise<ComputeMetrics | null> {
    const namespace = namespaceOf(ref, this.m);
    let items: (KubernetesObject & { containers?: { usage?: Record<string, string> }[]; timestamp?: string })[];
    try {
      items = await this.api.list('metrics.k8s.io/v1beta1', 'PodMetrics', namespace, `mano.io/resource=${dnsLabel(ref.name)}`);
    } catch (e) {
      if (VimError.isVimError(e) && e.code === 'VIM.NOT_FOUND') return null;
      throw e;
    }
    if (!items.length) return null;
    const workload = await workloadOf(this.api, dnsLabel(ref.name), namespace);
    const template = (
      workload as { spec?: { template?: { spec?: { containers?: { resources?: { limits?: Record<string, string> } }[] } } } }
    )?.spec?.template?.spec?.containers?.[0];
    const allocated = quantity(template?.resources?.limits?.cpu, 'cpu') * items.length || 1;
    // GiB; without a memory limit there is no utilisation to report (left out: "unavailable", not 0)
    const memoryLimit = quantity(template?.resources?.limits?.memory, 'memory') * items.length;
    let cpu = 0;
    let memory = 0;
    for (const p of items)
      for (const c of p.containers ?? []) {
        cpu += quantity(c.usage?.cpu, 'cpu');
        memory += quantity(c.usage?.memory, 'memory') * 1024 ** 3;
      }
    return {
      cpu: cpu / allocated,
      memoryBytes: Math.round(memory),
      ...(memoryLimit > 0 ? { memoryUtilization: memory / (memoryLimit * 1024 ** 3) } : {}),
      at: items[0].timestamp ?? new Date().toISOString(),
    };
  }

  // ---- internals ----

  /** Random credentials, drawn once: a Secret already there (a retry, a re-apply) keeps its values. */
  private async generateSecret(d: DesiredCompute): Promise<void> {
    const name = dnsLabel(d.generatedSecret!.name);
    if (await this.api.read('v1', 'Secret', name, namespaceOf(d.ref, this.m))) return;
    const values = Object.fromEntries(d.generatedSecret!.keys.map((k) => [k, randomBytes(24).toString('base64url')]));
    await this.api.serverSideApply(generatedSecretManifest(d, this.m, values));
  }

  /** The NS's own namespace goes with its last object (never an account's shared namespace). */
  private async cleanUpNamespace(namespace: string): Promise<void> {
    if (this.m.namespace) return;
    for (const [apiVersion, kind] of OWNED_KINDS) {
      const left = await this.api.list(apiVersion, kind, namespace, MANAGED);
      // the namespace's own default-deny policies do not keep it
      if (left.some((o) => !(kind === 'NetworkPolicy' && o.metadata?.name?.startsWith('mano-')))) return;
    }
    if (await this.api.delete('v1', 'Namespace', namespace)) await this.api.untilGone('v1', 'Namespace', namespace);
  }
}

/** The container image: the VDU's alternative image for Kubernetes when it has one. */
export const imageFor = (d: DesiredCompute): string => d.alternativeImages?.kubernetes ?? d.image;
