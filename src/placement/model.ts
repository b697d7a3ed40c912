/**
 * The placement problem, independent of NS records and of the solver: VNFs (of one NS, or of every NS of a
 * slice — ids only need to be unique), sites (a VIM, or one PoP/zone of a VIM), pairwise links with latency and
 * jitter bounds, affinity groups, prices. {@link evaluate} is the one definition of "feasible" and "cost": the
 * MIP, the brute force of the tests, the greedy strategy and the explanation all agree through it.
 */

export type Resource = 'vcpu' | 'memoryGiB' | 'storageGiB' | 'gpu';
export const RESOURCES: Resource[] = ['vcpu', 'memoryGiB', 'storageGiB', 'gpu'];
export type Amounts = Record<Resource, number>;

export interface Site {
  /** `vim` or `vim/zone`. */
  id: string;
  vimAccountId: string;
  /** Display name of the VIM (OSM PLA price lists name VIMs by name). */
  vimName?: string;
  zone?: string;
  labels: Record<string, string>;
  /** What is still free; `null` = unlimited. */
  free: Record<Resource, number | null>;
}

export interface PlacementVnf {
  /** member-vnf-index (or `nsId/member` when several NSs are placed together). */
  id: string;
  demand: Amounts;
  /** Site labels the VNF needs (edge, gpu-vendor, cpu-pinning …); EPA needs are turned into labels. */
  labels: Record<string, string>;
  /** Pinned by the request (`vnf[].vimAccountId`) or a constraint: only these VIMs / this zone. */
  pinVim?: string;
  pinZone?: string;
  /** Price of running it per site id; a site without a price costs `defaultPrice`. */
  prices: Record<string, number>;
}

export interface PlacementLink {
  vld: string;
  a: string;
  b: string;
  maxLatencyMs?: number;
  maxJitterMs?: number;
}

export interface AffinityGroup {
  id: string;
  type: 'affinity' | 'anti-affinity';
  /** Same/different site (`site`) or VIM (`vim`). */
  scope: 'site' | 'vim';
  members: string[];
}

export interface PlacementProblem {
  vnfs: PlacementVnf[];
  sites: Site[];
  links: PlacementLink[];
  groups: AffinityGroup[];
  /** latency[i][j] ms between site i and j (Infinity = unknown/unreachable); diagonal 0. */
  latencyMs: number[][];
  jitterMs: number[][];
  /** Price of a link between the VIMs of sites i and j (0 inside one VIM). */
  linkPrice: number[][];
  defaultPrice?: number;
  /** Per site used, so that among equal prices the plan uses fewer sites. */
  consolidationWeight?: number;
}

/** One group of constraints, the unit of infeasibility explanations (deletion filtering). */
export type GroupKey = string;

export const DEFAULT_CONSOLIDATION = 1e-3;

export function priceOf(p: PlacementProblem, v: PlacementVnf, s: Site): number {
  return v.prices[s.id] ?? v.prices[s.vimAccountId] ?? (s.vimName ? v.prices[s.vimName] : undefined) ?? p.defaultPrice ?? 0;
}

/** The constraint groups a problem has (all active by default). */
export function groupsOf(p: PlacementProblem): GroupKey[] {
  const keys: GroupKey[] = [];
  for (const v of p.vnfs) {
    if (Object.keys(v.labels).length) keys.push(`requirements:${v.id}`);
    if (v.pinVim || v.pinZone) keys.push(`pin:${v.id}`);
  }
  for (const s of p.sites) if (RESOURCES.some((r) => s.free[r] !== null)) keys.push(`capacity:${s.id}`);
  const vlds = new Set<string>();
  for (const l of p.links) {
    if (l.maxLatencyMs !== undefined) vlds.add(`latency:${l.vld}`);
    if (l.maxJitterMs !== undefined) vlds.add(`jitter:${l.vld}`);
  }
  keys.push(...vlds);
  for (const g of p.groups) keys.push(`${g.type}:${g.id}`);
  return keys;
}

/** Unary checks: may VNF v run on site s at all (ignoring the others)? Returns the failing group, or null. */
export function unaryRefusal(v: PlacementVnf, s: Site, active: Set<GroupKey>): { group: GroupKey; why: string } | null {
  if (active.has(`pin:${v.id}`)) {
    if (v.pinVim && s.vimAccountId !== v.pinVim) return { group: `pin:${v.id}`, why: `pinned to VIM ${v.pinVim}` };
    if (v.pinZone && s.zone !== v.pinZone) return { group: `pin:${v.id}`, why: `pinned to zone ${v.pinZone}` };
  }
  if (active.has(`requirements:${v.id}`)) {
    const missing = Object.entries(v.labels).filter(([k, val]) => s.labels[k] !== val);
    if (missing.length)
      return { group: `requirements:${v.id}`, why: `lacks ${missing.map(([k, val]) => `${k}=${val}`).join(', ')}` };
  }
  if (active.has(`capacity:${s.id}`)) {
    const short = RESOURCES.filter((r) => s.free[r] !== null && v.demand[r] > s.free[r]!);
    if (short.length) return { group: `capacity:${s.id}`, why: `too little free ${short.join(', ')}` };
  }
  return null;
}

