import { Inject, Injectable, Logger, OnApplicationBootstrap, BeforeApplicationShutdown } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { VimError } from '../../vim-adapters/contract/src';
import { nowSeconds } from '../common/ids';
import { Lifecycle } from '../common/lifecycle/shutdown';
import { APP_CONFIG, AppConfig } from '../config/env';
import { Transactions } from '../database/transactions';
import { notifyNsiLcmOp } from '../records/outbox';
import {
  NsiEntity,
  NsiLcmOpOccEntity,
  NsiSubnetEntity,
  SharedSubnetEntity,
  SliceNetwork,
  SliceStep,
} from '../records/nsi.entities';
import { LeaseRunner } from './lease-runner';
import { OpEvent, OpState, transition } from './op-state-machine';
import { RunControl, RunInterrupted } from './run-control';
import { SliceSubnets } from './slice-port';
import { SubnetData, SubnetSteps } from './slice-subnet-steps';

type Obj = Record<string, unknown>;

/**
 * Runs one slice operation's persisted steps: slice VLD networks → the subnets' NSs (each its own NS operation,
 * all at once) → finalize; for terminate and rollback the subnets first, then the networks. A step is saved when
 * done, so a resumed operation redoes nothing; every write is fenced by the worker's lease.
 */
@Injectable()
export class SliceExecutor {
  private readonly logger = new Logger('LCM');
  private readonly subnetSteps: SubnetSteps;

  constructor(
    @InjectRepository(NsiLcmOpOccEntity) private readonly ops: Repository<NsiLcmOpOccEntity>,
    private readonly subnets: SliceSubnets,
    private readonly tx: Transactions,
  ) {
    this.subnetSteps = new SubnetSteps(subnets, tx);
  }

  async run(opId: string, control: RunControl): Promise<void> {
    const op = await this.ops.findOneBy({ id: opId });
    if (!op || (op.operationState !== 'PROCESSING' && op.operationState !== 'ROLLING_BACK')) return;
    if (op.cancelMode) control.cancel(op.cancelMode as 'GRACEFUL' | 'FORCEFUL');
    const joined = op.runBy.at(-1) !== control.workerId;
    if (joined) op.runBy = [...op.runBy, control.workerId];
    const log = (msg: string) => this.logger.log(`nsiop=${op.id} nsi=${op.netsliceInstanceId} ${msg}`);
    try {
      // written at once: an operation this process claimed says so even if the process dies before its first step
      if (joined) await this.fenced(control, (em) => this.writeOp(em, op, control, {}));
      const todo = op.steps.filter((s) => s.state === 'PENDING' || s.state === 'FAILED');
      // consecutive subnet steps run together: the subnets' NSs are deployed in parallel
      for (let i = 0; i < todo.length;) {
        if (control.cancelMode) throw new RunInterrupted('cancelled');
        if (control.drainRequested) throw new RunInterrupted('shutdown');
        const kind = todo[i].kind;
        const group = kind === 'subnet' || kind === 'network' ? takeWhile(todo.slice(i), (s) => s.kind === kind) : [todo[i]];
        i += group.length;
        op.stage = stageOf(op, group[0]);
        op.detailedStatus = group.map((s) => s.key).join(', ');
        if (kind === 'network') await this.ownNetworks(op, group, control);
        const results = await Promise.allSettled(group.map((s) => this.perform(op, s, control)));
        const failed: string[] = [];
        results.forEach((r, j) => {
          const s = group[j];
          if (r.status === 'fulfilled') {
            s.state = 'DONE';
            s.lastError = undefined;
          } else {
            const e = r.reason as Error;
            if (control.leaseLost || e instanceof RunInterrupted) throw e;
            s.state = 'FAILED';
            s.lastError = VimError.isVimError(e) ? `${e.code}: ${e.message}` : e.message;
            failed.push(`${s.key}: ${s.lastError}`);
          }
        });
        await this.saveProgress(op, control);
        if (failed.length) {
          log(`failed: ${failed.join('; ')}`);
          const event: OpEvent = op.operationState === 'ROLLING_BACK' ? 'rollback_failed' : 'step_failed';
          return await this.finish(op, control, event, failed.join('; '));
        }
      }
    } catch (e) {
      if (control.leaseLost) return log('stopped: the lease went to another process');
      if (!(e instanceof RunInterrupted)) throw e;
      if (e.reason === 'shutdown') {
        // the groups done so far are saved; another replica goes on from the next one
        await this.saveProgress(op, control);
        return log('stopped for shutdown');
      }
      await this.finish(op, control, 'cancelled', `cancelled (${control.cancelMode})`);
      return log(`cancelled (${control.cancelMode})`);
    }
    await this.finish(op, control, op.operationState === 'ROLLING_BACK' ? 'rollback_done' : 'steps_done', null);
    log(`${op.lcmOperationType}: ${op.operationState}`);
  }

