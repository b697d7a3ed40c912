import { explainAssignment, greedy, irreducibleGroups } from './explain';
import { solveMip } from './mip';
import { describeGroup, evaluate, PlacementProblem, Site } from './model';

/** mulberry32: reproducible instances from a seed. */
function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randomProblem(seed: number): PlacementProblem {
  const r = rng(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
  const nS = int(2, 5);
  const nV = int(2, 6);
  const sites: Site[] = Array.from({ length: nS }, (_, j) => ({
    id: `vim${j % 2}/z${j}`,
    vimAccountId: `vim${j % 2}`,
    zone: `z${j}`,
    labels: (r() < 0.4 ? { edge: 'true' } : {}) as Record<string, string>,
    free: { vcpu: int(2, 12), memoryGiB: r() < 0.3 ? null : int(4, 24), storageGiB: null, gpu: r() < 0.4 ? int(1, 2) : 0 },
  }));
  const pos = sites.map(() => [r() * 40, r() * 40]);
  const latencyMs = sites.map((_, i) =>
    sites.map((__, j) => (i === j ? 0 : Math.round(Math.hypot(pos[i][0] - pos[j][0], pos[i][1] - pos[j][1])))),
  );
  const jitterMs = latencyMs.map((row) => row.map((l) => l / 10));
  const linkPrice = sites.map((a) => sites.map((b) => (a.vimAccountId === b.vimAccountId ? 0 : int(0, 3))));
  const vnfs = Array.from({ length: nV }, (_, i) => ({
    id: String(i + 1),
    demand: { vcpu: int(1, 4), memoryGiB: int(1, 6), storageGiB: 1, gpu: r() < 0.2 ? 1 : 0 },
    labels: (r() < 0.15 ? { edge: 'true' } : {}) as Record<string, string>,
    pinVim: r() < 0.1 ? 'vim0' : undefined,
    prices: Object.fromEntries(sites.map((s) => [s.id, int(1, 10)])),
  }));
  const links = [];
  for (let k = 0; k < int(0, nV); k++) {
    const a = int(1, nV);
    const b = int(1, nV);
    if (a !== b)
      links.push({
        vld: `vld${k}`,
        a: String(a),
        b: String(b),
        maxLatencyMs: r() < 0.6 ? int(5, 40) : undefined,
        maxJitterMs: r() < 0.2 ? int(1, 4) : undefined,
      });
  }
  const groups = [];
  if (nV >= 3 && r() < 0.3)
    groups.push({ id: 'aa', type: 'anti-affinity' as const, scope: 'site' as const, members: ['1', '2'] });
  if (nV >= 4 && r() < 0.2)
    groups.push({
      id: 'af',
      type: 'affinity' as const,
      scope: r() < 0.5 ? ('vim' as const) : ('site' as const),
      members: ['3', '4'],
    });
  return { vnfs, sites, links, groups, latencyMs, jitterMs, linkPrice };
}

function bruteForce(p: PlacementProblem): number | null {
  const n = p.vnfs.length;
  const assign = new Array<number>(n).fill(0);
  let best: number | null = null;
  for (;;) {
    const e = evaluate(p, assign);
    if (e.feasible && (best === null || e.cost < best)) best = e.cost;
    let k = 0;
    while (k < n && ++assign[k] === p.sites.length) assign[k++] = 0;
    if (k === n) return best;
  }
}

describe('placement MIP (HiGHS)', () => {
  it('finds the brute-force optimum on 500 random instances up to 6 VNFs × 5 sites, never worse than greedy', async () => {
    let feasible = 0;
    let greedyWorse = 0;
    for (let seed = 1; seed <= 500; seed++) {
      const p = randomProblem(seed);
      const exact = bruteForce(p);
      const r = await solveMip(p, { timeLimitS: 5 });
      if (exact === null) {
        expect({ seed, status: r.status }).toEqual({ seed, status: 'infeasible' });
        continue;
      }
      feasible++;
      expect({ seed, status: r.status }).toEqual({ seed, status: 'optimal' });
      const e = evaluate(p, r.assignment!);
      expect(e.violations).toEqual([]);
      expect(e.cost).toBeCloseTo(exact, 6);
      expect(r.objective).toBeCloseTo(exact, 6);
      const g = greedy(p);
      if (g) {
        const gc = evaluate(p, g).cost;
        expect(e.cost).toBeLessThanOrEqual(gc + 1e-9);
        if (gc > e.cost + 1e-9) greedyWorse++;
      }
    }
    // the instances are not trivial: most are feasible, and greedy misses the optimum on some
    expect(feasible).toBeGreaterThan(250);
    expect(greedyWorse).toBeGreaterThan(10);
  }, 120_000);

  const base = (): PlacementProblem => ({
    sites: [
      {
        id: 'core/c1',
        vimAccountId: 'core',
        zone: 'c1',
        labels: {},
        free: { vcpu: 64, memoryGiB: null, storageGiB: null, gpu: 0 },
      },
      {
        id: 'edge/e1',
        vimAccountId: 'edge',
        zone: 'e1',
        labels: { edge: 'true' },
        free: { vcpu: 4, memoryGiB: null, storageGiB: null, gpu: 0 },
      },
      {
        id: 'gpu/g1',
        vimAccountId: 'gpu',
        zone: 'g1',
        labels: {},
        free: { vcpu: 16, memoryGiB: null, storageGiB: null, gpu: 2 },
      },
    ],
    vnfs: [
      { id: 'ai', demand: { vcpu: 2, memoryGiB: 2, storageGiB: 1, gpu: 1 }, labels: {}, prices: {} },
      { id: 'ran', demand: { vcpu: 2, memoryGiB: 2, storageGiB: 1, gpu: 0 }, labels: { edge: 'true' }, prices: {} },
      {
        id: 'db',
        demand: { vcpu: 2, memoryGiB: 2, storageGiB: 1, gpu: 0 },
        labels: {},
        prices: { 'core/c1': 1, 'edge/e1': 5, 'gpu/g1': 3 },
      },
    ],
    links: [{ vld: 'data1', a: 'ai', b: 'ran', maxLatencyMs: 5 }],
    groups: [],
    // core–edge 10 ms, core–gpu 2 ms, edge–gpu 12 ms
    latencyMs: [
      [0, 10, 2],
      [10, 0, 12],
      [2, 12, 0],
    ],
    jitterMs: [
      [0, 1, 1],
      [1, 0, 1],
      [1, 1, 0],
    ],
    linkPrice: [
      [0, 0, 0],
      [0, 0, 0],
      [0, 0, 0],
    ],
  });

  it('names the irreducible conflict: latency bound vs GPU vs edge-only', async () => {
    const p = base();
    expect((await solveMip(p)).status).toBe('infeasible');
    const groups = await irreducibleGroups(p);
    // core is 10 ms from the edge, so its lack of GPUs is not part of the conflict
    expect(groups.sort()).toEqual(['capacity:edge/e1', 'latency:data1', 'requirements:ran']);
    expect(describeGroup(p, 'latency:data1')).toBe('vld data1 latency ≤ 5 ms');
    // the conflict is real: dropping any one group makes it feasible
    for (const g of groups) {
      const active = new Set(groups.filter((k) => k !== g));
      expect((await solveMip(p, { active, feasibilityOnly: true })).status).toBe('optimal');
    }
  });

  it('anti-affinity against a pin: the two groups alone', async () => {
    const p = base();
    p.links = [];
    p.vnfs[2].pinVim = 'edge';
    p.vnfs[1].labels = {};
    p.vnfs[1].pinVim = 'edge';
    p.groups = [{ id: 'spread', type: 'anti-affinity', scope: 'vim', members: ['ran', 'db'] }];
    expect((await irreducibleGroups(p)).sort()).toEqual(['anti-affinity:spread', 'pin:db', 'pin:ran']);
  });

  it('explains the choice: binding constraints and the runner-up', async () => {
    const p = base();
    p.links[0].maxLatencyMs = 15;
    const r = await solveMip(p);
    expect(r.status).toBe('optimal');
    const x = explainAssignment(p, r.assignment!);
    expect(x.ai.site).toBe('gpu/g1');
    expect(x.ran.site).toBe('edge/e1');
    expect(x.db.site).toBe('core/c1');
    expect(x.db.runnerUp).toEqual({ site: 'gpu/g1', cost: 3, why: 'total cost +1.999' });
    p.links[0].maxLatencyMs = 11;
    const r2 = await solveMip(p);
    expect(r2.status).toBe('infeasible');
  });

  it('returns the best plan so far with its gap when the time limit strikes', async () => {
    const r = await solveMip(randomProblem(7), { timeLimitS: 1e-6 });
    expect(['time-limit', 'optimal', 'infeasible']).toContain(r.status);
    if (r.status === 'time-limit' && r.assignment) expect(r.gap).toBeGreaterThanOrEqual(0);
  });
});