export interface Evaluation {
  feasible: boolean;
  cost: number;
  /** The first violated groups and why (for explanations). */
  violations: { group: GroupKey; why: string }[];
}

/** Cost and feasibility of an assignment (site index per VNF, in `p.vnfs` order). */
export function evaluate(p: PlacementProblem, assign: number[], active?: Set<GroupKey>, stopAtFirst = false): Evaluation {
  const act = active ?? new Set(groupsOf(p));
  const violations: Evaluation['violations'] = [];
  const idx = new Map(p.vnfs.map((v, i) => [v.id, i]));
  let cost = 0;
  const used = new Map<number, Amounts>();
  for (let i = 0; i < p.vnfs.length; i++) {
    const v = p.vnfs[i];
    const s = p.sites[assign[i]];
    cost += priceOf(p, v, s);
    const u = unaryRefusal(v, s, act);
    if (u) violations.push(u);
    const load = used.get(assign[i]) ?? { vcpu: 0, memoryGiB: 0, storageGiB: 0, gpu: 0 };
    for (const r of RESOURCES) load[r] += v.demand[r];
    used.set(assign[i], load);
  }
  for (const [si, load] of used) {
    const s = p.sites[si];
    if (!act.has(`capacity:${s.id}`)) continue;
    const short = RESOURCES.filter((r) => s.free[r] !== null && load[r] > s.free[r]! + 1e-9);
    if (short.length) violations.push({ group: `capacity:${s.id}`, why: `${s.id} over capacity (${short.join(', ')})` });
  }
  cost += (p.consolidationWeight ?? DEFAULT_CONSOLIDATION) * used.size;
  for (const l of p.links) {
    const sa = assign[idx.get(l.a)!];
    const sb = assign[idx.get(l.b)!];
    cost += p.linkPrice[sa][sb];
    if (l.maxLatencyMs !== undefined && act.has(`latency:${l.vld}`) && p.latencyMs[sa][sb] > l.maxLatencyMs)
      violations.push({
        group: `latency:${l.vld}`,
        why: `${l.a}–${l.b}: ${fmt(p.latencyMs[sa][sb])} ms > ${l.maxLatencyMs} ms`,
      });
    if (l.maxJitterMs !== undefined && act.has(`jitter:${l.vld}`) && p.jitterMs[sa][sb] > l.maxJitterMs)
      violations.push({
        group: `jitter:${l.vld}`,
        why: `${l.a}–${l.b}: jitter ${fmt(p.jitterMs[sa][sb])} ms > ${l.maxJitterMs} ms`,
      });
    if (stopAtFirst && violations.length) break;
  }
  for (const g of p.groups) {
    if (!act.has(`${g.type}:${g.id}`)) continue;
    const keyOf = (m: string) => {
      const s = p.sites[assign[idx.get(m)!]];
      return g.scope === 'vim' ? s.vimAccountId : s.id;
    };
    const keys = g.members.map(keyOf);
    if (g.type === 'affinity' && new Set(keys).size > 1)
      violations.push({ group: `affinity:${g.id}`, why: `members on ${[...new Set(keys)].join(', ')}` });
    if (g.type === 'anti-affinity' && new Set(keys).size < keys.length)
      violations.push({ group: `anti-affinity:${g.id}`, why: 'two members share a ' + g.scope });
  }
  return { feasible: violations.length === 0, cost, violations };
}

const fmt = (n: number) => (Number.isFinite(n) ? String(Math.round(n * 100) / 100) : '∞ (no known link)');

/** Human wording of a group, for 422s and explanations. */
export function describeGroup(p: PlacementProblem, key: GroupKey): string {
  const [kind, ...rest] = key.split(':');
  const id = rest.join(':');
  const vnf = p.vnfs.find((v) => v.id === id);
  const bound = (k: 'maxLatencyMs' | 'maxJitterMs') =>
    Math.min(...p.links.filter((l) => l.vld === id).map((l) => l[k] ?? Infinity));
  switch (kind) {
    case 'requirements':
      return `VNF ${id} needs a site with ${Object.entries(vnf?.labels ?? {})
        .map(([k, v]) => `${k}=${v}`)
        .join(', ')}`;
    case 'pin':
      return `VNF ${id} is pinned to ${vnf?.pinVim ? `VIM ${vnf.pinVim}` : ''}${vnf?.pinZone ? ` zone ${vnf.pinZone}` : ''}`.trim();
    case 'capacity': {
      const s = p.sites.find((x) => x.id === id);
      const free = RESOURCES.filter((r) => s?.free[r] !== null).map((r) => `${r} ${s!.free[r]}`);
      return `site ${id} capacity (free ${free.join(', ')})`;
    }
    case 'latency':
      return `vld ${id} latency ≤ ${bound('maxLatencyMs')} ms`;
    case 'jitter':
      return `vld ${id} jitter ≤ ${bound('maxJitterMs')} ms`;
    default: {
      const g = p.groups.find((x) => x.id === id);
      return `${kind} group ${id} (${g?.members.join(', ') ?? ''}, same ${g?.scope ?? 'site'})`;
    }
  }
}
