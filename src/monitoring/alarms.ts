import { In, Repository } from 'typeorm';
import { newId } from '../common/ids';
import type { Transactions } from '../database/transactions';
import { AlarmState, NsAlarmEntity } from '../records/monitoring.entities';
import type { CollectedNs } from './collector';
import type { AlarmDef } from './descriptor-loops';
import { alarmState } from './evaluation';
import { webhookRefusal, WebhookSender } from './webhooks';

const ACTION_OF: Record<AlarmState, 'alarm' | 'ok' | 'insufficient-data'> = {
  ALARM: 'alarm',
  OK: 'ok',
  INSUFFICIENT_DATA: 'insufficient-data',
};

/** OSM POL's webhook body (`notify_alarm`), with the value that caused the transition. */
export function alarmNotification(a: NsAlarmEntity): Record<string, unknown> {
  return {
    schema_version: '1.0',
    schema_type: 'notify_alarm',
    notify_details: {
      alarm_uuid: a.id,
      alarm_id: a.alarmId,
      name: a.definition.name,
      metric_name: a.metric,
      ns_id: a.nsInstanceId,
      vnf_member_index: a.memberVnfIndex,
      vdu_name: a.vduId,
      threshold_value: a.threshold,
      operation: a.operation,
      severity: a.definition.severity ?? null,
      status: ACTION_OF[a.state],
      current_value: a.lastValue,
      start_date: new Date(a.stateSince * 1000).toISOString(),
    },
  };
}

/**
 * Keeps the alarm records of the collected NS instances in step with their VNFDs and the round's values: new ones
 * created, changed states written with their time, the transitions' webhooks sent; alarms of NS instances no
 * longer monitored (terminated, deleted) removed. Rows are written only when something changed.
 */
export class AlarmEvaluator {
  constructor(
    private readonly alarms: Repository<NsAlarmEntity>,
    private readonly tx: Transactions,
    private readonly webhooks: WebhookSender,
  ) {}

  /** The rows as last written: only the evaluator writes them, and only while its replica holds the loops' lease. */
  private cache?: NsAlarmEntity[];

  /** Forget the cached rows (the lease was lost: whoever holds it now writes them). */
  forget(): void {
    this.cache = undefined;
  }

  async evaluate(collected: CollectedNs[], now = Date.now() / 1000): Promise<void> {
    const existing = this.cache ?? (await this.alarms.find());
    this.cache = undefined;
    const byKey = new Map(existing.map((a) => [`${a.vnfInstanceId}\u0000${a.alarmId}`, a]));
    const live = new Set<string>();
    const inserts: NsAlarmEntity[] = [];
    const changed: NsAlarmEntity[] = [];
    const fire: NsAlarmEntity[] = [];
    for (const { ns, vnfs } of collected)
      for (const { vnf, loops, means } of vnfs)
        for (const def of loops.alarms) {
          const key = `${vnf.id}\u0000${def.alarmId}`;
          live.add(key);
          const value = means.get(def.metric) ?? null;
          const state = alarmState(value, def.operation, def.threshold);
          const row = byKey.get(key);
          if (!row) {
            const created = {
              id: newId(),
              nsInstanceId: ns.id,
              vnfInstanceId: vnf.id,
              memberVnfIndex: vnf.memberVnfIndex,
              vduId: def.vduId,
              alarmId: def.alarmId,
              kind: def.kind,
              metric: def.metric,
              operation: def.operation,
              threshold: def.threshold,
              state,
              stateSince: now,
              lastValue: value,
              definition: definitionOf(def),
              projectsRead: ns.projectsRead,
              projectsWrite: ns.projectsWrite,
              created: now,
              modified: now,
            } satisfies NsAlarmEntity;
            inserts.push(created);
            if (state === 'ALARM') fire.push(created);
          } else if (row.state !== state) {
            Object.assign(row, { state, stateSince: now, lastValue: value, modified: now });
            changed.push(row);
            fire.push(row);
          }
        }
    // alarms of NS instances no longer monitored, or no longer in their VNFD
    const goneSet = new Set(existing.filter((a) => !live.has(`${a.vnfInstanceId}\u0000${a.alarmId}`)));
    const gone = [...goneSet];
    const next = [...existing.filter((a) => !goneSet.has(a)), ...inserts];
    if (!inserts.length && !changed.length && !gone.length) {
      this.cache = next;
      return;
    }
    await this.tx.run(async (em) => {
      for (let i = 0; i < inserts.length; i += 200) await em.insert(NsAlarmEntity, inserts.slice(i, i + 200) as never);
      for (const row of changed)
        await em.update(
          NsAlarmEntity,
          { id: row.id },
          { state: row.state, stateSince: row.stateSince, lastValue: row.lastValue, modified: now },
        );
      const ids = gone.map((a) => a.id);
      for (let i = 0; i < ids.length; i += 200) await em.delete(NsAlarmEntity, { id: In(ids.slice(i, i + 200)) });
    });
    this.cache = next;
    // after the commit: a webhook never tells of a state the database does not hold
    for (const row of fire) {
      const actions = (row.definition.actions ?? {}) as Record<string, { url: string; refused?: string }[]>;
      for (const a of actions[ACTION_OF[row.state]] ?? []) if (!a.refused) this.webhooks.send(a.url, alarmNotification(row));
    }
  }
}

/** What an alarm record keeps of its definition; webhook URLs the URL policy refuses are marked (and never called). */
function definitionOf(def: AlarmDef): Record<string, unknown> {
  const actions = Object.fromEntries(
    Object.entries(def.actions).map(([k, urls]) => [
      k,
      urls.map((url) => {
        const refused = webhookRefusal(url);
        return refused ? { url, refused } : { url };
      }),
    ]),
  );
  return {
    name: def.name,
    ...(def.severity ? { severity: def.severity } : {}),
    ...(def.aspect ? { 'scaling-aspect': def.aspect, 'scaling-policy': def.policy } : {}),
    actions,
  };
}
