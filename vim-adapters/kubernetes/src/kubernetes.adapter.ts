import type { KubeConfig, KubernetesObject, KubernetesObjectApi, V1Status } from '@kubernetes/client-node';
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import {
  ComputeMetrics,
  Condition,
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
  ZoneCapacity,
} from '../../contract/src';
import { CHANNEL, ExecStreamDecoder, podExecCommand } from './exec-protocol';
import { ContainerStatuses, containerTrouble } from './pod-status';
import { execError, kubernetesError, quantity, transportReason, TRANSIENT_EXEC } from './errors';
import { checkKduObjects, KduPolicy } from './kdu-policy';
import {
  computeManifests,
  generatedSecretManifest,
  dnsLabel,
  KduEntry,
  kduIndexName,
  kduManifests,
  KubernetesMapping,
  namespaceManifests,
  namespaceOf,
  networkManifests,
  APPLIED_AT_ANNOTATION,
  PORTS_ANNOTATION,
  vlPolicyName,
  volumeManifests,
  ZONE_LABEL,
  ZoneBinding,
} from './manifests';

type K8s = typeof import('@kubernetes/client-node');
type Obj = Record<string, unknown>;
type Workload = KubernetesObject & {
  spec?: { replicas?: number };
  status?: {
    readyReplicas?: number;
    replicas?: number;
    conditions?: { type: string; status: string; reason?: string; message?: string }[];
  };
};
type Pod = KubernetesObject & {
  spec?: { nodeName?: string; containers?: { resources?: { requests?: Record<string, string> } }[] };
  status?: { phase?: string; podIP?: string; conditions?: { type: string; status: string; reason?: string; message?: string }[] };
};

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

const FIELD_MANAGER = 'opencloudedge-mano';
/** The zone capacity() reports for nodes without a zone label: never a node label itself (see zoneBinding). */
export const UNLABELLED_ZONE = 'default';
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
const WORKLOAD_KINDS = ['Deployment', 'StatefulSet'] as const;
const KDU_WORKLOADS = new Set(['Deployment', 'StatefulSet', 'DaemonSet']);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Kubernetes as a VIM: the contract's resources become the objects of `manifests.ts`, applied with server-side apply
 * (idempotent, field manager `opencloudedge-mano`), observed from the workload and its pods, removed by label.
 */
export class KubernetesAdapter implements VimAdapter, SupportsExec, SupportsScale, SupportsMetrics {
  private readonly objects: KubernetesObjectApi;

