import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import type { Session } from '../auth/session';
import { DomainError } from '../common/errors/domain-error';
import { nowSeconds } from '../common/ids';
import { Transactions } from '../database/transactions';
import { notifyNsiLcmOp } from '../records/outbox';
import { cancelSchema } from '../instances/params';
import { OpEvent, OpState, transition } from '../lcm/op-state-machine';
import { SliceRunner } from '../lcm/slice-executor';
import { NsiEntity, NsiLcmOpOccEntity, SliceStep } from '../records/nsi.entities';
import { rollbackSteps } from './nsi-plan';
import { nsiOpRecord } from './records';
import { sliceScope } from './scope';

type Obj = Record<string, unknown>;
const rollingBack = (op: NsiLcmOpOccEntity) => op.steps.some((s) => s.data.phase === 'rollback');
/** Failed steps run again; a subnet whose NS operation is FAILED_TEMP has that operation retried. */
const again = (steps: SliceStep[]) =>
  steps.map((s): SliceStep => (s.state === 'FAILED' ? { ...s, state: 'PENDING', data: { ...s.data, retry: true } } : s));

/** SOL005 error handling of slice operations: retry, rollback, fail, cancel (as for NS operations). */
@Injectable()
export class NsiOpsService {
  constructor(
    @InjectRepository(NsiLcmOpOccEntity) private readonly ops: Repository<NsiLcmOpOccEntity>,
    private readonly tx: Transactions,
    private readonly runner: SliceRunner,
  ) {}

  /** FAILED_TEMP → PROCESSING: only what is unfinished runs again (failed subnets' NS operations are retried). */
  async retry(session: Session, id: string): Promise<void> {
    await this.change(session, id, 'retry', (op) => {
      if (rollingBack(op))
        throw DomainError.conflict(
          'LCM.ROLLBACK_FAILED',
          `operation ${op.id} failed while rolling back: roll it back again, or fail it`,
        );
      op.steps = again(op.steps);
      return op.lcmOperationType === 'instantiate' ? 'init' : 'terminating';
    });
    this.runner.enqueue(id);
  }

  /** FAILED_TEMP → ROLLING_BACK: the subnets it started go (shared ones only if no other slice holds them), then its networks. */
  async rollback(session: Session, id: string): Promise<void> {
    await this.change(session, id, 'rollback', (op) => {
      if (op.lcmOperationType !== 'instantiate')
        throw DomainError.conflict(
          'LCM.NOT_ROLLBACKABLE',
          `a ${op.lcmOperationType} operation cannot be rolled back: retry or fail it`,
        );
      op.steps = rollingBack(op) ? again(op.steps) : rollbackSteps(op.steps);
      return 'terminating';
    });
    this.runner.enqueue(id);
  }

  async fail(session: Session, id: string): Promise<Obj> {
    await this.change(session, id, 'fail', () => null);
    return nsiOpRecord((await this.ops.findOneBy({ id }))!);
  }

  async cancel(session: Session, id: string, body: unknown): Promise<void> {
    const { cancelMode } = cancelSchema.validate(body);
    await this.runner.requestCancel(await this.find(session, id), cancelMode);
  }

  /** One transition, applied with a conditional write (two concurrent requests cannot both win). */
  private async change(session: Session, id: string, event: OpEvent, prepare: (op: NsiLcmOpOccEntity) => string | null) {
    await this.find(session, id);
    await this.tx.run(async (em: EntityManager) => {
      const op = (await em.findOneBy(NsiLcmOpOccEntity, { id }))!;
      const to = transition(op.operationState as OpState, event);
      const status = prepare(op);
      const now = nowSeconds();
      const updated = await em.update(NsiLcmOpOccEntity, { id, operationState: op.operationState }, {
        operationState: to,
        statusEnteredTime: now,
        steps: op.steps,
        errorMessage: to === 'FAILED' ? op.errorMessage : null,
        detailedStatus: status ? `${event} requested` : op.detailedStatus,
        lockedBy: null,
        leaseUntil: null,
        modified: now,
      } as QueryDeepPartialEntity<NsiLcmOpOccEntity>);
      if (!updated.affected) throw DomainError.conflict('LCM.CONCURRENT_CHANGE', `operation ${id} changed meanwhile; try again`);
      await notifyNsiLcmOp(em, { ...op, operationState: to });
      const nsi = await em.findOneBy(NsiEntity, { id: op.netsliceInstanceId });
      if (!nsi || !status) return;
      nsi.record = { ...nsi.record, 'operational-status': status, 'detailed-status': `${event} requested`, errorDetail: null };
      nsi.modified = now;
      await em.save(nsi);
    });
  }

  private async find(session: Session, id: string): Promise<NsiLcmOpOccEntity> {
    const op = await this.ops.findOneBy({ id });
    if (!op || !sliceScope(session, op, 'write'))
      throw DomainError.notFound('NSI_LCM_OP_OCC.NOT_FOUND', `slice operation '${id}' not found`);
    return op;
  }
}
