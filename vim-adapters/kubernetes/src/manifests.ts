import { CLUSTER_SCOPED_KINDS, kindKey } from './kdu-policy';
import type { DesiredCompute, DesiredKdu, DesiredNetwork, DesiredVolume, Probe, ResourceRef } from '../../contract/src';

/**
 * The Kubernetes objects for the contract's resources. Pure: the adapter applies what this returns, and the
 * tests validate every object against the Kubernetes 1.32 API schema. Mapping (see README.md):
 *   NS instance        → Namespace `mano-<ns8>` with a default-deny NetworkPolicy (ingress controller allowed)
 *   network (VL)       → NetworkPolicy: pods attached to the VL (label `vl.mano.io/<name>`) reach each other
 *   volume             → PersistentVolumeClaim (StorageClass from the account, or the cluster default)
 *   compute            → Deployment, or StatefulSet when it has volumes; ConfigMap with its day-0 data mounted at
 *                        /etc/mano/day0; Service for its ports (ClusterIP; NodePort/LoadBalancer by the account)
 */
export interface KubernetesMapping {
  storageClass?: string;
  /** Service type of management ports (external access). */
  managementServiceType: 'ClusterIP' | 'NodePort' | 'LoadBalancer';
  loadBalancerAnnotations: Record<string, string>;
  /** GPU resource name for `flavor.gpu`. */
  gpuResource: 'nvidia.com/gpu' | 'amd.com/gpu';
  /** Node selector of the GPU pool, for workloads asking for GPUs. */
  gpuNodeSelector?: Record<string, string>;
  /** Node selectors by zone name (e.g. an edge pool); a zone without an entry selects `topology.kubernetes.io/zone`. */
  zoneSelectors: Record<string, Record<string, string>>;
  /** Where the ingress controller runs, allowed through the default deny. */
  ingressController?: { namespace: string };
  /** One namespace for everything (OSM `k8sclusters` `namespace`) instead of one per NS instance. */
  namespace?: string;
  /** Ingress classes for HTTP ports: intranet (default) and public. */
  ingressClasses: { intranet?: string; public?: string };
  /** cert-manager issuer of TLS certificates for HTTP ports asking for TLS. */
  certManagerIssuer?: { name: string; kind: 'ClusterIssuer' | 'Issuer' };
  /** external-dns domain: HTTP hosts get DNS records, bare host names become `<host>.<domain>`. */
  externalDnsDomain?: string;
}

export const DEFAULT_MAPPING: KubernetesMapping = {
  ingressClasses: {},
  managementServiceType: 'ClusterIP',
  loadBalancerAnnotations: {},
  gpuResource: 'nvidia.com/gpu',
  zoneSelectors: {},
};

type Obj = Record<string, unknown>;
const DAY0_MOUNT = '/etc/mano/day0';

/** DNS-1123 label: lower case alphanumerics and '-', at most 63, starting and ending alphanumeric. */
export function dnsLabel(s: string): string {
  const clean = s
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+/, '');
  return clean.slice(0, 63).replace(/-+$/, '') || 'x';
}

/** Label values: at most 63 of [A-Za-z0-9_.-], alphanumeric at both ends. */
const labelValue = (s: string): string =>
  s
    .replace(/[^A-Za-z0-9_.-]+/g, '-')
    .slice(0, 63)
    .replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');

/**
 * One namespace per NS instance (or the account's one namespace). From the NS id label, or — for a bare reference
 * as terminate and rollback give — from the name, which starts with `mano-<first 8 hex of the NS id>-`.
 */
export function namespaceOf(ref: ResourceRef, m: Pick<KubernetesMapping, 'namespace'> = {}): string {
  if (m.namespace) return m.namespace;
  const ns = ref.labels['mano.ns-instance']?.replace(/-/g, '').slice(0, 8) ?? /^mano-([0-9a-f]{8})-/.exec(ref.name)?.[1];
  return dnsLabel(`mano-${ns ?? 'shared'}`);
}

/** Every object carries the NS/VNF/VDU identities of its resource, and who manages it. */
export function labelsOf(ref: ResourceRef): Record<string, string> {
  const out: Record<string, string> = {
    'app.kubernetes.io/managed-by': 'opencloudedge-mano',
    'mano.io/resource': dnsLabel(ref.name),
  };
  for (const [k, v] of Object.entries(ref.labels)) out[`mano.io/${k.replace(/^mano\./, '')}`] = labelValue(v);
  return out;
}

