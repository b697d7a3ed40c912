import type {
  DesiredCompute,
  DesiredKdu,
  DesiredNetwork,
  DesiredVolume,
  Flavor,
  IpProfile,
  PortSpec,
} from '../../vim-adapters/contract/src';
import { Obj, list, num, str, truthy } from '../common/values';
import { autoscalingPolicy, containerOf, kubernetesGpu, kubernetesOf } from './container-plan';
import { flavourGpu, nsDf, vnfDf, withDeclaredParams } from './flavour';

/** The NS instantiation, worked out from descriptors and request before anything is created. Pure. */

export interface InstantiateParams {
  nsName: string;
  nsdId: string;
  /** SOL005 deployment flavour of the NSD (the first df when absent) */
  nsFlavourId?: string;
  vimAccountId: string;
  nsDescription?: string | null;
  ssh_keys?: string[];
  additionalParamsForNs?: Obj;
  additionalParamsForVnf?: { 'member-vnf-index': string; additionalParams?: Obj }[];
  vnf?: {
    'member-vnf-index': string;
    vimAccountId?: string;
    'internal-vld'?: { name: string; 'vim-network-name'?: string; 'ip-profile'?: Obj }[];
  }[];
  vld?: {
    name: string;
    'vim-network-name'?: string | Record<string, string>;
    'ip-profile'?: Obj;
    'vnfd-connection-point-ref'?: {
      'member-vnf-index-ref': string;
      'vnfd-connection-point-ref': string;
      'ip-address'?: string;
    }[];
  }[];
  timeout_ns_deploy?: number;
  [key: string]: unknown;
}

export interface PlannedVnf {
  memberVnfIndex: string;
  vnfrId: string;
  vnfdId: string;
  vimAccountId: string;
  demand: { vcpu: number; memoryGiB: number; storageGiB: number; gpu: number };
}
export interface PlannedNetwork {
  vimAccountId: string;
  desired: DesiredNetwork;
  nsVld?: string;
  memberVnfIndex?: string;
  vnfVld?: string;
}
export interface PlannedInterface {
  name: string;
  network: string;
  nsVld?: string;
  vnfVld?: string;
  mgmt: boolean;
  /** ext-cpd id when the port is a VNF external connection point */
  extCpd?: string;
}
export interface PlannedCompute {
  vimAccountId: string;
  memberVnfIndex: string;
  vnfrId: string;
  vduId: string;
  countIndex: number;
  desired: DesiredCompute;
  interfaces: PlannedInterface[];
}
export interface PlannedKdu {
  memberVnfIndex: string;
  vnfrId: string;
  kduName: string;
  /** A Helm KDU's `helm-chart` and release name (its VNF record entry shows them). */
  helm?: { chart: string; release: string };
  /** The Kubernetes VIM or cluster that deploys it. */
  vimAccountId: string;
  desired: DesiredKdu;
}
export interface PlannedVolume {
  vimAccountId: string;
  memberVnfIndex: string;
  desired: DesiredVolume;
}
export interface Plan {
  vnfs: PlannedVnf[];
  networks: PlannedNetwork[];
  volumes: PlannedVolume[];
  computes: PlannedCompute[];
}

export interface PlanInput {
  nsId: string;
  nsd: Obj;
  vnfds: Map<string, Obj>;
  params: InstantiateParams;
  vnfrIds: Map<string, string>;
  opId: string;
  /** Only these VNFs (scaling plans one); all when absent. */
  members?: Set<string>;
  /** Instance counts by VDU id that replace the instantiation level's (scaling). */
  vduCounts?: Map<string, number>;
  /** Rendered day-0 cloud-init by `<member-vnf-index>/<vdu id>`. */
  userData?: Map<string, string>;
}

const short = (id: string): string => id.replace(/-/g, '').slice(0, 8);
/** VIM object names: deterministic (safe to re-create after a crash), readable, DNS-label friendly. */
export const resourceName = (...parts: (string | number)[]): string =>
  [
    'mano',
    ...parts.map((p) =>
      String(p)
        .toLowerCase()
        .replace(/[^a-z0-9-]+/g, '-'),
    ),
  ]
    .join('-')
    .slice(0, 200);

