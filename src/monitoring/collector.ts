import { Logger } from '@nestjs/common';
import { In, Repository } from 'typeorm';
import { ComputeMetrics, ResourceRef, supportsMetrics } from '../../vim-adapters/contract/src';
import { list, Obj } from '../common/values';
import type { Transactions } from '../database/transactions';
import { VimAdapters } from '../lcm/vim-port';
import { CatalogItemEntity } from '../records/catalog-item.entity';
import { VnfMetricSampleEntity } from '../records/monitoring.entities';
import { NsInstanceEntity, VnfInstanceEntity } from '../records/ns.entities';
import { VnfLoops, vnfLoops } from './descriptor-loops';
import { mean, metricValue, Value } from './evaluation';
import { SeriesLabels, VnfGauges } from './gauges';

/** NS states whose VNFs have computes to measure. */
export const MONITORED_STATES = ['READY', 'DEGRADED'];

/** What one round measured of one VNF. */
export interface CollectedVnf {
  vnf: VnfInstanceEntity;
  loops: VnfLoops;
  /** Parameter id → mean over the instances it covers (a VDU's, or all for a df-level one). */
  means: Map<string, Value>;
}

export interface CollectedNs {
  ns: NsInstanceEntity;
  vnfs: CollectedVnf[];
}

interface Target {
  vnf: VnfInstanceEntity;
  vdur: Obj;
  ref: ResourceRef<'compute'>;
}

const CHUNK = 200;
const PER_COMPUTE_CONCURRENCY = 16;

/**
 * One collection round: every monitored VNF of the READY/DEGRADED NS instances, its computes measured through the
 * adapter contract (one batch per VIM where the adapter offers it), the VNFD parameters derived, the latest values
 * written on the VNF record (one column, so it never races the LCM engine's writes of `record`), a bounded
 * history kept, and the gauges updated.
 */
export class MetricCollector {
  private readonly logger = new Logger('Monitoring');
  private readonly descriptors = new Map<string, { modified: number; loops: VnfLoops }>();

  constructor(
    private readonly nss: Repository<NsInstanceEntity>,
    private readonly vnfs: Repository<VnfInstanceEntity>,
    private readonly catalog: Repository<CatalogItemEntity>,
    private readonly adapters: VimAdapters,
    private readonly tx: Transactions,
    private readonly gauges: VnfGauges,
    private readonly historySize: number,
    private readonly intervalMs: number,
  ) {}

  async round(): Promise<CollectedNs[]> {
    const nsRows = await this.nss.find({ where: { nsState: In(MONITORED_STATES) } });
    const byNs = new Map(nsRows.map((ns) => [ns.id, { ns, vnfs: [] as CollectedVnf[] }]));
    const vnfRows: VnfInstanceEntity[] = [];
    const ids = [...byNs.keys()];
    for (let i = 0; i < ids.length; i += CHUNK)
      vnfRows.push(...(await this.vnfs.findBy({ nsInstanceId: In(ids.slice(i, i + CHUNK)) })));
    const loops = await this.loopsOf(vnfRows);

    const targets: Target[] = [];
    for (const vnf of vnfRows) {
      const l = loops.get(vnf.id);
      if (!l?.params.length) continue;
      for (const vdur of list(vnf.record.vdur)) {
        if (!vdur.name || !vdur['vim-account-id']) continue;
        targets.push({
          vnf,
          vdur,
          ref: {
            kind: 'compute',
            name: String(vdur.name),
            labels: {
              'mano.ns-instance': vnf.nsInstanceId,
              'mano.vnf-instance': vnf.id,
              'mano.member-vnf-index': vnf.memberVnfIndex,
              'mano.vdu': String(vdur['vdu-id-ref']),
            },
          },
        });
      }
    }
    const measured = await this.measure(targets);

    const at = Date.now() / 1000;
    const monitoringUpdates: { id: string; monitoring: Record<string, unknown> }[] = [];
    const sampleRows: Omit<VnfMetricSampleEntity, 'seq'>[] = [];
    const series = new Map<string, { metric: string; labels: SeriesLabels; value: number | null }[]>();
    for (const vnf of vnfRows) {
      const l = loops.get(vnf.id);
      if (!l?.params.length) continue;
      const vdurs = list(vnf.record.vdur).filter((v) => v.name);
      const perVdur: Record<string, Obj[]> = {};
      const sample: Record<string, Record<string, number | null>> = {};
      const valuesOf = new Map<string, Value[]>();
      for (const vdur of vdurs) {
        const name = String(vdur.name);
        const vduId = String(vdur['vdu-id-ref']);
        const m = measured.get(`${String(vdur['vim-account-id'])}\u0000${name}`) ?? null;
        const entries: Obj[] = [];
        sample[name] = {};
        for (const p of l.params) {
          if (p.vduId !== null && p.vduId !== vduId) continue;
          const value = metricValue(p.metric, m);
          valuesOf.set(p.id, [...(valuesOf.get(p.id) ?? []), value]);
          sample[name][p.id] = value;
          entries.push({
            id: p.id,
            name: p.name,
            'performance-metric': p.metric,
            value: value ?? 'unavailable',
            timestamp: m?.at ?? new Date(at * 1000).toISOString(),
          });
          const labels: SeriesLabels = {
            ns_id: vnf.nsInstanceId,
            vnf_member_index: vnf.memberVnfIndex,
            vdu_id: vduId,
            vdu_name: name,
            vim_account_id: String(vdur['vim-account-id']),
          };
          const list_ = series.get(vnf.nsInstanceId) ?? [];
          list_.push({ metric: p.metric, labels, value });
          series.set(vnf.nsInstanceId, list_);
        }
        perVdur[name] = entries;
      }
      const means = new Map(l.params.map((p) => [p.id, mean(valuesOf.get(p.id) ?? [])]));
      const vnfLevel = l.params
        .filter((p) => p.vduId === null)
        .map((p) => ({ id: p.id, name: p.name, 'performance-metric': p.metric, value: means.get(p.id) ?? 'unavailable' }));
      monitoringUpdates.push({ id: vnf.id, monitoring: { at, vdur: perVdur, vnf: vnfLevel } });
      sampleRows.push({ vnfInstanceId: vnf.id, nsInstanceId: vnf.nsInstanceId, at, values: sample });
      byNs.get(vnf.nsInstanceId)?.vnfs.push({ vnf, loops: l, means });
    }

    // the history keeps MANO_METRICS_HISTORY rounds (older rows, and those of VNFs no longer monitored, expire)
    const expired = at - (this.historySize * this.intervalMs) / 1000;
    const update = this.tx.isPostgres
      ? 'UPDATE vnf_instances SET monitoring = $1 WHERE id = $2'
      : 'UPDATE vnf_instances SET monitoring = ? WHERE id = ?';
    await this.tx.run(async (em) => {
      // one prepared statement per VNF: the query builder costs more CPU than the write itself at this rate
      for (const u of monitoringUpdates) await em.query(update, [JSON.stringify(u.monitoring), u.id]);
      for (let i = 0; i < sampleRows.length; i += CHUNK)
        await em.insert(VnfMetricSampleEntity, sampleRows.slice(i, i + CHUNK) as never);
      await em.createQueryBuilder().delete().from(VnfMetricSampleEntity).where('at < :expired', { expired }).execute();
    });
    for (const [nsId, s] of series) this.gauges.setNs(nsId, s);
    this.gauges.keepOnly(new Set(series.keys()));
    return [...byNs.values()].filter((c) => c.vnfs.length);
  }

