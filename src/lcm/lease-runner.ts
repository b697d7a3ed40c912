import { Logger } from '@nestjs/common';
import { EventEmitter } from 'node:events';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { In, IsNull, LessThan, ObjectLiteral, Repository } from 'typeorm';
import { DomainError } from '../common/errors/domain-error';
import { nowSeconds } from '../common/ids';
import { runForOperation } from '../common/logging/request-context';
import { setWorkerPoolSource } from '../common/metrics/metrics';
import type { Drainable, Lifecycle } from '../common/lifecycle/shutdown';
import type { AppConfig } from '../config/env';
import type { Transactions } from '../database/transactions';
import { CancelMode, RunControl } from './run-control';

const ACTIVE_STATES = ['PROCESSING', 'ROLLING_BACK'];
/**
 * On PostgreSQL, how often a worker looks for operations nobody holds (written by an API-only replica, or released by a
 * replica shutting down): a cheap indexed claim, and the bound on how long a released operation waits.
 */
const PICKUP_MS = 1000;

/** The columns every leased operation table has (NS and slice operations). */
export interface LeasedRow extends ObjectLiteral {
  id: string;
  operationState: string;
  lockedBy: string | null;
  leaseUntil: number | null;
  cancelMode: string | null;
  modified: number;
}

/**
 * The in-process worker pool for one table of operations. An operation starts the moment it is enqueued; a
 * process claims it with a lease in the database (renewed while it works), so an operation whose owner died is
 * taken over when its lease expires — at start-up and by a periodic scan. Several processes on one PostgreSQL
 * share the work: the scan claims with `FOR UPDATE SKIP LOCKED`, and a process that loses its lease stops at once.
 */
export abstract class LeaseRunner<Row extends LeasedRow> implements Drainable {
  readonly workerId = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  protected readonly logger = new Logger('LCM');
  private readonly queue: string[] = [];
  private readonly active = new Map<string, Promise<void>>();
  private readonly controls = new Map<string, RunControl>();
  /** Fires an operation's id when this process stops working on it (it reached a final state, FAILED_TEMP, or left). */
  private readonly stopped = new EventEmitter().setMaxListeners(0);
  private scan?: NodeJS.Timeout;
  /** The scan in flight: the drain waits for it, so that nothing it claims escapes the release. */
  private scanning?: Promise<void>;
  private stopping = false;
  private unregisterMetrics?: () => void;

  protected constructor(
    protected readonly config: AppConfig,
    private readonly rows: Repository<Row>,
    protected readonly tx: Transactions,
    /** The SQL table (for the PostgreSQL take-over query). */
    private readonly table: string,
    /** How many of its operations this process runs at once. */
    private readonly concurrency: number,
    lifecycle: Lifecycle,
  ) {
    lifecycle.register(this);
  }

  get name(): string {
    return this.table;
  }

  /** Carries out one claimed operation (its steps, fenced by the control's worker id). */
  protected abstract work(id: string, control: RunControl): Promise<void>;

  async onApplicationBootstrap(): Promise<void> {
    this.unregisterMetrics = setWorkerPoolSource(this.table.replace(/_lcm_op_occs$/, ''), () => ({
      workers: this.concurrency,
      leases: this.controls.size,
      queued: this.queue.length,
    }));
    // an API-only replica writes operations and leaves them to the workers' scans
    if (!this.config.worker) return;
    // SQLite is one process: whatever another worker id holds was held by this process before it died
    await this.takeOver(!this.tx.isPostgres);
    this.scan = setInterval(
      () =>
        void (this.scanning = this.takeOver(false).catch((e) =>
          this.logger.error(`take-over scan failed: ${(e as Error).message}`),
        )),
      this.tx.isPostgres ? Math.min(PICKUP_MS, this.config.lcmLeaseMs / 2) : Math.max(500, this.config.lcmLeaseMs / 2),
    );
    this.scan.unref();
  }

