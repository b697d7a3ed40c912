import { FieldProblem } from '../../common/errors/domain-error';
import { Obj, isObj, list, str } from '../../common/values';

/**
 * OSM information model of Release 8 and older (`vnfd:vnfd-catalog`, `nsd:nsd-catalog`) translated to the
 * SOL006-based model of Release 9+. Every field of the input is accounted for: translated, dropped on purpose
 * (names and looks that SOL006 has no place for — listed on the record, never silently), or refused with its
 * path (422) when its meaning cannot be carried over yet.
 */

export interface Translation {
  descriptor: Obj;
  /** Paths of legacy fields left out on purpose (cosmetic in SOL006 terms). */
  dropped: string[];
  /** Paths of legacy fields whose meaning cannot be carried over: the upload is refused with them. */
  problems: FieldProblem[];
}

/** Names and looks: SOL006 has no field for them, and nothing is deployed differently without them. */
const COSMETIC = new Set(['short-name', 'logo', 'position', 'vpci', 'bandwidth', 'mgmt-vpci', 'start-by-default']);

/** Records which fields of the legacy document were used; the rest are dropped (cosmetic) or refused. */
class Tracker {
  private readonly used = new Set<string>();
  private readonly droppedTrees = new Set<string>();
  readonly dropped: string[] = [];
  readonly problems: FieldProblem[] = [];

  use(path: string): void {
    this.used.add(path);
  }

  /** Everything under `path` is carried over as it is. */
  useTree(node: unknown, path: string): void {
    this.use(path);
    if (Array.isArray(node)) node.forEach((x, i) => this.useTree(x, `${path}[${i}]`));
    else if (isObj(node)) Object.entries(node).forEach(([k, x]) => this.useTree(x, `${path}.${k}`));
  }

  /** `path` is left out on purpose (it only fed OSM's old UI, monitoring or scheduler hints): listed, never silent. */
  drop(path: string): void {
    this.droppedTrees.add(path);
  }

  /** Walks `node` at `path` and classifies every field nobody used. */
  audit(node: unknown, path: string): void {
    if (Array.isArray(node)) {
      node.forEach((item, i) => this.audit(item, `${path}[${i}]`));
      return;
    }
    if (!isObj(node)) return;
    for (const [key, value] of Object.entries(node)) {
      const p = `${path}.${key}`;
      if (this.droppedTrees.has(p)) {
        this.dropped.push(p);
      } else if (this.used.has(p)) {
        this.audit(value, p);
      } else if (COSMETIC.has(key)) {
        this.dropped.push(p);
      } else {
        this.problems.push({ path: p, message: 'cannot be translated to the SOL006 model (OSM Release 9+) yet' });
      }
    }
  }
}

/**
 * placement-groups → SOL006 affinity-or-anti-affinity groups of the deployment flavour (COLOCATION → affinity,
 * ISOLATION → anti-affinity, on one NFVI node), and the members' references to them.
 */
function placementGroups(groups: unknown, path: string, memberKey: string, memberRef: string, t: Tracker) {
  const out: Obj[] = [];
  const members = new Map<string, string[]>();
  list(groups).forEach((g, i) => {
    const p = `${path}[${i}]`;
    ['name', 'strategy', memberKey].forEach((k) => g[k] !== undefined && t.use(`${p}.${k}`));
    if (g.requirement !== undefined) t.drop(`${p}.requirement`); // free text
    out.push({ id: g.name, type: g.strategy === 'ISOLATION' ? 'anti-affinity' : 'affinity', scope: 'nfvi-node' });
    list(g[memberKey]).forEach((m, j) => {
      t.use(`${p}.${memberKey}[${j}].${memberRef}`);
      if (m['vnfd-id-ref'] !== undefined) t.use(`${p}.${memberKey}[${j}].vnfd-id-ref`);
      members.set(String(m[memberRef]), [...(members.get(String(m[memberRef])) ?? []), String(g.name)]);
    });
  });
  if (groups !== undefined) t.use(path);
  return { groups: out, membership: (id: string) => (members.get(id) ?? []).map((g) => ({ id: g })) };
}

