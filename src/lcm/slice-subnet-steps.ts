import { EntityManager } from 'typeorm';
import { nowSeconds } from '../common/ids';
import type { Transactions } from '../database/transactions';
import { NsiEntity, NsiLcmOpOccEntity, NsiSubnetEntity, SharedSubnetEntity, SliceStep } from '../records/nsi.entities';
import { crashPoint } from './crash-point';
import { RunControl, RunInterrupted } from './run-control';
import { SliceOwner, SliceSubnets, SubnetOpView } from './slice-port';

type Obj = Record<string, unknown>;
const FINAL = ['COMPLETED', 'PARTIALLY_COMPLETED', 'FAILED', 'ROLLED_BACK'];

export class SubnetFailure extends Error {}

/** What one subnet step works on (persisted in the step's data). */
export interface SubnetData {
  nssId: string;
  nsId: string;
  /** instantiate: start/join its NS; terminate and rollback: release it (the NS goes when nobody else holds it). */
  mode: 'instantiate' | 'terminate' | 'rollback';
  shareKey: string | null;
  /** The NS operation this step starts (chosen up front, so a resumed step finds it). */
  nsOpId: string;
  params?: Obj;
  /** Set by a slice retry: a FAILED_TEMP NS operation is retried instead of reported. */
  retry?: boolean;
  /** The instantiate operation the slice relies on (its own, or the one of the slice that started a shared NS). */
  usedOpId?: string;
  /** The shared NS stayed up for another slice. */
  kept?: boolean;
}

/**
 * The subnet steps of a slice operation: each starts (or joins, or releases) the NS of one netslice-subnet through
 * that NS's own operation and waits for it. A shared subnet's NS is started by exactly one slice (a conditional
 * write on its claim row) and stopped by the last slice holding it (decided under that row's lock).
 */
export class SubnetSteps {
  constructor(
    private readonly subnets: SliceSubnets,
    private readonly tx: Transactions,
  ) {}

  async perform(op: NsiLcmOpOccEntity, step: SliceStep, control: RunControl): Promise<void> {
    const d = step.data as unknown as SubnetData;
    const owner: SliceOwner = { projectsRead: op.projectsRead, projectsWrite: op.projectsWrite };
    const timeoutS = Number(op.operationParams.timeout_nsi_deploy ?? 3600);
    const deadline = Date.now() + timeoutS * 1000;
    if (d.mode === 'instantiate') return this.instantiate(op, step, d, owner, control, deadline);
    return this.release(op, d, owner, control, deadline);
  }

  private async instantiate(
    op: NsiLcmOpOccEntity,
    step: SliceStep,
    d: SubnetData,
    owner: SliceOwner,
    control: RunControl,
    deadline: number,
  ): Promise<void> {
    await this.link(op.netsliceInstanceId, d.nssId, true);
    if (!d.shareKey) {
      await this.runOwn(d, owner, control, deadline, () => this.subnets.instantiate(owner, d.nsId, d.nsOpId, d.params ?? {}));
      d.usedOpId = d.nsOpId;
      return;
    }
    for (let polls = 0; ; polls++) {
      step.attempts += 1;
      const ns = await this.subnets.ns(d.nsId);
      const claim = await this.tx.dataSource.getRepository(SharedSubnetEntity).findOneBy({ shareKey: d.shareKey });
      if (ns?.nsState === 'READY' && claim?.instantiateOpId) {
        const view = await this.subnets.op(claim.instantiateOpId);
        if (view?.type === 'instantiate' && view.state === 'COMPLETED') {
          d.usedOpId = claim.instantiateOpId;
          return;
        }
      }
      const current = claim?.instantiateOpId ?? null;
      if (current === null || current === d.nsOpId || (await this.claimable(current, claim!.claimedBy))) {
        if (await this.claim(d.shareKey, current, d.nsOpId, op.id)) {
          crashPoint('slice-share-claimed'); // the claim is saved, its NS operation not yet created
          await this.runOwn(d, owner, control, deadline, () => this.subnets.instantiate(owner, d.nsId, d.nsOpId, d.params ?? {}));
          d.usedOpId = d.nsOpId;
          return;
        }
        continue;
      }
      // another slice is starting (or stopping) this shared NS: its operation is awaited, not duplicated
      const wake = this.subnets.whenSettled(current, fallbackMs(polls));
      const view = await this.subnets.op(current);
      if (view && view.state !== 'PROCESSING' && view.state !== 'ROLLING_BACK') {
        wake.cancel();
        if (view.state === 'FAILED_TEMP') {
          if (!d.retry) throw new SubnetFailure(`shared subnet ${d.nssId}: ${view.error ?? 'its NS operation failed'}`);
          d.retry = false;
          await this.subnets.retry(owner, current);
        }
        continue;
      }
      await pause(wake, deadline, control, d.nssId);
    }
  }