  /**
   * `app.close()` (the graceful shutdown's end, tests): the same drain, before any module closes the database, so a
   * claim the last scan made is released instead of waiting for its lease to run out.
   */
  async beforeApplicationShutdown(): Promise<void> {
    this.unregisterMetrics?.();
    await this.drain();
  }

  /**
   * Graceful shutdown: claims nothing more, lets every running operation finish its current step and stop there
   * (progress saved), then releases every lease this process holds, so another replica's next scan resumes them.
   */
  async drain(): Promise<void> {
    this.stopping = true;
    if (this.scan) clearInterval(this.scan);
    this.queue.length = 0;
    for (const control of this.controls.values()) control.drain();
    await this.scanning;
    await Promise.allSettled([...this.active.values()]);
    if (!this.config.worker) return;
    const released = await this.rows
      .createQueryBuilder()
      .update()
      .set({ lockedBy: null, leaseUntil: null } as never)
      .where('locked_by = :me', { me: this.workerId })
      .execute();
    this.logger.log(`${this.table}: drained${released.affected ? `, ${released.affected} queued lease(s) released` : ''}`);
  }

  enqueue(opId: string): void {
    if (!this.config.worker || this.stopping || this.queue.includes(opId) || this.active.has(opId)) return;
    this.queue.push(opId);
    this.pump();
  }

  /** A cancel request for an operation this process may be running (others see it when they renew their lease). */
  cancelLocally(opId: string, mode: CancelMode): void {
    this.controls.get(opId)?.cancel(mode);
  }

  /**
   * A cancel request on a running operation: stored (the replica running it sees it at its next lease renewal),
   * applied here at once, and the operation taken when nobody runs it (queued, or its owner died) so it ends
   * cancelled. 409 when it is not running.
   */
  async requestCancel(op: Pick<Row, 'id' | 'operationState'>, mode: CancelMode): Promise<void> {
    const updated = await this.rows.update(
      { id: op.id, operationState: In(ACTIVE_STATES) } as never,
      {
        cancelMode: mode,
        modified: nowSeconds(),
      } as never,
    );
    if (!updated.affected)
      throw DomainError.conflict('LCM.INVALID_STATE_TRANSITION', `operation in state ${op.operationState} cannot be cancelled`);
    this.cancelLocally(op.id, mode);
    this.enqueue(op.id);
  }

  /**
   * Resolves when this process stops running the operation, or after `maxMs` (an operation ended by another
   * replica, or by a request, sends no signal here: the caller reads its state again either way). The listener is
   * registered at once, so a caller registers first and then reads the state, and misses no signal.
   */
  whenStopped(opId: string, maxMs: number): { done: Promise<void>; cancel(): void } {
    let cancel = () => undefined as void;
    const done = new Promise<void>((resolve) => {
      const fire = () => {
        clearTimeout(timer);
        this.stopped.off(opId, fire);
        resolve();
      };
      const timer = setTimeout(fire, maxMs);
      this.stopped.on(opId, fire);
      cancel = fire;
    });
    return { done, cancel };
  }

  /** Resolves when nothing is queued or running (tests and benchmarks). */
  async idle(): Promise<void> {
    while (this.active.size || this.queue.length) await Promise.allSettled([...this.active.values()]);
  }

  private pump(): void {
    while (this.active.size < this.concurrency && this.queue.length) {
      const id = this.queue.shift()!;
      // its log lines carry the operation id (and the correlation id of the request that started it)
      const run = runForOperation(id, () => this.execute(id))
        .catch((e: unknown) => this.logger.error(`op=${id} runner error: ${(e as Error).stack ?? String(e)}`))
        .finally(() => {
          this.active.delete(id);
          // after it left `active`, so that a waiter may enqueue it again (a retry) at once
          this.stopped.emit(id);
          this.pump();
        });
      this.active.set(id, run);
    }
  }

