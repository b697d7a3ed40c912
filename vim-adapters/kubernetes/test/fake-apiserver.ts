import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
/*
 * The adapter loads client-node on first use (`await import(...)` in connect). Under jest that is ~1000 ES modules
 * babel-transformed (cached per checkout: 25 s alone, over a minute next to other suites when the cache is cold) and
 * evaluated again in every test file's registry (5–10 s under load). Paid inside a test, it ran the first test that
 * registered a cluster past its 30 s. Loaded here, with the suites that play a cluster, it is paid while the test
 * file is collected, outside any test's time budget; the adapter's own import then finds it in the registry.
 */
import '@kubernetes/client-node';

type Obj = Record<string, unknown>;
type Meta = { name: string; namespace?: string; uid?: string; labels?: Record<string, string>; creationTimestamp?: string };
export type StoredObject = Obj & { apiVersion: string; kind: string; metadata: Meta };

/** The resources the adapter uses, as discovery lists them: plural, kind, namespaced. */
const RESOURCES: Record<string, [string, string, boolean][]> = {
  v1: [
    ['namespaces', 'Namespace', false],
    ['nodes', 'Node', false],
    ['pods', 'Pod', true],
    ['services', 'Service', true],
    ['configmaps', 'ConfigMap', true],
    ['persistentvolumeclaims', 'PersistentVolumeClaim', true],
    ['serviceaccounts', 'ServiceAccount', true],
    ['events', 'Event', true],
    ['secrets', 'Secret', true],
  ],
  'apps/v1': [
    ['deployments', 'Deployment', true],
    ['statefulsets', 'StatefulSet', true],
  ],
  'networking.k8s.io/v1': [
    ['networkpolicies', 'NetworkPolicy', true],
    ['ingresses', 'Ingress', true],
  ],
  'autoscaling/v2': [['horizontalpodautoscalers', 'HorizontalPodAutoscaler', true]],
  'metrics.k8s.io/v1beta1': [['pods', 'PodMetrics', true]],
  'rbac.authorization.k8s.io/v1': [
    ['roles', 'Role', true],
    ['rolebindings', 'RoleBinding', true],
  ],
};
const KIND_OF = new Map(Object.entries(RESOURCES).flatMap(([gv, rs]) => rs.map(([plural, kind]) => [`${gv}/${plural}`, kind])));

export interface FakeApiServer {
  url: string;
  token: string;
  /** A kubeconfig for it (token auth, its CA inline). */
  kubeconfig: Obj;
  objects(): StoredObject[];
  /** Puts an object as the cluster's own (nodes, pod metrics…), without the adapter. */
  seed(obj: StoredObject): void;
  /** Every mutating request: `PATCH Deployment ns/name`, … */
  writes: string[];
  /** Every request that reached the server (`GET /version`, exec upgrades too). */
  requests: string[];
  /** The next `times` requests whose `METHOD path` matches answer `status` with a Status body. */
  fail(match: RegExp, status: number, message: string, times?: number): void;
  /**
   * Workloads get pods placed by a scheduler on the fake nodes (Running and Ready when one fits; else Pending with a
   * FailedScheduling event, as a real scheduler leaves them) — or, when false, Pending ones with no node at all (an
   * API server alone).
   */
  podsBecomeReady: boolean;
  /**
   * Images a kubelet cannot pull (a registry answering "not found"): a placed pod of such an image stays Pending, its
   * container waiting with reason ErrImagePull, as a kubelet reports it. Default: names containing `does-not-exist`.
   */
  imagePullFails: RegExp;
  /**
   * Environment of exec'd commands beyond the pod's first container's plain `env` values (which they get, as in a
   * container): e.g. libpq's PG* variables naming a test database for a database VDU's scripts.
   */
  execEnv: Record<string, string>;
  /** Replaces the cluster's nodes (one zone-less node `fake-node-1`, 16 CPUs, 64 GiB, to begin with). */
  setNodes(nodes: FakeNode[]): void;
  close(): Promise<void>;
}