  private async perform(op: NsiLcmOpOccEntity, step: SliceStep, control: RunControl): Promise<void> {
    switch (step.kind) {
      case 'network':
        return this.network(op, step, control);
      case 'subnet':
        return this.subnetSteps.perform(op, step, control);
      case 'remove-networks':
        return this.removeNetworks(op, step, control);
      case 'finalize':
        return this.finalize(op, step, control);
    }
  }

  /**
   * Slice VLDs are owned (by the slice, or by the shared subnet they touch) before any is created, all in one
   * transaction, so a crash leaves nothing on a VIM that no record names; then they are created in parallel.
   */
  private async ownNetworks(op: NsiLcmOpOccEntity, group: SliceStep[], control: RunControl): Promise<void> {
    await this.fenced(control, async (em) => {
      await this.writeOp(em, op, control, { steps: op.steps, stage: op.stage, detailedStatus: op.detailedStatus });
      const nets = group.map((s) => s.data as { vimAccountId: string; name: string; vld: string; owner: string });
      for (const owner of new Set(nets.map((d) => d.owner))) {
        const mine = nets
          .filter((d) => d.owner === owner)
          .map((d) => ({ vimAccountId: d.vimAccountId, name: d.name, vld: d.vld }));
        const row =
          owner === 'nsi'
            ? await em.findOneBy(NsiEntity, { id: op.netsliceInstanceId })
            : await em.findOneBy(SharedSubnetEntity, { shareKey: owner });
        const missing = mine.filter((n) => row && !has(row.resources, n));
        if (!row || !missing.length) continue;
        row.resources = [...row.resources, ...missing];
        await em.save(row);
      }
    });
  }

  /** A slice VLD on one VIM (already owned, see ownNetworks): observed, or created when missing. */
  private async network(op: NsiLcmOpOccEntity, step: SliceStep, control: RunControl): Promise<void> {
    const d = step.data as { vimAccountId: string; name: string; vld: string; owner: string; mgmt?: boolean; ipProfile?: Obj };
    const adapter = await this.subnets.adapter(d.vimAccountId);
    const ref = { kind: 'network' as const, name: d.name, labels: { 'mano.nsi': op.netsliceInstanceId, 'mano.nsi-vld': d.vld } };
    step.attempts += 1;
    const seen =
      (await adapter.observe(ref)) ?? (await adapter.apply({ ref, management: d.mgmt, ipProfile: d.ipProfile }, control.signal));
    step.data = { ...step.data, providerId: seen.providerId };
  }

  /** The slice's networks go once its subnets' NSs are gone (a stopped shared NS's networks were handed over). */
  private async removeNetworks(op: NsiLcmOpOccEntity, step: SliceStep, control: RunControl): Promise<void> {
    const nsi = await this.tx.dataSource.getRepository(NsiEntity).findOneBy({ id: op.netsliceInstanceId });
    for (const r of nsi?.resources ?? []) {
      step.attempts += 1;
      const adapter = await this.subnets.adapter(r.vimAccountId);
      await adapter.remove({ kind: 'network', name: r.name, labels: {} }, control.signal);
      await this.fenced(control, async (em) => {
        const fresh = await em.findOneBy(NsiEntity, { id: op.netsliceInstanceId });
        if (!fresh) return;
        fresh.resources = fresh.resources.filter((x) => !(x.vimAccountId === r.vimAccountId && x.name === r.name));
        fresh.modified = nowSeconds();
        await em.save(fresh);
      });
    }
  }