  /** Whether the claim of another operation on a shared NS may be taken over: that operation is over (or never started). */
  private async claimable(opId: string, claimedBy: string | null): Promise<boolean> {
    const view = await this.subnets.op(opId);
    if (view) return FINAL.includes(view.state) && !(view.type === 'instantiate' && view.state === 'COMPLETED');
    // not started yet: only abandoned when the slice operation that claimed it is over
    const by = claimedBy
      ? await this.tx.dataSource
          .getRepository(NsiLcmOpOccEntity)
          .findOne({ where: { id: claimedBy }, select: { id: true, operationState: true } })
      : null;
    return !by || FINAL.includes(by.operationState) || by.operationState === 'FAILED_TEMP';
  }

  private async claim(shareKey: string, from: string | null, to: string, sliceOpId: string): Promise<boolean> {
    if (from === to) return true;
    const qb = this.tx.dataSource
      .createQueryBuilder()
      .update(SharedSubnetEntity)
      .set({ instantiateOpId: to, claimedBy: sliceOpId, modified: nowSeconds() })
      .where('share_key = :shareKey', { shareKey });
    if (from === null) qb.andWhere('instantiate_op_id IS NULL');
    else qb.andWhere('instantiate_op_id = :from', { from });
    return ((await qb.execute()).affected ?? 0) > 0;
  }

  /** Starts this step's own NS operation (unless it exists) and waits for its end. */
  private async runOwn(
    d: SubnetData,
    owner: SliceOwner,
    control: RunControl,
    deadline: number,
    start: () => Promise<void>,
  ): Promise<void> {
    let view = await this.subnets.op(d.nsOpId);
    if (!view) await start();
    else if (view.state === 'FAILED_TEMP' && d.retry) await this.subnets.retry(owner, d.nsOpId);
    d.retry = false;
    for (let polls = 0; ; polls++) {
      const wake = this.subnets.whenSettled(d.nsOpId, fallbackMs(polls));
      view = await this.subnets.op(d.nsOpId);
      if (!view || view.state === 'FAILED_TEMP' || FINAL.includes(view.state)) wake.cancel();
      if (!view) throw new SubnetFailure(`subnet ${d.nssId}: its NS operation ${d.nsOpId} is gone`);
      if (view.state === 'COMPLETED' || view.state === 'PARTIALLY_COMPLETED') return;
      if (view.state === 'FAILED_TEMP' || FINAL.includes(view.state))
        throw new SubnetFailure(`subnet ${d.nssId}: ${describe(view)}`);
      await pause(wake, deadline, control, d.nssId);
    }
  }

  /** terminate / rollback: this slice lets go of the subnet; its NS goes unless another slice still holds it. */
  private async release(
    op: NsiLcmOpOccEntity,
    d: SubnetData,
    owner: SliceOwner,
    control: RunControl,
    deadline: number,
  ): Promise<void> {
    if (d.shareKey && d.kept === undefined) {
      d.kept = await this.tx.run(async (em) => {
        // the claim row is the lock: leaving and starting a shared NS are serialised on it
        await em.update(SharedSubnetEntity, { shareKey: d.shareKey! }, { modified: nowSeconds() });
        await em.update(NsiSubnetEntity, { nsiId: op.netsliceInstanceId, nssId: d.nssId }, { active: false });
        const others = await em.countBy(NsiSubnetEntity, { nsInstanceId: d.nsId, active: true });
        if (others > 0) return true;
        // from now on a slice that wants it waits for this stop, then starts it anew
        await em.update(SharedSubnetEntity, { shareKey: d.shareKey! }, { instantiateOpId: d.nsOpId, claimedBy: op.id });
        return false;
      });
    } else if (!d.shareKey) {
      await this.link(op.netsliceInstanceId, d.nssId, false);
    }
    if (d.kept) return;
    const ns = await this.subnets.ns(d.nsId);
    const mine = await this.subnets.op(d.nsOpId);
    if (!mine && ns?.instantiated) {
      const inst = d.usedOpId ? await this.subnets.op(d.usedOpId) : null;
      if (d.mode === 'rollback' && d.usedOpId && inst?.state === 'FAILED_TEMP') {
        await this.subnets.rollback(owner, d.usedOpId);
        await this.waitFor(d.usedOpId, d, control, deadline, ['ROLLED_BACK']);
      } else {
        await this.runOwn(d, owner, control, deadline, () => this.subnets.terminate(owner, d.nsId, d.nsOpId));
      }
    } else if (mine) {
      await this.runOwn(d, owner, control, deadline, () => Promise.resolve());
    }
    if (d.shareKey) await this.releaseShare(op, d);
  }