export interface FakeNode {
  name: string;
  labels?: Record<string, string>;
  allocatable?: { cpu?: string; memory?: string; [resource: string]: string | undefined };
  taints?: { key: string; value?: string; effect: 'NoSchedule' | 'NoExecute' | 'PreferNoSchedule' }[];
}

const nodeObject = (n: FakeNode): StoredObject => ({
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name: n.name, uid: randomUUID(), labels: { 'kubernetes.io/hostname': n.name, ...(n.labels ?? {}) } },
  spec: n.taints ? { taints: n.taints } : {},
  status: { allocatable: { cpu: '16', memory: '64Gi', pods: '110', ...(n.allocatable ?? {}) } },
});

const status = (code: number, reason: string, message: string) => ({
  kind: 'Status',
  apiVersion: 'v1',
  status: 'Failure',
  code,
  reason,
  message,
});
const REASONS: Record<number, string> = {
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  409: 'AlreadyExists',
  422: 'Invalid',
  500: 'InternalError',
  503: 'ServiceUnavailable',
};

type PodSpec = Obj & {
  nodeName?: string;
  nodeSelector?: Record<string, string>;
  tolerations?: { key?: string; operator?: string; value?: string }[];
  affinity?: {
    nodeAffinity?: {
      requiredDuringSchedulingIgnoredDuringExecution?: {
        nodeSelectorTerms: { matchExpressions?: { key: string; operator: string; values?: string[] }[] }[];
      };
    };
  };
  containers?: {
    name?: string;
    image?: string;
    env?: { name: string; value?: string }[];
    resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  }[];
};

/** A placed pod whose images the kubelet cannot pull: Pending, the containers waiting (ErrImagePull), not Ready. */
const pullFailure = (pod: PodSpec, unpullable: NonNullable<PodSpec['containers']>): Obj => ({
  phase: 'Pending',
  conditions: [
    { type: 'PodScheduled', status: 'True' },
    {
      type: 'Ready',
      status: 'False',
      reason: 'ContainersNotReady',
      message: `containers with unready status: [${(pod.containers ?? []).map((c) => c.name).join(' ')}]`,
    },
  ],
  containerStatuses: (pod.containers ?? []).map((c) => ({
    name: c.name,
    image: c.image,
    ready: false,
    restartCount: 0,
    state: unpullable.includes(c)
      ? {
          waiting: {
            reason: 'ErrImagePull',
            message: `rpc error: code = NotFound desc = failed to pull and unpack image "${c.image}": not found`,
          },
        }
      : { waiting: { reason: 'ContainerCreating' } },
  })),
});

/** CPU in cores, memory in bytes. */
function amount(q: string | undefined): number {
  const m = /^([0-9.]+)([a-zA-Z]*)$/.exec(q ?? '');
  if (!m) return 0;
  const f: Record<string, number> = {
    '': 1,
    m: 1e-3,
    k: 1e3,
    M: 1e6,
    G: 1e9,
    Ki: 1024,
    Mi: 1024 ** 2,
    Gi: 1024 ** 3,
    Ti: 1024 ** 4,
  };
  return Number(m[1]) * (f[m[2]] ?? 1);
}
// extended resources (nvidia.com/gpu, …) are asked for by their limits, which are then also the requests
const requested = (pod: PodSpec, r: string) =>
  (pod.containers ?? []).reduce((sum, c) => sum + amount(c.resources?.requests?.[r] ?? c.resources?.limits?.[r]), 0);
const extendedResources = (pod: PodSpec) =>
  new Set((pod.containers ?? []).flatMap((c) => Object.keys(c.resources?.limits ?? {}).filter((r) => r.includes('/'))));

function matches(labels: Record<string, string> | undefined, selector: string | null): boolean {
  if (!selector) return true;
  return selector.split(',').every((term) => {
    const [k, v] = term.split('=');
    return labels?.[k] === v;
  });
}