/** guest-epa → the EPA fields of the compute descriptor (pinning, threads, huge pages, NUMA). */
function guestEpa(epa: unknown, compute: Obj, path: string, t: Tracker): void {
  if (!isObj(epa)) return;
  t.use(path);
  const cpu = compute['virtual-cpu'] as Obj;
  const memory = compute['virtual-memory'] as Obj;
  if (epa['cpu-pinning-policy'] !== undefined) {
    t.use(`${path}.cpu-pinning-policy`);
    cpu.pinning = { ...(cpu.pinning as Obj), policy: epa['cpu-pinning-policy'] === 'DEDICATED' ? 'static' : 'dynamic' };
  }
  if (epa['cpu-thread-pinning-policy'] !== undefined) {
    t.use(`${path}.cpu-thread-pinning-policy`);
    cpu.pinning = { ...(cpu.pinning as Obj), 'thread-policy': epa['cpu-thread-pinning-policy'] };
  }
  if (epa['mempage-size'] !== undefined) {
    t.use(`${path}.mempage-size`);
    memory['mempage-size'] = epa['mempage-size'];
  }
  if (isObj(epa['numa-node-policy'])) {
    // the same structure in both models; every key below it is carried
    const mark = (node: unknown, p: string): void => {
      t.use(p);
      if (Array.isArray(node)) node.forEach((x, i) => mark(x, `${p}[${i}]`));
      else if (isObj(node)) Object.entries(node).forEach(([k, x]) => mark(x, `${p}.${k}`));
    };
    mark(epa['numa-node-policy'], `${path}.numa-node-policy`);
    memory['numa-enabled'] = true;
    memory['numa-node-policy'] = epa['numa-node-policy'];
  }
}

function primitives(cfg: Obj, path: string, t: Tracker, eeId: string | undefined): Obj {
  const out: Obj = {};
  const params = (prim: Obj, pp: string, keys: string[]) =>
    list(prim.parameter).map((param, k) => {
      const o: Obj = {};
      for (const key of keys) {
        if (param[key] !== undefined) {
          o[key] = param[key];
          t.use(`${pp}.parameter[${k}].${key}`);
        }
      }
      t.use(`${pp}.parameter[${k}]`);
      return o;
    });
  if (cfg['initial-config-primitive'] !== undefined) {
    t.use(`${path}.initial-config-primitive`);
    out['initial-config-primitive'] = list(cfg['initial-config-primitive']).map((prim, j) => {
      const pp = `${path}.initial-config-primitive[${j}]`;
      ['seq', 'name'].forEach((k) => t.use(`${pp}.${k}`));
      if (prim.parameter !== undefined) t.use(`${pp}.parameter`);
      return {
        seq: prim.seq,
        name: prim.name,
        ...(eeId ? { 'execution-environment-ref': eeId } : {}),
        ...(prim.parameter ? { parameter: params(prim, pp, ['name', 'data-type', 'value']) } : {}),
      };
    });
  }
  if (cfg['config-primitive'] !== undefined) {
    t.use(`${path}.config-primitive`);
    out['config-primitive'] = list(cfg['config-primitive']).map((prim, j) => {
      const pp = `${path}.config-primitive[${j}]`;
      t.use(`${pp}.name`);
      if (prim.parameter !== undefined) t.use(`${pp}.parameter`);
      return {
        name: prim.name,
        ...(eeId ? { 'execution-environment-ref': eeId } : {}),
        ...(prim.parameter
          ? {
              // a legacy `value` on a config primitive parameter is its default
              parameter: params(prim, pp, [
                'name',
                'data-type',
                'mandatory',
                'default-value',
                'read-only',
                'hidden',
                'value',
              ]).map(({ value, ...rest }) =>
                value !== undefined && rest['default-value'] === undefined ? { ...rest, 'default-value': value } : rest,
              ),
            }
          : {}),
      };
    });
  }
  return out;
}

/** vnf-configuration / vdu-configuration → a day1-2 entry (juju charm as the execution environment). */
function day12(cfg: unknown, id: string, path: string, t: Tracker): Obj | undefined {
  if (!isObj(cfg)) return undefined;
  t.use(path);
  let eeId: string | undefined;
  const entry: Obj = { id };
  if (isObj(cfg.juju)) {
    t.use(`${path}.juju`);
    const juju: Obj = {};
    for (const key of ['charm', 'proxy']) {
      if (cfg.juju[key] !== undefined) {
        juju[key] = cfg.juju[key];
        t.use(`${path}.juju.${key}`);
      }
    }
    eeId = `${id}-juju`;
    entry['execution-environment-list'] = [{ id: eeId, juju }];
  }
  return { ...entry, ...primitives(cfg, path, t, eeId) };
}