  constructor(
    private readonly kc: KubeConfig,
    private readonly k8s: K8s,
    private readonly options: KubernetesAdapterOptions,
  ) {
    this.objects = k8s.KubernetesObjectApi.makeApiClient(kc);
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

  async capacity(): Promise<VimCapacity> {
    const [nodes, pods] = await Promise.all([this.list('v1', 'Node'), this.list<Pod>('v1', 'Pod')]);
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
      z.total.gpu! += Number(a[this.m.gpuResource] ?? 0);
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

  async observe(ref: ResourceRef): Promise<Observed | null> {
    const namespace = namespaceOf(ref, this.m);
    switch (ref.kind) {
      case 'network': {
        const np = await this.read('networking.k8s.io/v1', 'NetworkPolicy', vlPolicyName(ref.name), namespace);
        return np ? this.observed(ref, np, true, [{ type: 'Ready', status: 'True' }], { namespace }) : null;
      }
      case 'volume': {
        const pvc = (await this.read('v1', 'PersistentVolumeClaim', dnsLabel(ref.name), namespace)) as
          (KubernetesObject & { status?: { phase?: string } }) | null;
        if (!pvc) return null;
        const phase = pvc.status?.phase ?? 'Pending';
        const ready = phase === 'Bound' || this.options.readiness === 'accepted';
        return this.observed(ref, pvc, ready, [{ type: 'Bound', status: phase === 'Bound' ? 'True' : 'False', reason: phase }], {
          namespace,
          phase,
        });
      }
      case 'compute':
        return this.observeCompute(ref, namespace);
      case 'kdu':
        return this.observeKdu(ref, namespace);
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
    const zoneBinding = ref.kind === 'compute' ? await this.zoneBinding(desired as DesiredCompute) : 'selector';
    for (const obj of namespaceManifests(ref, this.m)) await this.serverSideApply(obj);
    if (ref.kind === 'kdu') return this.applyKdu(desired as DesiredKdu);
    const objects =
      ref.kind === 'network'
        ? networkManifests(desired as DesiredNetwork, this.m)
        : ref.kind === 'volume'
          ? volumeManifests(desired as DesiredVolume, this.m)
          : computeManifests(desired as DesiredCompute, this.m, imageFor(desired as DesiredCompute), undefined, zoneBinding);
    if (ref.kind === 'compute' && (desired as DesiredCompute).generatedSecret)
      await this.generateSecret(desired as DesiredCompute);
    for (const obj of objects) await this.serverSideApply(obj);
    const observed = await this.observe(ref);
    if (!observed) throw new VimError('VIM.INTERNAL', `${ref.kind} ${ref.name} was applied but cannot be read back`, true);
    return observed;
  }

  async remove(ref: ResourceRef): Promise<'deleted' | 'absent'> {
    const namespace = namespaceOf(ref, this.m);
    let deleted = false;
    if (ref.kind === 'network') {
      deleted = await this.delete('networking.k8s.io/v1', 'NetworkPolicy', vlPolicyName(ref.name), namespace);
    } else if (ref.kind === 'kdu') {
      const entries = (await this.kduEntries(ref, namespace)) ?? [];
      // in reverse: a namespace the KDU declared goes after what it holds
      for (const e of [...entries].reverse())
        deleted = (await this.delete(e.apiVersion, e.kind, e.name, entryNamespace(e, namespace))) || deleted;
      for (const e of entries.filter((x) => KDU_WORKLOADS.has(x.kind) || x.kind === 'Namespace'))
        await this.untilGone(e.apiVersion, e.kind, e.name, entryNamespace(e, namespace));
      // the index goes last: until then it tells what is left
      deleted = (await this.delete('v1', 'ConfigMap', kduIndexName(ref), namespace)) || deleted;
    } else {
      // every object of this resource, found by its label (workload, Service, day-0 ConfigMap, PVC…)
      const selector = `mano.io/resource=${dnsLabel(ref.name)}`;
      for (const [apiVersion, kind] of OWNED_KINDS) {
        for (const obj of await this.list(apiVersion, kind, namespace, selector))
          deleted = (await this.delete(apiVersion, kind, obj.metadata!.name!, namespace)) || deleted;
      }
      // gone means gone: the next step (a volume, the namespace) must not find it still terminating
      for (const kind of [...WORKLOAD_KINDS, 'PersistentVolumeClaim'])
        await this.untilGone(kind === 'PersistentVolumeClaim' ? 'v1' : 'apps/v1', kind, dnsLabel(ref.name), namespace);
    }
    await this.cleanUpNamespace(namespace);
    return deleted ? 'deleted' : 'absent';
  }

  async close(): Promise<void> {}

  /** Day-1/2 in the workload's first running pod, through the pod exec API (files and stdin carried in the command). */
  async exec(ref: ResourceRef<'compute'>, request: ExecRequest, signal?: AbortSignal): Promise<ExecResult> {
    const namespace = namespaceOf(ref, this.m);
    const pods = await this.list<Pod>('v1', 'Pod', namespace, `mano.io/resource=${dnsLabel(ref.name)}`);
    const pod = pods.find((p) => p.status?.phase === 'Running');
    if (!pod)
      throw new VimError(
        'VIM.CONFLICT',
        `no running pod of ${ref.name} to run the command in (${pods.length ? pods.map((p) => `${p.metadata?.name}: ${p.status?.phase}`).join(', ') : 'none'})`,
        true,
      );
    const decoder = new ExecStreamDecoder(this.options.execOutputLimit);
    const sink = (channel: number) =>
      new Writable({
        write(chunk: Buffer, _enc, done) {
          decoder.push(Buffer.concat([Buffer.from([channel]), chunk]));
          done();
        },
      });
    let command: string[];
    try {
      command = podExecCommand(request);
    } catch (e) {
      throw new VimError('VIM.INVALID_REQUEST', `exec: ${(e as Error).message}`, false);
    }
    const timedOut = await new Promise<boolean>((resolve, reject) => {
      let socket: { close(): void } | undefined;
      const end = (timedOut: boolean) => {
        clearTimeout(timer);
        socket?.close();
        resolve(timedOut);
      };
      const timer = request.timeoutMs ? setTimeout(() => end(true), request.timeoutMs) : undefined;
      signal?.addEventListener('abort', () => end(true), { once: true });
      new this.k8s.Exec(this.kc)
        .exec(
          namespace,
          pod.metadata!.name!,
          'main',
          command,
          sink(CHANNEL.stdout),
          sink(CHANNEL.stderr),
          null,
          false,
          (s: V1Status) => decoder.push(Buffer.concat([Buffer.from([CHANNEL.error]), Buffer.from(JSON.stringify(s))])),
        )
        .then(
          (ws) => {
            socket = ws;
            ws.on('close', () => end(false));
          },
          (e: unknown) => {
            clearTimeout(timer);
            reject(execError(e, `exec in pod ${pod.metadata?.name}`));
          },
        );
    });
    if (!timedOut && decoder.failure)
      throw new VimError(
        TRANSIENT_EXEC.test(decoder.failure) ? 'VIM.UNREACHABLE' : 'VIM.INVALID_REQUEST',
        `exec in pod ${pod.metadata?.name}: ${decoder.failure}`,
        TRANSIENT_EXEC.test(decoder.failure),
      );
    return decoder.result(timedOut);
  }

  async scale(ref: ResourceRef<'compute'>, replicas: number): Promise<Observed> {
    const namespace = namespaceOf(ref, this.m);
    const workload = await this.workload(dnsLabel(ref.name), namespace);
    if (!workload) throw new VimError('VIM.NOT_FOUND', `compute ${ref.name} does not exist`, false);
    // a merge patch of the one field: a server-side apply of a partial object by our field manager would drop the
    // fields that manager applied before (the whole workload)
    try {
      await this.objects.patch(
        {
          apiVersion: 'apps/v1',
          kind: workload.kind,
          metadata: { name: workload.metadata!.name, namespace },
          spec: { replicas },
        } as KubernetesObject,
        undefined,
        undefined,
        FIELD_MANAGER,
        undefined,
        this.k8s.PatchStrategy.MergePatch,
      );
    } catch (e) {
      throw kubernetesError(e, `scale ${workload.kind} ${workload.metadata!.name}`);
    }
    return (await this.observe(ref))!;
  }

  /** From the metrics API (metrics-server) when the cluster has it; null otherwise. */
  async metrics(ref: ResourceRef<'compute'>): Promise<ComputeMetrics | null> {
    const namespace = namespaceOf(ref, this.m);
    let items: (KubernetesObject & { containers?: { usage?: Record<string, string> }[]; timestamp?: string })[];
    try {
      items = await this.list('metrics.k8s.io/v1beta1', 'PodMetrics', namespace, `mano.io/resource=${dnsLabel(ref.name)}`);
    } catch (e) {
      if (VimError.isVimError(e) && e.code === 'VIM.NOT_FOUND') return null;
      throw e;
    }
    if (!items.length) return null;
    const workload = await this.workload(dnsLabel(ref.name), namespace);
    const template = (
      workload as { spec?: { template?: { spec?: { containers?: { resources?: { limits?: Record<string, string> } }[] } } } }
    )?.spec?.template?.spec?.containers?.[0];
    const allocated = quantity(template?.resources?.limits?.cpu, 'cpu') * items.length || 1;
    let cpu = 0;
    let memory = 0;
    for (const p of items)
      for (const c of p.containers ?? []) {
        cpu += quantity(c.usage?.cpu, 'cpu');
        memory += quantity(c.usage?.memory, 'memory') * 1024 ** 3;
      }
    return { cpu: cpu / allocated, memoryBytes: Math.round(memory), at: items[0].timestamp ?? new Date().toISOString() };
  }

  // ---- internals ----

  /**
   * Only a zone that nodes carry as a label becomes a node selector: the zone capacity() made up for unlabelled nodes
   * binds to those nodes (or to none in particular on a cluster without zones), and a zone no node has is refused
   * before anything is made, instead of pods that never schedule.
   */
  private async zoneBinding(d: DesiredCompute): Promise<ZoneBinding> {
    const zone = d.placement?.zone;
    if (!zone || this.m.zoneSelectors[zone]) return 'selector';
    let nodes: KubernetesObject[];
    try {
      nodes = await this.list('v1', 'Node');
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

  private async observeCompute(ref: ResourceRef, namespace: string): Promise<Observed | null> {
    const name = dnsLabel(ref.name);
    const workload = await this.workload(name, namespace);
    if (!workload) return null;
    const [pods, service] = await Promise.all([
      this.list<Pod>('v1', 'Pod', namespace, `mano.io/resource=${name}`),
      this.read('v1', 'Service', name, namespace) as Promise<(KubernetesObject & { spec?: { clusterIP?: string } }) | null>,
    ]);
    const wanted = workload.spec?.replicas ?? 1;
    const ready = (workload.status?.readyReplicas ?? 0) >= wanted;
    const provisioned = ready || this.options.readiness === 'accepted';
    const conditions: Condition[] = [
      {
        type: 'Ready',
        status: ready ? 'True' : 'False',
        reason: `${workload.status?.readyReplicas ?? 0}/${wanted} pods ready`,
      },
    ];
    const podConditions = ready ? '' : await this.podTrouble(pods, namespace);
    const since = workload.metadata?.annotations?.[APPLIED_AT_ANNOTATION] ?? workload.metadata?.creationTimestamp;
    const age = Date.now() - Date.parse(String(since ?? new Date().toISOString()));
    if (!provisioned && age > this.options.readinessTimeoutMs)
      conditions.push({
        type: 'Failed',
        status: 'True',
        reason: 'ReadinessTimeout',
        message: `not ready ${Math.round(age / 1000)} s after it was applied (readiness_timeout_s ${this.options.readinessTimeoutMs / 1000}): ${
          podConditions || (pods.length ? 'pods not ready' : 'no pods were created (is a controller manager running?)')
        }`,
      });
    const ip = service?.spec?.clusterIP && service.spec.clusterIP !== 'None' ? service.spec.clusterIP : pods[0]?.status?.podIP;
    const ports = (workload.metadata?.annotations?.[PORTS_ANNOTATION] ?? '').split(',').filter(Boolean);
    return {
      ...this.observed(ref, workload, provisioned, conditions, {
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
  private async podTrouble(pods: Pod[], namespace: string): Promise<string> {
    let events: (KubernetesObject & { involvedObject?: { name?: string }; reason?: string; message?: string })[] | undefined;
    const out: string[] = [];
    for (const p of pods) {
      const conditions = (p.status?.conditions ?? []).filter((c) => c.status !== 'True');
      const unscheduled = !p.spec?.nodeName && !conditions.some((c) => c.type === 'PodScheduled' && c.message);
      if (unscheduled && p.status?.phase === 'Pending') {
        events ??= await this.list('v1', 'Event', namespace).catch(() => []);
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

  private async applyKdu(d: DesiredKdu): Promise<Observed> {
    const { index, objects } = kduManifests(d, this.m);
    await this.serverSideApply(index);
    for (const obj of objects) await this.serverSideApply(obj);
    return (await this.observe(d.ref))!;
  }

  private async kduEntries(ref: ResourceRef, namespace: string): Promise<KduEntry[] | null> {
    const index = (await this.read('v1', 'ConfigMap', kduIndexName(ref), namespace)) as
      (KubernetesObject & { data?: { objects?: string } }) | null;
    return index ? (JSON.parse(index.data?.objects ?? '[]') as KduEntry[]) : null;
  }

  /** A KDU is ready when every workload among its objects has its replicas ready. */
  private async observeKdu(ref: ResourceRef, namespace: string): Promise<Observed | null> {
    const index = await this.read('v1', 'ConfigMap', kduIndexName(ref), namespace);
    if (!index) return null;
    const entries = (await this.kduEntries(ref, namespace)) ?? [];
    const notReady: string[] = [];
    for (const e of entries.filter((x) => KDU_WORKLOADS.has(x.kind))) {
      const w = (await this.read(e.apiVersion, e.kind, e.name, entryNamespace(e, namespace))) as Workload | null;
      const wanted = w?.spec?.replicas ?? 1;
      const ready =
        e.kind === 'DaemonSet' ? (w?.status as { numberReady?: number } | undefined)?.numberReady : w?.status?.readyReplicas;
      if (!w || (ready ?? 0) < wanted) {
        // its pods, by the workload's own selector: why they are not ready (unschedulable…)
        const match = (w?.spec as { selector?: { matchLabels?: Record<string, string> } } | undefined)?.selector?.matchLabels;
        const ns = entryNamespace(e, namespace);
        const pods =
          match && ns && Object.keys(match).length
            ? await this.list<Pod>(
                'v1',
                'Pod',
                ns,
                Object.entries(match)
                  .map(([k, v]) => `${k}=${v}`)
                  .join(','),
              )
            : [];
        const trouble = ns ? await this.podTrouble(pods, ns) : '';
        notReady.push(`${e.kind} ${e.name}: ${ready ?? 0}/${wanted} ready${trouble ? ` (${trouble})` : ''}`);
      }
    }
    const provisioned = !notReady.length || this.options.readiness === 'accepted';
    const since = index.metadata?.annotations?.[APPLIED_AT_ANNOTATION] ?? index.metadata?.creationTimestamp;
    const age = Date.now() - Date.parse(String(since ?? new Date().toISOString()));
    const conditions: Condition[] = [
      { type: 'Ready', status: notReady.length ? 'False' : 'True', reason: notReady.join('; ') || undefined },
    ];
    if (!provisioned && age > this.options.readinessTimeoutMs)
      conditions.push({
        type: 'Failed',
        status: 'True',
        reason: 'ReadinessTimeout',
        message: `not ready ${Math.round(age / 1000)} s after it was applied: ${notReady.join('; ')}`,
      });
    return this.observed(ref, index, provisioned, conditions, {
      namespace,
      objects: entries.map((e) => `${e.kind}/${e.name}`),
    });
  }

  private observed(
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

  private async workload(name: string, namespace: string): Promise<Workload | null> {
    for (const kind of WORKLOAD_KINDS) {
      const w = await this.read('apps/v1', kind, name, namespace);
      if (w) return w as Workload;
    }
    return null;
  }

  /** Random credentials, drawn once: a Secret already there (a retry, a re-apply) keeps its values. */
  private async generateSecret(d: DesiredCompute): Promise<void> {
    const name = dnsLabel(d.generatedSecret!.name);
    if (await this.read('v1', 'Secret', name, namespaceOf(d.ref, this.m))) return;
    const values = Object.fromEntries(d.generatedSecret!.keys.map((k) => [k, randomBytes(24).toString('base64url')]));
    await this.serverSideApply(generatedSecretManifest(d, this.m, values));
  }

  private async serverSideApply(obj: Obj): Promise<void> {
    const what = `apply ${String(obj.kind)} ${String((obj.metadata as Obj).name)}`;
    try {
      await this.objects.patch(
        obj as KubernetesObject,
        undefined,
        undefined,
        FIELD_MANAGER,
        true,
        this.k8s.PatchStrategy.ServerSideApply,
      );
    } catch (e) {
      throw kubernetesError(e, what);
    }
  }

  private async read(apiVersion: string, kind: string, name: string, namespace?: string): Promise<KubernetesObject | null> {
    try {
      return await this.objects.read({ apiVersion, kind, metadata: { name, namespace } });
    } catch (e) {
      const error = kubernetesError(e, `read ${kind} ${name}`);
      if (error.code === 'VIM.NOT_FOUND') return null;
      throw error;
    }
  }

  private async list<T extends KubernetesObject = KubernetesObject>(
    apiVersion: string,
    kind: string,
    namespace?: string,
    labelSelector?: string,
  ): Promise<T[]> {
    try {
      const res = await this.objects.list<T>(
        apiVersion,
        kind,
        namespace,
        undefined,
        undefined,
        undefined,
        undefined,
        labelSelector,
      );
      return res.items;
    } catch (e) {
      throw kubernetesError(e, `list ${kind}${namespace ? ` in ${namespace}` : ''}`);
    }
  }

  private async delete(apiVersion: string, kind: string, name: string, namespace?: string): Promise<boolean> {
    try {
      await this.objects.delete(
        { apiVersion, kind, metadata: { name, namespace } },
        undefined,
        undefined,
        undefined,
        undefined,
        'Background',
      );
      return true;
    } catch (e) {
      const error = kubernetesError(e, `delete ${kind} ${name}`);
      if (error.code === 'VIM.NOT_FOUND') return false;
      throw error;
    }
  }

  private async untilGone(apiVersion: string, kind: string, name: string, namespace?: string): Promise<void> {
    for (
      let delay = 100, waited = 0;
      await this.read(apiVersion, kind, name, namespace);
      waited += delay, delay = Math.min(delay * 2, 2000)
    ) {
      if (waited > 60_000)
        throw new VimError(
          'VIM.TIMEOUT',
          `${kind} ${name} is still being deleted after 60 s (finalizers: is it still in use?)`,
          true,
        );
      await sleep(delay);
    }
  }

  /** The NS's own namespace goes with its last object (never an account's shared namespace). */
  private async cleanUpNamespace(namespace: string): Promise<void> {
    if (this.m.namespace) return;
    for (const [apiVersion, kind] of OWNED_KINDS) {
      const left = await this.list(apiVersion, kind, namespace, MANAGED);
      // the namespace's own default-deny policies do not keep it
      if (left.some((o) => !(kind === 'NetworkPolicy' && o.metadata?.name?.startsWith('mano-')))) return;
    }
    if (await this.delete('v1', 'Namespace', namespace)) await this.untilGone('v1', 'Namespace', namespace);
  }
}

/** Where a KDU's indexed object lives ('' = cluster-wide; absent in indexes written before namespaces were kept). */
const entryNamespace = (e: KduEntry, namespace: string): string | undefined =>
  e.namespace === undefined ? namespace : e.namespace || undefined;

/** The container image: the VDU's alternative image for Kubernetes when it has one. */
export const imageFor = (d: DesiredCompute): string => d.alternativeImages?.kubernetes ?? d.image;
