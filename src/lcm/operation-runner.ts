import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { In, IsNull, LessThan, Repository } from 'typeorm';
import { APP_CONFIG, AppConfig } from '../config/env';
import { NsLcmOpOccEntity } from '../instances/entities';
import { WorkflowExecutor } from './workflow-executor';

const ACTIVE_STATES = ['PROCESSING', 'ROLLING_BACK'];

/**
 * The in-process worker pool. An operation starts the moment it is enqueued; a process claims it with a
 * lease in the database (renewed while it works), so an operation whose owner died is taken over when
 * its lease expires — here at start-up and by a periodic scan.
 */
@Injectable()
export class OperationRunner implements OnApplicationBootstrap, OnApplicationShutdown {
  readonly workerId = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  private readonly logger = new Logger('LCM');
  private readonly queue: string[] = [];
  private readonly active = new Map<string, Promise<void>>();
  private scan?: NodeJS.Timeout;
  private stopping = false;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectRepository(NsLcmOpOccEntity) private readonly ops: Repository<NsLcmOpOccEntity>,
    private readonly executor: WorkflowExecutor,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.takeOver();
    this.scan = setInterval(
      () => void this.takeOver().catch((e) => this.logger.error(`take-over scan failed: ${(e as Error).message}`)),
      this.config.lcmLeaseMs,
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
    const renew = setInterval(() => void this.claim(id).catch(() => undefined), Math.max(500, this.config.lcmLeaseMs / 3));
    try {
      await this.executor.run(id);
    } finally {
      clearInterval(renew);
      await this.ops.update({ id, lockedBy: this.workerId }, { lockedBy: null, leaseUntil: null });
    }
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

  /** Operations nobody works on (never claimed, or their owner's lease ran out) are picked up again. */
  private async takeOver(): Promise<void> {
    const now = Date.now() / 1000;
    const orphans = await this.ops.find({
      select: { id: true },
      where: [
        { operationState: In(ACTIVE_STATES), lockedBy: IsNull() },
        { operationState: In(ACTIVE_STATES), leaseUntil: LessThan(now) },
      ],
    });
    for (const op of orphans) {
      if (!this.active.has(op.id)) this.logger.log(`op=${op.id} taken over by ${this.workerId}`);
      this.enqueue(op.id);
    }
  }
}
