import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { epochSeconds, json, uuidKey } from '../database/columns';

/**
 * VIM, WIM and SDN accounts, Kubernetes clusters and repositories: OSM's "admin resources", which
 * share one shape (name, project ownership, asynchronous create/edit/delete with an operations history).
 */
@Entity({ name: 'admin_accounts' })
@Index('idx_admin_accounts_topic', ['topic'])
export class AdminAccountEntity {
  @PrimaryColumn(uuidKey)
  id!: string;

  /** vim_accounts | wim_accounts | sdns | k8sclusters | k8srepos */
  @Column({ type: 'varchar', length: 32 })
  topic!: string;

  @Column({ type: 'varchar', length: 255 })
  name!: string;

  @Column(json('projects_read'))
  projectsRead!: string[];

  @Column(json('projects_write'))
  projectsWrite!: string[];

  /** The wire record without secrets and without `_admin.projects_*` (kept in the columns above). */
  @Column(json('record'))
  record!: Record<string, unknown>;

  /** AES-256-GCM sealed JSON of the secret fields, by path. */
  @Column({ type: 'text', nullable: true })
  secrets!: string | null;

  /** `_admin.operationalState`, a column so start-up recovery finds unfinished operations. */
  @Column({ name: 'operational_state', type: 'varchar', length: 16 })
  operationalState!: string;

  @Column(epochSeconds('created'))
  created!: number;

  @Column(epochSeconds('modified'))
  modified!: number;

  /**
   * The process running the pending operation, and until when (vims/account-operations.ts claims it with SQL of its
   * own): never read or written by `save()`, so a record edit cannot drop another replica's claim.
   */
  @Column({ name: 'locked_by', type: 'varchar', length: 64, nullable: true, select: false, insert: false, update: false })
  lockedBy?: string | null;

  @Column({ name: 'lease_until', type: 'double precision', nullable: true, select: false, insert: false, update: false })
  leaseUntil?: number | null;
}

/** Documents of VIMs that live inside the orchestrator (the emulator's inventory). */
@Entity({ name: 'vim_inventory' })
export class VimInventoryEntity {
  @PrimaryColumn({ name: 'account_id', ...uuidKey })
  accountId!: string;

  @PrimaryColumn({ type: 'varchar', length: 32 })
  kind!: string;

  @PrimaryColumn({ type: 'varchar', length: 255 })
  name!: string;

  @Column({ type: 'text' })
  doc!: string;
}

/** Small facts the service keeps about itself (e.g. that first-start defaults were created). */
@Entity({ name: 'settings' })
export class SettingEntity {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  key!: string;

  @Column({ type: 'text' })
  value!: string;
}
