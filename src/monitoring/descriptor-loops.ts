import { list, Obj } from '../common/values';

export type Relation = 'GT' | 'LT' | 'GE' | 'LE' | 'EQ';
const RELATIONS: Relation[] = ['GT', 'LT', 'GE', 'LE', 'EQ'];

/** A VNFD `monitoring-parameter`: of one VDU (its instances), or df-level (every instance of the VNF). */
export interface MonitoredParam {
  id: string;
  name: string;
  metric: string;
  vduId: string | null;
}

/** An alarm definition: a `vdu[].alarm`, or one side of a scaling criterion. */
export interface AlarmDef {
  alarmId: string;
  kind: 'vdu-alarm' | 'scale-out' | 'scale-in';
  vduId: string | null;
  metric: string;
  operation: Relation;
  threshold: number;
  /** Where to tell which transitions (OSM `actions`: alarm / ok / insufficient-data). */
  actions: Record<'alarm' | 'ok' | 'insufficient-data', string[]>;
  name: string;
  severity?: string;
  aspect?: string;
  policy?: string;
}

export interface PolicyCriterion {
  name: string;
  metric: string;
  outThreshold?: number;
  outOp: Relation;
  inThreshold?: number;
  inOp: Relation;
}

/** An automatic SOL006 scaling policy of a scaling aspect. */
export interface PolicyDef {
  aspect: string;
  name: string;
  maxLevel: number;
  thresholdTimeS: number;
  cooldownTimeS: number;
  scaleOutOperation: 'AND' | 'OR';
  scaleInOperation: 'AND' | 'OR';
  criteria: PolicyCriterion[];
  /** The VDUs the aspect scales (an HPA replaces the loop for their CPU/memory policies on Kubernetes). */
  vdus: string[];
}

export interface VnfLoops {
  params: MonitoredParam[];
  alarms: AlarmDef[];
  policies: PolicyDef[];
}

const str = (v: unknown): string | undefined => (v === undefined || v === null ? undefined : String(v));
const num = (v: unknown, d: number): number => {
  const n = Number(v);
  return v === undefined || v === null || v === '' || !Number.isFinite(n) ? d : n;
};
const relation = (v: unknown, d: Relation): Relation => (RELATIONS.includes(String(v) as Relation) ? (String(v) as Relation) : d);
const disabled = (v: unknown) => v === false || v === 'false' || v === 'False';
const urls = (v: unknown): string[] => list(v).flatMap((a) => (str(a.url) ? [String(a.url)] : []));

/**
 * What the closed loops do for a VNFD (its first deployment flavour, as the planner): the parameters to collect,
 * the alarms, the automatic scaling policies. Onboarding validated the shapes; this only reads them.
 */
export function vnfLoops(vnfd: Obj): VnfLoops {
  const df = list(vnfd.df)[0] ?? {};
  const params: MonitoredParam[] = [];
  const alarms: AlarmDef[] = [];
  for (const vdu of list(vnfd.vdu)) {
    for (const p of list(vdu['monitoring-parameter']))
      params.push({
        id: String(p.id),
        name: str(p.name) ?? String(p.id),
        metric: str(p['performance-metric']) ?? String(p.id),
        vduId: String(vdu.id),
      });
    for (const a of list(vdu.alarm)) {
      if (disabled(a.enabled)) continue;
      const actions = (a.actions ?? {}) as Obj;
      alarms.push({
        alarmId: String(a['alarm-id']),
        kind: 'vdu-alarm',
        vduId: String(vdu.id),
        metric: String(a['vnf-monitoring-param-ref']),
        operation: relation(a.operation, 'GT'),
        threshold: num(a.value, 0),
        actions: { alarm: urls(actions.alarm), ok: urls(actions.ok), 'insufficient-data': urls(actions['insufficient-data']) },
        name: str(a.name) ?? String(a['alarm-id']),
        severity: str(a.severity),
      });
    }
  }
  for (const p of list(df['monitoring-parameter']))
    params.push({
      id: String(p.id),
      name: str(p.name) ?? String(p.id),
      metric: str(p['performance-metric']) ?? String(p.id),
      vduId: null,
    });

  const policies: PolicyDef[] = [];
  for (const aspect of list(df['scaling-aspect'])) {
    const vdus = list((aspect['aspect-delta-details'] as Obj | undefined)?.deltas).flatMap((d) =>
      list(d['vdu-delta']).map((v) => String(v.id)),
    );
    for (const policy of list(aspect['scaling-policy'])) {
      if (str(policy['scaling-type']) !== 'automatic' || disabled(policy.enabled)) continue;
      const def: PolicyDef = {
        aspect: String(aspect.id),
        name: String(policy.name),
        maxLevel: num(aspect['max-scale-level'], 1),
        thresholdTimeS: num(policy['threshold-time'], 0),
        cooldownTimeS: num(policy['cooldown-time'], 0),
        scaleOutOperation: str(policy['scale-out-operation-type']) === 'AND' ? 'AND' : 'OR',
        scaleInOperation: str(policy['scale-in-operation-type']) === 'OR' ? 'OR' : 'AND',
        criteria: list(policy['scaling-criteria']).map((c) => ({
          name: String(c.name),
          metric: String(c['vnf-monitoring-param-ref']),
          outThreshold: c['scale-out-threshold'] === undefined ? undefined : num(c['scale-out-threshold'], 0),
          outOp: relation(c['scale-out-relational-operation'], 'GT'),
          inThreshold: c['scale-in-threshold'] === undefined ? undefined : num(c['scale-in-threshold'], 0),
          inOp: relation(c['scale-in-relational-operation'], 'LT'),
        })),
        vdus,
      };
      policies.push(def);
      // each side of a criterion is an alarm record too (OSM's POL creates one per side), without webhooks
      for (const c of def.criteria)
        for (const side of ['scale-out', 'scale-in'] as const) {
          const threshold = side === 'scale-out' ? c.outThreshold : c.inThreshold;
          if (threshold === undefined) continue;
          alarms.push({
            alarmId: `${def.name}/${c.name}/${side}`,
            kind: side,
            vduId: params.find((p) => p.id === c.metric)?.vduId ?? null,
            metric: c.metric,
            operation: side === 'scale-out' ? c.outOp : c.inOp,
            threshold,
            actions: { alarm: [], ok: [], 'insufficient-data': [] },
            name: `${def.name} ${c.name} ${side}`,
            aspect: def.aspect,
            policy: def.name,
          });
        }
    }
  }
  return { params, alarms, policies };
}
