import type { DesiredCompute, DesiredNetwork, DesiredVolume, ResourceRef } from '../../contract/src';

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
  /** Node selectors by zone name (e.g. an edge pool); a zone without an entry selects `topology.kubernetes.io/zone`. */
  zoneSelectors: Record<string, Record<string, string>>;
  /** Where the ingress controller runs, allowed through the default deny. */
  ingressController?: { namespace: string };
  /** One namespace for everything (OSM `k8sclusters` `namespace`) instead of one per NS instance. */
  namespace?: string;
}

export const DEFAULT_MAPPING: KubernetesMapping = {
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

/** Kubernetes quantities from the flavor (CPU in millicores, memory in MiB). */
function resources(d: DesiredCompute, m: KubernetesMapping): Obj {
  const q: Record<string, string> = {
    cpu: `${Math.round(d.flavor.vcpu * 1000)}m`,
    memory: `${Math.round(d.flavor.memoryGiB * 1024)}Mi`,
  };
  const limits: Record<string, string> = { ...q };
  if (d.flavor.gpu) limits[m.gpuResource] = String(d.flavor.gpu);
  return { requests: q, limits };
}

export function computeManifests(d: DesiredCompute, m: KubernetesMapping, image: string): Obj[] {
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
  const zone = d.placement?.zone;
  const nodeSelector = {
    ...(zone ? (m.zoneSelectors[zone] ?? { 'topology.kubernetes.io/zone': zone }) : {}),
    ...(d.placement?.nodeSelector ?? {}),
  };
  const pod = {
    metadata: { labels: podLabels },
    spec: {
      ...(Object.keys(nodeSelector).length ? { nodeSelector } : {}),
      containers: [
        {
          name: 'main',
          image,
          resources: resources(d, m),
          env: Object.entries(d.env ?? {}).map(([k, v]) => ({ name: k, value: v })),
          volumeMounts: mounts,
        },
      ],
      volumes,
    },
  };
  const spec = { replicas: d.replicas ?? 1, selector: { matchLabels: selector }, template: pod };
  const workloadMeta = meta(d.ref, m, name, { annotations: { [PORTS_ANNOTATION]: d.ports.map((p) => p.name).join(',') } });
  objects.push(
    d.volumes?.length
      ? { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: workloadMeta, spec: { ...spec, serviceName: name } }
      : { apiVersion: 'apps/v1', kind: 'Deployment', metadata: workloadMeta, spec },
  );
  const mgmt = d.ports.some((p) => p.management || p.floatingIp);
  const type = mgmt ? m.managementServiceType : 'ClusterIP';
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
      // the web server's port; VNF ports without a declared number are exposed as 80
      ports: [{ name: 'http', port: 80, targetPort: 80, protocol: 'TCP' }],
    },
  });
  return objects;
}