/**
 * An in-process Kubernetes API server for the adapter's tests: discovery, server-side apply (create or replace the
 * applied fields), read, list with label selectors, delete (a namespace takes its objects along), a token check,
 * pod exec over WebSocket (`v4.channel.k8s.io`, the command run here with the local shell), scripted failures, and
 * — when asked — the work of controllers and kubelets: pods for workloads, ready replicas.
 */
export async function fakeApiServer(): Promise<FakeApiServer> {
  const store = new Map<string, StoredObject>();
  const writes: string[] = [];
  const podLogs = new Map<string, string>();
  const requests: string[] = [];
  const failures: { match: RegExp; status: number; message: string; times: number }[] = [];
  const token = `tok-${randomUUID()}`;
  const key = (kind: string, namespace: string | undefined, name: string) => `${kind}|${namespace ?? ''}|${name}`;

  const api: FakeApiServer = {
    url: '',
    token,
    kubeconfig: {},
    objects: () => [...store.values()],
    seed: (obj) => store.set(key(obj.kind, obj.metadata.namespace, obj.metadata.name), obj),
    writes,
    requests,
    fail: (match, code, message, times = 1) => failures.push({ match, status: code, message, times }),
    podsBecomeReady: process.env.FAKE_K8S_PODS_READY !== '0',
    imagePullFails: /does-not-exist/,
    execEnv: {},
    setNodes: () => undefined,
    close: async () => {
      wss.close();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };

  const nodes = () => [...store.values()].filter((o) => o.kind === 'Node');
  api.setNodes = (list) => {
    for (const n of nodes()) store.delete(key('Node', undefined, n.metadata.name));
    for (const n of list) api.seed(nodeObject(n));
  };
  api.setNodes([{ name: 'fake-node-1' }]);

  /** A scheduler's filters (selector, required node affinity, taints, requested CPU and memory); null = fits. */
  const unfit = (pod: PodSpec, node: StoredObject): string | null => {
    const labels = node.metadata.labels ?? {};
    const selectorOk = Object.entries(pod.nodeSelector ?? {}).every(([k, v]) => labels[k] === v);
    const terms = pod.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
    const affinityOk =
      !terms ||
      terms.some((t) =>
        (t.matchExpressions ?? []).every((e) => {
          const has = e.key in labels;
          if (e.operator === 'Exists') return has;
          if (e.operator === 'DoesNotExist') return !has;
          if (e.operator === 'In') return has && (e.values ?? []).includes(labels[e.key]);
          if (e.operator === 'NotIn') return !has || !(e.values ?? []).includes(labels[e.key]);
          return false;
        }),
      );
    if (!selectorOk || !affinityOk) return "node(s) didn't match Pod's node affinity/selector";
    const taint = ((node.spec as { taints?: FakeNode['taints'] } | undefined)?.taints ?? []).find(
      (t) =>
        t.effect !== 'PreferNoSchedule' &&
        !(pod.tolerations ?? []).some(
          (tol) => (tol.operator === 'Exists' && (!tol.key || tol.key === t.key)) || (tol.key === t.key && tol.value === t.value),
        ),
    );
    if (taint) return `node(s) had untolerated taint {${taint.key}: ${taint.value ?? ''}}`;
    const allocatable = (node.status as { allocatable: Record<string, string> }).allocatable;
    for (const r of ['cpu', 'memory', ...extendedResources(pod)]) {
      const used = [...store.values()]
        .filter((o) => o.kind === 'Pod' && (o.spec as PodSpec).nodeName === node.metadata.name)
        .reduce((sum, o) => sum + requested(o.spec as PodSpec, r), 0);
      if (used + requested(pod, r) > amount(allocatable[r])) return `Insufficient ${r}`;
    }
    return null;
  };

  /** What controllers, the scheduler and kubelets would do for a workload: its pods, placed (Ready) or Pending. */
  const reconcile = (w: StoredObject) => {
    const spec = w.spec as { replicas?: number; template: { metadata: { labels: Record<string, string> }; spec: PodSpec } };
    for (const [k, o] of store) if (o.kind === 'Pod' && o.metadata.labels?.['mano.io/owner'] === w.metadata.name) store.delete(k);
    const replicas = spec.replicas ?? 1;
    let ready = 0;
    for (let i = 0; i < replicas; i++) {
      const name = `${w.metadata.name}-${i}`;
      const podSpec: PodSpec = { ...spec.template.spec };
      let status: Obj;
      if (!api.podsBecomeReady) {
        status = {
          phase: 'Pending',
          conditions: [
            {
              type: 'PodScheduled',
              status: 'False',
              reason: 'Unschedulable',
              message: '0/0 nodes are available: no nodes available to schedule pods.',
            },
          ],
        };
      } else {
        const all = nodes();
        const reasons = all.map((n) => unfit(podSpec, n));
        const fit = all.find((_, j) => reasons[j] === null);
        const unpullable = (podSpec.containers ?? []).filter((c) => api.imagePullFails.test(c.image ?? ''));
        if (fit && unpullable.length) {
          podSpec.nodeName = fit.metadata.name;
          status = pullFailure(podSpec, unpullable);
        } else if (fit) {
          podSpec.nodeName = fit.metadata.name;
          status = { phase: 'Running', podIP: `10.244.0.${10 + i}`, conditions: [{ type: 'Ready', status: 'True' }] };
          ready++;
        } else {
          // as kube-scheduler words it: "0/3 nodes are available: 1 Insufficient cpu, 2 node(s) didn't match …."
          const counts = new Map<string, number>();
          for (const r of reasons) counts.set(r!, (counts.get(r!) ?? 0) + 1);
          const message = `0/${all.length} nodes are available: ${
            [...counts]
              .map(([r, n]) => `${n} ${r}`)
              .sort()
              .join(', ') || 'no nodes available to schedule pods'
          }.`;
          status = {
            phase: 'Pending',
            conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message }],
          };
          api.seed({
            apiVersion: 'v1',
            kind: 'Event',
            metadata: { name: `${name}.${randomUUID().slice(0, 8)}`, namespace: w.metadata.namespace, uid: randomUUID() },
            involvedObject: { kind: 'Pod', name, namespace: w.metadata.namespace },
            reason: 'FailedScheduling',
            type: 'Warning',
            message,
          });
        }
      }
      store.set(key('Pod', w.metadata.namespace, name), {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: {
          name,
          namespace: w.metadata.namespace,
          uid: randomUUID(),
          labels: { ...spec.template.metadata.labels, 'mano.io/owner': w.metadata.name },
        },
        spec: podSpec,
        status,
      });
    }
    w.status = { replicas, readyReplicas: ready };
  };

  const handle = (req: IncomingMessage, res: ServerResponse, body: string) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const send = (code: number, payload: unknown) => {
      res.writeHead(code, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(payload));
    };
    if (req.headers.authorization !== `Bearer ${token}`) return send(401, status(401, 'Unauthorized', 'Unauthorized'));
    const failure = failures.find((f) => f.times > 0 && f.match.test(`${req.method} ${url.pathname}`));
    if (failure) {
      failure.times--;
      return send(failure.status, status(failure.status, REASONS[failure.status] ?? 'Failure', failure.message));
    }
    if (url.pathname === '/version') return send(200, { major: '1', minor: '32', gitVersion: 'v1.32.0-fake' });
    // discovery
    const gvMatch = /^\/(?:api\/(v1)|apis\/([^/]+\/[^/]+))$/.exec(url.pathname);
    if (gvMatch) {
      const gv = gvMatch[1] ?? gvMatch[2];
      const resources = RESOURCES[gv];
      if (!resources) return send(404, status(404, 'NotFound', `the server could not find the requested resource`));
      return send(200, {
        kind: 'APIResourceList',
        groupVersion: gv,
        resources: resources.map(([name, kind, namespaced]) => ({
          name,
          kind,
          namespaced,
          singularName: '',
          verbs: ['get', 'list', 'patch', 'delete'],
        })),
      });
    }
    const m = /^\/(?:api\/v1|apis\/([^/]+\/[^/]+))\/(.*)$/.exec(url.pathname);
    if (!m) return send(404, status(404, 'NotFound', 'no such path'));
    const gv = m[1] ?? 'v1';
    const parts = m[2].split('/');
    let namespace: string | undefined;
    let plural: string;
    let name: string | undefined;
    if (parts[0] === 'namespaces' && parts.length >= 3) [, namespace, plural, name] = parts;
    else [plural, name] = parts;
    const kind = KIND_OF.get(`${gv}/${plural}`);
    if (!kind) return send(404, status(404, 'NotFound', `the server could not find the requested resource (${gv}/${plural})`));
    // a pod's status, as a kubelet (or a test playing one) reports it; the workload counts its ready pods again
    if (kind === 'Pod' && parts[4] === 'status' && req.method === 'PUT') {
      const pod = store.get(key('Pod', namespace, name!));
      if (!pod) return send(404, status(404, 'NotFound', `pods "${name}" not found`));
      pod.status = (JSON.parse(body) as { status?: Obj }).status;
      const owner = [...store.values()].find(
        (o) =>
          (o.kind === 'Deployment' || o.kind === 'StatefulSet') &&
          o.metadata.namespace === namespace &&
          o.metadata.name === pod.metadata.labels?.['mano.io/owner'],
      );
      if (owner) {
        const ready = [...store.values()].filter(
          (o) =>
            o.kind === 'Pod' &&
            o.metadata.labels?.['mano.io/owner'] === owner.metadata.name &&
            ((o.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions ?? []).some(
              (c) => c.type === 'Ready' && c.status === 'True',
            ),
        ).length;
        owner.status = { ...(owner.status as Obj), readyReplicas: ready };
      }
      return send(200, pod);
    }
    // a pod's log: what its container printed (a standalone pod run here, see POST below)
    if (kind === 'Pod' && parts[4] === 'log' && req.method === 'GET') {
      if (!store.has(key('Pod', namespace, name!))) return send(404, status(404, 'NotFound', `pods "${name}" not found`));
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      return res.end(podLogs.get(key('Pod', namespace, name!)) ?? '');
    }
    // a standalone pod (a primitive's evaluation pod): created, and — as a kubelet would — its first container's
    // command run here to its end (within activeDeadlineSeconds), its output kept as the pod's log
    if (kind === 'Pod' && !name && namespace && req.method === 'POST') {
      const pod = JSON.parse(body) as StoredObject & { spec: PodSpec & { activeDeadlineSeconds?: number } };
      if (!store.has(key('Namespace', undefined, namespace)))
        return send(404, status(404, 'NotFound', `namespaces "${namespace}" not found`));
      const pk = key('Pod', namespace, pod.metadata.name);
      if (store.has(pk)) return send(409, status(409, 'AlreadyExists', `pods "${pod.metadata.name}" already exists`));
      const c = (pod.spec.containers ?? [])[0] as NonNullable<PodSpec['containers']>[number] & {
        command?: string[];
        workingDir?: string;
      };
      const env = Object.fromEntries((c?.env ?? []).map((e) => [e.name, e.value ?? '']));
      const cwd = mkdtempSync(join(tmpdir(), 'fake-pod-'));
      const run = spawnSync(c.command![0], c.command!.slice(1), {
        encoding: 'buffer',
        cwd,
        env: { PATH: process.env.PATH, ...env, ...(env.TMPDIR ? { TMPDIR: cwd } : {}) },
        timeout: (pod.spec.activeDeadlineSeconds ?? 60) * 1000,
      });
      rmSync(cwd, { recursive: true, force: true });
      podLogs.set(pk, Buffer.concat([run.stdout ?? Buffer.alloc(0), run.stderr ?? Buffer.alloc(0)]).toString());
      const deadline = run.error && (run.error as NodeJS.ErrnoException).code === 'ETIMEDOUT';
      const stored: StoredObject = {
        ...pod,
        metadata: { ...pod.metadata, namespace, uid: randomUUID(), creationTimestamp: new Date().toISOString() },
        spec: { ...pod.spec, nodeName: 'fake-node-1' },
        status: deadline
          ? { phase: 'Failed', reason: 'DeadlineExceeded' }
          : {
              phase: run.status === 0 ? 'Succeeded' : 'Failed',
              containerStatuses: [{ name: c.name, state: { terminated: { exitCode: run.status ?? 137 } } }],
            },
      };
      store.set(pk, stored);
      writes.push(`CREATE Pod ${namespace}/${pod.metadata.name}`);
      return send(201, stored);
    }
    const k = name ? key(kind, namespace, name) : '';
    switch (req.method) {
      case 'GET': {
        if (name) {
          const obj = store.get(k);
          return obj ? send(200, obj) : send(404, status(404, 'NotFound', `${plural} "${name}" not found`));
        }
        const items = [...store.values()].filter(
          (o) =>
            o.kind === kind &&
            (!namespace || o.metadata.namespace === namespace) &&
            matches(o.metadata.labels, url.searchParams.get('labelSelector')),
        );
        return send(200, { kind: `${kind}List`, apiVersion: gv, metadata: {}, items });
      }
      case 'PATCH': {
        if (req.headers['content-type'] === 'application/merge-patch+json') {
          // a merge patch of spec fields (scale)
          const existing = store.get(k);
          if (!existing) return send(404, status(404, 'NotFound', `${plural} "${name}" not found`));
          const patch = JSON.parse(body) as { spec?: Obj };
          existing.spec = { ...(existing.spec as Obj), ...(patch.spec ?? {}) };
          writes.push(`MERGE ${kind} ${namespace ? `${namespace}/` : ''}${name}`);
          if (kind === 'Deployment' || kind === 'StatefulSet') reconcile(existing);
          return send(200, existing);
        }
        if (req.headers['content-type'] !== 'application/apply-patch+yaml')
          return send(415, status(415, 'UnsupportedMediaType', 'server-side apply or merge patch only'));
        if (url.searchParams.get('fieldManager') !== 'opencloudedge-mano')
          return send(422, status(422, 'Invalid', 'fieldManager is required'));
        const applied = JSON.parse(body) as StoredObject;
        if (namespace && !store.has(key('Namespace', undefined, namespace)))
          return send(404, status(404, 'NotFound', `namespaces "${namespace}" not found`));
        const existing = store.get(k);
        const obj: StoredObject = {
          ...existing,
          ...applied,
          metadata: {
            ...applied.metadata,
            uid: existing?.metadata.uid ?? randomUUID(),
            creationTimestamp: existing?.metadata.creationTimestamp ?? new Date().toISOString(),
          },
        };
        if (existing && applied.spec && existing.spec) obj.spec = { ...(existing.spec as Obj), ...(applied.spec as Obj) };
        // a Service gets its cluster IP when it is created, as from a real API server
        if (kind === 'Service' && !(obj.spec as Obj | undefined)?.clusterIP)
          obj.spec = {
            ...(obj.spec as Obj),
            clusterIP: (existing?.spec as Obj | undefined)?.clusterIP ?? `10.96.${store.size % 250}.${10 + (store.size % 240)}`,
          };
        store.set(k, obj);
        writes.push(`PATCH ${kind} ${namespace ? `${namespace}/` : ''}${name}`);
        if (kind === 'Deployment' || kind === 'StatefulSet') reconcile(obj);
        return send(existing ? 200 : 201, obj);
      }
      case 'DELETE': {
        const obj = store.get(k);
        if (!obj) return send(404, status(404, 'NotFound', `${plural} "${name}" not found`));
        store.delete(k);
        podLogs.delete(k);
        writes.push(`DELETE ${kind} ${namespace ? `${namespace}/` : ''}${name}`);
        if (kind === 'Namespace') for (const [sk, o] of store) if (o.metadata.namespace === name) store.delete(sk);
        if (kind === 'Deployment' || kind === 'StatefulSet')
          for (const [sk, o] of store) if (o.kind === 'Pod' && o.metadata.labels?.['mano.io/owner'] === name) store.delete(sk);
        return send(200, { kind: 'Status', apiVersion: 'v1', status: 'Success' });
      }
      default:
        return send(405, status(405, 'MethodNotAllowed', req.method ?? ''));
    }
  };

  // TLS as a real API server, its certificate given to the client as certificate-authority-data
  const { generate } = await import('selfsigned');
  const pems = await generate([{ name: 'commonName', value: 'fake-kube-apiserver' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    extensions: [
      { name: 'basicConstraints', cA: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 7, ip: '127.0.0.1' },
          { type: 2, value: 'localhost' },
        ],
      },
    ],
  });
  const server = createServer({ key: pems.private, cert: pems.cert }, (req, res) => {
    requests.push(`${req.method} ${req.url}`);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => handle(req, res, Buffer.concat(chunks).toString()));
  });
  // pod exec: the command runs here, its output goes back on channels 1 and 2, the Status on channel 3
  const wss = new WebSocketServer({
    noServer: true,
    handleProtocols: (protocols) => (protocols.has('v4.channel.k8s.io') ? 'v4.channel.k8s.io' : false),
  });
  server.on('upgrade', (req, socket, head) => {
    requests.push(`UPGRADE ${req.url}`);
    const url = new URL(req.url ?? '/', 'http://x');
    const m = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/exec$/.exec(url.pathname);
    if (req.headers.authorization !== `Bearer ${token}` || !m || !store.has(key('Pod', m[1], m[2]))) {
      socket.end('HTTP/1.1 404 Not Found\r\n\r\n');
      return;
    }
    // the API server could not reach the kubelet (scripted): it answers the upgrade with an error Status
    const failure = failures.find((f) => f.times > 0 && f.match.test(`${req.method} ${url.pathname}`));
    if (failure) {
      failure.times--;
      const body = JSON.stringify(status(failure.status, REASONS[failure.status] ?? 'Failure', failure.message));
      socket.end(
        `HTTP/1.1 ${failure.status} Error\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      );
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const command = url.searchParams.getAll('command');
      const container = ((store.get(key('Pod', m[1], m[2]))!.spec as PodSpec).containers ?? [])[0];
      const env = Object.fromEntries(
        (container?.env ?? []).filter((e) => typeof e.value === 'string').map((e) => [e.name, e.value as string]),
      );
      // asynchronously: the command may call this API server back (a primitive that creates a pod)
      const child = spawn(command[0], command.slice(1), {
        stdio: ['ignore', 'pipe', 'pipe'],
        // HOSTNAME: the pod's name, as in its containers
        env: { ...process.env, HOSTNAME: m[2], ...env, ...api.execEnv },
      });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout.on('data', (d: Buffer) => out.push(d));
      child.stderr.on('data', (d: Buffer) => err.push(d));
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      child.on('error', (e) => err.push(Buffer.from(String(e))));
      child.on('close', (code) => {
        clearTimeout(timer);
        const frame = (channel: number, data: Buffer | string) =>
          ws.send(Buffer.concat([Buffer.from([channel]), Buffer.from(data)]));
        if (out.length) frame(1, Buffer.concat(out));
        if (err.length) frame(2, Buffer.concat(err));
        frame(
          3,
          JSON.stringify(
            code === 0
              ? { metadata: {}, status: 'Success' }
              : {
                  metadata: {},
                  status: 'Failure',
                  reason: 'NonZeroExitCode',
                  message: `command terminated with non-zero exit code: exit code ${code}`,
                  details: { causes: [{ reason: 'ExitCode', message: String(code) }] },
                },
          ),
        );
        ws.close();
      });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  api.url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  api.kubeconfig = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      { name: 'fake', cluster: { server: api.url, 'certificate-authority-data': Buffer.from(pems.cert).toString('base64') } },
    ],
    users: [{ name: 'mano', user: { token } }],
    contexts: [{ name: 'fake', context: { cluster: 'fake', user: 'mano' } }],
    'current-context': 'fake',
  };
  return api;
}