  /** The NSI record follows what the operation did (OSM's fields). */
  private async finalize(op: NsiLcmOpOccEntity, step: SliceStep, control: RunControl): Promise<void> {
    const phase = (step.data.phase as string | undefined) ?? op.lcmOperationType;
    await this.fenced(control, async (em) => {
      const nsi = await em.findOneBy(NsiEntity, { id: op.netsliceInstanceId });
      if (!nsi) return;
      const admin = { ...(nsi.record._admin as Obj) };
      const subnetData = op.steps.filter((s) => s.kind === 'subnet').map((s) => s.data as unknown as SubnetData);
      admin['nsrs-detailed-list'] = ((admin['nsrs-detailed-list'] as Obj[] | undefined) ?? []).map((n) => ({
        ...n,
        nslcmop_instantiate: phase === 'instantiate' ? (subnetData.find((d) => d.nssId === n['nss-id'])?.usedOpId ?? null) : null,
      }));
      const networks = op.steps.filter((s) => s.kind === 'network');
      admin['netslice-vld'] = ((admin['netslice-vld'] as Obj[] | undefined) ?? []).map((v) => {
        const mine = networks.filter((n) => n.data.vld === v.id);
        return phase === 'instantiate'
          ? {
              ...v,
              'vim-networks': mine.map((n) => ({
                vimAccountId: n.data.vimAccountId,
                'vim-network-name': n.data.name,
                'vim-id': n.data.providerId ?? null,
              })),
              status: 'ACTIVE',
            }
          : { ...v, 'vim-networks': [], status: null };
      });
      admin.deployed = {
        RO: phase === 'instantiate' ? networks.map((n) => ({ vld: n.data.vld, 'vim-id': n.data.providerId })) : [],
      };
      nsi.record = { ...nsi.record, _admin: admin };
      nsi.modified = nowSeconds();
      await em.save(nsi);
    });
  }

  /** Ends the operation and sets the NSI's states as OSM's client reads them; a completed autoremove takes the NSI away. */
  private async finish(op: NsiLcmOpOccEntity, control: RunControl, event: OpEvent, error: string | null): Promise<void> {
    const now = nowSeconds();
    const state: OpState = transition(op.operationState as OpState, event);
    const rolledBack = op.steps.some((s) => s.data.phase === 'rollback');
    op.operationState = state;
    op.errorMessage = error;
    op.detailedStatus = error ?? (rolledBack ? 'Rolled back' : 'Done');
    if (!error) op.stage = op.detailedStatus;
    let removeNsi = false;
    await this.fenced(control, async (em) => {
      await this.writeOp(em, op, control, {
        operationState: state,
        statusEnteredTime: now,
        errorMessage: error,
        detailedStatus: op.detailedStatus,
        stage: op.stage,
        steps: op.steps,
        cancelMode: null,
      });
      await notifyNsiLcmOp(em, op);
      const nsi = await em.findOneBy(NsiEntity, { id: op.netsliceInstanceId });
      if (!nsi) return;
      const ok = error === null;
      const type = op.lcmOperationType;
      if (ok && type === 'terminate' && op.operationParams.autoremove) removeNsi = true;
      const down = ok && (type === 'terminate' || rolledBack);
      nsi.nsiState = down ? 'NOT_INSTANTIATED' : ok ? 'INSTANTIATED' : nsi.nsiState;
      nsi.record = {
        ...nsi.record,
        'operational-status': down ? 'terminated' : ok ? 'running' : 'failed',
        'config-status': down ? 'terminated' : ok ? 'configured' : 'failed',
        'detailed-status': op.detailedStatus,
        errorDescription: ok ? null : `Operation: ${type.toUpperCase()}.${op.id}`,
        errorDetail: error,
        _admin: { ...(nsi.record._admin as Obj), nsilcmop: op.id },
      };
      nsi.modified = now;
      await em.save(nsi);
    });
    if (removeNsi) await this.removeNsi(op);
  }