const vlLabel = (network: string) => `vl.mano.io/${dnsLabel(network)}`;
const meta = (ref: ResourceRef, m: KubernetesMapping, name = dnsLabel(ref.name), extra: Obj = {}) => ({
  name,
  namespace: namespaceOf(ref, m),
  labels: labelsOf(ref),
  ...extra,
});

/** The NetworkPolicy of a virtual link, and the workload's annotation listing its connection points. */
export const vlPolicyName = (network: string): string => dnsLabel(`vl-${network}`);
export const PORTS_ANNOTATION = 'mano.io/ports';
/** When the workload was last applied: its readiness timeout counts from there (a retry starts a new wait). */
export const APPLIED_AT_ANNOTATION = 'mano.io/applied-at';

/** The NS namespace: deny all ingress by default, except from the configured ingress controller. */
export function namespaceManifests(ref: ResourceRef, m: KubernetesMapping): Obj[] {
  const namespace = namespaceOf(ref, m);
  const labels = {
    'app.kubernetes.io/managed-by': 'opencloudedge-mano',
    'mano.io/ns-instance': labelValue(ref.labels['mano.ns-instance'] ?? ''),
  };
  const objects: Obj[] = [
    // an account's own namespace exists already (and may not be ours to label)
    ...(m.namespace ? [] : [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace, labels } }]),
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'mano-default-deny', namespace, labels },
      spec: { podSelector: {}, policyTypes: ['Ingress'] },
    },
  ];
  if (m.ingressController)
    objects.push({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'mano-allow-ingress-controller', namespace, labels },
      spec: {
        podSelector: {},
        policyTypes: ['Ingress'],
        ingress: [
          { from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': m.ingressController.namespace } } }] },
        ],
      },
    });
  return objects;
}

/** A virtual link: the pods attached to it may talk to each other. */
export function networkManifests(d: DesiredNetwork, m: KubernetesMapping): Obj[] {
  const selector = { matchLabels: { [vlLabel(d.ref.name)]: 'true' } };
  return [
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: meta(d.ref, m, vlPolicyName(d.ref.name)),
      spec: { podSelector: selector, policyTypes: ['Ingress'], ingress: [{ from: [{ podSelector: selector }] }] },
    },
  ];
}

export function volumeManifests(d: DesiredVolume, m: KubernetesMapping): Obj[] {
  return [
    {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: meta(d.ref, m),
      spec: {
        accessModes: ['ReadWriteOnce'],
        resources: { requests: { storage: `${d.sizeGiB}Gi` } },
        ...((d.storageClass ?? m.storageClass) ? { storageClassName: d.storageClass ?? m.storageClass } : {}),
      },
    },
  ];
}

/** Kubernetes quantities from the flavor (CPU in millicores, memory in MiB; GPUs as the vendor's resource). */
function resources(d: DesiredCompute, m: KubernetesMapping): Obj {
  const q: Record<string, string> = {
    cpu: `${Math.round(d.flavor.vcpu * 1000)}m`,
    memory: `${Math.round(d.flavor.memoryGiB * 1024)}Mi`,
  };
  const limits: Record<string, string> = { ...q };
  if (d.flavor.gpu) limits[d.flavor.gpuVendor ? `${d.flavor.gpuVendor}.com/gpu` : m.gpuResource] = String(d.flavor.gpu);
  return { requests: q, limits };
}

function probe(p: Probe | undefined): Obj | undefined {
  if (!p) return undefined;
  return {
    ...(p.httpGet ? { httpGet: { path: p.httpGet.path, port: p.httpGet.port } } : {}),
    ...(p.tcpSocket ? { tcpSocket: { port: p.tcpSocket.port } } : {}),
    ...(p.exec ? { exec: { command: p.exec.command } } : {}),
    ...(p.initialDelaySeconds !== undefined ? { initialDelaySeconds: p.initialDelaySeconds } : {}),
    ...(p.periodSeconds !== undefined ? { periodSeconds: p.periodSeconds } : {}),
    ...(p.failureThreshold !== undefined ? { failureThreshold: p.failureThreshold } : {}),
  };
}

const EXPOSURE = ['ClusterIP', 'NodePort', 'LoadBalancer'] as const;

/** A host name as external-dns and the Ingress see it: a bare name gets the account's DNS domain. */
const fqdn = (host: string, m: KubernetesMapping) =>
  host.includes('.') || !m.externalDnsDomain ? host : `${host}.${m.externalDnsDomain}`;

export const ZONE_LABEL = 'topology.kubernetes.io/zone';

