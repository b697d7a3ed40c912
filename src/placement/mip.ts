import loadHighs from 'highs';
import { DEFAULT_CONSOLIDATION, GroupKey, groupsOf, PlacementProblem, priceOf, RESOURCES, unaryRefusal } from './model';

/**
 * The exact model, as a MILP for HiGHS (WebAssembly):
 *  x[v,s] ∈ {0,1}     VNF v on site s (only for sites v may use at all: pin, labels, single-VNF capacity)
 *  Σ_s x[v,s] = 1                                         each VNF once
 *  Σ_v d[v,r]·x[v,s] ≤ free[s,r]                           capacity per resource
 *  x[a,s] + Σ_{t: lat(s,t) > L} x[b,t] ≤ 1  ∀s (and b↔a)   a VLD's latency (and jitter) bound, pairwise, linear
 *  x[a,s] = x[b,s] (or per VIM) / Σ_{v∈G} x[v,s] ≤ 1       affinity / anti-affinity
 *  w[a,b] ≥ Σ_t P(s,t)·x[b,t] − M_s·(1 − x[a,s])  ∀s        w = link price of the pair's two sites
 *  x[v,s] ≤ u[s]                                          u = site used
 *  min Σ price(v,s)·x + Σ w + ε·Σ u                        (ε: fewer sites among equal prices)
 */

export interface SolveOptions {
  /** Seconds; defaults 1. */
  timeLimitS?: number;
  /** Relative MIP gap at which to stop; default 0 (proven optimum). */
  mipGap?: number;
  /** Constraint groups in force (deletion filtering switches some off); all by default. */
  active?: Set<GroupKey>;
  /** Objective 0: only feasibility is asked (deletion filtering). */
  feasibilityOnly?: boolean;
  /** A known assignment (site index per VNF, e.g. greedy's) handed to HiGHS as its first incumbent. */
  start?: number[] | null;
}

export type SolveStatus = 'optimal' | 'time-limit' | 'infeasible' | 'error';

export interface SolveResult {
  status: SolveStatus;
  /** Site index per VNF, when a solution exists. */
  assignment?: number[];
  objective?: number;
  /** Relative gap of the returned solution (0 when proven optimal). */
  gap?: number;
  solveTimeMs: number;
  variables: number;
  constraints: number;
  /** Of solveTimeMs, the part spent building the model before HiGHS ran. */
  buildMs?: number;
  detail?: string;
}

type Highs = Awaited<ReturnType<typeof loadHighs>>;
let highsPromise: Promise<Highs> | undefined;
/** The WebAssembly module is loaded once per process. */
export const highs = (): Promise<Highs> => (highsPromise ??= loadHighs());

interface Row {
  lo: number;
  hi: number;
  idx: number[];
  val: number[];
}

