import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { In, IsNull, LessThan, Repository } from 'typeorm';
import { APP_CONFIG, AppConfig } from '../config/env';
import { Transactions } from '../database/transactions';
import { NsLcmOpOccEntity } from '../instances/entities';
import { CancelMode, RunControl } from './run-control';
import { WorkflowExecutor } from './workflow-executor';

const ACTIVE_STATES = ['PROCESSING', 'ROLLING_BACK'];

/**
 * The in-process worker pool. An operation starts the moment it is enqueued; a process claims it with a
 * lease in the database (renewed while it works), so an operation whose owner died is taken over when
 * its lease expires — at start-up and by a periodic scan. Several processes on one PostgreSQL share the
 * work: the scan claims with `FOR UPDATE SKIP LOCKED`, and a process that loses its lease stops at once.
 */
@Injectable()
export class OperationRunner implements OnApplicationBootstrap, OnApplicationShutdown {
  readonly workerId = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  private readonly logger = new Logger('LCM');
  private readonly queue: string[] = [];
  private readonly active = new Map<string, Promise<void>>();
  private readonly controls = new Map<string, RunControl>();
  private scan?: NodeJS.Timeout;
  private stopping = false;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectRepository(NsLcmOpOccEntity) private readonly ops: Repository<NsLcmOpOccEntity>,
    private readonly executor: WorkflowExecutor,
    private readonly tx: Transactions,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    // SQLite is one process: whatever another worker id holds was held by this process before it died
    await this.takeOver(!this.tx.isPostgres);
    this.scan = setInterval(
      () => void this.takeOver(false).catch((e) => this.logger.error(`take-over scan failed: ${(e as Error).message}`)),
      Math.max(500, this.config.lcmLeaseMs / 2),
    );
    this.scan.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    if (this.scan) clearInterval(this.scan);
    await Promise.allSettled([...this.active.values()]);
  }

  enqueue(opId: string): void {
    if (this.stopping || this.queue.includes(opId) || this.active.has(opId)) return;
    this.queue.push(opId);
    this.pump();
  }

  /** A cancel request for an operation this process may be running (others see it when they renew their lease). */
  cancelLocally(opId: string, mode: CancelMode): void {
    this.controls.get(opId)?.cancel(mode);
  }

  /** Resolves when nothing is queued or running (tests and benchmarks). */
  async idle(): Promise<void> {
    while (this.active.size || this.queue.length) await Promise.allSettled([...this.active.values()]);
  }

  private pump(): void {
    while (this.active.size < this.config.lcmConcurrency && this.queue.length) {
      const id = this.queue.shift()!;
      const run = this.execute(id)
        .catch((e: unknown) => this.logger.error(`op=${id} runner error: ${(e as Error).stack ?? String(e)}`))
        .finally(() => {
          this.active.delete(id);
          this.pump();
        });
      this.active.set(id, run);
    }
  }

  private async execute(id: string): Promise<void> {
    if (!(await this.claim(id))) return;
    const control = new RunControl(this.workerId);
    this.controls.set(id, control);
    const renew = setInterval(
      () => void this.renew(id, control).catch((e) => this.logger.warn(`op=${id} lease renewal failed: ${(e as Error).message}`)),
      Math.max(300, this.config.lcmLeaseMs / 3),
    );
    try {
      await this.executor.run(id, control);
    } finally {
      clearInterval(renew);
      this.controls.delete(id);
      await this.ops.update({ id, lockedBy: this.workerId }, { lockedBy: null, leaseUntil: null });
    }
  }

  /** Keeps the lease, and brings in a cancel request made through another process; a lost lease stops the work. */
  private async renew(id: string, control: RunControl): Promise<void> {
    if (!(await this.claim(id))) {
      if (this.controls.has(id)) control.loseLease();
      return;
    }
    const row = await this.ops.findOne({ where: { id }, select: { id: true, cancelMode: true } });
    if (row?.cancelMode) control.cancel(row.cancelMode as CancelMode);
  }

  /** Atomically takes (or renews) the lease: free, expired, or already ours. */
  private async claim(id: string): Promise<boolean> {
    const now = Date.now() / 1000;
    const result = await this.ops
      .createQueryBuilder()
      .update(NsLcmOpOccEntity)
      .set({ lockedBy: this.workerId, leaseUntil: now + this.config.lcmLeaseMs / 1000 })
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
      const room = this.config.lcmConcurrency - this.active.size;
      if (room <= 0) return;
      const rows = (await this.ops.query(
        `UPDATE ns_lcm_op_occs SET locked_by = $1, lease_until = $2
          WHERE id IN (SELECT id FROM ns_lcm_op_occs
                        WHERE operation_state IN ('PROCESSING', 'ROLLING_BACK')
                          AND (locked_by IS NULL OR lease_until < $3)
                        ORDER BY start_time LIMIT $4 FOR UPDATE SKIP LOCKED)
          RETURNING id`,
        [this.workerId, now + this.config.lcmLeaseMs / 1000, now, room],
      )) as [{ id: string }[], number];
      ids = rows[0].map((r) => r.id);
    } else {
      const rows = await this.ops.find({
        select: { id: true },
        where: everyLease
          ? { operationState: In(ACTIVE_STATES) }
          : [
              { operationState: In(ACTIVE_STATES), lockedBy: IsNull() },
              { operationState: In(ACTIVE_STATES), leaseUntil: LessThan(now) },
            ],
      });
      ids = rows.map((r) => r.id);
      if (everyLease && ids.length)
        await this.ops.update({ id: In(ids) }, { lockedBy: this.workerId, leaseUntil: now + this.config.lcmLeaseMs / 1000 });
    }
    for (const id of ids) {
      if (!this.active.has(id) && !this.queue.includes(id)) this.logger.log(`op=${id} taken over by ${this.workerId}`);
      this.enqueue(id);
    }
  }
}