/**
 * How the placement zone binds the pods: `selector` — nodes labelled with it (or the account's zone_selectors);
 * `unlabelled` — the zone the adapter reports for nodes without a zone label, in a cluster that also has labelled
 * ones (required affinity: no zone label); `none` — that zone in a cluster without zone labels (no constraint).
 */
export type ZoneBinding = 'selector' | 'unlabelled' | 'none';

export function computeManifests(
  d: DesiredCompute,
  m: KubernetesMapping,
  image: string,
  appliedAt = new Date().toISOString(),
  zoneBinding: ZoneBinding = 'selector',
): Obj[] {
  const name = dnsLabel(d.ref.name);
  const podLabels: Record<string, string> = { ...labelsOf(d.ref) };
  for (const p of d.ports) podLabels[vlLabel(p.network)] = 'true';
  const selector = { 'mano.io/resource': name };
  const objects: Obj[] = [];
  const mounts: Obj[] = [];
  const volumes: Obj[] = [];
  if (d.userData !== undefined) {
    objects.push({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: meta(d.ref, m, `${name}-day0`.slice(0, 63)),
      data: { 'user-data': d.userData },
    });
    volumes.push({ name: 'day0', configMap: { name: `${name}-day0`.slice(0, 63) } });
    mounts.push({ name: 'day0', mountPath: DAY0_MOUNT, readOnly: true });
  }
  (d.volumes ?? []).forEach((v, i) => {
    volumes.push({ name: `data-${i}`, persistentVolumeClaim: { claimName: dnsLabel(v) } });
    mounts.push({ name: `data-${i}`, mountPath: `/data/${i}` });
  });
  // a workload that calls the Kubernetes API gets its own identity with just the rights it declared; others get no token
  if (d.apiAccess?.length) {
    objects.push(
      { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta(d.ref, m) },
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'Role',
        metadata: meta(d.ref, m),
        rules: d.apiAccess.map((r) => ({ apiGroups: r.apiGroups, resources: r.resources, verbs: r.verbs })),
      },
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        metadata: meta(d.ref, m),
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
        subjects: [{ kind: 'ServiceAccount', name, namespace: namespaceOf(d.ref, m) }],
      },
    );
  }
  const services = d.ports.filter((p) => p.service).map((p) => ({ cp: p, s: p.service! }));
  const zone = d.placement?.zone;
  const bySelector = zone && (m.zoneSelectors[zone] || zoneBinding === 'selector');
  const nodeSelector = {
    ...(bySelector ? (m.zoneSelectors[zone] ?? { [ZONE_LABEL]: zone }) : {}),
    ...(d.flavor.gpu ? (m.gpuNodeSelector ?? {}) : {}),
    ...(d.placement?.nodeSelector ?? {}),
  };
  const readiness = probe(d.probes?.readiness);
  const liveness = probe(d.probes?.liveness);
  const pod = {
    metadata: { labels: podLabels },
    spec: {
      ...(Object.keys(nodeSelector).length ? { nodeSelector } : {}),
      ...(zone && !bySelector && zoneBinding === 'unlabelled'
        ? {
            affinity: {
              nodeAffinity: {
                requiredDuringSchedulingIgnoredDuringExecution: {
                  nodeSelectorTerms: [{ matchExpressions: [{ key: ZONE_LABEL, operator: 'DoesNotExist' }] }],
                },
              },
            },
          }
        : {}),
      ...(d.apiAccess?.length ? { serviceAccountName: name } : { automountServiceAccountToken: false }),
      containers: [
        {
          name: 'main',
          image,
          ...(d.command ? { command: d.command } : {}),
          ...(d.args ? { args: d.args } : {}),
          resources: resources(d, m),
          env: [
            ...Object.entries(d.env ?? {}).map(([k, v]) => ({ name: k, value: v })),
            // generated credentials reach the container from the Secret, never through a record
            ...Object.entries(d.secretEnv ?? {}).map(([k, v]) => ({
              name: k,
              valueFrom: { secretKeyRef: { name: dnsLabel(v.secret), key: v.key } },
            })),
          ],
          volumeMounts: mounts,
          ...(services.length
            ? {
                ports: services.map(({ cp, s }) => ({
                  name: dnsLabel(cp.name).slice(0, 15).replace(/-+$/, ''),
                  containerPort: s.targetPort ?? s.port,
                  protocol: s.protocol ?? 'TCP',
                })),
              }
            : {}),
          ...(readiness ? { readinessProbe: readiness } : {}),
          ...(liveness ? { livenessProbe: liveness } : {}),
        },
      ],
      volumes,
    },
  };
  // with a HorizontalPodAutoscaler the replicas are its to set: applying a number again would undo its scaling
  const spec = { ...(d.autoscaling ? {} : { replicas: d.replicas ?? 1 }), selector: { matchLabels: selector }, template: pod };
  const workloadMeta = meta(d.ref, m, name, {
    annotations: { [PORTS_ANNOTATION]: d.ports.map((p) => p.name).join(','), [APPLIED_AT_ANNOTATION]: appliedAt },
  });
  const kind = d.volumes?.length ? 'StatefulSet' : 'Deployment';
  objects.push({
    apiVersion: 'apps/v1',
    kind,
    metadata: workloadMeta,
    spec: kind === 'StatefulSet' ? { ...spec, serviceName: name } : spec,
  });

  // one Service; its type is the widest any port asks for (management ports: the account's choice)
  const mgmt = d.ports.some((p) => p.management || p.floatingIp);
  const wanted = [...services.map(({ s }) => s.expose ?? 'ClusterIP'), ...(mgmt ? [m.managementServiceType] : [])];
  const type = EXPOSURE[Math.max(0, ...wanted.map((t) => EXPOSURE.indexOf(t)))];
  objects.push({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: meta(
      d.ref,
      m,
      name,
      type === 'LoadBalancer' && Object.keys(m.loadBalancerAnnotations).length ? { annotations: m.loadBalancerAnnotations } : {},
    ),
    spec: {
      type,
      selector,
      // without declared ports (SOL006 connection points carry no numbers) the web port is exposed
      ports: services.length
        ? services.map(({ cp, s }) => ({
            name: dnsLabel(cp.name),
            port: s.port,
            targetPort: s.targetPort ?? s.port,
            protocol: s.protocol ?? 'TCP',
          }))
        : [{ name: 'http', port: 80, targetPort: 80, protocol: 'TCP' }],
    },
  });

  // HTTP ports: an Ingress per class (intranet or public), TLS from cert-manager, DNS from external-dns
  for (const isPublic of [false, true]) {
    const http = services.filter(({ s }) => s.http && !!s.http.public === isPublic);
    if (!http.length) continue;
    const className = isPublic ? m.ingressClasses.public : m.ingressClasses.intranet;
    const hosts = [...new Set(http.map(({ s }) => fqdn(s.http!.host, m)))];
    const tlsHosts = [...new Set(http.filter(({ s }) => s.http!.tls).map(({ s }) => fqdn(s.http!.host, m)))];
    const annotations: Record<string, string> = {
      ...(m.externalDnsDomain ? { 'external-dns.alpha.kubernetes.io/hostname': hosts.join(',') } : {}),
      ...(tlsHosts.length && m.certManagerIssuer
        ? {
            [m.certManagerIssuer.kind === 'Issuer' ? 'cert-manager.io/issuer' : 'cert-manager.io/cluster-issuer']:
              m.certManagerIssuer.name,
          }
        : {}),
    };
    objects.push({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: meta(
        d.ref,
        m,
        dnsLabel(`${name}-${isPublic ? 'public' : 'intranet'}`),
        Object.keys(annotations).length ? { annotations } : {},
      ),
      spec: {
        ...(className ? { ingressClassName: className } : {}),
        rules: hosts.map((host) => ({
          host,
          http: {
            paths: http
              .filter(({ s }) => fqdn(s.http!.host, m) === host)
              .map(({ cp, s }) => ({
                path: s.http!.path ?? '/',
                pathType: 'Prefix',
                backend: { service: { name, port: { name: dnsLabel(cp.name) } } },
              })),
          },
        })),
        ...(tlsHosts.length ? { tls: [{ hosts: tlsHosts, secretName: dnsLabel(`${name}-tls`) }] } : {}),
      },
    });
  }

  // the pods this workload starts for untrusted work (e.g. a grader's evaluation pods): no traffic in or out
  if (d.isolatedPodsLabel)
    objects.push({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: meta(d.ref, m, dnsLabel(`${name}-isolated`)),
      spec: { podSelector: { matchLabels: { [d.isolatedPodsLabel]: 'true' } }, policyTypes: ['Ingress', 'Egress'] },
    });

  if (d.autoscaling) {
    const metric = (resource: string, utilization: number) => ({
      type: 'Resource',
      resource: { name: resource, target: { type: 'Utilization', averageUtilization: utilization } },
    });
    objects.push({
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: meta(d.ref, m),
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind, name },
        minReplicas: d.autoscaling.minReplicas,
        maxReplicas: d.autoscaling.maxReplicas,
        metrics: [
          ...(d.autoscaling.cpuUtilization || !d.autoscaling.memoryUtilization
            ? [metric('cpu', d.autoscaling.cpuUtilization ?? 80)]
            : []),
          ...(d.autoscaling.memoryUtilization ? [metric('memory', d.autoscaling.memoryUtilization)] : []),
        ],
      },
    });
  }
  return objects;
}