export async function solveMip(p: PlacementProblem, opts: SolveOptions = {}): Promise<SolveResult> {
  const started = performance.now();
  const h = await highs();
  const active = opts.active ?? new Set(groupsOf(p));
  const nV = p.vnfs.length;
  const cost: number[] = [];
  const upper: number[] = [];
  const integer: number[] = [];
  const rows: Row[] = [];
  const col = (c: number, up: number, int: boolean) => {
    cost.push(opts.feasibilityOnly ? 0 : c);
    upper.push(up);
    integer.push(int ? 1 : 0);
    return cost.length - 1;
  };
  const vIndex = new Map(p.vnfs.map((v, i) => [v.id, i]));
  // x columns (sparse: only sites the VNF may use at all)
  const x: Map<number, number>[] = p.vnfs.map((v) => {
    const m = new Map<number, number>();
    p.sites.forEach((s, j) => {
      if (!unaryRefusal(v, s, active)) m.set(j, col(priceOf(p, v, s), 1, true));
    });
    return m;
  });
  const done = (status: SolveStatus, extra: Partial<SolveResult> = {}): SolveResult => ({
    status,
    solveTimeMs: performance.now() - started,
    variables: cost.length,
    constraints: rows.length,
    ...extra,
  });
  const lonely = p.vnfs.findIndex((_, i) => x[i].size === 0);
  if (lonely >= 0) return done('infeasible', { detail: `VNF ${p.vnfs[lonely].id} has no usable site` });

  for (let i = 0; i < nV; i++) rows.push({ lo: 1, hi: 1, idx: [...x[i].values()], val: [...x[i].values()].map(() => 1) });
  p.sites.forEach((s, j) => {
    if (!active.has(`capacity:${s.id}`)) return;
    for (const r of RESOURCES) {
      if (s.free[r] === null) continue;
      const row: Row = { lo: -Infinity, hi: s.free[r]!, idx: [], val: [] };
      p.vnfs.forEach((v, i) => {
        const c = x[i].get(j);
        if (c === undefined || v.demand[r] <= 0) return;
        row.idx.push(c);
        row.val.push(v.demand[r]);
      });
      if (row.idx.length > 1) rows.push(row);
    }
  });
  // latency and jitter: one row per (pair, site of a) with every too-far site of b
  for (const l of p.links) {
    const a = x[vIndex.get(l.a)!];
    const b = x[vIndex.get(l.b)!];
    const bounds: [number[][], number][] = [];
    if (l.maxLatencyMs !== undefined && active.has(`latency:${l.vld}`)) bounds.push([p.latencyMs, l.maxLatencyMs]);
    if (l.maxJitterMs !== undefined && active.has(`jitter:${l.vld}`)) bounds.push([p.jitterMs, l.maxJitterMs]);
    if (!bounds.length) continue;
    // both directions: the rows of b's sites make the LP relaxation tighter (the integer set is the same)
    for (const [from, to, dir] of [
      [a, b, 1],
      [b, a, -1],
    ] as const) {
      for (const [s, cs] of from) {
        const far = [...to]
          .filter(([t]) => bounds.some(([m, bound]) => (dir > 0 ? m[s][t] : m[t][s]) > bound))
          .map(([, ct]) => ct);
        if (far.length) rows.push({ lo: -Infinity, hi: 1, idx: [cs, ...far], val: [1, ...far.map(() => 1)] });
      }
    }
  }
  for (const g of p.groups) {
    if (!active.has(`${g.type}:${g.id}`)) continue;
    const members = g.members.map((m) => x[vIndex.get(m)!]);
    const keyOf = (j: number) => (g.scope === 'vim' ? p.sites[j].vimAccountId : p.sites[j].id);
    const keys = [...new Set(p.sites.map((_, j) => keyOf(j)))];
    const sum = (m: Map<number, number>, key: string) => [...m].filter(([j]) => keyOf(j) === key).map(([, c]) => c);
    for (const key of keys) {
      if (g.type === 'anti-affinity') {
        const idx = members.flatMap((m) => sum(m, key));
        if (idx.length > 1) rows.push({ lo: -Infinity, hi: 1, idx, val: idx.map(() => 1) });
      } else {
        for (let k = 1; k < members.length; k++) {
          const pos = sum(members[0], key);
          const neg = sum(members[k], key);
          if (pos.length || neg.length)
            rows.push({ lo: 0, hi: 0, idx: [...pos, ...neg], val: [...pos.map(() => 1), ...neg.map(() => -1)] });
        }
      }
    }
  }
  const linkCols: { l: (typeof p.links)[number]; w: number }[] = [];
  const siteCols = new Map<number, number>();
  if (!opts.feasibilityOnly) {
    for (const l of p.links) {
      const a = x[vIndex.get(l.a)!];
      const b = x[vIndex.get(l.b)!];
      if (![...a.keys()].some((s) => [...b.keys()].some((t) => p.linkPrice[s][t] > 0))) continue;
      const w = col(1, Infinity, false);
      linkCols.push({ l, w });
      // sites with the same price row (towards b's sites) form a class, likewise b's sites by price column; when the
      // classes are few (prices per VIM pair, the usual PiL case), w ≥ P(S,T)·(Σ_S x[a,·] + Σ_T x[b,·] − 1) per class
      // pair: far tighter than one big-M row per site of a, and fewer rows
      const classesOf = (m: Map<number, number>, key: (j: number) => string) => {
        const out = new Map<string, { cols: number[]; site: number }>();
        for (const [j, c] of m) {
          const k = key(j);
          if (!out.has(k)) out.set(k, { cols: [], site: j });
          out.get(k)!.cols.push(c);
        }
        return [...out.values()];
      };
      const ca = classesOf(a, (s) => [...b.keys()].map((t) => p.linkPrice[s][t]).join(','));
      const cb = classesOf(b, (t) => [...a.keys()].map((s) => p.linkPrice[s][t]).join(','));
      if (ca.length * cb.length <= a.size + b.size) {
        for (const S of ca)
          for (const T of cb) {
            const price = p.linkPrice[S.site][T.site];
            if (price <= 0) continue;
            // w − P·Σ_S x − P·Σ_T x ≥ −P
            rows.push({
              lo: -price,
              hi: Infinity,
              idx: [w, ...S.cols, ...T.cols],
              val: [1, ...S.cols.map(() => -price), ...T.cols.map(() => -price)],
            });
          }
        continue;
      }
      for (const [s, cs] of a) {
        const terms = [...b].filter(([t]) => p.linkPrice[s][t] > 0);
        if (!terms.length) continue;
        const big = Math.max(...terms.map(([t]) => p.linkPrice[s][t]));
        // w − Σ P(s,t)·x[b,t] − M·x[a,s] ≥ −M
        rows.push({
          lo: -big,
          hi: Infinity,
          idx: [w, ...terms.map(([, ct]) => ct), cs],
          val: [1, ...terms.map(([t]) => -p.linkPrice[s][t]), -big],
        });
      }
    }
    const eps = p.consolidationWeight ?? DEFAULT_CONSOLIDATION;
    if (eps > 0) {
      p.sites.forEach((_, j) => {
        const xs = x.map((m) => m.get(j)).filter((c): c is number => c !== undefined);
        if (!xs.length) return;
        const u = col(eps, 1, true);
        siteCols.set(j, u);
        // one row per x (not Σ x ≤ n·u): the weak aggregated form made proving the ε tie-breaker slow
        for (const c of xs) rows.push({ lo: -Infinity, hi: 0, idx: [c, u], val: [1, -1] });
      });
    }
  }

  const starts = [0];
  const indices: number[] = [];
  const values: number[] = [];
  for (const r of rows) {
    indices.push(...r.idx);
    values.push(...r.val);
    starts.push(indices.length);
  }
  const model = h.createModel({
    numCols: cost.length,
    numRows: rows.length,
    colCost: Float64Array.from(cost),
    colLower: new Float64Array(cost.length),
    colUpper: Float64Array.from(upper),
    rowLower: Float64Array.from(rows.map((r) => r.lo)),
    rowUpper: Float64Array.from(rows.map((r) => r.hi)),
    matrix: {
      format: 'csr',
      numRows: rows.length,
      numCols: cost.length,
      starts: Int32Array.from(starts),
      indices: Int32Array.from(indices),
      values: Float64Array.from(values),
    },
    integrality: Int32Array.from(integer),
  } as never);
  try {
    model.options.set({
      output_flag: false,
      time_limit: opts.timeLimitS ?? 1,
      mip_rel_gap: opts.mipGap ?? 0,
      // the ε tie-breaker must count: an absolute gap above it would stop on a plan with more sites
      mip_abs_gap: 1e-7,
    } as never);
    const start = opts.start;
    if (start && start.every((j, i) => x[i].has(j))) {
      // a complete vector (x, w, u), so HiGHS has nothing to repair
      const values = new Float64Array(cost.length);
      start.forEach((j, i) => (values[x[i].get(j)!] = 1));
      for (const j of new Set(start)) if (siteCols.has(j)) values[siteCols.get(j)!] = 1;
      for (const { l, w } of linkCols) values[w] = p.linkPrice[start[vIndex.get(l.a)!]][start[vIndex.get(l.b)!]];
      model.setSolution({ colValue: values } as never);
    }
    const built = performance.now();
    model.run();
    const status = model.getModelStatus() as number;
    const hasSolution = Number(model.info.get('primal_solution_status')) === 2;
    if (status === 8) return done('infeasible');
    if (!hasSolution)
      return done(status === 13 ? 'time-limit' : 'error', { detail: `HiGHS model status ${status}, no solution` });
    const values = model.getSolution().colValue;
    const assignment = x.map((m) => {
      let best = -1;
      let bestVal = -1;
      for (const [j, c] of m) {
        if (values[c] <= bestVal) continue;
        best = j;
        bestVal = values[c];
      }
      return best;
    });
    const gap = status === 7 ? 0 : Math.max(0, Number(model.info.get('mip_gap')));
    return done(status === 7 ? 'optimal' : 'time-limit', {
      assignment,
      objective: model.getObjectiveValue(),
      gap,
      buildMs: built - started,
    });
  } finally {
    model.dispose();
  }
}