function ipProfileFromOsm(p: Obj | undefined): IpProfile | undefined {
  if (!p) return undefined;
  const dhcp = p['dhcp-params'] as Obj | undefined;
  return {
    cidr: str(p['subnet-address']),
    gatewayIp: str(p['gateway-address']),
    dhcp: dhcp ? truthy(dhcp.enabled) : undefined,
    dnsServers: list(p['dns-server']).map((d) => String(d.address)),
  };
}

function ipProfileFromL3(vlp: Obj | undefined): IpProfile | undefined {
  const l3 = (vlp?.['virtual-link-protocol-data'] as Obj | undefined)?.['l3-protocol-data'] as Obj | undefined;
  if (!l3) return undefined;
  return {
    cidr: str(l3.cidr),
    gatewayIp: str(l3['gateway-ip']),
    dhcp: l3['dhcp-enabled'] === undefined ? undefined : truthy(l3['dhcp-enabled']),
  };
}

/**
 * SOL006 EPA of a virtual-compute-desc as the contract's adapter-neutral hints (OpenStack turns them into flavor
 * extra specs): CPU pinning, thread policy, huge pages, NUMA node count, PCI passthrough.
 */
function epaOf(compute: Obj): Flavor['epa'] {
  const cpu = (compute['virtual-cpu'] ?? {}) as Obj;
  const memory = (compute['virtual-memory'] ?? {}) as Obj;
  const pinning = (cpu.pinning ?? {}) as Obj;
  const numa = (memory['numa-node-policy'] ?? {}) as Obj;
  const pageSizes: Record<string, string> = {
    LARGE: 'large',
    SMALL: 'small',
    SIZE_2MB: '2MB',
    SIZE_1GB: '1GB',
    PREFER_LARGE: 'any',
  };
  const epa: NonNullable<Flavor['epa']> = {};
  if (str(pinning.policy)) epa.cpuPolicy = str(pinning.policy) === 'static' ? 'dedicated' : 'shared';
  const thread = str(pinning['thread-policy'] ?? cpu['thread-policy']);
  if (thread) epa.cpuThreadPolicy = thread.toLowerCase();
  const page = str(memory['mempage-size']);
  if (page) epa.memPageSize = pageSizes[page] ?? page;
  if (numa['node-cnt'] !== undefined) epa.numaNodes = num(numa['node-cnt'], 1);
  return Object.keys(epa).length ? epa : undefined;
}

/** SOL006 virtual-interface type → the VIM's NIC kind (OpenStack `binding:vnic_type`); paravirtual NICs need none. */
const VNIC_TYPES: Record<string, string> = { 'SR-IOV': 'direct', 'PCI-PASSTHROUGH': 'direct-physical' };
const vnicTypeOf = (cpd: Obj): string | undefined => {
  const nic = list(cpd['virtual-network-interface-requirement'])[0];
  return VNIC_TYPES[str((nic?.['virtual-interface'] as Obj | undefined)?.type) ?? ''];
};

const providerOf = (p: Obj | undefined): DesiredNetwork['provider'] =>
  p
    ? {
        physicalNetwork: str(p['physical-network']),
        segmentationId: p.segmentation_id === undefined ? undefined : num(p.segmentation_id, 0),
      }
    : undefined;

/** Instances of each VDU at the VNF's instantiation level (OSM order: level, vdu-profile minimum, 1). */
export function vduCounts(vnfd: Obj, profile?: Obj): Map<string, number> {
  const df = list(vnfd.df).find((d) => str(d.id) === str(profile?.['flavour-id'])) ?? list(vnfd.df)[0] ?? {};
  const levelId = str(profile?.['instantiation-level']) ?? str(df['default-instantiation-level']);
  const level = list(df['instantiation-level']).find((l) => str(l.id) === levelId) ?? list(df['instantiation-level'])[0];
  const counts = new Map<string, number>();
  for (const vdu of list(vnfd.vdu)) {
    const id = String(vdu.id);
    const fromLevel = list(level?.['vdu-level']).find((l) => str(l['vdu-id']) === id);
    const fromProfile = list(df['vdu-profile']).find((p) => str(p.id) === id);
    counts.set(id, num(fromLevel?.['number-of-instances'], num(fromProfile?.['min-number-of-instances'], 1)));
  }
  return counts;
}

