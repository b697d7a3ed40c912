import { Column, Entity, Index, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';
import { epochSeconds, json, uuidKey } from '../database/columns';

/** OK | ALARM | INSUFFICIENT_DATA, as OSM's alarms. */
export type AlarmState = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';

/**
 * One alarm of an NS instance: a VNFD `vdu[].alarm`, or one side (scale-out / scale-in) of a scaling policy's
 * criterion. Written on state changes only; the value it last saw is on the VNF record.
 */
@Entity({ name: 'ns_alarms' })
@Index('idx_ns_alarms_ns', ['nsInstanceId'])
export class NsAlarmEntity {
  @PrimaryColumn(uuidKey)
  id!: string;

  @Column({ name: 'ns_instance_id', ...uuidKey })
  nsInstanceId!: string;

  @Column({ name: 'vnf_instance_id', ...uuidKey })
  vnfInstanceId!: string;

  @Column({ name: 'member_vnf_index', type: 'varchar', length: 64 })
  memberVnfIndex!: string;

  /** The VDU whose instances it watches (null: a df-level monitoring parameter over the whole VNF). */
  @Column({ name: 'vdu_id', type: 'varchar', length: 255, nullable: true })
  vduId!: string | null;

  /** The VNFD `alarm-id`, or `<policy>/<criterion>/scale-out|scale-in`: unique per VNF instance. */
  @Column({ name: 'alarm_id', type: 'varchar', length: 255 })
  alarmId!: string;

  /** vdu-alarm | scale-out | scale-in */
  @Column({ type: 'varchar', length: 16 })
  kind!: string;

  /** The `monitoring-parameter` id it compares. */
  @Column({ type: 'varchar', length: 255 })
  metric!: string;

  /** GT | LT | GE | LE | EQ */
  @Column({ type: 'varchar', length: 4 })
  operation!: string;

  @Column({ type: 'double precision' })
  threshold!: number;

  @Column({ type: 'varchar', length: 20 })
  state!: AlarmState;

  @Column(epochSeconds('state_since'))
  stateSince!: number;

  /** The value that caused the last transition (null: no value). */
  @Column({ name: 'last_value', type: 'double precision', nullable: true })
  lastValue!: number | null;

  /** The rest: name, severity, webhook actions (with refusals), the scaling aspect and policy. */
  @Column(json('definition'))
  definition!: Record<string, unknown>;

  @Column(json('projects_read'))
  projectsRead!: string[];

  @Column(json('projects_write'))
  projectsWrite!: string[];

  @Column(epochSeconds('created'))
  created!: number;

  @Column(epochSeconds('modified'))
  modified!: number;
}

/**
 * One collection round's values of one VNF ({<vdur name>: {<parameter id>: number | null}}); rows older than
 * MANO_METRICS_HISTORY rounds are deleted, so the history stays bounded. Append-only: a round writes one row per VNF.
 */
@Entity({ name: 'vnf_metric_samples' })
@Index('idx_vnf_metric_samples_vnf', ['vnfInstanceId', 'at'])
@Index('idx_vnf_metric_samples_at', ['at'])
export class VnfMetricSampleEntity {
  @PrimaryGeneratedColumn('increment')
  seq!: number;

  @Column({ name: 'vnf_instance_id', ...uuidKey })
  vnfInstanceId!: string;

  @Column({ name: 'ns_instance_id', ...uuidKey })
  nsInstanceId!: string;

  @Column(epochSeconds('at'))
  at!: number;

  @Column(json('values'))
  values!: Record<string, Record<string, number | null>>;
}

/** A named background loop's lease: the one replica holding it runs the loop (see lcm/loop-lease.ts). */
@Entity({ name: 'loop_leases' })
export class LoopLeaseEntity {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  name!: string;

  @Column({ type: 'varchar', length: 128, nullable: true })
  holder!: string | null;

  @Column({ name: 'lease_until', type: 'double precision', nullable: true })
  leaseUntil!: number | null;
}

export const MONITORING_ENTITIES = [NsAlarmEntity, VnfMetricSampleEntity, LoopLeaseEntity];
