import { Gauge, register } from 'prom-client';

/** The labels of a VNF metric series, as OSM exports them (ids only: never a secret, a token or a URL). */
export interface SeriesLabels {
  ns_id: string;
  vnf_member_index: string;
  vdu_id: string;
  vdu_name: string;
  vim_account_id: string;
}
const LABEL_NAMES = ['ns_id', 'vnf_member_index', 'vdu_id', 'vdu_name', 'vim_account_id'] as const;

/** `osm_<performance-metric>`, with what a Prometheus name may not hold replaced. */
export const gaugeName = (metric: string): string => `osm_${metric.replace(/[^a-zA-Z0-9_]/g, '_')}`;

/**
 * The VNF metric gauges, in prom-client's default registry (served at GET /metrics with the orchestrator's own).
 * Each collection round replaces an NS's series; an unavailable value and a gone NS have no series (never 0).
 */
export class VnfGauges {
  private readonly series = new Map<string, { gauge: Gauge; labels: SeriesLabels }[]>();

  private gauge(metric: string): Gauge {
    const name = gaugeName(metric);
    // one registry per process, several apps in one test process: take over the one already registered
    const existing = register.getSingleMetric(name);
    if (existing) return existing as Gauge;
    return new Gauge({
      name,
      help: `VNF monitoring parameter ${metric} (OSM performance-metric), per VDU instance`,
      labelNames: [...LABEL_NAMES],
    });
  }

  /** The NS's series from this round (replacing its previous ones). */
  setNs(nsId: string, samples: { metric: string; labels: SeriesLabels; value: number | null }[]): void {
    this.dropNs(nsId);
    const kept: { gauge: Gauge; labels: SeriesLabels }[] = [];
    for (const s of samples) {
      if (s.value === null) continue;
      const gauge = this.gauge(s.metric);
      gauge.set({ ...s.labels }, s.value);
      kept.push({ gauge, labels: s.labels });
    }
    this.series.set(nsId, kept);
  }

  dropNs(nsId: string): void {
    for (const s of this.series.get(nsId) ?? []) s.gauge.remove({ ...s.labels });
    this.series.delete(nsId);
  }

  /** Removes the series of every NS not in `live` (terminated, deleted, or no longer collected here). */
  keepOnly(live: Set<string>): void {
    for (const nsId of [...this.series.keys()]) if (!live.has(nsId)) this.dropNs(nsId);
  }
}