  private async execute(id: string): Promise<void> {
    if (!(await this.claim(id))) return;
    const control = new RunControl(this.workerId);
    // claimed while the drain began: the run stops before its first step and the lease goes back below
    if (this.stopping) control.drain();
    this.controls.set(id, control);
    const renew = setInterval(
      () => void this.renew(id, control).catch((e) => this.logger.warn(`op=${id} lease renewal failed: ${(e as Error).message}`)),
      Math.max(300, this.config.lcmLeaseMs / 3),
    );
    try {
      await this.work(id, control);
    } finally {
      clearInterval(renew);
      this.controls.delete(id);
      await this.rows
        .createQueryBuilder()
        .update()
        .set({ lockedBy: null, leaseUntil: null } as never)
        .where('id = :id AND locked_by = :me', { id, me: this.workerId })
        .execute();
    }
  }

  /** Keeps the lease, and brings in a cancel request made through another process; a lost lease stops the work. */
  private async renew(id: string, control: RunControl): Promise<void> {
    if (!(await this.claim(id))) {
      if (this.controls.has(id)) control.loseLease();
      return;
    }
    const row = await this.rows.findOne({ where: { id } as never, select: { id: true, cancelMode: true } as never });
    if (row?.cancelMode) control.cancel(row.cancelMode as CancelMode);
  }

  /** Atomically takes (or renews) the lease: free, expired, or already ours. */
  private async claim(id: string): Promise<boolean> {
    const now = Date.now() / 1000;
    const result = await this.rows
      .createQueryBuilder()
      .update()
      .set({ lockedBy: this.workerId, leaseUntil: now + this.config.lcmLeaseMs / 1000 } as never)
      .where('id = :id', { id })
      .andWhere('operation_state IN (:...states)', { states: ACTIVE_STATES })
      .andWhere('(locked_by IS NULL OR lease_until < :now OR locked_by = :me)', { now, me: this.workerId })
      .execute();
    return (result.affected ?? 0) > 0;
  }

  /**
   * Operations nobody works on (never claimed, or their owner's lease ran out) are picked up. On PostgreSQL
   * the scan claims them itself, no more than this process has room for, skipping rows another replica is
   * claiming at the same moment.
   */
  private async takeOver(everyLease: boolean): Promise<void> {
    if (this.stopping) return;
    const now = Date.now() / 1000;
    let ids: string[];
    if (this.tx.isPostgres) {
      const room = this.concurrency - this.active.size;
      if (room <= 0) return;
      const rows = (await this.rows.query(
        `UPDATE ${this.table} SET locked_by = $1, lease_until = $2
          WHERE id IN (SELECT id FROM ${this.table}
                        WHERE operation_state IN ('PROCESSING', 'ROLLING_BACK')
                          AND (locked_by IS NULL OR lease_until < $3)
                        ORDER BY start_time LIMIT $4 FOR UPDATE SKIP LOCKED)
          RETURNING id`,
        [this.workerId, now + this.config.lcmLeaseMs / 1000, now, room],
      )) as [{ id: string }[], number];
      ids = rows[0].map((r) => r.id);
    } else {
      const found = await this.rows.find({
        select: { id: true } as never,
        where: (everyLease
          ? { operationState: In(ACTIVE_STATES) }
          : [
              { operationState: In(ACTIVE_STATES), lockedBy: IsNull() },
              { operationState: In(ACTIVE_STATES), leaseUntil: LessThan(now) },
            ]) as never,
      });
      ids = found.map((r) => r.id);
      if (everyLease && ids.length)
        await this.rows.update(
          { id: In(ids) } as never,
          {
            lockedBy: this.workerId,
            leaseUntil: now + this.config.lcmLeaseMs / 1000,
          } as never,
        );
    }
    for (const id of ids) {
      if (!this.active.has(id) && !this.queue.includes(id)) this.logger.log(`op=${id} taken over by ${this.workerId}`);
      this.enqueue(id);
    }
  }
}
