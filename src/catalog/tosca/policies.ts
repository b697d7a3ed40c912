import { isObj, Obj } from '../../common/values';
import { FlavourParts } from './flavour';
import { compact } from './values';

const POLICY = 'tosca.policies.nfv.';
const SCOPES: Record<string, string> = {
  nfvi_node: 'nfvi-node',
  zone: 'zone',
  zone_group: 'zone-group',
  nfvi_pop: 'nfvi-pop',
};
const str = (v: unknown): string | undefined => (v === undefined || v === null ? undefined : String(v));
const count = (v: unknown): number | undefined =>
  isObj(v) && Number.isInteger(v.number_of_instances) ? Number(v.number_of_instances) : undefined;

/** Scaling aspects and their VDU deltas, instantiation levels, initial deltas, affinity rules. */
export function translatePolicies(
  parts: FlavourParts,
  policies: [string, Obj][],
  groups: Record<string, Obj>,
  profiles: Obj[],
  vduIds: Set<string>,
  at: string,
): void {
  const typed = (t: string) => policies.filter(([, p]) => String(p.type) === `${POLICY}${t}`);
  const props = (p: Obj): Obj => (isObj(p.properties) ? p.properties : {});
  const targets = (p: Obj): string[] => (Array.isArray(p.targets) ? p.targets.map(String) : []);
  const known = new Set(
    [
      'ScalingAspects',
      'VduScalingAspectDeltas',
      'VduInitialDelta',
      'InstantiationLevels',
      'VduInstantiationLevels',
      'AntiAffinityRule',
      'AffinityRule',
    ].map((t) => `${POLICY}${t}`),
  );
  for (const [name, p] of policies)
    if (!known.has(String(p.type))) parts.notTranslated.push(`policy ${name} (${String(p.type)}): no SOL006 counterpart`);
  const badTarget = (name: string, t: string) =>
    parts.problems.push({ path: `${at}.policies.${name}.targets`, message: `'${t}' is not a Vdu.Compute of this flavour` });

  // VDU deltas per aspect and delta id
  const deltas = new Map<string, Map<string, Obj[]>>();
  for (const [name, p] of typed('VduScalingAspectDeltas')) {
    const aspect = String(props(p).aspect);
    const byDelta = deltas.get(aspect) ?? new Map<string, Obj[]>();
    for (const [deltaId, d] of Object.entries(isObj(props(p).deltas) ? (props(p).deltas as Obj) : {})) {
      for (const vdu of targets(p)) {
        if (!vduIds.has(vdu)) badTarget(name, vdu);
        byDelta.set(deltaId, [...(byDelta.get(deltaId) ?? []), { id: vdu, 'number-of-instances': count(d) ?? 1 }]);
      }
    }
    deltas.set(aspect, byDelta);
  }
  const aspects: Obj[] = [];
  for (const [, p] of typed('ScalingAspects')) {
    for (const [id, a] of Object.entries(isObj(props(p).aspects) ? (props(p).aspects as Obj) : {})) {
      if (!isObj(a)) continue;
      const steps = Array.isArray(a.step_deltas) ? a.step_deltas.map(String) : [];
      const byDelta = deltas.get(id) ?? new Map<string, Obj[]>();
      const ids = [...new Set([...steps, ...byDelta.keys()])];
      if (steps.length > 1 && new Set(steps).size > 1)
        parts.notTranslated.push(
          `scaling aspect ${id}: non-uniform step_deltas (${steps.join(', ')}); each step applies the first delta`,
        );
      aspects.push(
        compact({
          id,
          name: str(a.name) ?? id,
          description: str(a.description),
          'max-scale-level': a.max_scale_level,
          'aspect-delta-details': compact({
            deltas: ids.map((d) => compact({ id: d, 'vdu-delta': byDelta.get(d) ?? [] })),
            'step-deltas': steps[0],
          }),
        }),
      );
    }
  }

  const vduLevels = new Map<string, Obj[]>();
  for (const [name, p] of typed('VduInstantiationLevels')) {
    for (const [level, l] of Object.entries(isObj(props(p).levels) ? (props(p).levels as Obj) : {})) {
      for (const vdu of targets(p)) {
        if (!vduIds.has(vdu)) badTarget(name, vdu);
        vduLevels.set(level, [...(vduLevels.get(level) ?? []), { 'vdu-id': vdu, 'number-of-instances': count(l) ?? 0 }]);
      }
    }
  }
  const levels: Obj[] = [];
  let defaultLevel: string | undefined;
  for (const [, p] of typed('InstantiationLevels')) {
    defaultLevel = str(props(p).default_level) ?? defaultLevel;
    for (const [id, l] of Object.entries(isObj(props(p).levels) ? (props(p).levels as Obj) : {})) {
      const info = isObj(l) && isObj(l.scale_info) ? l.scale_info : {};
      levels.push(
        compact({
          id,
          description: isObj(l) ? str(l.description) : undefined,
          'vdu-level': vduLevels.get(id) ?? [],
          'scaling-info': Object.entries(info).map(([aspect, s]) => ({
            'scaling-aspect-id': aspect,
            'scale-level': isObj(s) ? s.scale_level : 0,
          })),
        }),
      );
    }
  }
  const initial = typed('VduInitialDelta').flatMap(([name, p]) =>
    targets(p).map((vdu) => {
      if (!vduIds.has(vdu)) badTarget(name, vdu);
      return { 'vdu-id': vdu, 'number-of-instances': count(props(p).initial_delta) ?? 1 };
    }),
  );
  if (!levels.length && initial.length) {
    // no InstantiationLevels: the initial deltas are the one level the VNF starts at
    levels.push({ id: 'default', description: 'VduInitialDelta', 'vdu-level': initial });
    defaultLevel = 'default';
  } else if (initial.length) {
    parts.notTranslated.push('VduInitialDelta: superseded by the instantiation levels (SOL006 has no initial delta)');
  }

  const placement: Obj[] = [];
  for (const [name, p] of [...typed('AntiAffinityRule'), ...typed('AffinityRule')]) {
    const anti = String(p.type).endsWith('AntiAffinityRule');
    const scope = SCOPES[String(props(p).scope)] ?? 'nfvi-node';
    placement.push({ id: name, type: anti ? 'anti-affinity' : 'affinity', scope });
    const members = targets(p).flatMap((t) =>
      groups[t] && Array.isArray(groups[t].members) ? groups[t].members.map(String) : [t],
    );
    for (const vdu of members) {
      const profile = profiles.find((x) => x.id === vdu);
      if (!profile) {
        badTarget(name, vdu);
        continue;
      }
      profile['affinity-or-anti-affinity-group'] = [
        ...((profile['affinity-or-anti-affinity-group'] as Obj[]) ?? []),
        { id: name },
      ];
    }
  }
  parts.df = compact({
    id: parts.df.id,
    'instantiation-level': levels,
    'default-instantiation-level': defaultLevel ?? (levels.length ? String(levels[0].id) : undefined),
    'scaling-aspect': aspects,
    'affinity-or-anti-affinity-group': placement,
  });
}
