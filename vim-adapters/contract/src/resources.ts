/**
 * What the orchestrator asks a VIM for. Every resource has a deterministic name (safe to re-create
 * after a crash) and labels carrying the real identities (NS/VNF instance ids, operation id).
 */
export type ResourceKind = 'network' | 'compute' | 'volume' | 'kdu';

export interface ResourceRef<K extends ResourceKind = ResourceKind> {
  kind: K;
  /** e.g. `mano-<ns8>-<memberIdx>-<vduId>-<n>`; unique per VIM account and kind. */
  name: string;
  /** The identity: `mano.ns-instance`, `mano.vnf-instance`, `mano.op`… Stored on the VIM object and returned by observe. */
  labels: Record<string, string>;
}

export interface IpProfile {
  /** e.g. `192.168.10.0/24` */
  cidr?: string;
  gatewayIp?: string;
  dhcp?: boolean;
  dnsServers?: string[];
}

export interface DesiredNetwork {
  ref: ResourceRef<'network'>;
  ipProfile?: IpProfile;
  /**
   * Attach to the VIM's existing network of that name (OSM `vim-network-name`) instead of creating
   * one. What happens when it does not exist is the adapter's rule (documented in its README).
   */
  existingNetworkName?: string;
  /** The management network of the NS (floating IPs, SSH for day-1). */
  management?: boolean;
  /** A provider network (NSD `provider-network`): the physical network and VLAN it maps onto. */
  provider?: { physicalNetwork?: string; segmentationId?: number; networkType?: 'vlan' | 'flat' | 'vxlan' };
}

export interface Flavor {
  vcpu: number;
  memoryGiB: number;
  /** Root disk. */
  storageGiB: number;
  gpu?: number;
  gpuVendor?: 'nvidia' | 'amd';
  /** EPA hints (cpu pinning, huge pages, NUMA…), adapter-specific keys. */
  epa?: Record<string, string | number | boolean>;
}

export interface PortSpec {
  /** Connection point name, unique within the compute. */
  name: string;
  /** `ref.name` of a network applied on the same account. */
  network: string;
  /** That network is the VIM's own network of this name (its `existingNetworkName`), not one the adapter made. */
  existingNetworkName?: string;
  fixedIp?: string;
  macAddress?: string;
  management?: boolean;
  /** Expose outside the VIM (floating IP, Service, Ingress); adapters that cannot, ignore it and say so in conditions. */
  floatingIp?: boolean;
  portSecurity?: boolean;
  /** SR-IOV and friends: `normal` (default), `direct`, `direct-physical`, `macvtap` (OpenStack `binding:vnic_type`). */
  vnicType?: string;
  /** A service the workload offers on this port (containers: Service, and Ingress for HTTP). VMs ignore it. */
  service?: ServicePort;
}

export interface ServicePort {
  port: number;
  targetPort?: number;
  protocol?: 'TCP' | 'UDP' | 'SCTP';
  /** How far it is reachable: inside the VIM (default), on every node, or through a load balancer. */
  expose?: 'ClusterIP' | 'NodePort' | 'LoadBalancer';
  /** Served over HTTP(S) at a host name: Ingress, certificate and DNS record where the VIM has them. */
  http?: { host: string; path?: string; public?: boolean; tls?: boolean };
}

export interface Probe {
  httpGet?: { path: string; port: number };
  tcpSocket?: { port: number };
  exec?: { command: string[] };
  initialDelaySeconds?: number;
  periodSeconds?: number;
  failureThreshold?: number;
}

export interface Placement {
  /** Availability zone, or PoP for the emulator. */
  zone?: string;
  /** Instances of the same group are kept apart (anti-affinity) or together (affinity). */
  antiAffinityGroup?: string;
  affinityGroup?: string;
  nodeSelector?: Record<string, string>;
}

