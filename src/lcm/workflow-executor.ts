import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { Observed, VimAdapter, VimError } from '../../vim-adapters/contract/src';
import { nowSeconds } from '../common/ids';
import { APP_CONFIG, AppConfig } from '../config/env';
import { Transactions } from '../database/transactions';
import { NsInstanceEntity, NsLcmOpOccEntity, OpStep, VnfInstanceEntity } from '../instances/entities';
import { capacityAware, Demand } from '../placement/placement';
import { AccountsService } from '../vims/accounts.service';
import { OpState, transition } from './op-state-machine';
import type { PlannedInterface, PlannedVnf } from './planner';
import { pinZones } from './workflows';

type Obj = Record<string, unknown>;
const RETRY_DELAYS_MS = [100, 400, 1600];

class StepFailure extends Error {}

/**
 * Runs one operation's persisted steps in order. Each step observes, then applies through the adapter
 * contract, and is saved when done: after a crash the operation resumes where it stopped, and nothing
 * is created twice (names are deterministic; resources are recorded on the NS before they are created).
 */
@Injectable()
export class WorkflowExecutor {
  private readonly logger = new Logger('LCM');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectRepository(NsLcmOpOccEntity) private readonly ops: Repository<NsLcmOpOccEntity>,
    @InjectRepository(NsInstanceEntity) private readonly nss: Repository<NsInstanceEntity>,
    @InjectRepository(VnfInstanceEntity) private readonly vnfs: Repository<VnfInstanceEntity>,
    private readonly accounts: AccountsService,
    private readonly tx: Transactions,
  ) {}

  async run(opId: string): Promise<void> {
    const op = await this.ops.findOneBy({ id: opId });
    if (!op || (op.operationState !== 'PROCESSING' && op.operationState !== 'ROLLING_BACK')) return;
    const adapters = new Map<string, Promise<VimAdapter>>();
    const adapter = (vim: string): Promise<VimAdapter> => {
      if (!adapters.has(vim)) adapters.set(vim, this.accounts.adapterById(vim));
      return adapters.get(vim)!;
    };
    const log = (msg: string) => this.logger.log(`op=${op.id} ns=${op.nsInstanceId} ${msg}`);
    log(`${op.lcmOperationType}: ${op.operationState}, ${op.steps.filter((s) => s.state !== 'DONE').length} step(s) to do`);
    for (const [i, step] of op.steps.entries()) {
      if (step.state === 'DONE') continue;
      op.stage = `${op.lcmOperationType === 'terminate' ? 'Terminating' : 'Deploying'}: step ${i + 1}/${op.steps.length}`;
      op.detailedStatus = `${step.key}`;
      try {
        // progress is saved with the next write that matters (an owned-resource marker, a removal, the end):
        // a step done but not yet saved is observed again on resume and found done
        await this.perform(op, step, adapter);
        step.state = 'DONE';
        step.lastError = undefined;
      } catch (e) {
        const message = VimError.isVimError(e) ? `${e.code}: ${e.message}` : (e as Error).message;
        step.state = 'FAILED';
        step.lastError = message;
        log(`step '${step.key}' failed: ${message}`);
        await this.finish(op, transition(op.operationState as OpState, 'step_failed'), `${step.key}: ${message}`);
        return;
      }
    }
    await this.finish(op, transition(op.operationState as OpState, 'steps_done'), null);
    log(`${op.lcmOperationType}: ${op.operationState}`);
  }

  private async perform(op: NsLcmOpOccEntity, step: OpStep, adapter: (vim: string) => Promise<VimAdapter>): Promise<void> {
    switch (step.kind) {
      case 'place':
        return this.place(op, step, adapter);
      case 'apply': {
        const desired = step.desired!;
        // create-pending marker: the NS owns it before it exists, so a crash cannot orphan it (placement
        // already marked everything durably; this save carries the progress)
        await this.updateNs(op, (ns) => own(ns, [step]), { durable: step.data?.owned !== true });
        const a = await adapter(step.vimAccountId!);
        const observed =
          (await this.call(step, () => a.observe(desired.ref))) ??
          (await this.call(step, () => a.apply(desired, AbortSignal.timeout(this.config.vimCallTimeoutMs))));
        step.providerId = observed.providerId;
        step.data = { ...(step.data ?? {}), observed: brief(observed) };
        return;
      }
      case 'wait': {
        const applied = op.steps.find((x) => x.kind === 'apply' && x.desired?.ref.name === step.ref!.name);
        const seen = applied?.data?.observed as ObservedBrief | undefined;
        if (applied?.state === 'DONE' && seen?.provisioned) {
          step.data = { observed: seen };
          return;
        }
        const a = await adapter(step.vimAccountId!);
        const timeoutS = Number((op.operationParams.timeout_ns_deploy as number | undefined) ?? 600);
        const deadline = op.startTime * 1000 + timeoutS * 1000;
        for (let delay = 5; ; delay = Math.min(delay * 2, 2000)) {
          const observed = await this.call(step, () => a.observe(step.ref!));
          if (!observed) throw new StepFailure(`${step.ref!.name} disappeared from the VIM while waiting for it`);
          if (observed.provisioned) {
            step.data = { observed: brief(observed) };
            return;
          }
          if (Date.now() > deadline) {
            const why = observed.conditions
              .map((c) => `${c.type}=${c.status}${c.reason ? ` (${c.reason}${c.message ? `: ${c.message}` : ''})` : ''}`)
              .join(', ');
            throw new StepFailure(`${step.ref!.name} not provisioned within ${timeoutS} s: ${why}`);
          }
          await sleep(delay);
        }
      }
      case 'remove': {
        const a = await adapter(step.vimAccountId!);
        await this.call(step, () => a.remove(step.ref!, AbortSignal.timeout(this.config.vimCallTimeoutMs)));
        step.state = 'DONE';
        await this.updateNs(
          op,
          (ns) => {
            ns.resources = ns.resources.filter(
              (x) => !(x.vimAccountId === step.vimAccountId && x.kind === step.ref!.kind && x.name === step.ref!.name),
            );
          },
          { durable: false },
        );
        return;
      }
      case 'finalize':
        return op.lcmOperationType === 'terminate' ? this.finalizeTerminate(op) : this.finalizeInstantiate(op);
    }
  }

  /** Retryable VIM errors are tried again with backoff; the rest fail the step at once. */
  private async call<T>(step: OpStep, fn: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      step.attempts += 1;
      try {
        return await fn();
      } catch (e) {
        if (!VimError.isVimError(e) || !e.retryable || attempt >= RETRY_DELAYS_MS.length) throw e;
        step.lastError = `${e.code}: ${e.message}`;
        await sleep(RETRY_DELAYS_MS[attempt]);
      }
    }
  }

  private async place(op: NsLcmOpOccEntity, step: OpStep, adapter: (vim: string) => Promise<VimAdapter>): Promise<void> {
    const vnfs = (step.data?.vnfs ?? []) as PlannedVnf[];
    const zones = new Map<string, string | undefined>();
    const explanation: Obj = {};
    const capacities = new Map<string, Awaited<ReturnType<VimAdapter['capacity']>>>();
    for (const vnf of vnfs) {
      if (!capacities.has(vnf.vimAccountId))
        capacities.set(vnf.vimAccountId, await this.call(step, async () => (await adapter(vnf.vimAccountId)).capacity()));
      const capacity = capacities.get(vnf.vimAccountId)!;
      const decision = capacityAware.place(vnf.demand as Demand, capacity);
      zones.set(vnf.memberVnfIndex, decision.zone);
      explanation[vnf.memberVnfIndex] = {
        vimAccountId: vnf.vimAccountId,
        zone: decision.zone ?? null,
        strategy: capacityAware.name,
        reason: decision.reason,
      };
      // count this VNF in, so the next one of the same NS sees the zone as fuller
      const z = capacity.zones.find((x) => x.name === decision.zone);
      if (z) {
        z.used = {
          vcpu: z.used.vcpu + vnf.demand.vcpu,
          memoryGiB: z.used.memoryGiB + vnf.demand.memoryGiB,
          storageGiB: z.used.storageGiB + vnf.demand.storageGiB,
          gpu: z.used.gpu + vnf.demand.gpu,
        };
      }
    }
    pinZones(op.steps, zones);
    step.data = { ...(step.data ?? {}), placement: explanation };
    step.state = 'DONE';
    // create-pending markers for everything this operation will create, in one durable commit before any of it exists
    const applies = op.steps.filter((s) => s.kind === 'apply');
    for (const a of applies) a.data = { ...(a.data ?? {}), owned: true };
    await this.updateNs(
      op,
      (ns) => {
        ns.record = { ...ns.record, placement: explanation };
        own(ns, applies);
      },
      { durable: true },
    );
  }

  private async finalizeInstantiate(op: NsLcmOpOccEntity): Promise<void> {
    const computes = op.steps.filter((s) => s.kind === 'apply' && s.desired?.ref.kind === 'compute');
    const waits = new Map(op.steps.filter((s) => s.kind === 'wait').map((s) => [s.ref!.name, s]));
    const networks = op.steps.filter((s) => s.kind === 'apply' && s.desired?.ref.kind === 'network');
    const vnfRows = await this.vnfs.findBy({ nsInstanceId: op.nsInstanceId });
    await this.tx.run(
      async (em) => {
        for (const vnf of vnfRows) {
          const vdur = computes
            .filter((c) => c.data?.vnfrId === vnf.id)
            .map((c) => {
              const observed = (waits.get(c.desired!.ref.name)?.data?.observed ?? c.data?.observed ?? {}) as ObservedBrief;
              const planned = (c.data?.interfaces ?? []) as PlannedInterface[];
              const interfaces = planned.map((p) => {
                const addr = observed.addresses?.find((a) => a.port === p.name);
                return {
                  name: p.name,
                  'ip-address': addr?.ip ?? null,
                  'mac-address': addr?.mac ?? null,
                  'mgmt-vnf': p.mgmt,
                  'mgmt-interface': p.mgmt,
                  ...(p.nsVld ? { 'ns-vld-id': p.nsVld } : {}),
                  ...(p.vnfVld ? { 'vnf-vld-id': p.vnfVld } : {}),
                  ...(p.extCpd ? { 'external-connection-point-ref': p.extCpd } : {}),
                };
              });
              const mgmt = interfaces.find((x) => x['mgmt-vnf']) ?? interfaces[0];
              return {
                _id: c.providerId,
                id: c.providerId,
                'vdu-id-ref': c.data?.vduId,
                'count-index': c.data?.countIndex,
                name: c.desired!.ref.name,
                status: 'ACTIVE',
                'vim-id': c.providerId,
                'vim-account-id': c.vimAccountId,
                zone: observed.zone ?? null,
                'ip-address': mgmt?.['ip-address'] ?? null,
                interfaces,
              };
            });
          const mgmtIp =
            vdur.flatMap((v) => v.interfaces).find((x) => x['mgmt-vnf'])?.['ip-address'] ?? vdur[0]?.['ip-address'] ?? null;
          vnf.record = {
            ...vnf.record,
            vdur,
            'ip-address': mgmtIp,
            _admin: { ...(vnf.record._admin as Obj), nsState: 'INSTANTIATED' },
          };
          vnf.modified = nowSeconds();
          await em.save(vnf);
        }
      },
      { durable: false },
    );
    await this.updateNs(
      op,
      (ns) => {
        const vld = ((ns.record.vld as Obj[] | undefined) ?? []).map((v) => {
          const net = networks.find((n) => n.data?.nsVld === v.id);
          return net ? { ...v, 'vim-id': net.providerId, 'vim-account-id': net.vimAccountId, status: 'ACTIVE' } : v;
        });
        ns.record = { ...ns.record, vld };
      },
      { durable: false },
    );
  }

  private async finalizeTerminate(op: NsLcmOpOccEntity): Promise<void> {
    const vnfRows = await this.vnfs.findBy({ nsInstanceId: op.nsInstanceId });
    for (const vnf of vnfRows) {
      vnf.record = {
        ...vnf.record,
        vdur: [],
        'ip-address': null,
        _admin: { ...(vnf.record._admin as Obj), nsState: 'NOT_INSTANTIATED' },
      };
      await this.vnfs.save(vnf);
    }
  }

  /** Ends the operation and sets the NS state the way OSM's clients read it. */
  private async finish(op: NsLcmOpOccEntity, state: OpState, error: string | null): Promise<void> {
    const now = nowSeconds();
    const instantiate = op.lcmOperationType === 'instantiate';
    op.operationState = state;
    op.statusEnteredTime = now;
    op.errorMessage = error;
    op.detailedStatus = error ?? 'Done';
    if (!error) op.stage = 'Done';
    await this.tx.run(
      async (em) => {
        await em.update(
          NsLcmOpOccEntity,
          { id: op.id },
          columns({
            operationState: state,
            statusEnteredTime: now,
            errorMessage: error,
            detailedStatus: op.detailedStatus,
            stage: op.stage,
            steps: op.steps,
            modified: now,
          }),
        );
        const ns = await em.findOneBy(NsInstanceEntity, { id: op.nsInstanceId });
        if (!ns) return;
        if (!error && !instantiate && op.operationParams.autoremove) {
          await em.delete(NsLcmOpOccEntity, { nsInstanceId: ns.id });
          await em.delete(VnfInstanceEntity, { nsInstanceId: ns.id });
          await em.delete(NsInstanceEntity, { id: ns.id });
          return;
        }
        const nsState = error ? 'BROKEN' : instantiate ? 'READY' : 'NOT_INSTANTIATED';
        ns.nsState = nsState;
        ns.record = {
          ...ns.record,
          currentOperation: 'IDLE',
          currentOperationID: null,
          'operational-status': error ? 'failed' : instantiate ? 'running' : 'terminated',
          'config-status': error ? 'failed' : instantiate ? 'configured' : 'terminated',
          'detailed-status': error ?? 'Done',
          errorDescription: error
            ? `Operation: ${instantiate ? 'INSTANTIATING' : 'TERMINATING'}.${op.id}, Stage ${op.stage ?? ''}`
            : null,
          errorDetail: error,
          _admin: {
            ...(ns.record._admin as Obj),
            nsState: error ? 'INSTANTIATED' : instantiate ? 'INSTANTIATED' : 'NOT_INSTANTIATED',
          },
        };
        ns.modified = now;
        await em.save(ns);
      },
      { durable: false },
    );
  }

  /** Changes the NS and saves the operation's progress in one transaction (durable unless told otherwise). */
  private async updateNs(
    op: NsLcmOpOccEntity,
    change: (ns: NsInstanceEntity) => void,
    opts: { durable?: boolean } = {},
  ): Promise<void> {
    await this.tx.run(async (em) => {
      const ns = await em.findOneBy(NsInstanceEntity, { id: op.nsInstanceId });
      if (!ns) return;
      change(ns);
      ns.modified = op.modified = nowSeconds();
      await em.save(ns);
      await em.update(
        NsLcmOpOccEntity,
        { id: op.id },
        columns({ steps: op.steps, stage: op.stage, detailedStatus: op.detailedStatus, modified: op.modified }),
      );
    }, opts);
  }
}

/** Marks the steps' resources as the NS's own (idempotent). */
function own(ns: NsInstanceEntity, steps: OpStep[]): void {
  for (const s of steps) {
    const r = { vimAccountId: s.vimAccountId!, kind: s.desired!.ref.kind, name: s.desired!.ref.name };
    if (!ns.resources.some((x) => x.vimAccountId === r.vimAccountId && x.kind === r.kind && x.name === r.name))
      ns.resources = [...ns.resources, r];
  }
}

interface ObservedBrief {
  providerId: string;
  provisioned?: boolean;
  zone?: string;
  addresses?: { port: string; ip: string; mac?: string }[];
}
const brief = (o: Observed): ObservedBrief => ({
  providerId: o.providerId,
  provisioned: o.provisioned,
  zone: o.zone,
  addresses: o.addresses,
});
/** TypeORM's update() types json columns too narrowly; the values are plain JSON. */
const columns = (c: Partial<NsLcmOpOccEntity>): QueryDeepPartialEntity<NsLcmOpOccEntity> =>
  c as QueryDeepPartialEntity<NsLcmOpOccEntity>;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