  /** The loops of each VNF's VNFD (parsed once per catalog item version). */
  private async loopsOf(vnfRows: VnfInstanceEntity[]): Promise<Map<string, VnfLoops>> {
    const vnfdIds = [...new Set(vnfRows.map((v) => String(v.record['vnfd-id'])))];
    const missing = vnfdIds.filter((id) => !this.descriptors.has(id));
    // the catalog item's `modified` tells an edited VNFD; fetching only what is new keeps a round cheap
    const stamps = vnfdIds.length
      ? await this.catalog.find({ select: { id: true, modified: true }, where: { kind: 'vnfd', id: In(vnfdIds) } })
      : [];
    const stale = new Set([
      ...missing,
      ...stamps.filter((s) => this.descriptors.get(s.id)?.modified !== s.modified).map((s) => s.id),
    ]);
    if (stale.size) {
      const items = await this.catalog.find({ where: { kind: 'vnfd', id: In([...stale]) } });
      for (const item of items) this.descriptors.set(item.id, { modified: item.modified, loops: vnfLoops(item.descriptor) });
    }
    const out = new Map<string, VnfLoops>();
    for (const v of vnfRows) {
      const d = this.descriptors.get(String(v.record['vnfd-id']));
      if (d) out.set(v.id, d.loops);
    }
    return out;
  }

  /** Every target's metrics, keyed `<VIM account>\0<compute>`; a VIM that fails or offers none gives null. */
  private async measure(targets: Target[]): Promise<Map<string, ComputeMetrics | null>> {
    const byVim = new Map<string, Target[]>();
    for (const t of targets) {
      const vim = String(t.vdur['vim-account-id']);
      byVim.set(vim, [...(byVim.get(vim) ?? []), t]);
    }
    const out = new Map<string, ComputeMetrics | null>();
    await Promise.all(
      [...byVim].map(async ([vim, ts]) => {
        try {
          const adapter = await this.adapters.adapterById(vim);
          if (!supportsMetrics(adapter)) return;
          if (adapter.metricsOf) {
            const got = await adapter.metricsOf(ts.map((t) => t.ref));
            for (const t of ts) out.set(`${vim}\u0000${t.ref.name}`, got.get(t.ref.name) ?? null);
            return;
          }
          for (let i = 0; i < ts.length; i += PER_COMPUTE_CONCURRENCY)
            await Promise.all(
              ts.slice(i, i + PER_COMPUTE_CONCURRENCY).map(async (t) => {
                out.set(`${vim}\u0000${t.ref.name}`, await adapter.metrics(t.ref).catch(() => null));
              }),
            );
        } catch (e) {
          this.logger.warn(`metrics of VIM ${vim} unavailable this round: ${(e as Error).message}`);
        }
      }),
    );
    return out;
  }
}
