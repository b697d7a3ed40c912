import type { VimCapacity } from '../../vim-adapters/contract/src';
import { FieldProblem } from '../common/errors/domain-error';
import { list, num, Obj, str } from '../common/values';
import { nsDf } from '../lcm/flavour';
import { AffinityGroup, Amounts, PlacementLink, PlacementProblem, PlacementVnf, Site } from './model';
import type { PriceList } from './price-lists';

/** A VIM the caller may deploy on, with what its adapter reported (null: it could not be asked). */
export interface CandidateVim {
  id: string;
  name: string;
  vimUrl?: string;
  capacity: VimCapacity | null;
}

/** One NS to place (a slice hands in several: VNF ids become `nsId/member`). */
export interface NsToPlace {
  nsId: string;
  nsd: Obj;
  /** vnfd `id` → descriptor */
  vnfds: Map<string, Obj>;
  /** member-vnf-index → demand (the planner's figures) */
  demands: Map<string, Amounts>;
  params: { nsFlavourId?: string; vnf?: { 'member-vnf-index': string; vimAccountId?: string }[]; 'placement-constraints'?: Obj };
}

const KM_PER_MS = 200; // light in fibre, one way, as the emulator reckons PoP links

function haversineKm(a: { lat: number; lon: number }, b: { lat: number; lon: number }): number {
  const rad = Math.PI / 180;
  const h =
    Math.sin(((b.lat - a.lat) * rad) / 2) ** 2 +
    Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(((b.lon - a.lon) * rad) / 2) ** 2;
  return 2 * 6371 * Math.asin(Math.sqrt(h));
}

/** Sites: one per PoP/zone a VIM reports, or the VIM itself when it reports none. */
export function sitesOf(vims: CandidateVim[]): { sites: Site[]; located: ({ lat: number; lon: number } | undefined)[] } {
  const sites: Site[] = [];
  const located: ({ lat: number; lon: number } | undefined)[] = [];
  for (const v of vims) {
    const zones = v.capacity?.zones ?? [];
    if (!zones.length) {
      sites.push({
        id: v.id,
        vimAccountId: v.id,
        vimName: v.name,
        labels: {},
        free: { vcpu: null, memoryGiB: null, storageGiB: null, gpu: null },
      });
      located.push(undefined);
      continue;
    }
    for (const z of zones) {
      const free = (t: number | null, u: number) => (t === null ? null : Math.max(0, t - u));
      sites.push({
        id: `${v.id}/${z.name}`,
        vimAccountId: v.id,
        vimName: v.name,
        zone: z.name,
        labels: z.labels,
        free: {
          vcpu: free(z.total.vcpu, z.used.vcpu),
          memoryGiB: free(z.total.memoryGiB, z.used.memoryGiB),
          storageGiB: free(z.total.storageGiB, z.used.storageGiB),
          gpu: free(z.total.gpu, z.used.gpu),
        },
      });
      located.push(z.location);
    }
  }
  return { sites, located };
}

/**
 * Latency, jitter and link price between every two sites. Most specific first: a PiL entry naming both PoPs,
 * one naming both VIMs; then the VIM's own PoP links (emulator config or coordinates); then coordinates of two
 * PoPs of different VIMs. Unknown = ∞ (a bounded VLD cannot span it).
 */
export function siteMetrics(
  vims: CandidateVim[],
  sites: Site[],
  located: ({ lat: number; lon: number } | undefined)[],
  pil: PriceList['pil'],
) {
  const names = (s: Site) => [s.vimAccountId, s.vimName].filter((x): x is string => !!x);
  const endpointsOf = (s: Site) => [...names(s).map((v) => (s.zone ? `${v}/${s.zone}` : v)), ...names(s)];
  const pilFor = (a: Site, b: Site) => {
    const ea = endpointsOf(a);
    const eb = endpointsOf(b);
    const rank = (e: string, list: string[]) => list.indexOf(e);
    let best: { e: PriceList['pil'][number]; score: number } | undefined;
    for (const e of pil) {
      const [x, y] = e.pil_endpoints;
      for (const [p, q] of [
        [x, y],
        [y, x],
      ]) {
        const ra = rank(p, ea);
        const rb = rank(q, eb);
        if (ra < 0 || rb < 0) continue;
        // PoP-level names come first in endpointsOf: a lower rank is more specific
        const score = (ra < names(a).length ? 0 : 1) + (rb < names(b).length ? 0 : 1);
        if (!best || score < best.score) best = { e, score };
      }
    }
    return best?.e;
  };
  const vimLinks = new Map<string, number>();
  for (const v of vims)
    for (const l of v.capacity?.links ?? []) {
      vimLinks.set(`${v.id}/${l.from}>${v.id}/${l.to}`, l.latencyMs);
      vimLinks.set(`${v.id}/${l.to}>${v.id}/${l.from}`, l.latencyMs);
    }
  const between = (i: number, j: number): [number, number, number] => {
    if (i === j) return [0, 0, 0];
    const e = pilFor(sites[i], sites[j]);
    if (e) return [e.pil_latency, e.pil_jitter, e.pil_price];
    const own = vimLinks.get(`${sites[i].id}>${sites[j].id}`);
    const [la, lb] = [located[i], located[j]];
    const lat = own ?? (la && lb ? Math.round(haversineKm(la, lb) / KM_PER_MS + 0.5) : Infinity);
    // emulated links and coordinates say nothing of jitter: none where the latency is known
    return [lat, Number.isFinite(lat) ? 0 : Infinity, 0];
  };
  const pairs = sites.map((_, i) => sites.map((__, j) => between(i, j)));
  const latencyMs = pairs.map((row) => row.map((x) => x[0]));
  const jitterMs = pairs.map((row) => row.map((x) => x[1]));
  const linkPrice = pairs.map((row) => row.map((x) => x[2]));
  return { latencyMs, jitterMs, linkPrice };
}

