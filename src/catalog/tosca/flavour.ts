import { FieldProblem } from '../../common/errors/domain-error';
import { isObj, Obj } from '../../common/values';
import { TypeRegistry } from './types';
import { translatePolicies } from './policies';
import { compact, gib, requirementTargets, wholeGib } from './values';

/** What one deployment flavour (one TOSCA topology) contributes to the SOL006 VNFD. */
export interface FlavourParts {
  vdu: Obj[];
  computes: Obj[];
  storages: Obj[];
  images: Obj[];
  vls: Obj[];
  extCpds: Obj[];
  df: Obj;
  /** ext-cpd of each substitution-mapping requirement (what an NSD or a Tacker request names). */
  externalRequirements: Record<string, string>;
  /** Node templates, policies and properties kept in the package but not translated. */
  notTranslated: string[];
  problems: FieldProblem[];
}

const NFV = 'tosca.nodes.nfv.';
const KINDS: [string, string][] = [
  ['vnf', `${NFV}VNF`],
  ['vdu', `${NFV}Vdu.Compute`],
  ['block', `${NFV}Vdu.VirtualBlockStorage`],
  ['object', `${NFV}Vdu.VirtualObjectStorage`],
  ['file', `${NFV}Vdu.VirtualFileStorage`],
  ['cp', `${NFV}VduCp`],
  ['vl', `${NFV}VnfVirtualLink`],
  ['extcp', `${NFV}VnfExtCp`],
];
const VNIC: Record<string, string> = {
  normal: 'PARAVIRT',
  virtio: 'VIRTIO',
  direct: 'SR-IOV',
  'direct-physical': 'PCI-PASSTHROUGH',
  macvtap: 'PARAVIRT',
  baremetal: 'PCI-PASSTHROUGH',
  'virtio-forwarder': 'VIRTIO',
};
/** Properties each node kind translates; any other one present is listed in `_admin.sol001.not-translated`. */
export const HANDLED: Record<string, string[]> = {
  vnf: [
    'descriptor_id',
    'descriptor_version',
    'provider',
    'product_name',
    'software_version',
    'vnfm_info',
    'flavour_id',
    'flavour_description',
    'product_info_name',
    'product_info_description',
    'localization_languages',
    'default_localization_language',
  ],
  vdu: ['name', 'description', 'vdu_profile', 'sw_image_data'],
  block: ['virtual_block_storage_data', 'sw_image_data', 'description'],
  object: ['virtual_object_storage_data', 'sw_image_data', 'description'],
  file: ['size_of_storage', 'sw_image_data', 'description'],
  cp: ['layer_protocols', 'order', 'vnic_type', 'role', 'description', 'bitrate_requirement', 'protocol', 'trunk_mode'],
  vl: ['connectivity_type', 'description', 'vl_profile'],
  extcp: ['layer_protocols', 'description', 'role', 'protocol', 'trunk_mode'],
};
const COMPUTE_HANDLED = ['virtual_cpu', 'virtual_memory', 'virtual_local_storage', 'requested_additional_capabilities'];
/** Sub-fields translated inside the structured properties; the others are listed as not translated. */
const NESTED_HANDLED: [string, (p: Obj, vc: Obj) => unknown, string[]][] = [
  [
    'sw_image_data',
    (p) => p.sw_image_data,
    ['name', 'version', 'checksum', 'container_format', 'disk_format', 'min_disk', 'min_ram', 'size', 'operating_system'],
  ],
  ['vdu_profile', (p) => p.vdu_profile, ['min_number_of_instances', 'max_number_of_instances']],
  ['virtual_cpu', (_p, vc) => vc.virtual_cpu, ['num_virtual_cpu', 'cpu_architecture', 'virtual_cpu_oversubscription_policy']],
  ['virtual_memory', (_p, vc) => vc.virtual_memory, ['virtual_mem_size', 'virtual_mem_oversubscription_policy', 'numa_enabled']],
];