export function translateVnfd(v: Obj, root = 'vnfd'): Translation {
  const t = new Tracker();
  const use = (...keys: string[]) => keys.forEach((k) => t.use(`${root}.${k}`));
  use('id', 'name', 'vendor', 'version', 'description');
  const id = String(v.id);
  const d: Obj = { id, 'product-name': v.name ?? id, provider: v.vendor ?? 'unknown', version: v.version ?? '1.0' };
  if (v.description !== undefined) d.description = v.description;

  // connection points: legacy identifies them by name (id in newer files)
  use('connection-point');
  const cpId = (cp: Obj) => String(cp.id ?? cp.name);
  list(v['connection-point']).forEach((cp, i) =>
    ['id', 'name', 'type', 'port-security-enabled'].forEach(
      (k) => cp[k] !== undefined && t.use(`${root}.connection-point[${i}].${k}`),
    ),
  );
  const cpSecurity = new Map(
    list(v['connection-point'])
      .filter((cp) => cp['port-security-enabled'] !== undefined)
      .map((cp) => [cpId(cp), cp['port-security-enabled']]),
  );

  const images = new Map<string, Obj>();
  const computes: Obj[] = [];
  const storages: Obj[] = [];
  const extCpds: Obj[] = [];
  const ivldMembers = new Map<string, string>(); // internal cp id → internal-vld id
  use('internal-vld');
  const intVlds = list(v['internal-vld']).map((ivld, i) => {
    const p = `${root}.internal-vld[${i}]`;
    ['id', 'name', 'type', 'description'].forEach((k) => ivld[k] !== undefined && t.use(`${p}.${k}`));
    t.use(`${p}.internal-connection-point`);
    list(ivld['internal-connection-point']).forEach((icp, j) => {
      t.use(`${p}.internal-connection-point[${j}].id-ref`);
      ivldMembers.set(String(icp['id-ref']), String(ivld.id));
    });
    return { id: ivld.id, ...(ivld.description !== undefined ? { description: ivld.description } : {}) };
  });

  use('vdu');
  const counts: { id: string; count: number }[] = [];
  const day12s: Obj[] = [];
  const vdus = list(v.vdu).map((vdu, i) => {
    const p = `${root}.vdu[${i}]`;
    [
      'id',
      'name',
      'description',
      'image',
      'count',
      'cloud-init-file',
      'cloud-init',
      'vm-flavor',
      'interface',
      'internal-connection-point',
      'supplemental-boot-data',
    ].forEach((k) => vdu[k] !== undefined && t.use(`${p}.${k}`));
    const vduId = String(vdu.id);
    const out: Obj = { id: vduId, name: vdu.name ?? vduId };
    if (vdu.description !== undefined) out.description = vdu.description;
    if (vdu.image !== undefined) {
      const image = String(vdu.image);
      images.set(image, { id: image, name: image, image });
      out['sw-image-desc'] = image;
    }
    const flavor = isObj(vdu['vm-flavor']) ? vdu['vm-flavor'] : {};
    ['vcpu-count', 'memory-mb', 'storage-gb'].forEach((k) => flavor[k] !== undefined && t.use(`${p}.vm-flavor.${k}`));
    const compute: Obj = {
      id: `${vduId}-compute`,
      'virtual-cpu': { 'num-virtual-cpu': Number(flavor['vcpu-count'] ?? 1) },
      'virtual-memory': { size: Number(flavor['memory-mb'] ?? 1024) / 1024 },
    };
    guestEpa(vdu['guest-epa'], compute, `${p}.guest-epa`, t);
    // scheduler hints (CPU model and features, hypervisor) that SOL006 has no place for
    for (const k of ['host-epa', 'hypervisor-epa']) if (vdu[k] !== undefined) t.drop(`${p}.${k}`);
    computes.push(compute);
    out['virtual-compute-desc'] = `${vduId}-compute`;
    const storageIds: string[] = [];
    if (flavor['storage-gb'] !== undefined) {
      storages.push({ id: `${vduId}-storage`, 'size-of-storage': Number(flavor['storage-gb']) });
      storageIds.push(`${vduId}-storage`);
    }
    // extra disks: volumes become further virtual storage (the first storage is the root disk)
    list(vdu.volumes).forEach((vol, j) => {
      const vp = `${p}.volumes[${j}]`;
      ['name', 'size', 'device-type', 'image', 'image-checksum'].forEach((k) => vol[k] !== undefined && t.use(`${vp}.${k}`));
      const sid = `${vduId}-${String(vol.name)}`;
      const storage: Obj = { id: sid, 'size-of-storage': Number(vol.size ?? 1) };
      if (vol['device-type'] !== undefined) storage['type-of-storage'] = vol['device-type'];
      if (vol.image !== undefined) {
        const image = String(vol.image);
        images.set(image, {
          id: image,
          name: image,
          image,
          ...(vol['image-checksum'] !== undefined ? { checksum: { algorithm: 'md5', hash: vol['image-checksum'] } } : {}),
        });
        storage['sw-image-desc'] = image;
      }
      storages.push(storage);
      storageIds.push(sid);
    });
    if (vdu.volumes !== undefined) t.use(`${p}.volumes`);
    if (storageIds.length) out['virtual-storage-desc'] = storageIds;
    if (vdu['supplemental-boot-data'] !== undefined) {
      out['supplemental-boot-data'] = vdu['supplemental-boot-data'];
      if (isObj(vdu['supplemental-boot-data']))
        Object.keys(vdu['supplemental-boot-data']).forEach((k) => t.use(`${p}.supplemental-boot-data.${k}`));
    }
    if (vdu['alternative-images'] !== undefined) {
      t.use(`${p}.alternative-images`);
      out['alternative-sw-image-desc'] = list(vdu['alternative-images']).map((alt, j) => {
        ['vim-type', 'image'].forEach((k) => alt[k] !== undefined && t.use(`${p}.alternative-images[${j}].${k}`));
        const image = String(alt.image);
        const altId = `${image}-${String(alt['vim-type'])}`;
        images.set(altId, { id: altId, name: image, image, 'vim-type': alt['vim-type'] });
        return altId;
      });
    }
    if (vdu['cloud-init-file'] !== undefined) out['cloud-init-file'] = vdu['cloud-init-file'];
    if (vdu['cloud-init'] !== undefined) out['cloud-init'] = vdu['cloud-init'];
    list(vdu['internal-connection-point']).forEach((icp, j) =>
      ['id', 'name', 'type'].forEach((k) => icp[k] !== undefined && t.use(`${p}.internal-connection-point[${j}].${k}`)),
    );
    out['int-cpd'] = list(vdu.interface).map((iface, j) => {
      const ip = `${p}.interface[${j}]`;
      ['name', 'type', 'virtual-interface', 'external-connection-point-ref', 'internal-connection-point-ref'].forEach(
        (k) => iface[k] !== undefined && t.use(`${ip}.${k}`),
      );
      const vi = isObj(iface['virtual-interface']) ? iface['virtual-interface'] : {};
      if (vi.type !== undefined) t.use(`${ip}.virtual-interface.type`);
      const cpd: Obj = {
        id: iface.name,
        'virtual-network-interface-requirement': [
          { name: iface.name, ...(vi.type ? { 'virtual-interface': { type: vi.type } } : {}) },
        ],
      };
      const internal = str(iface['internal-connection-point-ref']);
      if (internal && ivldMembers.has(internal)) cpd['int-virtual-link-desc'] = ivldMembers.get(internal);
      const external = str(iface['external-connection-point-ref']);
      if (external) {
        extCpds.push({
          id: external,
          'int-cpd': { 'vdu-id': vduId, cpd: iface.name },
          ...(cpSecurity.has(external) ? { 'port-security-enabled': cpSecurity.get(external) } : {}),
        });
      }
      return cpd;
    });
    counts.push({ id: vduId, count: Number(vdu.count ?? 1) });
    const cfg = day12(vdu['vdu-configuration'], vduId, `${p}.vdu-configuration`, t);
    if (cfg) day12s.push(cfg);
    return out;
  });

  // external connection points no interface uses still exist as ext-cpds
  for (const cp of list(v['connection-point'])) if (!extCpds.some((e) => e.id === cpId(cp))) extCpds.push({ id: cpId(cp) });
  if (isObj(v['mgmt-interface'])) {
    use('mgmt-interface');
    if (v['mgmt-interface'].cp !== undefined) {
      use('mgmt-interface.cp');
      d['mgmt-cp'] = v['mgmt-interface'].cp;
    }
    // the old dashboard's link and port
    for (const k of ['dashboard-params', 'port']) if (v['mgmt-interface'][k] !== undefined) t.drop(`${root}.mgmt-interface.${k}`);
  }
  // HTTP endpoints polled by the old monitoring; UNAWARE = takes no part in a service function chain (the default)
  if (v['http-endpoint'] !== undefined) t.drop(`${root}.http-endpoint`);
  if (v['service-function-chain'] === 'UNAWARE') t.drop(`${root}.service-function-chain`);
  const placement = placementGroups(v['placement-groups'], `${root}.placement-groups`, 'member-vdus', 'member-vdu-ref', t);
  const vnfCfg = day12(v['vnf-configuration'], id, `${root}.vnf-configuration`, t);
  if (vnfCfg) day12s.unshift(vnfCfg);

  Object.assign(d, {
    ...(vdus.length ? { vdu: vdus } : {}),
    ...(computes.length ? { 'virtual-compute-desc': computes } : {}),
    ...(storages.length ? { 'virtual-storage-desc': storages } : {}),
    ...(images.size ? { 'sw-image-desc': [...images.values()] } : {}),
    ...(intVlds.length ? { 'int-virtual-link-desc': intVlds } : {}),
    ...(extCpds.length ? { 'ext-cpd': extCpds } : {}),
    df: [
      {
        id: 'default-df',
        ...(counts.length
          ? {
              'vdu-profile': counts.map((c) => ({
                id: c.id,
                'min-number-of-instances': c.count,
                ...(placement.membership(c.id).length ? { 'affinity-or-anti-affinity-group': placement.membership(c.id) } : {}),
              })),
              'instantiation-level': [
                {
                  id: 'default-instantiation-level',
                  'vdu-level': counts.map((c) => ({ 'vdu-id': c.id, 'number-of-instances': c.count })),
                },
              ],
            }
          : {}),
        ...(day12s.length ? { 'lcm-operations-configuration': { 'operate-vnf-op-config': { 'day1-2': day12s } } } : {}),
        ...(placement.groups.length ? { 'affinity-or-anti-affinity-group': placement.groups } : {}),
      },
    ],
  });
  t.audit(v, root);
  return { descriptor: d, dropped: t.dropped, problems: t.problems };
}

