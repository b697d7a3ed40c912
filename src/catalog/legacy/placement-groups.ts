import { Obj, list } from '../../common/values';
import { Tracker } from './tracker';

/**
 * placement-groups → SOL006 affinity-or-anti-affinity groups of the deployment flavour (COLOCATION → affinity,
 * ISOLATION → anti-affinity, on one NFVI node), and the members' references to them.
 */
export function placementGroups(groups: unknown, path: string, memberKey: string, memberRef: string, t: Tracker) {
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