/**
 * The VNF's generated Secret (`generatedSecret` of the compute that makes it), with the values the adapter drew: made
 * once, when absent, and removed with that compute. Its values are never returned by observe nor kept in any record.
 */
export function generatedSecretManifest(d: DesiredCompute, m: KubernetesMapping, values: Record<string, string>): Obj {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: meta(d.ref, m, dnsLabel(d.generatedSecret!.name)),
    type: 'Opaque',
    data: Object.fromEntries(Object.entries(values).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
  };
}

/** The KDU's index: which objects it made, so that observe and remove find them after any crash. */
export const kduIndexName = (ref: ResourceRef): string => dnsLabel(`${ref.name}-kdu`);
export interface KduEntry {
  apiVersion: string;
  kind: string;
  name: string;
  /** Where it lives: '' for cluster-wide kinds; absent (indexes written before) = the NS namespace. */
  namespace?: string;
}

/**
 * A Namespace a KDU declares (`allow_namespaces`) is made as `<NS namespace>-<its name>` (plus the NS id's first 8
 * hex with an account namespace), so that NS instances never share one and no package can take over an existing
 * namespace; a pod finds it as `$(POD_NAMESPACE)-<name>` through the downward API.
 */
export function kduNamespaceName(ref: ResourceRef, m: KubernetesMapping, declared: string): string {
  const ns8 = ref.labels['mano.ns-instance']?.replace(/-/g, '').slice(0, 8) ?? 'shared';
  return dnsLabel(`${namespaceOf(ref, m)}-${m.namespace ? `${ns8}-` : ''}${declared}`);
}

