import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { epochSeconds, json, uuidKey } from '../database/columns';

/** A VIM network a slice (or a shared subnet) owns, recorded before it is created so a crash cannot orphan it. */
export interface SliceNetwork {
  vimAccountId: string;
  /** Deterministic name on the VIM (what the subnets' NS VLDs attach to). */
  name: string;
  /** The netslice-vld it realises. */
  vld: string;
}

/** A network slice instance (OSM `nsis`). Queried columns are columns; the rest of OSM's record is `record`. */
@Entity({ name: 'netslice_instances' })
export class NsiEntity {
  @PrimaryColumn(uuidKey)
  id!: string;

  @Column({ type: 'varchar', length: 255 })
  name!: string;

  @Column(json('projects_read'))
  projectsRead!: string[];

  @Column(json('projects_write'))
  projectsWrite!: string[];

  /** NST `_id` (its usage state and delete check read this). */
  @Index('idx_nsi_nst')
  @Column({ name: 'nst_id', ...uuidKey })
  nstId!: string;

  /** NOT_INSTANTIATED | INSTANTIATED (OSM `_admin.nsiState`). */
  @Column({ name: 'nsi_state', type: 'varchar', length: 24 })
  nsiState!: string;

  @Column(json('record'))
  record!: Record<string, unknown>;

  /** Slice VLD networks this NSI owns (those of shared subnets belong to the share). */
  @Column(json('resources'))
  resources!: SliceNetwork[];

  @Column(epochSeconds('created'))
  created!: number;

  @Column(epochSeconds('modified'))
  modified!: number;
}

/** One netslice-subnet of one NSI: the NS that realises it, and whether this NSI currently holds it up. */
@Entity({ name: 'nsi_subnets' })
@Index('idx_nsi_subnets_ns', ['nsInstanceId'])
export class NsiSubnetEntity {
  @PrimaryColumn({ name: 'nsi_id', ...uuidKey })
  nsiId!: string;

  @PrimaryColumn({ name: 'nss_id', type: 'varchar', length: 255 })
  nssId!: string;

  @Column({ name: 'ns_instance_id', ...uuidKey })
  nsInstanceId!: string;

  /** Set for an `is-shared-nss` subnet: the key of its {@link SharedSubnetEntity}. */
  @Column({ name: 'share_key', type: 'varchar', length: 255, nullable: true })
  shareKey!: string | null;

  /** This NSI is instantiated on (or instantiating) that NS: a shared NS is terminated only when no link is active. */
  @Column({ type: 'boolean' })
  active!: boolean;
}

/**
 * The one NS of a shared subnet (per project, NSD and netslice-subnet id, as OSM finds it). The primary key is
 * the claim: two slices created at once cannot both make one; `instantiate_op_id` is the claim on starting it.
 */
@Entity({ name: 'nsi_shared_subnets' })
export class SharedSubnetEntity {
  @PrimaryColumn({ name: 'share_key', type: 'varchar', length: 255 })
  shareKey!: string;

  @Column({ name: 'ns_instance_id', ...uuidKey })
  nsInstanceId!: string;

  /** The NS operation that instantiates it, and the slice operation that started it. */
  @Column({ name: 'instantiate_op_id', type: 'varchar', length: 36, nullable: true })
  instantiateOpId!: string | null;

  @Column({ name: 'claimed_by', type: 'varchar', length: 36, nullable: true })
  claimedBy!: string | null;

  /** Slice VLD networks that touch this subnet: they live as long as the shared NS. */
  @Column(json('resources'))
  resources!: SliceNetwork[];

  @Column(epochSeconds('created'))
  created!: number;

  @Column(epochSeconds('modified'))
  modified!: number;
}

/** One slice operation (OSM `nsilcmops`), persisted with its steps before anything is done. */
@Entity({ name: 'nsi_lcm_op_occs' })
@Index('idx_nsi_op_occs_nsi', ['netsliceInstanceId'])
@Index('idx_nsi_op_occs_state', ['operationState'])
export class NsiLcmOpOccEntity {
  @PrimaryColumn(uuidKey)
  id!: string;

  @Column({ name: 'netslice_instance_id', ...uuidKey })
  netsliceInstanceId!: string;

  @Column(json('projects_read'))
  projectsRead!: string[];

  @Column(json('projects_write'))
  projectsWrite!: string[];

  /** instantiate | terminate */
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

  @Column(json('steps'))
  steps!: SliceStep[];

  @Column({ type: 'varchar', length: 255, nullable: true })
  stage!: string | null;

  @Column({ name: 'detailed_status', type: 'text', nullable: true })
  detailedStatus!: string | null;

  @Column({ name: 'error_message', type: 'text', nullable: true })
  errorMessage!: string | null;

  @Column({ name: 'locked_by', type: 'varchar', length: 64, nullable: true })
  lockedBy!: string | null;

  @Column({ name: 'lease_until', type: 'double precision', nullable: true })
  leaseUntil!: number | null;

  @Column({ name: 'cancel_mode', type: 'varchar', length: 16, nullable: true })
  cancelMode!: string | null;

  @Column(json('run_by'))
  runBy!: string[];

  @Column(epochSeconds('created'))
  created!: number;

  @Column(epochSeconds('modified'))
  modified!: number;
}

export interface SliceStep {
  /** Unique within the operation, e.g. `subnet slice_hackfest_nsd_2`. */
  key: string;
  /** network: a slice VLD on one VIM; subnet: the NS of one netslice-subnet (its own NS operation); finalize: the records. */
  kind: 'network' | 'subnet' | 'remove-networks' | 'finalize';
  state: 'PENDING' | 'DONE' | 'FAILED' | 'SKIPPED';
  attempts: number;
  lastError?: string;
  /** network: {vimAccountId, name, vld, owner: 'nsi' | shareKey, existing?}; subnet: {nssId, nsId, nsOpId, shared, …}. */
  data: Record<string, unknown>;
}

export const NSI_ENTITIES = [NsiEntity, NsiSubnetEntity, SharedSubnetEntity, NsiLcmOpOccEntity];
