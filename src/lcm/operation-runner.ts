import { Inject, Injectable, OnApplicationBootstrap, BeforeApplicationShutdown } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { Lifecycle } from '../common/lifecycle/shutdown';
import { APP_CONFIG, AppConfig } from '../config/env';
import { Transactions } from '../database/transactions';
import { NsLcmOpOccEntity } from '../records/ns.entities';
import { LeaseRunner } from './lease-runner';
import { RunControl } from './run-control';
import { WorkflowExecutor } from './workflow-executor';

/** The worker pool of NS operations (`ns_lcm_op_occs`): claims, leases and take-over are the {@link LeaseRunner}'s. */
@Injectable()
export class OperationRunner extends LeaseRunner<NsLcmOpOccEntity> implements OnApplicationBootstrap, BeforeApplicationShutdown {
  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    @InjectRepository(NsLcmOpOccEntity) ops: Repository<NsLcmOpOccEntity>,
    private readonly executor: WorkflowExecutor,
    tx: Transactions,
    lifecycle: Lifecycle,
  ) {
    super(config, ops, tx, 'ns_lcm_op_occs', config.lcmConcurrency, lifecycle);
  }

  protected work(id: string, control: RunControl): Promise<void> {
    return this.executor.run(id, control);
  }
}