/**
 * A KDU's objects labelled like ours, preceded by its index ConfigMap (applied first, so a crash half-way leaves a
 * complete list of what to remove). Objects go to the NS namespace — or to a Namespace the KDU itself declares
 * (renamed, see kduNamespaceName; its Namespaces come first); cluster-wide kinds get none. ServiceAccount subjects of
 * bindings are of the NS namespace unless they name a declared one.
 */
export function kduManifests(d: DesiredKdu, m: KubernetesMapping): { index: Obj; objects: Obj[] } {
  const namespace = namespaceOf(d.ref, m);
  const isNamespace = (o: Obj) => kindKey(String(o.apiVersion), String(o.kind)) === '/Namespace';
  const declared = new Map<string, string>();
  for (const o of d.objects.filter(isNamespace)) {
    const name = String((o.metadata as Obj | undefined)?.name);
    declared.set(name, kduNamespaceName(d.ref, m, name));
  }
  const ordered = [...d.objects.filter(isNamespace), ...d.objects.filter((o) => !isNamespace(o))];
  const objects = ordered.map((o): Obj & { metadata: Obj } => {
    const { namespace: asked, ...metadata } = (o.metadata ?? {}) as Obj;
    const clusterWide = CLUSTER_SCOPED_KINDS.has(kindKey(String(o.apiVersion), String(o.kind)));
    const out: Obj & { metadata: Obj } = {
      ...o,
      metadata: {
        ...metadata,
        ...(isNamespace(o) ? { name: declared.get(String(metadata.name)) } : {}),
        ...(clusterWide ? {} : { namespace: declared.get(String(asked)) ?? namespace }),
        labels: { ...((metadata.labels as Record<string, string> | undefined) ?? {}), ...labelsOf(d.ref) },
      },
    };
    if (Array.isArray(o.subjects) && String(o.apiVersion).startsWith('rbac.authorization.k8s.io/'))
      out.subjects = (o.subjects as Obj[]).map((s) =>
        s?.kind === 'ServiceAccount' ? { ...s, namespace: declared.get(String(s.namespace)) ?? namespace } : s,
      );
    return out;
  });
  const entries: KduEntry[] = objects.map((o) => ({
    apiVersion: String(o.apiVersion),
    kind: String(o.kind),
    name: String(o.metadata.name),
    namespace: typeof o.metadata.namespace === 'string' ? o.metadata.namespace : '',
  }));
  return {
    index: {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: meta(d.ref, m, kduIndexName(d.ref), { annotations: { [APPLIED_AT_ANNOTATION]: new Date().toISOString() } }),
      data: { objects: JSON.stringify(entries) },
    },
    objects,
  };
}
