import type { VnfExplanation } from '../lcm/placement-decision';
import { describeGroup, evaluate, GroupKey, groupsOf, PlacementProblem, priceOf, unaryRefusal } from './model';
import { solveMip, SolveOptions, SolveResult } from './mip';

/**
 * Deletion filtering over the constraint groups: drop a group whenever the rest is still infeasible; what stays
 * is an irreducible infeasible set (each remaining group is needed for the conflict). One feasibility solve per
 * group; a solve that neither proves nor disproves (time limit) keeps the group, so the set stays a conflict.
 */
export async function irreducibleGroups(p: PlacementProblem, opts: SolveOptions = {}): Promise<GroupKey[]> {
  const keep = new Set(groupsOf(p));
  for (const g of [...keep]) {
    const trial = new Set([...keep].filter((k) => k !== g));
    const r = await solveMip(p, { ...opts, active: trial, feasibilityOnly: true });
    if (r.status === 'infeasible') keep.delete(g);
  }
  return [...keep];
}

export type { VnfExplanation };

/** Per VNF: where, its cost, the constraints that bind, the runner-up and why it lost. */
export function explainAssignment(p: PlacementProblem, assign: number[]): Record<string, VnfExplanation> {
  const active = new Set(groupsOf(p));
  const base = evaluate(p, assign, active).cost;
  const out: Record<string, VnfExplanation> = {};
  p.vnfs.forEach((v, i) => {
    const here = p.sites[assign[i]];
    const price = priceOf(p, v, here);
    const alternatives = p.sites
      .map((s, j) => ({ s, j }))
      .filter(({ j }) => j !== assign[i])
      .map(({ s, j }) => {
        const unary = unaryRefusal(v, s, active);
        const moved = [...assign];
        moved[i] = j;
        const e = evaluate(p, moved, active);
        const why = unary
          ? `${unary.why} (${describeGroup(p, unary.group)})`
          : !e.feasible
            ? e.violations.map((x) => `${describeGroup(p, x.group)}: ${x.why}`).join('; ')
            : `total cost ${round(e.cost - base, 4) >= 0 ? '+' : ''}${round(e.cost - base, 4)}`;
        return {
          s,
          price: priceOf(p, v, s),
          feasible: !unary && e.feasible,
          unary: !!unary,
          delta: e.cost - base,
          why,
          groups: unary ? [unary.group] : e.violations.map((x) => x.group),
        };
      });
    const binding = new Set<string>();
    for (const a of alternatives) if (!a.feasible && a.price < price) for (const g of a.groups) binding.add(describeGroup(p, g));
    // runner-up: a feasible move first, then a site lost to the others' constraints, last one it could never use
    const rank = (a: (typeof alternatives)[number]) => (a.feasible ? 0 : a.unary ? 2 : 1);
    const ranked = [...alternatives].sort(
      (a, b) => rank(a) - rank(b) || (a.feasible ? a.delta - b.delta : a.price - b.price) || a.s.id.localeCompare(b.s.id),
    );
    const r = ranked[0];
    out[v.id] = {
      site: here.id,
      vimAccountId: here.vimAccountId,
      zone: here.zone ?? null,
      cost: price,
      binding: [...binding],
      runnerUp: r ? { site: r.s.id, cost: r.price, why: r.why } : null,
    };
  });
  return out;
}

const round = (n: number, d: number) => Math.round(n * 10 ** d) / 10 ** d;

/** VNF by VNF, the cheapest site that still fits with those already placed (OSM-like first fit, for comparison). */
export function greedy(p: PlacementProblem): number[] | null {
  const active = new Set(groupsOf(p));
  const assign: number[] = [];
  for (let i = 0; i < p.vnfs.length; i++) {
    let best = -1;
    let bestCost = Infinity;
    for (let j = 0; j < p.sites.length; j++) {
      const sub: PlacementProblem = {
        ...p,
        vnfs: p.vnfs.slice(0, i + 1),
        links: p.links.filter(
          (l) => p.vnfs.slice(0, i + 1).some((v) => v.id === l.a) && p.vnfs.slice(0, i + 1).some((v) => v.id === l.b),
        ),
        groups: p.groups.map((g) => ({ ...g, members: g.members.filter((m) => p.vnfs.slice(0, i + 1).some((v) => v.id === m)) })),
      };
      const e = evaluate(sub, [...assign, j], active);
      if (e.feasible && e.cost < bestCost - 1e-12) {
        best = j;
        bestCost = e.cost;
      }
    }
    if (best < 0) return null;
    assign.push(best);
  }
  return assign;
}

export type { SolveResult };