/** SOL001 CpProtocolData → SOL006 `protocol`. */
function protocolData(v: unknown): Obj[] | undefined {
  if (!Array.isArray(v)) return undefined;
  return v.filter(isObj).map((p) =>
    compact({
      'associated-layer-protocol': str(p.associated_layer_protocol),
      'address-data': (Array.isArray(p.address_data) ? p.address_data.filter(isObj) : []).map((a) => {
        const l3 = isObj(a.l3_address_data) ? a.l3_address_data : undefined;
        const l2 = isObj(a.l2_address_data) ? a.l2_address_data : undefined;
        return compact({
          type: str(a.address_type),
          'l2-address-data': l2 ? compact({ 'mac-address-assignment': l2.mac_address_assignment }) : undefined,
          'l3-address-data': l3
            ? compact({
                'ip-address-assignment': l3.ip_address_assignment,
                'floating-ip-activated': l3.floating_ip_activated,
                'ip-address-type': str(l3.ip_address_type),
                'number-of-ip-addresses': l3.number_of_ip_addresses,
              })
            : undefined,
        });
      }),
    }),
  );
}

/** requested_additional_capabilities (a map of RequestedAdditionalCapability) → request-additional-capability. */
function additionalCapabilities(v: unknown): Obj[] | undefined {
  if (!isObj(v)) return undefined;
  return Object.values(v)
    .filter(isObj)
    .map((c) =>
      compact({
        name: str(c.requested_additional_capability_name),
        'support-mandatory': c.support_mandatory,
        'min-version': str(c.min_requested_additional_capability_version),
        'preferred-version': str(c.preferred_requested_additional_capability_version),
        'target-performance-parameters': isObj(c.target_performance_parameters)
          ? Object.entries(c.target_performance_parameters).map(([key, value]) => ({ key, value: String(value) }))
          : undefined,
      }),
    )
    .filter((c) => c.name !== undefined);
}

function swImage(data: Obj, id: string): Obj {
  const checksum = isObj(data.checksum) ? data.checksum : undefined;
  return compact({
    id,
    name: data.name === undefined ? id : String(data.name),
    version: data.version === undefined ? undefined : String(data.version),
    checksum: checksum ? compact({ algorithm: str(checksum.algorithm), hash: str(checksum.hash) }) : undefined,
    'container-format': str(data.container_format),
    'disk-format': str(data.disk_format),
    'min-disk': wholeGib(data.min_disk),
    'min-ram': gib(data.min_ram),
    size: wholeGib(data.size),
    'operating-system': str(data.operating_system),
    image: data.name === undefined ? id : String(data.name),
  });
}
const str = (v: unknown): string | undefined => (v === undefined || v === null ? undefined : String(v));

/**
 * Translates one flavour's node templates and policies (properties already resolved) to SOL006 fields.
 * `at` prefixes problem paths (the file and topology_template).
 */