export function translateNsd(n: Obj, root = 'nsd'): Translation {
  const t = new Tracker();
  const use = (...keys: string[]) => keys.forEach((k) => t.use(`${root}.${k}`));
  use('id', 'name', 'vendor', 'version', 'description', 'constituent-vnfd', 'vld', 'connection-point');
  const d: Obj = { id: n.id, name: n.name ?? n.id, designer: n.vendor ?? 'unknown', version: n.version ?? '1.0' };
  if (n.description !== undefined) d.description = n.description;
  const profiles = new Map<string, Obj>();
  list(n['constituent-vnfd']).forEach((c, i) => {
    ['member-vnf-index', 'vnfd-id-ref'].forEach((k) => t.use(`${root}.constituent-vnfd[${i}].${k}`));
    profiles.set(String(c['member-vnf-index']), {
      id: String(c['member-vnf-index']),
      'vnfd-id': c['vnfd-id-ref'],
      'virtual-link-connectivity': [],
    });
  });
  d['vnfd-id'] = [...new Set(list(n['constituent-vnfd']).map((c) => c['vnfd-id-ref']))];
  d['virtual-link-desc'] = list(n.vld).map((vld, i) => {
    const p = `${root}.vld[${i}]`;
    [
      'id',
      'name',
      'type',
      'description',
      'vendor',
      'version',
      'mgmt-network',
      'vim-network-name',
      'vnfd-connection-point-ref',
      'ip-profile-ref',
    ].forEach((k) => vld[k] !== undefined && t.use(`${p}.${k}`));
    const provider = isObj(vld['provider-network']) ? vld['provider-network'] : undefined;
    if (provider) {
      t.use(`${p}.provider-network`);
      ['physical-network', 'segmentation_id'].forEach((k) => provider[k] !== undefined && t.use(`${p}.provider-network.${k}`));
      if (provider['overlay-type'] !== undefined) t.drop(`${p}.provider-network.overlay-type`);
    }
    list(vld['vnfd-connection-point-ref']).forEach((ref, j) => {
      const rp = `${p}.vnfd-connection-point-ref[${j}]`;
      ['member-vnf-index-ref', 'vnfd-id-ref', 'vnfd-connection-point-ref', 'ip-address'].forEach(
        (k) => ref[k] !== undefined && t.use(`${rp}.${k}`),
      );
      const profile = profiles.get(String(ref['member-vnf-index-ref']));
      if (!profile)
        return t.problems.push({
          path: `${rp}.member-vnf-index-ref`,
          message: `'${ref['member-vnf-index-ref']}' is not a constituent-vnfd member-vnf-index`,
        });
      const vlc = profile['virtual-link-connectivity'] as Obj[];
      let link = vlc.find((l) => l['virtual-link-profile-id'] === vld.id);
      if (!link) vlc.push((link = { 'virtual-link-profile-id': vld.id, 'constituent-cpd-id': [] }));
      (link['constituent-cpd-id'] as Obj[]).push({
        'constituent-base-element-id': String(ref['member-vnf-index-ref']),
        'constituent-cpd-id': ref['vnfd-connection-point-ref'],
        ...(ref['ip-address'] !== undefined ? { 'ip-address': ref['ip-address'] } : {}),
      });
    });
    return {
      id: vld.id,
      ...(vld.description !== undefined ? { description: vld.description } : {}),
      ...(vld['mgmt-network'] !== undefined
        ? { 'mgmt-network': vld['mgmt-network'] === true || vld['mgmt-network'] === 'true' }
        : {}),
      ...(vld['vim-network-name'] !== undefined ? { 'vim-network-name': vld['vim-network-name'] } : {}),
      ...(provider
        ? {
            'provider-network': {
              ...(provider['physical-network'] !== undefined ? { 'physical-network': provider['physical-network'] } : {}),
              ...(provider.segmentation_id !== undefined ? { segmentation_id: provider.segmentation_id } : {}),
            },
          }
        : {}),
    };
  });
  // ip-profiles → the L3 data of the virtual links that refer to them
  const ipProfiles = new Map<string, Obj>();
  list(n['ip-profiles']).forEach((ipp, i) => {
    const p = `${root}.ip-profiles[${i}]`;
    t.use(`${root}.ip-profiles`);
    ['name', 'ip-profile-params'].forEach((k) => ipp[k] !== undefined && t.use(`${p}.${k}`));
    if (ipp.description !== undefined) t.drop(`${p}.description`);
    const params = isObj(ipp['ip-profile-params']) ? ipp['ip-profile-params'] : {};
    const pp = `${p}.ip-profile-params`;
    ['ip-version', 'subnet-address', 'gateway-address'].forEach((k) => params[k] !== undefined && t.use(`${pp}.${k}`));
    const dhcp = isObj(params['dhcp-params']) ? params['dhcp-params'] : undefined;
    if (dhcp) {
      t.use(`${pp}.dhcp-params`);
      if (dhcp.enabled !== undefined) t.use(`${pp}.dhcp-params.enabled`);
      // the address range of the DHCP pool: the VIM's own choice in SOL006
      for (const k of ['start-address', 'count']) if (dhcp[k] !== undefined) t.drop(`${pp}.dhcp-params.${k}`);
    }
    if (params['dns-server'] !== undefined) t.drop(`${pp}.dns-server`);
    ipProfiles.set(String(ipp.name), {
      'ip-version': params['ip-version'] ?? 'ipv4',
      ...(params['subnet-address'] !== undefined ? { cidr: params['subnet-address'] } : {}),
      ...(params['gateway-address'] !== undefined ? { 'gateway-ip': params['gateway-address'] } : {}),
      'dhcp-enabled': dhcp ? dhcp.enabled !== false && dhcp.enabled !== 'false' : true,
    });
  });
  const linkProfiles = list(n.vld).flatMap((vld, i) => {
    if (vld['ip-profile-ref'] === undefined) return [];
    const l3 = ipProfiles.get(String(vld['ip-profile-ref']));
    if (!l3)
      t.problems.push({
        path: `${root}.vld[${i}].ip-profile-ref`,
        message: `'${String(vld['ip-profile-ref'])}' is not an ip-profiles name`,
      });
    return [{ id: vld.id, 'virtual-link-desc-id': vld.id, 'virtual-link-protocol-data': { 'l3-protocol-data': l3 ?? {} } }];
  });
  const placement = placementGroups(n['placement-groups'], `${root}.placement-groups`, 'member-vnfd', 'member-vnf-index-ref', t);
  for (const [member, profile] of profiles)
    if (placement.membership(member).length) profile['affinity-or-anti-affinity-group'] = placement.membership(member);

  // NS-level primitives → ns-configuration (which VNF primitives a legacy one grouped has no SOL006 place)
  const nsConfig: Obj = {};
  if (n['service-primitive'] !== undefined) {
    t.use(`${root}.service-primitive`);
    nsConfig['config-primitive'] = list(n['service-primitive']).map((prim, i) => {
      const p = `${root}.service-primitive[${i}]`;
      ['name', 'user-defined-script', 'parameter'].forEach((k) => prim[k] !== undefined && t.use(`${p}.${k}`));
      list(prim.parameter).forEach((param, j) => t.useTree(param, `${p}.parameter[${j}]`));
      if (prim['vnf-primitive-group'] !== undefined) t.drop(`${p}.vnf-primitive-group`);
      return {
        name: prim.name,
        ...(prim['user-defined-script'] !== undefined ? { 'user-defined-script': prim['user-defined-script'] } : {}),
        ...(prim.parameter !== undefined
          ? {
              parameter: list(prim.parameter).map((param) =>
                Object.fromEntries(
                  ['name', 'data-type', 'mandatory', 'default-value', 'parameter-pool', 'read-only', 'hidden']
                    .filter((k) => param[k] !== undefined)
                    .map((k) => [k, param[k]]),
                ),
              ),
            }
          : {}),
      };
    });
  }
  if (n['initial-service-primitive'] !== undefined) {
    t.use(`${root}.initial-service-primitive`);
    nsConfig['initial-config-primitive'] = list(n['initial-service-primitive']).map((prim, i) => {
      const p = `${root}.initial-service-primitive[${i}]`;
      ['seq', 'name', 'parameter'].forEach((k) => prim[k] !== undefined && t.use(`${p}.${k}`));
      list(prim.parameter).forEach((param, j) =>
        ['name', 'value'].forEach((k) => param[k] !== undefined && t.use(`${p}.parameter[${j}].${k}`)),
      );
      // the script ran inside Rift's config manager; SOL006 initial primitives name an execution environment instead
      if (prim['user-defined-script'] !== undefined) t.drop(`${p}.user-defined-script`);
      return {
        seq: prim.seq,
        name: prim.name,
        ...(prim.parameter !== undefined
          ? { parameter: list(prim.parameter).map((x) => ({ name: x.name, value: x.value })) }
          : {}),
      };
    });
  }
  // which fields an instantiation may override: SOL006 has no such list
  if (n['input-parameter-xpath'] !== undefined) t.drop(`${root}.input-parameter-xpath`);
  // NS scaling groups: SOL006 (OSM Release 9) keeps only the aspect's name; its members, limits and policies are listed as dropped
  const scalingAspects = list(n['scaling-group-descriptor']).map((g, i) => {
    const p = `${root}.scaling-group-descriptor[${i}]`;
    t.use(`${root}.scaling-group-descriptor`);
    t.use(`${p}.name`);
    for (const k of Object.keys(g)) if (k !== 'name') t.drop(`${p}.${k}`);
    return { id: g.name, name: g.name };
  });
  // NS connection points → SAPs on their virtual link
  const saps = list(n['connection-point']).map((cp, i) => {
    ['name', 'vld-id-ref', 'type'].forEach((k) => cp[k] !== undefined && t.use(`${root}.connection-point[${i}].${k}`));
    return { id: cp.name, 'virtual-link-desc': cp['vld-id-ref'] };
  });
  if (saps.length) d.sapd = saps;
  if (Object.keys(nsConfig).length) d['ns-configuration'] = nsConfig;
  d.df = [
    {
      id: 'default-df',
      'vnf-profile': [...profiles.values()],
      ...(linkProfiles.length ? { 'virtual-link-profile': linkProfiles } : {}),
      ...(placement.groups.length ? { 'affinity-or-anti-affinity-group': placement.groups } : {}),
      ...(scalingAspects.length ? { 'scaling-aspect': scalingAspects } : {}),
    },
  ];
  t.audit(n, root);
  return { descriptor: d, dropped: t.dropped, problems: t.problems };
}
