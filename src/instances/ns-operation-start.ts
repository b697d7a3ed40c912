import { In, Not } from 'typeorm';
import { DomainError } from '../common/errors/domain-error';
import { nowSeconds } from '../common/ids';
import type { Obj } from '../common/values';
import type { Transactions } from '../database/transactions';
import { isFinal, transition } from '../lcm/op-state-machine';
import { NsLcmOpOccEntity, type NsInstanceEntity, type OpStep } from '../records/ns.entities';
import { queuedOperation } from '../records/operations';
import { notifyNsLcmOp } from '../records/outbox';

/** What starts an operation: its id and type, its parameters and steps, and what the NS shows meanwhile. */
export type OperationArgs = [
  opId: string,
  type: string,
  params: Obj,
  steps: OpStep[],
  currentOperation: string,
  nsState: string,
  /** Started by the orchestrator itself (auto-healing), not by a request. */
  automatic?: boolean,
];

/** OSM's `operational-status` while an operation of that type runs. */
const RUNNING_STATUS: Record<string, string> = {
  instantiate: 'init',
  terminate: 'terminating',
  scale: 'scaling',
  heal: 'healing',
};

/**
 * Persists the operation with all its steps and moves the NS, in one transaction, before any VIM call;
 * one unfinished operation per NS (a terminate settles an instantiation left FAILED_TEMP, as OSM allows).
 */
export async function persistOperation(
  tx: Transactions,
  ns: NsInstanceEntity,
  ...[opId, type, params, steps, currentOperation, nsState, automatic]: OperationArgs
): Promise<void> {
  const now = nowSeconds();
  await tx.run(async (em) => {
    const open = await em.findBy(NsLcmOpOccEntity, {
      nsInstanceId: ns.id,
      operationState: Not(In(['COMPLETED', 'PARTIALLY_COMPLETED', 'FAILED', 'ROLLED_BACK'])),
    });
    for (const other of open) {
      if (type === 'terminate' && other.operationState === 'FAILED_TEMP') {
        other.operationState = transition('FAILED_TEMP', 'superseded');
        other.statusEnteredTime = now;
        other.detailedStatus = `${other.detailedStatus ?? ''} (superseded by terminate ${opId})`.trim();
        await em.save(other);
        await notifyNsLcmOp(em, other);
      } else if (!isFinal(other.operationState)) {
        throw DomainError.conflict(
          'LCM.OPERATION_IN_PROGRESS',
          `There is a pending operation ${other.id} (${other.lcmOperationType}, ${other.operationState}) on this NS`,
        );
      }
    }
    const owner = { projectsRead: ns.projectsRead, projectsWrite: ns.projectsWrite };
    await em.insert(NsLcmOpOccEntity, {
      id: opId,
      nsInstanceId: ns.id,
      ...owner,
      lcmOperationType: type,
      ...queuedOperation(now),
      operationParams: {
        ...params,
        lcmOperationType: type,
        nsInstanceId: ns.id,
        ...(automatic ? { isAutomaticInvocation: true } : {}),
      },
      steps,
    } as object);
    await notifyNsLcmOp(em, {
      ...owner,
      id: opId,
      nsInstanceId: ns.id,
      lcmOperationType: type,
      operationState: 'PROCESSING',
      operationParams: automatic ? { ...params, isAutomaticInvocation: true } : params,
    });
    ns.nsState = nsState;
    ns.record = {
      ...ns.record,
      currentOperation,
      currentOperationID: opId,
      errorDescription: null,
      errorDetail: null,
      'operational-status': RUNNING_STATUS[type] ?? ns.record['operational-status'],
      'detailed-status': 'scheduled',
      _admin: { ...(ns.record._admin as Obj), nslcmop: opId },
    };
    if (type === 'instantiate') ns.record.instantiate_params = params;
    ns.modified = now;
    await em.save(ns);
  });
}