export function planInstantiation(input: PlanInput): Plan {
  const { nsd, nsId } = input;
  // the flavours' declared parameter defaults (the request resolver has already added them and checked the values)
  const declared = withDeclaredParams(
    nsd,
    input.params.nsFlavourId,
    (id) => input.vnfds.get(id),
    input.params.additionalParamsForVnf,
  );
  const params: InstantiateParams = { ...input.params, additionalParamsForVnf: declared.additionalParamsForVnf };
  const ns8 = short(nsId);
  const labels = (extra: Record<string, string>) => ({ 'mano.ns-instance': nsId, 'mano.op': input.opId, ...extra });
  const nsFlavour = nsDf(nsd, params.nsFlavourId);
  const profiles = list(nsFlavour['vnf-profile']);
  const vldParams = new Map((params.vld ?? []).map((v) => [v.name, v]));
  const vnfParams = new Map((params.vnf ?? []).map((v) => [String(v['member-vnf-index']), v]));
  const plan: Plan = { vnfs: [], networks: [], volumes: [], computes: [] };

  // which NS VLD each (member, ext-cpd) is connected to, with its fixed address
  const connections = new Map<string, { vld: string; ip?: string }>();
  for (const vp of profiles) {
    for (const vlc of list(vp['virtual-link-connectivity'])) {
      for (const cc of list(vlc['constituent-cpd-id'])) {
        connections.set(`${str(vp.id)}/${str(cc['constituent-cpd-id'])}`, {
          vld: String(vlc['virtual-link-profile-id']),
          ip: str(cc['ip-address']),
        });
      }
    }
  }
  // a virtual-link-profile id may differ from the virtual-link-desc id it profiles
  const vlProfiles = new Map(list(nsFlavour['virtual-link-profile']).map((p) => [String(p.id), p]));
  const vldOf = (profileOrVld: string): string => str(vlProfiles.get(profileOrVld)?.['virtual-link-desc-id']) ?? profileOrVld;
  for (const vld of params.vld ?? []) {
    for (const ref of vld['vnfd-connection-point-ref'] ?? []) {
      const key = `${ref['member-vnf-index-ref']}/${ref['vnfd-connection-point-ref']}`;
      connections.set(key, { vld: vld.name, ip: ref['ip-address'] ?? connections.get(key)?.ip });
    }
  }

  const nsNetworks = new Map<string, PlannedNetwork>(); // `${vim}/${vld}`
  /** Our network name → the VIM network it attaches to (`vim-network-name`), for the ports on it. */
  const existingNetworks = new Map<string, string>();
  const nsNetwork = (vldId: string, vim: string): string => {
    const name = resourceName(ns8, vldId);
    if (nsNetworks.has(`${vim}/${vldId}`)) return name;
    const desc = list(nsd['virtual-link-desc']).find((d) => str(d.id) === vldId) ?? {};
    const p = vldParams.get(vldId);
    const vimNet = p?.['vim-network-name'];
    const existing = typeof vimNet === 'object' && vimNet !== null ? vimNet[vim] : (vimNet ?? str(desc['vim-network-name']));
    const profile = [...vlProfiles.values()].find((x) => str(x['virtual-link-desc-id']) === vldId);
    if (existing) existingNetworks.set(name, existing);
    nsNetworks.set(`${vim}/${vldId}`, {
      vimAccountId: vim,
      nsVld: vldId,
      desired: {
        ref: { kind: 'network', name, labels: labels({ 'mano.ns-vld': vldId }) },
        existingNetworkName: existing,
        ipProfile: ipProfileFromOsm(p?.['ip-profile']) ?? ipProfileFromL3(profile),
        management: truthy(desc['mgmt-network']),
        provider: providerOf(desc['provider-network'] as Obj | undefined),
      },
    });
    return name;
  };

  for (const vp of profiles) {
    const member = String(vp.id);
    if (input.members && !input.members.has(member)) continue;
    const vnfd = input.vnfds.get(String(vp['vnfd-id']))!;
    const vim = vnfParams.get(member)?.vimAccountId ?? params.vimAccountId;
    const vnfrId = input.vnfrIds.get(member)!;
    const vnfLabels = labels({ 'mano.vnf-instance': vnfrId, 'mano.member-vnf-index': member });
    const counts = vduCounts(vnfd, vp);
    for (const [vdu, n] of input.vduCounts ?? []) counts.set(vdu, n);
    const vnfFlavour = vnfDf(vnfd, vp['flavour-id']);
    const demand = { vcpu: 0, memoryGiB: 0, storageGiB: 0, gpu: 0 };

    // internal virtual links
    const internal = new Map<string, string>();
    for (const ivld of list(vnfd['int-virtual-link-desc'])) {
      const id = String(ivld.id);
      const name = resourceName(ns8, member, id);
      internal.set(id, name);
      const p = (vnfParams.get(member)?.['internal-vld'] ?? []).find((x) => x.name === id);
      const profile = list(vnfFlavour['virtual-link-profile']).find((x) => str(x.id) === id);
      if (p?.['vim-network-name']) existingNetworks.set(name, p['vim-network-name']);
      plan.networks.push({
        vimAccountId: vim,
        memberVnfIndex: member,
        vnfVld: id,
        desired: {
          ref: { kind: 'network', name, labels: { ...vnfLabels, 'mano.vnf-vld': id } },
          existingNetworkName: p?.['vim-network-name'],
          ipProfile: ipProfileFromOsm(p?.['ip-profile']) ?? ipProfileFromL3(profile),
        },
      });
    }

    for (const vdu of list(vnfd.vdu)) {
      const vduId = String(vdu.id);
      const compute = list(vnfd['virtual-compute-desc']).find((c) => str(c.id) === str(vdu['virtual-compute-desc'])) ?? {};
      const storages = (Array.isArray(vdu['virtual-storage-desc']) ? vdu['virtual-storage-desc'] : []).map((s) =>
        list(vnfd['virtual-storage-desc']).find((d) => str(d.id) === String(s)),
      );
      const images = list(vnfd['sw-image-desc']);
      const image = images.find((i) => str(i.id) === str(vdu['sw-image-desc']));
      // SOL006 alternative images carry the VIM type they are for (kubernetes, aws, …)
      const alternatives = (Array.isArray(vdu['alternative-sw-image-desc']) ? vdu['alternative-sw-image-desc'] : [])
        .map((id) => images.find((i) => str(i.id) === String(id)))
        .filter((i): i is Obj => i !== undefined && str(i['vim-type']) !== undefined);
      const services = Object.fromEntries(list(vnfd.vdu).map((v) => [String(v.id), resourceName(ns8, member, String(v.id), 0)]));
      const container = containerOf(vdu, params, member, resourceName(ns8, member, 'secret'), services);
      // storage sizes and autoscaling bounds may be `{{ param }}`s (e.g. a registry's PVC size)
      const sizes = storages.map((s, i) =>
        s ? container.int(s['size-of-storage'], i ? 1 : 0, `virtual-storage-desc ${String(s.id)} size-of-storage`) : 0,
      );
      const flavor: Flavor = {
        vcpu: num((compute['virtual-cpu'] as Obj | undefined)?.['num-virtual-cpu'], 1),
        memoryGiB: num((compute['virtual-memory'] as Obj | undefined)?.size, 1),
        storageGiB: sizes[0] ?? 0,
        epa: epaOf(compute),
        ...(flavourGpu(vnfFlavour, vduId) ?? kubernetesGpu(vdu)),
      };
      const k8s = kubernetesOf(vdu, container.int);
      const scaleBounds = k8s.autoscaling;
      if (scaleBounds && scaleBounds.minReplicas > scaleBounds.maxReplicas)
        container.problem(
          `vdu ${vduId} autoscaling: min-replicas ${scaleBounds.minReplicas} is more than max-replicas ${scaleBounds.maxReplicas}`,
        );
      const imageName = container.render(String(image?.image ?? image?.name ?? vdu['sw-image-desc'] ?? 'none'));
      const alternativeImages = alternatives.length
        ? Object.fromEntries(alternatives.map((i) => [String(i['vim-type']), container.render(String(i.image ?? i.name))]))
        : undefined;
      container.check();
      for (let n = 0; n < (counts.get(vduId) ?? 1); n++) {
        const name = resourceName(ns8, member, vduId, n);
        const interfaces: PlannedInterface[] = [];
        const ports: PortSpec[] = [];
        for (const cpd of list(vdu['int-cpd'])) {
          const cpdId = String(cpd.id);
          const ext = list(vnfd['ext-cpd']).find((e) => {
            const inner = e['int-cpd'] as Obj | undefined;
            return str(inner?.['vdu-id']) === vduId && str(inner?.cpd) === cpdId;
          });
          const extId = str(ext?.id);
          const mgmt = extId !== undefined && extId === str(vnfd['mgmt-cp']);
          let iface: PlannedInterface | undefined;
          let fixedIp: string | undefined;
          if (cpd['int-virtual-link-desc'] !== undefined && internal.has(String(cpd['int-virtual-link-desc']))) {
            const ivld = String(cpd['int-virtual-link-desc']);
            iface = { name: cpdId, network: internal.get(ivld)!, vnfVld: ivld, mgmt, extCpd: extId };
          } else if (extId !== undefined && connections.has(`${member}/${extId}`)) {
            const conn = connections.get(`${member}/${extId}`)!;
            const vld = vldOf(conn.vld);
            iface = { name: cpdId, network: nsNetwork(vld, vim), nsVld: vld, mgmt, extCpd: extId };
            fixedIp = n === 0 ? conn.ip : undefined;
          }
          if (!iface) continue;
          interfaces.push(iface);
          const security = ext?.['port-security-enabled'] ?? cpd['port-security-enabled'];
          ports.push({
            name: cpdId,
            network: iface.network,
            existingNetworkName: existingNetworks.get(iface.network),
            fixedIp,
            management: mgmt || undefined,
            portSecurity: security === undefined ? undefined : truthy(security),
            vnicType: vnicTypeOf(cpd),
            service: k8s.services.get(cpdId),
          });
        }
        const volumes: string[] = [];
        storages.slice(1).forEach((s, i) => {
          if (!s) return;
          const vname = resourceName(ns8, member, vduId, n, String(s.id));
          volumes.push(vname);
          plan.volumes.push({
            vimAccountId: vim,
            memberVnfIndex: member,
            desired: { ref: { kind: 'volume', name: vname, labels: vnfLabels }, sizeGiB: sizes[i + 1] },
          });
          demand.storageGiB += sizes[i + 1];
        });
        plan.computes.push({
          vimAccountId: vim,
          memberVnfIndex: member,
          vnfrId,
          vduId,
          countIndex: n,
          interfaces,
          desired: {
            ref: { kind: 'compute', name, labels: { ...vnfLabels, 'mano.vdu': vduId, 'mano.count-index': String(n) } },
            deploymentType: 'vm',
            image: imageName,
            alternativeImages,
            env: container.env,
            secretEnv: container.secretEnv,
            generatedSecret: container.generatedSecret,
            command: container.command,
            args: container.args,
            isolatedPodsLabel: container.isolatedPodsLabel,
            flavor,
            ports,
            volumes: volumes.length ? volumes : undefined,
            userData: input.userData?.get(`${member}/${vduId}`),
            probes: k8s.probes,
            apiAccess: k8s.apiAccess,
            autoscaling: k8s.autoscaling ?? autoscalingPolicy(vnfd, vdu),
          },
        });
        demand.vcpu += flavor.vcpu;
        demand.memoryGiB += flavor.memoryGiB;
        demand.storageGiB += flavor.storageGiB;
        demand.gpu += flavor.gpu ?? 0;
      }
    }
    plan.vnfs.push({ memberVnfIndex: member, vnfrId, vnfdId: String(vnfd.id), vimAccountId: vim, demand });
  }
  // NS virtual links no VNF connects to are still created, on the NS's VIM (OSM does)
  for (const vld of list(nsd['virtual-link-desc'])) {
    if (![...nsNetworks.keys()].some((k) => k.endsWith(`/${String(vld.id)}`))) nsNetwork(String(vld.id), params.vimAccountId);
  }
  plan.networks.unshift(...nsNetworks.values());
  return plan;
}
