import type { EntityManager } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { NsLcmOpOccEntity } from '../records/ns.entities';
import { RunControl, RunInterrupted } from './run-control';

/** Writes the operation only while this worker holds its lease (the fencing check); otherwise the run stops. */
export async function updateOp(
  em: EntityManager,
  op: NsLcmOpOccEntity,
  control: RunControl,
  c: Partial<NsLcmOpOccEntity>,
): Promise<void> {
  // the list of workers travels with every write (a new one is added when a run starts)
  const updated = await em.update(
    NsLcmOpOccEntity,
    { id: op.id, lockedBy: control.workerId },
    columns({ ...c, runBy: op.runBy }),
  );
  if (!updated.affected) throw new RunInterrupted('lease lost');
}

/** TypeORM's update() types json columns too narrowly; the values are plain JSON. */
const columns = (c: Partial<NsLcmOpOccEntity>): QueryDeepPartialEntity<NsLcmOpOccEntity> =>
  c as QueryDeepPartialEntity<NsLcmOpOccEntity>;
