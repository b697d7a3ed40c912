import type { ResourceKind } from '../../vim-adapters/contract/src';
import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { epochSeconds, json, uuidKey } from '../database/columns';

/** An NS record (OSM `nsrs`). Queried columns are columns; the rest of OSM's record is `record`. */
@Entity({ name: 'ns_instances' })
@Index('idx_ns_instances_list', ['created', 'id', 'modified', 'projectsRead', 'projectsWrite'])
export class NsInstanceEntity {
  @PrimaryColumn(uuidKey)
  id!: string;

  @Column({ type: 'varchar', length: 255 })
  name!: string;

  @Column(json('projects_read'))
  projectsRead!: string[];

  @Column(json('projects_write'))
  projectsWrite!: string[];

  /** NSD `_id`. */
  @Index('idx_ns_instances_nsd')
  @Column({ name: 'nsd_id', ...uuidKey })
  nsdId!: string;

  /** NOT_INSTANTIATED | BUILDING | READY | BROKEN | DEGRADED | TERMINATING */
  @Column({ name: 'ns_state', type: 'varchar', length: 24 })
  nsState!: string;

  /** OSM's other NSR fields (nsd copy, vld, constituent-vnfr-ref, status texts, instantiate_params, …). */
  @Column(json('record'))
  record!: Record<string, unknown>;

  /** VIM resources this NS owns, recorded before each is created (so nothing is orphaned by a crash). */
  @Column(json('resources'))
  resources!: OwnedResource[];

  /**
   * The closed loops' state (scaling policies: when a criterion began to hold, cooldown, the last decision and its
   * reason), written by the loop evaluator alone and shown in `_admin`; null until the loops first see the NS.
   */
  @Column(json('closed_loops', true))
  closedLoops!: Record<string, unknown> | null;

  @Column(epochSeconds('created'))
  created!: number;

  @Column(epochSeconds('modified'))
  modified!: number;
}

export interface OwnedResource {
  vimAccountId: string;
  kind: ResourceKind;
  name: string;
}

/** A VNF record (OSM `vnfrs`). */
@Entity({ name: 'vnf_instances' })
export class VnfInstanceEntity {
  @PrimaryColumn(uuidKey)
  id!: string;

  @Index('idx_vnf_instances_ns')
  @Column({ name: 'ns_instance_id', ...uuidKey })
  nsInstanceId!: string;

  @Column({ name: 'member_vnf_index', type: 'varchar', length: 64 })
  memberVnfIndex!: string;

  /** Latest monitoring values per vdur name ({<vdur>: [{id, value, ...}]}), written by the metric collector alone. */
  @Column(json('monitoring', true))
  monitoring!: Record<string, unknown> | null;

  @Column(json('projects_read'))
  projectsRead!: string[];

  @Column(json('projects_write'))
  projectsWrite!: string[];

  @Column(json('record'))
  record!: Record<string, unknown>;

  @Column(epochSeconds('created'))
  created!: number;

  @Column(epochSeconds('modified'))
  modified!: number;
}

/** One LCM operation occurrence (OSM `nslcmops`), persisted before any VIM call, with its steps. */
@Entity({ name: 'ns_lcm_op_occs' })
@Index('idx_op_occs_ns', ['nsInstanceId'])
@Index('idx_op_occs_state', ['operationState'])
export class NsLcmOpOccEntity {
  @PrimaryColumn(uuidKey)
  id!: string;

  @Column({ name: 'ns_instance_id', ...uuidKey })
  nsInstanceId!: string;

  @Column(json('projects_read'))
  projectsRead!: string[];

  @Column(json('projects_write'))
  projectsWrite!: string[];

  /** instantiate | terminate | action | scale … */
  @Column({ name: 'lcm_operation_type', type: 'varchar', length: 16 })
  lcmOperationType!: string;

  @Column({ name: 'operation_state', type: 'varchar', length: 16 })
  operationState!: string;

  @Column(epochSeconds('start_time'))
  startTime!: number;

  @Column(epochSeconds('status_entered_time'))
  statusEnteredTime!: number;

  @Column(json('operation_params'))
  operationParams!: Record<string, unknown>;

  /** The workflow's steps with their state: what is done is never done again. */
  @Column(json('steps'))
  steps!: OpStep[];

  @Column({ type: 'varchar', length: 255, nullable: true })
  stage!: string | null;

  @Column({ name: 'detailed_status', type: 'text', nullable: true })
  detailedStatus!: string | null;

  @Column({ name: 'error_message', type: 'text', nullable: true })
  errorMessage!: string | null;

  /** Which process runs it, and until when its claim holds (renewed while working). */
  @Column({ name: 'locked_by', type: 'varchar', length: 64, nullable: true })
  lockedBy!: string | null;

  @Column({ name: 'lease_until', type: 'double precision', nullable: true })
  leaseUntil!: number | null;

  /** A pending cancel request (GRACEFUL | FORCEFUL), seen by whichever process runs the operation. */
  @Column({ name: 'cancel_mode', type: 'varchar', length: 16, nullable: true })
  cancelMode!: string | null;

  /** Every process that worked on this operation, in order (more than one only after a take-over). */
  @Column(json('run_by'))
  runBy!: string[];

  @Column(epochSeconds('created'))
  created!: number;

  @Column(epochSeconds('modified'))
  modified!: number;
}

export interface OpStep {
  /** Unique within the operation, e.g. `apply compute mano-1a2b3c4d-1-mgmtVM-0`. */
  key: string;
  kind: 'place' | 'apply' | 'wait' | 'remove' | 'primitive' | 'finalize';
  /** SKIPPED: left undone because the operation was rolled back. */
  state: 'PENDING' | 'DONE' | 'FAILED' | 'SKIPPED';
  attempts: number;
  providerId?: string;
  lastError?: string;
  /** What the step works on (apply/wait/remove). */
  vimAccountId?: string;
  desired?: import('../../vim-adapters/contract/src').DesiredResource;
  ref?: import('../../vim-adapters/contract/src').ResourceRef;
  /** Step-specific facts (placement demands, planned interfaces, what was observed). */
  data?: Record<string, unknown>;
}

export const NS_ENTITIES = [NsInstanceEntity, VnfInstanceEntity, NsLcmOpOccEntity];
