import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { randomBytes, randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { hostname } from 'node:os';
import { EntityManager, In, IsNull, Not } from 'typeorm';
import { Drainable, Lifecycle } from '../common/lifecycle/shutdown';
import { APP_CONFIG, AppConfig } from '../config/env';
import { Transactions } from '../database/transactions';
import { DeliveryEntity, OutboxEventEntity, SubscriptionEntity } from '../records/notification.entities';
import { outboxSignal } from '../records/outbox';
import { matches } from './filters';
import { SUBSCRIPTION_PATHS, SubscriptionsService } from './subscriptions.service';

/** PostgreSQL advisory lock key: one replica fans out at a time, so dispatch order is commit order. */
const DISPATCH_LOCK = 7_305_020;
const BATCH = 200;

/**
 * Delivers the outbox. Two stages, both safe across replicas on PostgreSQL:
 * - dispatch: events are numbered in order (`dispatchSeq`, under an advisory lock) and turned, in the same
 *   transaction, into one delivery per matching subscription (with the notification's stable `id`);
 * - delivery: a pool of at most MANO_NOTIFY_CONCURRENCY requests; only the oldest delivery of a subscription is
 *   sent (per-subscription order), claimed with a lease (`FOR UPDATE SKIP LOCKED` on PostgreSQL); a 2xx deletes
 *   it, anything else retries with exponential backoff and jitter, and past MANO_NOTIFY_ATTEMPTS the subscription
 *   shows FAILING until a delivery succeeds. A slow receiver holds one slot for at most the timeout.
 */
@Injectable()
export class NotificationWorker implements OnApplicationBootstrap, OnApplicationShutdown, Drainable {
  readonly name = 'notifications';
  readonly workerId = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  /** `dispatched`: new events have their `dispatchSeq` (SSE streams listen). */
  readonly events = new EventEmitter();
  private readonly logger = new Logger('Notify');
  private readonly active = new Map<string, Promise<void>>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private poll?: NodeJS.Timeout;
  private prune?: NodeJS.Timeout;
  private stopping = false;
  private dispatching?: Promise<void>;
  private dispatchAgain = false;
  private filling = false;
  private fillAgain = false;
  private readonly onSignal = () => {
    void this.dispatchSoon();
    // on PostgreSQL the writer's transaction may not have committed yet: look again shortly
    if (this.tx.isPostgres) for (const ms of [15, 100]) this.later(ms, () => void this.dispatchSoon());
  };

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly tx: Transactions,
    private readonly subscriptions: SubscriptionsService,
    lifecycle: Lifecycle,
  ) {
    this.events.setMaxListeners(0);
    lifecycle.register(this);
  }

  async onApplicationBootstrap(): Promise<void> {
    // an API-only replica writes the outbox; the worker replicas' polls deliver it
    if (!this.config.worker) return;
    // SQLite is one process: a delivery leased by another worker id was this process's before it died
    if (!this.tx.isPostgres)
      await this.tx.run((em) => em.update(DeliveryEntity, { lockedBy: Not(IsNull()) }, { lockedBy: null, leaseUntil: null }));
    outboxSignal.on('event', this.onSignal);
    this.poll = setInterval(() => {
      void this.dispatchSoon();
      this.fill();
    }, this.config.notify.pollMs);
    this.poll.unref();
    this.prune = setInterval(() => void this.pruneEvents().catch(() => undefined), 60_000);
    this.prune.unref();
    void this.dispatchSoon();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    outboxSignal.off('event', this.onSignal);
    clearInterval(this.poll);
    clearInterval(this.prune);
    for (const t of this.timers) clearTimeout(t);
    await this.dispatching;
    await Promise.allSettled([...this.active.values()]);
  }

  /** Graceful shutdown: the attempts in flight end (each within the timeout), then every claimed delivery is released. */
  async drain(): Promise<void> {
    await this.onApplicationShutdown();
    if (!this.config.worker) return;
    // a chain may have claimed its next delivery just before it saw the stop
    await this.tx.dataSource
      .getRepository(DeliveryEntity)
      .update({ lockedBy: this.workerId }, { lockedBy: null, leaseUntil: null });
  }

  /** Resolves when everything written so far was dispatched and nothing is due (tests and benchmarks). */
  async idle(): Promise<void> {
    for (;;) {
      await this.dispatchSoon();
      await Promise.allSettled([...this.active.values()]);
      const due = await this.tx.dataSource
        .getRepository(DeliveryEntity)
        .createQueryBuilder('d')
        .where('d.next_attempt_at <= :now', { now: Date.now() / 1000 })
        .getCount();
      const pending = await this.tx.dataSource.getRepository(OutboxEventEntity).countBy({ dispatchSeq: IsNull() });
      if (!due && !pending && !this.active.size) return;
      this.fill();
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  private later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (!this.stopping) fn();
    }, ms);
    t.unref();
    this.timers.add(t);
  }

  // ---- dispatch ----

  private dispatchSoon(): Promise<void> {
    if (this.stopping) return Promise.resolve();
    if (this.dispatching) {
      this.dispatchAgain = true;
      return this.dispatching;
    }
    this.dispatching = (async () => {
      try {
        do {
          this.dispatchAgain = false;
          while (!this.stopping && (await this.dispatchBatch()) === BATCH);
        } while (this.dispatchAgain && !this.stopping);
      } catch (e) {
        this.logger.error(`dispatch failed: ${(e as Error).message}`);
      } finally {
        this.dispatching = undefined;
      }
    })();
    return this.dispatching;
  }

  /** Numbers up to BATCH new events and creates their deliveries, in one transaction; answers how many. */
  private async dispatchBatch(): Promise<number> {
    const n = await this.tx.run(async (em) => {
      if (this.tx.isPostgres) {
        const [row] = (await em.query('SELECT pg_try_advisory_xact_lock($1) AS locked', [DISPATCH_LOCK])) as {
          locked: boolean;
        }[];
        if (!row.locked) return 0;
      }
      const events = await em.find(OutboxEventEntity, { where: { dispatchSeq: IsNull() }, order: { seq: 'ASC' }, take: BATCH });
      if (!events.length) return 0;
      const raw = (await em.createQueryBuilder(OutboxEventEntity, 'e').select('MAX(e.dispatch_seq)', 'm').getRawOne()) as
        { m: number | string | null } | undefined;
      let seq = Number(raw?.m ?? 0);
      const subs = await em.find(SubscriptionEntity, { where: { api: In([...new Set(events.map((e) => e.api))]) } });
      const now = Date.now() / 1000;
      const deliveries: Partial<DeliveryEntity>[] = [];
      for (const e of events) {
        e.dispatchSeq = ++seq;
        await em.update(OutboxEventEntity, { seq: e.seq }, { dispatchSeq: e.dispatchSeq });
        for (const s of subs)
          if (matches(s, e))
            deliveries.push({
              id: randomUUID(),
              subscriptionId: s.id,
              eventSeq: e.seq,
              dispatchSeq: e.dispatchSeq,
              attempts: 0,
              nextAttemptAt: now,
              lockedBy: null,
              leaseUntil: null,
              lastError: null,
              created: now,
            });
      }
      for (let i = 0; i < deliveries.length; i += 500) await em.insert(DeliveryEntity, deliveries.slice(i, i + 500) as never);
      return events.length;
    });
    if (n) {
      this.events.emit('dispatched');
      this.fill();
    }
    return n;
  }

  // ---- delivery ----

  private fill(): void {
    if (this.stopping) return;
    if (this.filling) {
      this.fillAgain = true;
      return;
    }
    this.filling = true;
    void (async () => {
      try {
        do {
          this.fillAgain = false;
          const room = this.config.notify.concurrency - this.active.size;
          if (room <= 0) break;
          const ids = await this.claim(room);
          for (const id of ids) {
            const run = this.deliverChain(id)
              .catch((e: unknown) => this.logger.error(`delivery ${id}: ${(e as Error).message}`))
              .finally(() => {
                this.active.delete(id);
                this.fill();
              });
            this.active.set(id, run);
          }
          if (ids.length === room) this.fillAgain = true;
        } while (this.fillAgain && !this.stopping);
      } catch (e) {
        this.logger.error(`delivery scan failed: ${(e as Error).message}`);
      } finally {
        this.filling = false;
      }
    })();
  }

  /** Claims up to `room` due deliveries, each the oldest of its subscription and not leased by anyone. */
  private async claim(room: number): Promise<string[]> {
    const now = Date.now() / 1000;
    const until = now + (this.config.notify.timeoutMs * 3 + 5000) / 1000;
    const head = `d.next_attempt_at <= $1 AND (d.locked_by IS NULL OR d.lease_until < $1)
      AND NOT EXISTS (SELECT 1 FROM notification_deliveries p WHERE p.subscription_id = d.subscription_id AND p.dispatch_seq < d.dispatch_seq)`;
    const q = this.tx.dataSource;
    if (this.tx.isPostgres) {
      const rows = (await q.query(
        `UPDATE notification_deliveries SET locked_by = $2, lease_until = $3
          WHERE id IN (SELECT d.id FROM notification_deliveries d WHERE ${head}
                        ORDER BY d.dispatch_seq LIMIT $4 FOR UPDATE SKIP LOCKED)
          RETURNING id`,
        [now, this.workerId, until, room],
      )) as [{ id: string }[], number];
      return rows[0].map((r) => r.id);
    }
    return this.tx.run(async (em: EntityManager) => {
      const rows = (await em.query(
        `SELECT d.id FROM notification_deliveries d WHERE ${head.replace(/\$1/g, '?')} ORDER BY d.dispatch_seq LIMIT ?`,
        [now, now, room],
      )) as { id: string }[];
      const ids = rows.map((r) => r.id).filter((id) => !this.active.has(id));
      if (ids.length) await em.update(DeliveryEntity, { id: In(ids) }, { lockedBy: this.workerId, leaseUntil: until });
      return ids;
    });
  }

  /**
   * Delivers, then goes on with the same subscription's next notification in the same slot (an index lookup):
   * the full scan for heads runs only when a slot frees up, not after every delivery.
   */
  private async deliverChain(first: string): Promise<void> {
    for (let id: string | undefined = first; id && !this.stopping;) {
      const subscriptionId = await this.deliver(id);
      id = subscriptionId ? await this.claimNext(subscriptionId) : undefined;
    }
  }

  /** The subscription's next delivery, if due and free, claimed; answers its id. */
  private async claimNext(subscriptionId: string): Promise<string | undefined> {
    const now = Date.now() / 1000;
    const until = now + (this.config.notify.timeoutMs * 3 + 5000) / 1000;
    const run = async (em: EntityManager) => {
      const next = await em.findOne(DeliveryEntity, {
        where: { subscriptionId },
        order: { dispatchSeq: 'ASC' },
        select: { id: true, nextAttemptAt: true },
      });
      if (!next || next.nextAttemptAt > now) return undefined;
      const claimed = await em
        .createQueryBuilder()
        .update(DeliveryEntity)
        .set({ lockedBy: this.workerId, leaseUntil: until })
        .where('id = :id AND (locked_by IS NULL OR lease_until < :now)', { id: next.id, now })
        .execute();
      return claimed.affected ? next.id : undefined;
    };
    if (this.tx.isPostgres) return run(this.tx.dataSource.manager);
    // SQLite: one conditional statement, not queued behind the operations' transactions (a claim lost to a
    // rollback of whichever transaction it ran in is seen by deliver(), which re-reads it with the lock)
    await this.tx.dataSource.query(
      `UPDATE notification_deliveries SET locked_by = ?, lease_until = ?
        WHERE id = (SELECT id FROM notification_deliveries WHERE subscription_id = ? ORDER BY dispatch_seq LIMIT 1)
          AND next_attempt_at <= ? AND (locked_by IS NULL OR lease_until < ?)`,
      [this.workerId, until, subscriptionId, now, now],
    );
    const mine = await this.tx.dataSource.getRepository(DeliveryEntity).findOne({
      where: { subscriptionId, lockedBy: this.workerId },
      order: { dispatchSeq: 'ASC' },
      select: { id: true },
    });
    return mine && !this.active.has(mine.id) ? mine.id : undefined;
  }

  /** One attempt; answers the subscription id when it was acknowledged (its next one may follow at once). */
  private async deliver(id: string): Promise<string | undefined> {
    const ds = this.tx.dataSource;
    const d = await ds.getRepository(DeliveryEntity).findOneBy({ id, lockedBy: this.workerId });
    if (!d) return;
    const sub = await ds.getRepository(SubscriptionEntity).findOneBy({ id: d.subscriptionId });
    const event = await this.event(d.eventSeq);
    if (!sub || !event) {
      await ds.getRepository(DeliveryEntity).delete({ id });
      return;
    }
    const links = (event.payload._links ?? {}) as Record<string, unknown>;
    const notification = {
      id: d.id,
      ...event.payload,
      subscriptionId: sub.id,
      _links: { ...links, subscription: { href: `${SUBSCRIPTION_PATHS[sub.api]}/${sub.id}` } },
    };
    let error: string | undefined;
    try {
      const res = await this.subscriptions.client.call(
        'POST',
        sub.callbackUri,
        notification,
        this.subscriptions.authFor(sub),
        sub.id,
      );
      if (res.status < 200 || res.status >= 300) error = `the callback answered ${res.status}`;
    } catch (e) {
      error = (e as Error).message;
    }
    const subs = ds.getRepository(SubscriptionEntity);
    if (!error) {
      await ds.getRepository(DeliveryEntity).delete({ id, lockedBy: this.workerId });
      if (sub.state !== 'ACTIVE' || sub.lastError)
        await subs.update({ id: sub.id }, { state: 'ACTIVE', failingSince: null, lastError: null, modified: Date.now() / 1000 });
      return sub.id;
    }
    const { retryBaseMs, retryMaxMs, attemptsBeforeFailing } = this.config.notify;
    const attempts = d.attempts + 1;
    // exponential, capped, with full jitter over the upper half (receivers recovering are not hit in lockstep)
    const cap = Math.min(retryMaxMs, retryBaseMs * 2 ** Math.min(attempts - 1, 30));
    const delay = cap / 2 + Math.random() * (cap / 2);
    await ds
      .getRepository(DeliveryEntity)
      .update(
        { id, lockedBy: this.workerId },
        { attempts, nextAttemptAt: Date.now() / 1000 + delay / 1000, lockedBy: null, leaseUntil: null, lastError: error },
      );
    const failing = attempts >= attemptsBeforeFailing;
    await subs.update(
      { id: sub.id },
      {
        lastError: `notification ${d.id}, attempt ${attempts}: ${error}`,
        ...(failing && sub.state !== 'FAILING' ? { state: 'FAILING', failingSince: Date.now() / 1000 } : {}),
        modified: Date.now() / 1000,
      },
    );
    if (failing && sub.state !== 'FAILING') this.logger.warn(`subscription ${sub.id} is FAILING: ${error}`);
    this.later(delay + 5, () => this.fill());
  }

  /** Events never change: the last few hundred are kept in memory (one event goes to many subscriptions). */
  private readonly eventCache = new Map<number, OutboxEventEntity>();
  private async event(seq: number): Promise<OutboxEventEntity | null> {
    const cached = this.eventCache.get(seq);
    if (cached) return cached;
    const e = await this.tx.dataSource.getRepository(OutboxEventEntity).findOneBy({ seq });
    if (e) {
      this.eventCache.set(seq, e);
      if (this.eventCache.size > 500) this.eventCache.delete(this.eventCache.keys().next().value!);
    }
    return e;
  }

  /** Events past the retention that nothing is still owed are dropped (SSE can resume up to that far back). */
  private async pruneEvents(): Promise<void> {
    const before = Date.now() / 1000 - this.config.notify.retentionSeconds;
    await this.tx.run((em) =>
      em.query(
        `DELETE FROM outbox_events WHERE dispatch_seq IS NOT NULL AND created < ${this.tx.isPostgres ? '$1' : '?'}
          AND seq < (SELECT MAX(seq) FROM outbox_events)
          AND NOT EXISTS (SELECT 1 FROM notification_deliveries d WHERE d.event_seq = outbox_events.seq)`,
        [before],
      ),
    );
  }
}