export interface DesiredCompute {
  ref: ResourceRef<'compute'>;
  deploymentType: 'vm' | 'container';
  image: string;
  /** Images for particular VIM types (SOL006 `alternative-sw-image-desc` with `vim-type`), e.g. `{ kubernetes: 'nginx:1.27' }`. */
  alternativeImages?: Record<string, string>;
  flavor: Flavor;
  ports: PortSpec[];
  /** Day-0 (cloud-init user data or equivalent). */
  userData?: string;
  replicas?: number;
  placement?: Placement;
  /** `ref.name`s of volumes to attach. */
  volumes?: string[];
  env?: Record<string, string>;
  /** Environment variables from keys of the VNF's generated Secret (containers; the values never pass through here). */
  secretEnv?: Record<string, { secret: string; key: string }>;
  /** This compute makes that Secret once, with random values for these keys, and removes it with itself. */
  generatedSecret?: { name: string; keys: string[] };
  /** A container's entrypoint and arguments (default: the image's). */
  command?: string[];
  args?: string[];
  /** Pods the workload itself starts with this label `"true"` are cut off: no ingress, no egress (Kubernetes: NetworkPolicy). */
  isolatedPodsLabel?: string;
  /** Health checks of a container workload. */
  probes?: { readiness?: Probe; liveness?: Probe };
  /** The workload calls the VIM's own API (Kubernetes: ServiceAccount, Role, RoleBinding with these rules). */
  apiAccess?: { apiGroups: string[]; resources: string[]; verbs: string[] }[];
  /** VIM-side autoscaling of the instance's replicas on CPU/memory utilisation (Kubernetes: HorizontalPodAutoscaler). */
  autoscaling?: { minReplicas: number; maxReplicas: number; cpuUtilization?: number; memoryUtilization?: number };
}

export interface DesiredVolume {
  ref: ResourceRef<'volume'>;
  sizeGiB: number;
  zone?: string;
  storageClass?: string;
}

/**
 * A KDU: Kubernetes objects shipped in the package (parameters already substituted), deployed together into the NS's
 * namespace. Only VIMs that run Kubernetes take it; others answer VIM.UNSUPPORTED.
 */
export interface DesiredKdu {
  ref: ResourceRef<'kdu'>;
  objects: Record<string, unknown>[];
  /**
   * A KDU given as a Helm chart, before its factory's `renderKdu` turned it into `objects` (at instantiate, once):
   * what is stored and applied is always the rendered objects, never this.
   */
  helm?: HelmKduSource;
}

/** Where a Helm KDU's chart comes from, and the values to render it with. */
export interface HelmKduSource {
  /** The descriptor's `helm-chart`, for messages and the VNF record. */
  chartRef: string;
  /** The release name (`.Release.Name`): the KDU's resource name. */
  release: string;
  values: Record<string, unknown>;
  chart:
    | { from: 'package'; files: Record<string, Buffer> }
    | { from: 'repo'; repo: HelmRepo; name: string; version?: string }
    | { from: 'oci'; ref: string; version?: string };
}
export interface HelmRepo {
  name: string;
  url: string;
  /** An OCI registry (`osm repo-add --oci`): charts are `oci://<host/path>/<chart>`, pulled by helm. */
  oci?: boolean;
  cacert?: string;
  username?: string;
  password?: string;
}

export type DesiredResource = DesiredNetwork | DesiredCompute | DesiredVolume | DesiredKdu;

export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
}

export interface ObservedAddress {
  port: string;
  network: string;
  ip: string;
  mac?: string;
}

export interface Observed {
  ref: ResourceRef;
  /** The VIM's own id (nova server UUID, Kubernetes uid, emulator id). */
  providerId: string;
  /** Created and usable (server ACTIVE, pods Ready, emulator boot delay over). */
  provisioned: boolean;
  /** Reality matches what was last applied. */
  upToDate: boolean;
  addresses: ObservedAddress[];
  conditions: Condition[];
  /** Zone / PoP where it runs. */
  zone?: string;
  /** Adapter-specific, for humans and records (e.g. cidr of a network, status of a server). */
  details?: Record<string, unknown>;
}

export const refKey = (ref: Pick<ResourceRef, 'kind' | 'name'>): string => `${ref.kind}/${ref.name}`;