/** VNF prices: `vnfd` id, keyed by site id or VIM id (the model looks a site up, then its VIM). */
function pricesFor(vnfdId: string, sites: Site[], vims: CandidateVim[], lists: PriceList[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const l of lists)
    for (const vp of l.vnf_prices.filter((x) => x.vnfd === vnfdId))
      for (const p of vp.prices) {
        const vim = vims.find((v) => v.id === p.vim_account || v.name === p.vim_name || (p.vim_url && v.vimUrl === p.vim_url));
        if (!vim) continue;
        if (p.pop) {
          if (sites.some((s) => s.id === `${vim.id}/${p.pop}`)) out[`${vim.id}/${p.pop}`] = p.price;
        } else out[vim.id] = p.price;
      }
  return out;
}

/** EPA needs of a VNFD as site labels: pinned CPUs (SOL006 `pinning.policy: static`) need `cpu-pinning=true`. */
function epaLabels(vnfd: Obj): Record<string, string> {
  const pinned = list(vnfd['virtual-compute-desc']).some((c) =>
    ['static', 'dedicated'].includes(str(((c['virtual-cpu'] as Obj | undefined)?.pinning as Obj | undefined)?.policy) ?? ''),
  );
  return pinned ? { 'cpu-pinning': 'true' } : {};
}

/**
 * The problem for one or more NSs. Sources, per NS: NSD `df[0]` (vnf-profiles, virtual-link-connectivity,
 * affinity-or-anti-affinity-group), VLD `df[].qos` latency / packet-delay-variation, and the request's
 * `placement-constraints` (`vld-constraints[] {id, link-constraints {latency, jitter}}` overriding the NSD,
 * `vnf-constraints[] {member-vnf-index, labels, zone}`, `affinity-groups[] {id, type, scope, members}`),
 * pins from `vnf[].vimAccountId`. Problems in the constraints are returned with their paths.
 */
