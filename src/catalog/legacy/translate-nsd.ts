import { Obj, isObj, list } from '../../common/values';
import { Tracker, Translation } from './tracker';
import { placementGroups } from './placement-groups';

/** Legacy NSD (`nsd:nsd-catalog`) → SOL006 NSD; see translate.ts for the rules every field follows. */
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
