import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import type { Session } from '../auth/session';
import { DomainError } from '../common/errors/domain-error';
import { nowSeconds } from '../common/ids';
import { ProjectScope } from '../common/records/project-scope';
import { Transactions } from '../database/transactions';
import { notifyNsLcmOp } from '../records/outbox';
import { OperationRunner } from '../lcm/operation-runner';
import { OpEvent, OpState, transition } from '../lcm/op-state-machine';
import { isRollingBack, rollbackSteps } from '../lcm/workflows';
import { NsInstanceEntity, NsLcmOpOccEntity } from '../records/ns.entities';
import { cancelSchema } from './params';
import { opRecord } from './records';

type Obj = Record<string, unknown>;
/** What the NS shows while an operation of that type runs again (retry) or rolls back. */
const RUNNING: Record<string, { currentOperation: string; nsState?: string }> = {
  instantiate: { currentOperation: 'INSTANTIATING', nsState: 'BUILDING' },
  terminate: { currentOperation: 'TERMINATING', nsState: 'TERMINATING' },
  scale: { currentOperation: 'SCALING' },
};
/** Operations whose effects a rollback can undo: those that only create. */
const ROLLBACKABLE = ['instantiate', 'scale'];

/** SOL005 error handling of an operation occurrence: retry, rollback, fail, cancel. */
@Injectable()
export class OpOccurrencesService {
  constructor(
    @InjectRepository(NsLcmOpOccEntity) private readonly ops: Repository<NsLcmOpOccEntity>,
    private readonly tx: Transactions,
    private readonly runner: OperationRunner,
  ) {}

  /** FAILED_TEMP → PROCESSING: the failed step and those after it run again; completed steps are skipped. */
  async retry(session: Session, id: string): Promise<void> {
    await this.change(session, id, 'retry', (op) => {
      if (isRollingBack(op))
        throw DomainError.conflict(
          'LCM.ROLLBACK_FAILED',
          `operation ${op.id} failed while rolling back: roll it back again, or fail it`,
        );
      op.steps = op.steps.map((s) => (s.state === 'FAILED' ? { ...s, state: 'PENDING' } : s));
      return { ...RUNNING[op.lcmOperationType], detailedStatus: 'retrying' };
    });
    this.runner.enqueue(id);
  }

  /** FAILED_TEMP → ROLLING_BACK: what the operation created is removed (ROLLED_BACK), or FAILED_TEMP again. */
  async rollback(session: Session, id: string): Promise<void> {
    await this.change(session, id, 'rollback', (op) => {
      if (!ROLLBACKABLE.includes(op.lcmOperationType))
        throw DomainError.conflict(
          'LCM.NOT_ROLLBACKABLE',
          `a ${op.lcmOperationType} operation cannot be rolled back (only ${ROLLBACKABLE.join(' and ')}): retry or fail it`,
        );
      op.steps = isRollingBack(op)
        ? op.steps.map((s) => (s.state === 'FAILED' ? { ...s, state: 'PENDING' } : s))
        : rollbackSteps(op.steps);
      return { currentOperation: 'ROLLING_BACK', detailedStatus: 'rolling back' };
    });
    this.runner.enqueue(id);
  }

  /** FAILED_TEMP → FAILED: given up; the NS keeps the state the failure left (and can be terminated). */
  async fail(session: Session, id: string): Promise<Obj> {
    await this.change(session, id, 'fail', () => ({}));
    return opRecord((await this.ops.findOneBy({ id }))!);
  }

  /**
   * Cancel a running operation: GRACEFUL lets the running step finish, FORCEFUL abandons it (its VIM call is
   * aborted); then FAILED_TEMP, from where it can be retried or rolled back. The request is stored, so the
   * replica running it sees it (at once when it is this process, at its next lease renewal otherwise).
   */
  async cancel(session: Session, id: string, body: unknown): Promise<void> {
    const { cancelMode } = cancelSchema.validate(body);
    await this.runner.requestCancel(await this.find(session, id), cancelMode);
  }

  /**
   * One transition, checked and applied in one transaction with a conditional write (two concurrent requests
   * cannot both win); the NS record shows what now happens.
   */
  private async change(
    session: Session,
    id: string,
    event: OpEvent,
    prepare: (op: NsLcmOpOccEntity) => { currentOperation?: string; nsState?: string; detailedStatus?: string },
  ): Promise<void> {
    await this.find(session, id);
    await this.tx.run(async (em: EntityManager) => {
      const op = (await em.findOneBy(NsLcmOpOccEntity, { id }))!;
      const to = transition(op.operationState as OpState, event);
      const ns = await em.findOneBy(NsInstanceEntity, { id: op.nsInstanceId });
      const after = prepare(op);
      const now = nowSeconds();
      const updated = await em.update(NsLcmOpOccEntity, { id, operationState: op.operationState }, {
        operationState: to,
        statusEnteredTime: now,
        steps: op.steps,
        errorMessage: to === 'FAILED' ? op.errorMessage : null,
        detailedStatus: after.detailedStatus ?? op.detailedStatus,
        lockedBy: null,
        leaseUntil: null,
        modified: now,
      } as QueryDeepPartialEntity<NsLcmOpOccEntity>);
      if (!updated.affected) throw DomainError.conflict('LCM.CONCURRENT_CHANGE', `operation ${id} changed meanwhile; try again`);
      await notifyNsLcmOp(em, { ...op, operationState: to });
      if (!ns || !after.currentOperation) return;
      ns.nsState = after.nsState ?? ns.nsState;
      ns.record = {
        ...ns.record,
        currentOperation: after.currentOperation,
        currentOperationID: id,
        errorDescription: null,
        errorDetail: null,
        'detailed-status': after.detailedStatus,
      };
      ns.modified = now;
      await em.save(ns);
    });
  }

  /** Cancel, retry, rollback and fail change the NS: they need write rights on it (its owners are copied on the op). */
  private async find(session: Session, id: string): Promise<NsLcmOpOccEntity> {
    const op = await this.ops.findOneBy({ id });
    if (!op || !ProjectScope.of(session).canWrite(op))
      throw DomainError.notFound('NS_LCM_OP_OCC.NOT_FOUND', `operation '${id}' not found`);
    return op;
  }
}