export function buildProblem(
  nss: NsToPlace[],
  vims: CandidateVim[],
  lists: PriceList[],
): { problem: PlacementProblem; problems: FieldProblem[] } {
  const { sites, located } = sitesOf(vims);
  const metrics = siteMetrics(
    vims,
    sites,
    located,
    lists.flatMap((l) => l.pil),
  );
  const problems: FieldProblem[] = [];
  const vnfs: PlacementVnf[] = [];
  const links: PlacementLink[] = [];
  const groups: AffinityGroup[] = [];
  const many = nss.length > 1;
  for (const ns of nss) {
    const key = (m: string) => (many ? `${ns.nsId}/${m}` : m);
    const df = nsDf(ns.nsd, ns.params.nsFlavourId);
    const pc = (ns.params['placement-constraints'] ?? {}) as Obj;
    const profiles = list(df['vnf-profile']);
    const members = new Set(profiles.map((p) => String(p.id)));
    const vnfC = new Map(list(pc['vnf-constraints']).map((c) => [String(c['member-vnf-index']), c]));
    list(pc['vnf-constraints']).forEach((c, i) => {
      if (!members.has(String(c['member-vnf-index'])))
        problems.push({
          path: `placement-constraints.vnf-constraints[${i}].member-vnf-index`,
          message: `'${String(c['member-vnf-index'])}' is not a member-vnf-index`,
        });
    });
    for (const vp of profiles) {
      const m = String(vp.id);
      const vnfd = ns.vnfds.get(String(vp['vnfd-id'])) ?? {};
      const c = vnfC.get(m);
      const labels = {
        ...epaLabels(vnfd),
        ...Object.fromEntries(Object.entries((c?.labels as Obj | undefined) ?? {}).map(([k, v]) => [k, String(v)])),
      };
      vnfs.push({
        id: key(m),
        demand: ns.demands.get(m) ?? { vcpu: 0, memoryGiB: 0, storageGiB: 0, gpu: 0 },
        labels,
        pinVim: ns.params.vnf?.find((v) => v['member-vnf-index'] === m)?.vimAccountId,
        pinZone: str(c?.zone),
        prices: pricesFor(String(vnfd.id ?? vp['vnfd-id']), sites, vims, lists),
      });
    }
    // VLD → member VNFs, and its bounds
    const vlProfiles = new Map(
      list(df['virtual-link-profile']).map((p) => [String(p.id), str(p['virtual-link-desc-id']) ?? String(p.id)]),
    );
    const vldMembers = new Map<string, Set<string>>();
    for (const vp of profiles)
      for (const vlc of list(vp['virtual-link-connectivity'])) {
        const vld = vlProfiles.get(String(vlc['virtual-link-profile-id'])) ?? String(vlc['virtual-link-profile-id']);
        vldMembers.set(vld, (vldMembers.get(vld) ?? new Set()).add(String(vp.id)));
      }
    const bounds = new Map<string, { latency?: number; jitter?: number }>();
    for (const d of list(ns.nsd['virtual-link-desc'])) {
      const qos = list(d.df)
        .map((x) => x.qos as Obj | undefined)
        .find((q) => q);
      if (qos) bounds.set(String(d.id), { latency: num(qos.latency, NaN), jitter: num(qos['packet-delay-variation'], NaN) });
    }
    list(pc['vld-constraints']).forEach((c, i) => {
      const id = String(c.id);
      if (!vldMembers.has(id) && !list(ns.nsd['virtual-link-desc']).some((d) => String(d.id) === id))
        problems.push({
          path: `placement-constraints.vld-constraints[${i}].id`,
          message: `'${id}' is not a virtual-link-desc of the NSD`,
        });
      const lc = (c['link-constraints'] ?? {}) as Obj;
      for (const k of ['latency', 'jitter'])
        if (lc[k] !== undefined && (typeof lc[k] !== 'number' || (lc[k] as number) < 0))
          problems.push({
            path: `placement-constraints.vld-constraints[${i}].link-constraints.${k}`,
            message: 'must be a number ≥ 0 (ms)',
          });
      bounds.set(id, { latency: num(lc.latency, NaN), jitter: num(lc.jitter, NaN) });
    });
    for (const [vld, ms] of vldMembers) {
      const b = bounds.get(vld);
      const ordered = [...ms];
      for (let i = 0; i < ordered.length; i++)
        for (let j = i + 1; j < ordered.length; j++)
          links.push({
            vld: key(vld),
            a: key(ordered[i]),
            b: key(ordered[j]),
            maxLatencyMs: b && Number.isFinite(b.latency) ? b.latency : undefined,
            maxJitterMs: b && Number.isFinite(b.jitter) ? b.jitter : undefined,
          });
    }
    // affinity: the NSD's groups (vnf-profile membership) and the request's
    for (const g of list(df['affinity-or-anti-affinity-group'])) {
      const id = String(g.id);
      const ms = profiles
        .filter((vp) => list(vp['affinity-or-anti-affinity-group']).some((x) => String(x.id) === id))
        .map((vp) => key(String(vp.id)));
      if (ms.length > 1)
        groups.push({ id: key(id), type: g.type === 'affinity' ? 'affinity' : 'anti-affinity', scope: 'site', members: ms });
    }
    list(pc['affinity-groups']).forEach((g, i) => {
      const ms = (Array.isArray(g.members) ? (g.members as unknown[]) : []).map(String);
      const bad = ms.filter((m) => !members.has(m));
      if (bad.length || ms.length < 2 || !['affinity', 'anti-affinity'].includes(String(g.type)))
        problems.push({
          path: `placement-constraints.affinity-groups[${i}]`,
          message: 'needs type affinity|anti-affinity and ≥ 2 members that are member-vnf-index values',
        });
      else
        groups.push({
          id: key(String(g.id ?? `group${i}`)),
          type: g.type as AffinityGroup['type'],
          scope: g.scope === 'vim' ? 'vim' : 'site',
          members: ms.map(key),
        });
    });
  }
  return { problem: { vnfs, sites, links, groups, ...metrics }, problems };
}