export function translateFlavour(
  flavourId: string,
  nodes: Record<string, Obj>,
  policies: [string, Obj][],
  groups: Record<string, Obj>,
  mappings: Obj | undefined,
  types: TypeRegistry,
  at: string,
): FlavourParts {
  const parts: FlavourParts = {
    vdu: [],
    computes: [],
    storages: [],
    images: [],
    vls: [],
    extCpds: [],
    df: { id: flavourId },
    externalRequirements: {},
    notTranslated: [],
    problems: [],
  };
  const kindOf = (type: unknown): string | undefined =>
    KINDS.find(([, base]) => types.derivesFrom('node_types', String(type), base))?.[0];
  const byKind = new Map<string, [string, Obj][]>();
  for (const [name, node] of Object.entries(nodes)) {
    const kind = kindOf(node.type);
    if (!kind) {
      parts.notTranslated.push(`node template ${name} (${String(node.type)}): no SOL006 counterpart`);
      continue;
    }
    byKind.set(kind, [...(byKind.get(kind) ?? []), [name, node]]);
    const present = isObj(node.properties) ? Object.keys(node.properties) : [];
    const left = present.filter((p) => !HANDLED[kind].includes(p) && (node.properties as Obj)[p] !== undefined);
    if (left.length) parts.notTranslated.push(`${name}: properties ${left.join(', ')}: no SOL006 counterpart`);
    const vc =
      isObj(node.capabilities) && isObj(node.capabilities.virtual_compute) ? node.capabilities.virtual_compute : undefined;
    const vcLeft = isObj(vc?.properties) ? Object.keys(vc!.properties as Obj).filter((p) => !COMPUTE_HANDLED.includes(p)) : [];
    if (vcLeft.length) parts.notTranslated.push(`${name}: virtual_compute ${vcLeft.join(', ')}: no SOL006 counterpart`);
    for (const [field, get, handled] of NESTED_HANDLED) {
      const value = get(isObj(node.properties) ? node.properties : {}, isObj(vc?.properties) ? (vc!.properties as Obj) : {});
      const extra = isObj(value) ? Object.keys(value).filter((k) => !handled.includes(k)) : [];
      if (extra.length) parts.notTranslated.push(`${name}: ${field}.${extra.join(`, ${field}.`)}: no SOL006 counterpart`);
    }
    const otherCaps = isObj(node.capabilities) ? Object.keys(node.capabilities).filter((c) => c !== 'virtual_compute') : [];
    if (otherCaps.length && kind !== 'vnf')
      parts.notTranslated.push(`${name}: capabilities ${otherCaps.join(', ')}: not translated`);
  }
  const of = (kind: string) => byKind.get(kind) ?? [];
  const props = (n: Obj): Obj => (isObj(n.properties) ? n.properties : {});
  const nodeKind = (name: string) => (nodes[name] ? kindOf(nodes[name].type) : undefined);

  // storage: block (with an image it can be a boot volume), object, file
  const storageIds = new Set<string>();
  for (const [name, node] of [...of('block'), ...of('object'), ...of('file')]) {
    const p = props(node);
    const kind = kindOf(node.type);
    const data = isObj(p.virtual_block_storage_data) ? p.virtual_block_storage_data : {};
    const size =
      kind === 'block'
        ? data.size_of_storage
        : kind === 'object'
          ? (isObj(p.virtual_object_storage_data) ? p.virtual_object_storage_data : {}).max_size_of_storage
          : p.size_of_storage;
    let image: string | undefined;
    if (isObj(p.sw_image_data)) {
      image = `${name}-image`;
      parts.images.push(swImage(p.sw_image_data, image));
    }
    if (kind !== 'block') parts.notTranslated.push(`${name}: ${kind} storage is created as a block volume of its size`);
    parts.storages.push(
      compact({
        id: name,
        'type-of-storage': image ? 'etsi-nfv-descriptors:root-storage' : 'etsi-nfv-descriptors:ephemeral-storage',
        'size-of-storage': wholeGib(size) ?? 0,
        'rdma-enabled': typeof data.rdma_enabled === 'boolean' ? data.rdma_enabled : undefined,
        'sw-image-desc': image,
        description: str(p.description),
      }),
    );
    storageIds.add(name);
  }

  // virtual links and their protocol data (the VL profile of this flavour)
  const vlProfiles: Obj[] = [];
  for (const [name, node] of of('vl')) {
    const p = props(node);
    const connectivity = isObj(p.connectivity_type) ? p.connectivity_type : {};
    const profile = isObj(p.vl_profile) ? p.vl_profile : {};
    parts.vls.push(
      compact({
        id: name,
        description: str(p.description),
        'connectivity-type': compact({
          'layer-protocol': Array.isArray(connectivity.layer_protocols) ? connectivity.layer_protocols.map(String) : undefined,
          'flow-pattern': str(connectivity.flow_pattern),
        }),
        flavour: [{ id: flavourId }],
      }),
    );
    const protocol = Array.isArray(profile.virtual_link_protocol_data) ? profile.virtual_link_protocol_data.filter(isObj) : [];
    const l3 = protocol.map((d) => d.l3_protocol_data).find(isObj);
    const l2 = protocol.map((d) => d.l2_protocol_data).find(isObj);
    const bitrate = (b: unknown) => (isObj(b) ? compact({ root: b.root, leaf: b.leaf }) : undefined);
    vlProfiles.push(
      compact({
        id: name,
        flavour: flavourId,
        'max-bit-rate-requirements': bitrate(profile.max_bitrate_requirements),
        'min-bit-rate-requirements': bitrate(profile.min_bitrate_requirements),
        'virtual-link-protocol-data': protocol.length
          ? compact({
              'associated-layer-protocol': str(protocol[0].associated_layer_protocol),
              'l2-protocol-data': l2
                ? compact({
                    name: str(l2.name),
                    'network-type': str(l2.network_type),
                    'vlan-transparent': l2.vlan_transparent,
                    mtu: l2.mtu,
                  })
                : undefined,
              'l3-protocol-data': l3
                ? compact({
                    name: str(l3.name),
                    'ip-version': str(l3.ip_version),
                    cidr: str(l3.cidr),
                    'gateway-ip': l3.gateway_ip,
                    'dhcp-enabled': l3.dhcp_enabled,
                    'ipv6-address-mode': str(l3.ipv6_address_mode),
                  })
                : undefined,
            })
          : undefined,
      }),
    );
  }

  // VDUs with their compute, images, storage and connection points
  const cps = of('cp');
  const vduIds = new Set(of('vdu').map(([n]) => n));
  const profiles: Obj[] = [];
  for (const [name, node] of of('vdu')) {
    const p = props(node);
    const cap = isObj(node.capabilities) && isObj(node.capabilities.virtual_compute) ? node.capabilities.virtual_compute : {};
    const vc = isObj(cap.properties) ? cap.properties : {};
    const cpu = isObj(vc.virtual_cpu) ? vc.virtual_cpu : {};
    const mem = isObj(vc.virtual_memory) ? vc.virtual_memory : {};
    const local = Array.isArray(vc.virtual_local_storage) ? vc.virtual_local_storage.filter(isObj) : [];
    const computeId = `${name}-compute`;
    parts.computes.push(
      compact({
        id: computeId,
        'virtual-cpu': compact({
          'num-virtual-cpu': cpu.num_virtual_cpu,
          'cpu-architecture': str(cpu.cpu_architecture),
          'oversubscription-policy': str(cpu.virtual_cpu_oversubscription_policy),
        }),
        'virtual-memory': compact({
          size: gib(mem.virtual_mem_size),
          'over-subscription-policy': str(mem.virtual_mem_oversubscription_policy),
          'numa-enabled': typeof mem.numa_enabled === 'boolean' ? mem.numa_enabled : undefined,
        }),
        'request-additional-capability': additionalCapabilities(vc.requested_additional_capabilities),
      }),
    );
    const storages: string[] = [];
    local.forEach((l, i) => {
      const id = `${name}-local-storage${i ? `-${i}` : ''}`;
      parts.storages.push({
        id,
        'type-of-storage': 'etsi-nfv-descriptors:root-storage',
        'size-of-storage': wholeGib(l.size_of_storage) ?? 0,
      });
      storages.push(id);
    });
    for (const target of requirementTargets(node, 'virtual_storage')) {
      if (storageIds.has(target)) storages.push(target);
      else
        parts.problems.push({
          path: `${at}.node_templates.${name}.requirements.virtual_storage`,
          message: `'${target}' is not a storage node template`,
        });
    }
    let image: string | undefined;
    if (isObj(p.sw_image_data)) {
      image = `${name}-image`;
      parts.images.push(swImage(p.sw_image_data, image));
    } else {
      // boot from a volume holding the image (Tacker's VirtualBlockStorage with sw_image_data)
      image = storages.map((s) => parts.storages.find((d) => d.id === s)?.['sw-image-desc']).find((s) => s !== undefined) as
        string | undefined;
      // the boot volume then comes first: it is the VDU's root disk
      const boot = storages.findIndex((s) => parts.storages.find((d) => d.id === s)?.['sw-image-desc'] !== undefined);
      if (boot > 0) storages.unshift(...storages.splice(boot, 1));
    }
    if (!image)
      parts.problems.push({
        path: `${at}.node_templates.${name}.properties.sw_image_data`,
        message:
          'no software image (sw_image_data here or on a VirtualBlockStorage it requires): container VDUs that Tacker ' +
          'deploys from Kubernetes manifests or Helm charts (Files/kubernetes, additionalParams) are not translated',
      });
    const intCpd = cps
      .filter(([, cp]) => requirementTargets(cp, 'virtual_binding').includes(name))
      .sort(([, a], [, b]) => Number(props(a).order ?? 0) - Number(props(b).order ?? 0))
      .map(([cpName, cp], position) => {
        const cpp = props(cp);
        const vl = requirementTargets(cp, 'virtual_link')[0];
        if (vl !== undefined && nodeKind(vl) !== 'vl')
          parts.problems.push({
            path: `${at}.node_templates.${cpName}.requirements.virtual_link`,
            message: `'${vl}' is not a VnfVirtualLink of this flavour`,
          });
        return compact({
          id: cpName,
          'int-virtual-link-desc': vl,
          'layer-protocol': Array.isArray(cpp.layer_protocols) ? cpp.layer_protocols.map((l) => `${String(l)}`) : undefined,
          role: str(cpp.role),
          description: str(cpp.description),
          'bitrate-requirement': Number.isInteger(cpp.bitrate_requirement) ? cpp.bitrate_requirement : undefined,
          protocol: protocolData(cpp.protocol),
          'trunk-mode': typeof cpp.trunk_mode === 'boolean' ? cpp.trunk_mode : undefined,
          'virtual-network-interface-requirement': [
            {
              name: cpName,
              position: Number.isInteger(cpp.order) ? cpp.order : position,
              'virtual-interface': { type: VNIC[String(cpp.vnic_type ?? 'normal')] ?? 'PARAVIRT' },
            },
          ],
        });
      });
    parts.vdu.push(
      compact({
        id: name,
        name: str(p.name) ?? name,
        description: str(p.description),
        'virtual-compute-desc': computeId,
        'virtual-storage-desc': storages,
        'sw-image-desc': image,
        'int-cpd': intCpd,
      }),
    );
    const profile = isObj(p.vdu_profile) ? p.vdu_profile : {};
    profiles.push(
      compact({
        id: name,
        'min-number-of-instances': profile.min_number_of_instances,
        'max-number-of-instances': profile.max_number_of_instances,
      }),
    );
  }
  for (const [cpName, cp] of cps) {
    const bound = requirementTargets(cp, 'virtual_binding');
    if (!bound.some((b) => vduIds.has(b)))
      parts.problems.push({
        path: `${at}.node_templates.${cpName}.requirements.virtual_binding`,
        message: 'a VduCp must be bound to a Vdu.Compute of this flavour',
      });
  }

  // external connection points: VnfExtCp nodes and the VduCps the substitution mappings expose
  const extIds = new Set<string>();
  for (const [name, node] of of('extcp')) {
    const p = props(node);
    const vl = requirementTargets(node, 'internal_virtual_link')[0];
    parts.extCpds.push(
      compact({
        id: name,
        'int-virtual-link-desc': vl,
        'layer-protocol': Array.isArray(p.layer_protocols) ? p.layer_protocols.map(String) : undefined,
        role: str(p.role),
        description: str(p.description),
        protocol: protocolData(p.protocol),
        'trunk-mode': typeof p.trunk_mode === 'boolean' ? p.trunk_mode : undefined,
      }),
    );
    extIds.add(name);
  }
  const requirements = isObj(mappings) && isObj(mappings.requirements) ? mappings.requirements : {};
  for (const [req, target] of Object.entries(requirements)) {
    const list = Array.isArray(target) ? target : isObj(target) && Array.isArray(target.mapping) ? target.mapping : [];
    if (list.length === 0) {
      parts.notTranslated.push(`substitution requirement ${req} maps to nothing`);
      continue;
    }
    const node = str(list[0]);
    if (!node || !nodes[node]) {
      parts.problems.push({
        path: `${at}.substitution_mappings.requirements.${req}`,
        message: `'${String(node)}' is not a node template`,
      });
      continue;
    }
    parts.externalRequirements[req] = node;
    if (extIds.has(node)) continue;
    if (nodeKind(node) !== 'cp') {
      parts.notTranslated.push(`substitution requirement ${req} maps to ${node}, neither a VduCp nor a VnfExtCp`);
      continue;
    }
    const vdu = requirementTargets(nodes[node], 'virtual_binding')[0];
    parts.extCpds.push({ id: node, 'int-cpd': { 'vdu-id': vdu, cpd: node } });
    extIds.add(node);
  }

  translatePolicies(parts, policies, groups, profiles, vduIds, at);
  const { id, ...rest } = parts.df;
  parts.df = compact({ id, 'vdu-profile': profiles, 'virtual-link-profile': vlProfiles, ...rest });
  return parts;
}
