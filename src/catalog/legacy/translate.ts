import { Obj, isObj, list, str } from '../../common/values';
import { placementGroups } from './placement-groups';
import { Tracker, Translation } from './tracker';

/**
 * OSM information model of Release 8 and older (`vnfd:vnfd-catalog`, `nsd:nsd-catalog`) translated to the
 * SOL006-based model of Release 9+. Every field of the input is accounted for: translated, dropped on purpose
 * (names and looks that SOL006 has no place for — listed on the record, never silently), or refused with its
 * path (422) when its meaning cannot be carried over yet.
 */

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