  /** Autoremove: the NSI's own NS records, the shared ones nobody else refers to, its operations and itself. */
  private async removeNsi(op: NsiLcmOpOccEntity): Promise<void> {
    const owner = { projectsRead: op.projectsRead, projectsWrite: op.projectsWrite };
    const links = await this.tx.dataSource.getRepository(NsiSubnetEntity).findBy({ nsiId: op.netsliceInstanceId });
    for (const l of links) {
      const users = await this.tx.dataSource.getRepository(NsiSubnetEntity).countBy({ nsInstanceId: l.nsInstanceId });
      if (users > 1) continue;
      await this.subnets.remove(owner, l.nsInstanceId);
      if (l.shareKey) await this.tx.dataSource.getRepository(SharedSubnetEntity).delete({ shareKey: l.shareKey });
    }
    await this.tx.run(async (em) => {
      await em.delete(NsiSubnetEntity, { nsiId: op.netsliceInstanceId });
      await em.delete(NsiLcmOpOccEntity, { netsliceInstanceId: op.netsliceInstanceId });
      await em.delete(NsiEntity, { id: op.netsliceInstanceId });
    });
  }

  private async saveProgress(op: NsiLcmOpOccEntity, control: RunControl): Promise<void> {
    await this.fenced(control, (em) =>
      this.writeOp(em, op, control, { steps: op.steps, stage: op.stage, detailedStatus: op.detailedStatus }),
    );
  }

  /** Writes the operation only while this worker holds its lease (the fencing check); otherwise the run stops. */
  private async writeOp(em: EntityManager, op: NsiLcmOpOccEntity, control: RunControl, c: Partial<NsiLcmOpOccEntity>) {
    op.modified = nowSeconds();
    const updated = await em.update(NsiLcmOpOccEntity, { id: op.id, lockedBy: control.workerId }, {
      ...c,
      runBy: op.runBy,
      modified: op.modified,
    } as QueryDeepPartialEntity<NsiLcmOpOccEntity>);
    if (!updated.affected) throw new RunInterrupted('lease lost');
  }

  private async fenced(control: RunControl, fn: (em: EntityManager) => Promise<unknown>): Promise<void> {
    try {
      await this.tx.run(fn, { durable: false });
    } catch (e) {
      if (e instanceof RunInterrupted && e.reason === 'lease lost') control.loseLease();
      throw e;
    }
  }
}

/** The worker pool of slice operations (`nsi_lcm_op_occs`); they mostly wait, so it has more room than the NS pool. */
@Injectable()
export class SliceRunner extends LeaseRunner<NsiLcmOpOccEntity> implements OnApplicationBootstrap, BeforeApplicationShutdown {
  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    @InjectRepository(NsiLcmOpOccEntity) ops: Repository<NsiLcmOpOccEntity>,
    private readonly executor: SliceExecutor,
    tx: Transactions,
    lifecycle: Lifecycle,
  ) {
    super(config, ops, tx, 'nsi_lcm_op_occs', Math.max(64, config.lcmConcurrency * 4), lifecycle);
  }

  protected work(id: string, control: RunControl): Promise<void> {
    return this.executor.run(id, control);
  }
}

const has = (list: SliceNetwork[], n: SliceNetwork) => list.some((x) => x.vimAccountId === n.vimAccountId && x.name === n.name);
const STAGE: Record<SliceStep['kind'], string> = {
  network: 'slice VLDs',
  subnet: 'subnet NSs',
  'remove-networks': 'removing slice VLDs',
  finalize: 'finalizing',
};
const stageOf = (op: NsiLcmOpOccEntity, s: SliceStep) =>
  `${s.data.phase === 'rollback' ? 'Rolling back' : op.lcmOperationType === 'terminate' ? 'Terminating' : 'Deploying'}: ${STAGE[s.kind]}`;

function takeWhile<T>(xs: T[], p: (x: T) => boolean): T[] {
  const out: T[] = [];
  for (const x of xs) {
    if (!p(x)) break;
    out.push(x);
  }
  return out;
}