  /** The stopped shared NS's networks pass to this slice (which removes them next), unless someone started it again. */
  private async releaseShare(op: NsiLcmOpOccEntity, d: SubnetData): Promise<void> {
    await this.tx.run(async (em: EntityManager) => {
      const share = await em.findOneBy(SharedSubnetEntity, { shareKey: d.shareKey! });
      if (!share || share.instantiateOpId !== d.nsOpId) return;
      const nsi = await em.findOneBy(NsiEntity, { id: op.netsliceInstanceId });
      if (nsi) {
        for (const r of share.resources)
          if (!nsi.resources.some((x) => x.vimAccountId === r.vimAccountId && x.name === r.name)) nsi.resources.push(r);
        nsi.modified = nowSeconds();
        await em.save(nsi);
      }
      await em.update(
        SharedSubnetEntity,
        { shareKey: d.shareKey!, instantiateOpId: d.nsOpId },
        { resources: [] as never, instantiateOpId: null, claimedBy: null, modified: nowSeconds() },
      );
    });
  }

  private async waitFor(opId: string, d: SubnetData, control: RunControl, deadline: number, ok: string[]): Promise<void> {
    for (let polls = 0; ; polls++) {
      const wake = this.subnets.whenSettled(opId, fallbackMs(polls));
      const view = await this.subnets.op(opId);
      if (!view || view.state === 'FAILED_TEMP' || FINAL.includes(view.state) || ok.includes(view.state)) wake.cancel();
      if (!view || ok.includes(view.state)) return;
      if (view.state === 'FAILED_TEMP' || FINAL.includes(view.state))
        throw new SubnetFailure(`subnet ${d.nssId}: ${describe(view)}`);
      await pause(wake, deadline, control, d.nssId);
    }
  }

  private async link(nsiId: string, nssId: string, active: boolean): Promise<void> {
    await this.tx.dataSource.getRepository(NsiSubnetEntity).update({ nsiId, nssId }, { active });
  }
}

const describe = (v: SubnetOpView) => `NS ${v.type} ${v.state}${v.error ? `: ${v.error}` : ''}`;

/**
 * The fallback re-read of an NS operation's state when no signal comes (another replica runs it): soon at first,
 * then every second. In this process the runner's signal ends the wait as soon as the operation stops.
 */
const fallbackMs = (polls: number) => Math.min(25 * 2 ** Math.min(polls, 6), 1000);

/** Waits for the wake-up (signal or fallback, so the deadline is checked at least every second), or an abort. */
async function pause(
  wake: { done: Promise<void>; cancel(): void },
  deadline: number,
  control: RunControl,
  nssId: string,
): Promise<void> {
  const abort = () => wake.cancel();
  control.signal.addEventListener('abort', abort, { once: true });
  try {
    await wake.done;
  } finally {
    control.signal.removeEventListener('abort', abort);
  }
  if (control.signal.aborted) throw control.signal.reason as Error;
  // the subnet's NS runs on without this wait: the slice operation is resumed by another replica
  if (control.drainRequested) throw new RunInterrupted('shutdown');
  if (Date.now() > deadline) throw new SubnetFailure(`subnet ${nssId}: not done within timeout_nsi_deploy`);
}
