import { Column, Entity, Index, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';
import { epochSeconds, json, uuidKey } from '../database/columns';

/** The SOL005 API a subscription belongs to (and the notifications it may ask for). */
export type SubscriptionApi = 'nslcm' | 'nsd' | 'vnfpkgm' | 'nsilcm';

/** A SOL005 subscription: where to POST notifications, which ones, and how to authenticate (sealed). */
@Entity({ name: 'subscriptions' })
@Index('idx_subscriptions_api', ['api'])
export class SubscriptionEntity {
  @PrimaryColumn(uuidKey)
  id!: string;

  @Column({ type: 'varchar', length: 8 })
  api!: SubscriptionApi;

  @Column({ name: 'callback_uri', type: 'text' })
  callbackUri!: string;

  /** The request's `filter`, normalised (what GET shows and what an identical request is compared with). */
  @Column(json('filter'))
  filter!: Record<string, unknown>;

  /** BASIC | OAUTH2_CLIENT_CREDENTIALS | null */
  @Column({ name: 'auth_type', type: 'varchar', length: 32, nullable: true })
  authType!: string | null;

  /** The non-secret part of `authentication` (user name, client id, token endpoint), shown on GET. */
  @Column(json('auth_public', true))
  authPublic!: Record<string, unknown> | null;

  /** The password / client secret, sealed by the secret vault with the subscription id; never shown. */
  @Column({ name: 'auth_sealed', type: 'text', nullable: true })
  authSealed!: string | null;

  @Column(json('projects_read'))
  projectsRead!: string[];

  @Column(json('projects_write'))
  projectsWrite!: string[];

  /** The creator's projects: what its notifications may show; empty = every project (an ADMIN session). */
  @Column(json('visible_projects'))
  visibleProjects!: string[];

  /** ACTIVE | FAILING (deliveries kept failing past the retry limit; still retried, slowly). */
  @Column({ type: 'varchar', length: 16 })
  state!: string;

  @Column({ name: 'failing_since', type: 'double precision', nullable: true })
  failingSince!: number | null;

  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError!: string | null;

  @Column(epochSeconds('created'))
  created!: number;

  @Column(epochSeconds('modified'))
  modified!: number;
}

/**
 * The outbox: one row per state change, written in the transaction of the change. `seq` is the insertion order;
 * `dispatchSeq` is given when the dispatcher fans the event out, one at a time, so it is gap-free in commit order:
 * it is the SSE event id and the per-subscription delivery order.
 */
@Entity({ name: 'outbox_events' })
@Index('idx_outbox_dispatch', ['dispatchSeq'])
export class OutboxEventEntity {
  @PrimaryGeneratedColumn('increment')
  seq!: number;

  @Column(uuidKey)
  id!: string;

  @Column({ type: 'varchar', length: 8 })
  api!: SubscriptionApi;

  @Column({ name: 'notification_type', type: 'varchar', length: 64 })
  notificationType!: string;

  /** The notification without `id`, `subscriptionId` and `_links.subscription` (added per subscription). */
  @Column(json('payload'))
  payload!: Record<string, unknown>;

  /** What filters match besides the payload (NS name, NSD id, VNFD ids…). */
  @Column(json('subject'))
  subject!: Record<string, unknown>;

  /** The readers of the record it is about: who may see it. */
  @Column(json('projects_read'))
  projectsRead!: string[];

  @Column({ name: 'dispatch_seq', type: 'integer', nullable: true })
  dispatchSeq!: number | null;

  @Column(epochSeconds('created'))
  created!: number;
}

/** One notification owed to one subscription; deleted once the receiver acknowledged it with a 2xx. */
@Entity({ name: 'notification_deliveries' })
@Index('idx_deliveries_sub', ['subscriptionId', 'dispatchSeq'])
export class DeliveryEntity {
  /** The notification's `id`, the same on every attempt (receivers de-duplicate on it). */
  @PrimaryColumn(uuidKey)
  id!: string;

  @Column({ name: 'subscription_id', ...uuidKey })
  subscriptionId!: string;

  @Column({ name: 'event_seq', type: 'integer' })
  eventSeq!: number;

  @Column({ name: 'dispatch_seq', type: 'integer' })
  dispatchSeq!: number;

  @Column({ type: 'integer' })
  attempts!: number;

  @Column(epochSeconds('next_attempt_at'))
  nextAttemptAt!: number;

  @Column({ name: 'locked_by', type: 'varchar', length: 64, nullable: true })
  lockedBy!: string | null;

  @Column({ name: 'lease_until', type: 'double precision', nullable: true })
  leaseUntil!: number | null;

  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError!: string | null;

  @Column(epochSeconds('created'))
  created!: number;
}

export const NOTIFICATION_ENTITIES = [SubscriptionEntity, OutboxEventEntity, DeliveryEntity];
