import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { Repository } from 'typeorm';
import { APP_CONFIG, AppConfig } from '../config/env';
import { Transactions } from '../database/transactions';
import { LoopLease } from '../lcm/loop-lease';
import { VimAdapters } from '../lcm/vim-port';
import { CatalogItemEntity } from '../records/catalog-item.entity';
import { LoopLeaseEntity, NsAlarmEntity } from '../records/monitoring.entities';
import { NsInstanceEntity, NsLcmOpOccEntity, VnfInstanceEntity } from '../records/ns.entities';
import { AdminAccountEntity } from '../records/vim.entities';
import { AlarmEvaluator } from './alarms';
import { AutoScalingLoop } from './autoscaling';
import { MetricCollector } from './collector';
import { VnfGauges } from './gauges';
import { AutoScaler } from './ports';
import { WebhookSender } from './webhooks';

/**
 * The closed loops, every MANO_METRICS_INTERVAL_S: collect the VNF monitoring parameters, evaluate the alarms, then
 * the automatic scaling policies. One replica at a time runs them (a lease in the database, renewed each round);
 * the others only keep trying to take it, so a dead holder is replaced within the lease time.
 */
@Injectable()
export class ClosedLoops implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('ClosedLoops');
  readonly collector: MetricCollector;
  readonly webhooks: WebhookSender;
  private readonly alarms: AlarmEvaluator;
  private readonly scaling: AutoScalingLoop;
  private readonly lease: LoopLease;
  private readonly gauges = new VnfGauges();
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopping = false;
  private holding = false;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectRepository(NsInstanceEntity) nss: Repository<NsInstanceEntity>,
    @InjectRepository(VnfInstanceEntity) vnfs: Repository<VnfInstanceEntity>,
    @InjectRepository(NsLcmOpOccEntity) ops: Repository<NsLcmOpOccEntity>,
    @InjectRepository(CatalogItemEntity) catalog: Repository<CatalogItemEntity>,
    @InjectRepository(NsAlarmEntity) alarms: Repository<NsAlarmEntity>,
    @InjectRepository(LoopLeaseEntity) leases: Repository<LoopLeaseEntity>,
    @InjectRepository(AdminAccountEntity) accounts: Repository<AdminAccountEntity>,
    adapters: VimAdapters,
    tx: Transactions,
    scaler: AutoScaler,
  ) {
    this.webhooks = new WebhookSender({
      timeoutMs: config.notify.timeoutMs,
      attempts: config.notify.attemptsBeforeFailing,
      retryBaseMs: config.notify.retryBaseMs,
      retryMaxMs: config.notify.retryMaxMs,
    });
    this.collector = new MetricCollector(
      nss,
      vnfs,
      catalog,
      adapters,
      tx,
      this.gauges,
      config.metrics.historySize,
      config.metrics.intervalMs,
    );
    this.alarms = new AlarmEvaluator(alarms, tx, this.webhooks);
    this.scaling = new AutoScalingLoop(nss, ops, accounts, scaler);
    this.lease = new LoopLease(leases, 'closed-loops', `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`);
  }

  onApplicationBootstrap(): void {
    // an API-only replica (MANO_WORKER=false) leaves the loops to the workers
    if (this.config.worker) this.schedule();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
    this.webhooks.stop();
    if (this.holding) await this.lease.release().catch(() => undefined);
  }

  /** One round now (tests, benchmarks); false when another replica holds the loops. */
  async round(): Promise<boolean> {
    // rounds never overlap: a slow round delays the next instead of running beside it
    while (this.running) await this.running;
    let ran = false;
    this.running = (async () => {
      // the lease outlives a few missed rounds, so a slow round does not hand the loops over
      const held = await this.lease.acquire(Math.max(5000, this.config.metrics.intervalMs * 3));
      if (!held) {
        if (this.holding) this.alarms.forget();
        this.holding = false;
        return;
      }
      this.holding = true;
      const collected = await this.collector.round();
      await this.alarms.evaluate(collected);
      await this.scaling.evaluate(collected);
      ran = true;
    })().finally(() => (this.running = undefined));
    await this.running;
    return ran;
  }

  private schedule(): void {
    if (this.stopping) return;
    this.timer = setTimeout(() => {
      this.round()
        .catch((e) => this.logger.error(`closed-loop round failed: ${(e as Error).message}`))
        .finally(() => this.schedule());
    }, this.config.metrics.intervalMs);
    this.timer.unref();
  }
}
