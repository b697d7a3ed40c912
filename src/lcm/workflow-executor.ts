import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';
import { ExecResult, supportsExec, VimAdapter, VimError } from '../../vim-adapters/contract/src';
import { nowSeconds } from '../common/ids';
import { APP_CONFIG, AppConfig } from '../config/env';
import { Transactions } from '../database/transactions';
import { notifyNsIdentifier, notifyNsLcmOp } from '../records/outbox';
import { NsInstanceEntity, NsLcmOpOccEntity, OpStep, VnfInstanceEntity } from '../records/ns.entities';
import { capacityAware, Demand } from './zone-placement';
import { bounded, sleep } from './bounded';
import type { PrimitiveRun } from './day-n';
import { nsOutcome } from './ns-outcome';
import { OpEvent, OpState, transition } from './op-state-machine';
import { memberView, PlacedNs } from './placement-decision';
import { execPrimitive } from './primitive-exec';
import type { PlannedVnf } from './planner';
import { updateOp } from './op-writes';
import { RunControl, RunInterrupted } from './run-control';
import { brief, hasFailed, healedVdur, kdurOf, ObservedBrief, own, primitiveOutput, scaleLevel, vdurOf } from './step-results';
import { VimAdapters } from './vim-port';
import { isRollingBack, pinZones } from './workflows';

type Obj = Record<string, unknown>;
type AdapterOf = (vim: string) => Promise<VimAdapter>;
const RETRY_DELAYS_MS = [100, 400, 1600];

class StepFailure extends Error {}

/**
 * Runs one operation's persisted steps in order. Each step observes, then applies through the adapter
 * contract, and is saved when done: after a crash the operation resumes where it stopped, and nothing
 * is created twice (names are deterministic; resources are recorded on the NS before they are created).
 * Every write is fenced by the worker's lease: a process that lost its lease cannot overwrite the new owner.
 */
@Injectable()
export class WorkflowExecutor {
  private readonly logger = new Logger('LCM');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectRepository(NsLcmOpOccEntity) private readonly ops: Repository<NsLcmOpOccEntity>,
    @InjectRepository(VnfInstanceEntity) private readonly vnfs: Repository<VnfInstanceEntity>,
    private readonly accounts: VimAdapters,
    private readonly tx: Transactions,
  ) {}

  async run(opId: string, control: RunControl): Promise<void> {
    const op = await this.ops.findOneBy({ id: opId });
    if (!op || (op.operationState !== 'PROCESSING' && op.operationState !== 'ROLLING_BACK')) return;
    if (op.cancelMode) control.cancel(op.cancelMode as 'GRACEFUL' | 'FORCEFUL');
    const joined = op.runBy.at(-1) !== control.workerId;
    if (joined) op.runBy = [...op.runBy, control.workerId];
    const adapters = new Map<string, Promise<VimAdapter>>();
    const adapter: AdapterOf = (vim) => {
      if (!adapters.has(vim)) adapters.set(vim, this.accounts.adapterById(vim));
      return adapters.get(vim)!;
    };
    const log = (msg: string) => this.logger.log(`op=${op.id} ns=${op.nsInstanceId} ${msg}`);
    const verb = isRollingBack(op) ? 'Rolling back' : (VERBS[op.lcmOperationType] ?? 'Processing');
    log(`${op.lcmOperationType}: ${op.operationState}, ${op.steps.filter((s) => s.state === 'PENDING').length} step(s) to do`);
    try {
      // written at once: an operation this process claimed says so even if the process dies before its first step
      if (joined) await this.fenced(control, (em) => updateOp(em, op, control, {}), { durable: false });
      for (const [i, step] of op.steps.entries()) {
        if (step.state === 'DONE' || step.state === 'SKIPPED') continue;
        if (control.cancelMode) throw new RunInterrupted('cancelled');
        // shutting down: what is done is saved, the lease goes back and another replica goes on from here
        if (control.drainRequested)
          return await this.saveProgress(op, control).then(() => log(`stopped for shutdown at ${step.key}`));
        op.stage = `${verb}: step ${i + 1}/${op.steps.length}`;
        op.detailedStatus = step.key;
        try {
          // progress is saved with the next write that matters (an owned-resource marker, a removal, the end):
          // a step done but not yet saved is observed again on resume and found done
          await this.perform(op, step, adapter, control);
          step.state = 'DONE';
          step.lastError = undefined;
          // a script cannot be observed: once it ran, that is saved before anything else happens
          if (step.kind === 'primitive') await this.saveProgress(op, control);
        } catch (e) {
          if (control.leaseLost || (e instanceof RunInterrupted && e.reason === 'cancelled')) throw e;
          const message = VimError.isVimError(e) ? `${e.code}: ${e.message}` : (e as Error).message;
          step.state = 'FAILED';
          step.lastError = message;
          log(`step '${step.key}' failed: ${message}`);
          const event: OpEvent = op.operationState === 'ROLLING_BACK' ? 'rollback_failed' : 'step_failed';
          await this.finish(op, control, event, `${step.key}: ${message}`);
          return;
        }
      }
    } catch (e) {
      if (control.leaseLost) return log('stopped: the lease went to another process');
      if (!(e instanceof RunInterrupted)) throw e;
      const current = op.steps.find((s) => s.state === 'PENDING' || s.state === 'FAILED');
      await this.finish(op, control, 'cancelled', `cancelled (${control.cancelMode}) at '${current?.key ?? 'the end'}'`);
      return log(`cancelled (${control.cancelMode})`);
    }
    await this.finish(op, control, op.operationState === 'ROLLING_BACK' ? 'rollback_done' : 'steps_done', null);
    log(`${op.lcmOperationType}: ${op.operationState}`);
  }

  private async perform(op: NsLcmOpOccEntity, step: OpStep, adapter: AdapterOf, control: RunControl): Promise<void> {
    switch (step.kind) {
      case 'place':
        return this.place(op, step, adapter, control);
      case 'apply': {
        const desired = step.desired!;
        // create-pending marker: the NS owns it before it exists, so a crash cannot orphan it. Placement usually
        // marked everything durably already: then only the progress so far is saved, in one statement (no NS read
        // or write), so a client sees the steps done; a resume observes the resource again and finds it there
        if (step.data?.owned === true) await this.saveProgress(op, control);
        else await this.updateNs(op, control, (ns) => own(ns, [step]), { durable: true });
        const a = await adapter(step.vimAccountId!);
        const seen = await this.call(step, control, () => a.observe(desired.ref));
        // absent, or there but failed (a server in ERROR, pods that never got ready): apply makes it anew — what
        // gives `retry` its meaning after a VIM-side failure
        const observed = seen && !hasFailed(seen) ? seen : await this.call(step, control, (signal) => a.apply(desired, signal));
        step.providerId = observed.providerId;
        step.data = { ...(step.data ?? {}), observed: brief(observed) };
        return;
      }
      case 'wait':
        return this.waitProvisioned(op, step, adapter, control);
      case 'remove': {
        const a = await adapter(step.vimAccountId!);
        await this.call(step, control, (signal) => a.remove(step.ref!, signal));
        step.state = 'DONE';
        await this.updateNs(
          op,
          control,
          (ns) => {
            ns.resources = ns.resources.filter(
              (x) => !(x.vimAccountId === step.vimAccountId && x.kind === step.ref!.kind && x.name === step.ref!.name),
            );
          },
          { durable: false },
        );
        return;
      }
      case 'primitive':
        return this.runPrimitive(op, step, adapter, control);
      case 'finalize':
        return this.finalize(op, step, control);
    }
  }

  /**
   * A day-1/2 primitive: its script runs on the compute through the adapter's `exec` (emulator sandbox, pod exec,
   * SSH), with the parameters as JSON on stdin and as `PARAM_<NAME>` variables, within its `timeout-seconds`; a
   * non-zero exit fails the step with the script's stderr. Its result is kept on the step. A run is marked as started
   * (durably) before the command goes out: finding that mark on resume means the orchestrator stopped while it ran,
   * and the step fails saying it may have run rather than running it a second time.
   */
  private async runPrimitive(op: NsLcmOpOccEntity, step: OpStep, adapter: AdapterOf, control: RunControl): Promise<void> {
    const a = await adapter(step.vimAccountId!);
    const run = step.data as unknown as PrimitiveRun;
    if (!supportsExec(a))
      throw new StepFailure(`this VIM cannot run commands on its computes: primitive '${run.primitive}' not run`);
    if (step.data?.started) {
      step.data = { ...step.data, started: false };
      throw new StepFailure(
        `primitive '${run.primitive}' may have run: the orchestrator stopped while it ran; it is not run again by itself (retry the operation to run it again)`,
      );
    }
    const env: Record<string, string> = { MANO_PRIMITIVE: run.primitive };
    for (const [k, v] of Object.entries(run.params)) env[`PARAM_${k.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`] = String(v);
    step.data = { ...step.data, started: true };
    await this.saveProgress(op, control, { durable: true });
    let result: ExecResult;
    try {
      result = await execPrimitive(
        a,
        step,
        {
          command: ['sh', `scripts/${run.env.file}`, run.primitive],
          stdin: JSON.stringify({ primitive: run.primitive, params: run.params }),
          env,
          files: run.files,
        },
        control,
        this.config.vimCallTimeoutMs,
      );
    } finally {
      step.data = { ...step.data, started: false };
    }
    const { exitCode, stdout, stderr, timedOut, truncated } = result;
    step.data = { ...step.data, result: { exitCode, stdout, stderr, timedOut, truncated } };
    if (exitCode !== 0)
      throw new StepFailure(
        `primitive '${run.primitive}' ${timedOut ? `timed out after ${run.env.timeoutSeconds} s (every process it started was stopped)` : `exited with ${exitCode}`}: ${stderr.trim().slice(-2000)}`,
      );
  }

  private async waitProvisioned(op: NsLcmOpOccEntity, step: OpStep, adapter: AdapterOf, control: RunControl): Promise<void> {
    const applied = op.steps.find((x) => x.kind === 'apply' && x.desired?.ref.name === step.ref!.name);
    const seen = applied?.data?.observed as ObservedBrief | undefined;
    if (applied?.state === 'DONE' && seen?.provisioned) {
      step.data = { observed: seen };
      return;
    }
    // a real wait: worth showing where the operation stands while it lasts
    await this.saveProgress(op, control);
    const a = await adapter(step.vimAccountId!);
    if (step.attempts > 0 && applied?.desired) {
      // this wait ran before (a retry, or a resume): what the VIM gave up on is applied again and waited for anew
      const before = await this.call(step, control, () => a.observe(step.ref!));
      if (before && hasFailed(before)) await this.call(step, control, (signal) => a.apply(applied.desired!, signal));
    }
    const p = op.operationParams;
    const timeoutS = Number((p.timeout_ns_deploy ?? p.timeout_ns_scale ?? p.timeout_ns_heal ?? 600) as number | string);
    const deadline = Date.now() + timeoutS * 1000;
    for (let delay = 5; ; delay = Math.min(delay * 2, 2000)) {
      const observed = await this.call(step, control, () => a.observe(step.ref!));
      if (!observed) throw new StepFailure(`${step.ref!.name} disappeared from the VIM while waiting for it`);
      if (observed.provisioned) {
        step.data = { observed: brief(observed) };
        return;
      }
      // the VIM says it will never get there (a server in ERROR): no point waiting out the timeout
      const failed = hasFailed(observed);
      if (failed)
        throw new StepFailure(`${step.ref!.name} failed in the VIM: ${failed.message ?? failed.reason ?? 'no reason given'}`);
      if (Date.now() > deadline) {
        const why = observed.conditions
          .map((c) => `${c.type}=${c.status}${c.reason ? ` (${c.reason}${c.message ? `: ${c.message}` : ''})` : ''}`)
          .join(', ');
        throw new StepFailure(`${step.ref!.name} not provisioned within ${timeoutS} s: ${why}`);
      }
      await sleep(delay, control.signal);
    }
  }

  /**
   * One VIM call, bounded by the call timeout whether or not the adapter honours its signal, and abandoned
   * at once on a FORCEFUL cancel or a lost lease. Retryable VIM errors are tried again with backoff.
   */
  private async call<T>(step: OpStep, control: RunControl, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      step.attempts += 1;
      try {
        return await bounded(fn, control.signal, this.config.vimCallTimeoutMs);
      } catch (e) {
        if (control.signal.aborted) throw control.signal.reason as Error;
        if (!VimError.isVimError(e) || !e.retryable || attempt >= RETRY_DELAYS_MS.length) throw e;
        step.lastError = `${e.code}: ${e.message}`;
        await sleep(RETRY_DELAYS_MS[attempt], control.signal);
      }
    }
  }

  private async place(op: NsLcmOpOccEntity, step: OpStep, adapter: AdapterOf, control: RunControl): Promise<void> {
    const vnfs = (step.data?.vnfs ?? []) as PlannedVnf[];
    const zones = new Map<string, string | undefined>();
    const explanation: Obj = {};
    // decided before the plan by the optimiser (placement-engine PLA): its zones, its explanation
    const pla = step.data?.pla as PlacedNs | undefined;
    if (pla) {
      for (const vnf of vnfs) zones.set(vnf.memberVnfIndex, pla.vnfs[vnf.memberVnfIndex]?.zone ?? undefined);
      Object.assign(explanation, memberView(pla));
    }
    const capacities = new Map<string, Awaited<ReturnType<VimAdapter['capacity']>>>();
    for (const vnf of pla ? [] : vnfs) {
      if (!capacities.has(vnf.vimAccountId))
        capacities.set(
          vnf.vimAccountId,
          await this.call(step, control, async () => (await adapter(vnf.vimAccountId)).capacity()),
        );
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
      control,
      (ns) => {
        ns.record = { ...ns.record, placement: explanation };
        if (pla) ns.record._admin = { ...(ns.record._admin as Obj), placement: pla };
        own(ns, applies);
      },
      { durable: true },
    );
  }

  /** The records follow what the operation did: VNF `vdur`, NS `vld`, scaling levels. */
  private async finalize(op: NsLcmOpOccEntity, step: OpStep, control: RunControl): Promise<void> {
    const phase = (step.data?.phase as string | undefined) ?? op.lcmOperationType;
    const created = vdurOf(op);
    const removed = new Set(op.steps.filter((s) => s.kind === 'remove' && s.ref?.kind === 'compute').map((s) => s.ref!.name));
    const vnfRows = await this.vnfs.findBy({ nsInstanceId: op.nsInstanceId });
    await this.fenced(
      control,
      async (em) => {
        for (const vnf of vnfRows) {
          const mine = created.filter((v) => v.vnfrId === vnf.id).map((v) => v.vdur);
          const before = (vnf.record.vdur as Obj[] | undefined) ?? [];
          let vdur: Obj[];
          if (phase === 'instantiate') vdur = mine;
          else if (phase === 'scale') vdur = [...before.filter((v) => !removed.has(String(v.name))), ...mine];
          else if (phase === 'heal') vdur = healedVdur(before, mine);
          else if (phase === 'terminate' || (phase === 'rollback' && op.lcmOperationType === 'instantiate')) vdur = [];
          else continue;
          const mgmtIp =
            vdur.flatMap((v) => v.interfaces as Obj[]).find((x) => x['mgmt-vnf'])?.['ip-address'] ??
            vdur[0]?.['ip-address'] ??
            null;
          const kdur =
            phase === 'instantiate'
              ? kdurOf(op, vnf.id)
              : phase === 'scale' || phase === 'heal'
                ? ((vnf.record.kdur as Obj[] | undefined) ?? [])
                : [];
          const instantiated = vdur.length > 0 || kdur.length > 0 || phase === 'scale' || phase === 'heal';
          vnf.record = {
            ...vnf.record,
            vdur,
            kdur,
            'ip-address': mgmtIp,
            // where the VNF landed (the placement engine may have chosen another VIM than the request's)
            ...(phase === 'instantiate' && vdur[0]?.['vim-account-id'] ? { 'vim-account-id': vdur[0]['vim-account-id'] } : {}),
            _admin: { ...(vnf.record._admin as Obj), nsState: instantiated ? 'INSTANTIATED' : 'NOT_INSTANTIATED' },
          };
          vnf.modified = nowSeconds();
          await em.save(vnf);
        }
        const ns = await em.findOneBy(NsInstanceEntity, { id: op.nsInstanceId });
        if (!ns) return;
        if (phase === 'instantiate') {
          const networks = op.steps.filter((s) => s.kind === 'apply' && s.desired?.ref.kind === 'network');
          const vld = ((ns.record.vld as Obj[] | undefined) ?? []).map((v) => {
            const nets = networks.filter((n) => n.data?.nsVld === v.id);
            if (!nets.length) return v;
            const perVim = nets.map((n) => ({ 'vim-id': n.providerId, 'vim-account-id': n.vimAccountId }));
            // a VLD spanning VIMs has one network on each
            return { ...v, ...perVim[0], status: 'ACTIVE', ...(nets.length > 1 ? { 'vim-networks': perVim } : {}) };
          });
          ns.record = { ...ns.record, vld };
        } else if (phase === 'scale') {
          const scaling = step.data?.scaling as { group: string; member: string; delta: number };
          const groups = (((ns.record._admin as Obj)['scaling-group'] as Obj[] | undefined) ?? []).filter(
            (g) => !(g.name === scaling.group && g.vnf_index === scaling.member),
          );
          const level = scaleLevel(ns, scaling.group, scaling.member) + scaling.delta;
          groups.push({ name: scaling.group, vnf_index: scaling.member, 'nb-scale-op': level });
          ns.record = { ...ns.record, _admin: { ...(ns.record._admin as Obj), 'scaling-group': groups } };
        } else if (phase === 'rollback' || phase === 'terminate') {
          const vld = ((ns.record.vld as Obj[] | undefined) ?? []).map((v) => ({ ...v, 'vim-id': null, status: null }));
          ns.record = { ...ns.record, vld };
        }
        ns.modified = nowSeconds();
        await em.save(ns);
      },
      { durable: false },
    );
  }

  /** Ends the operation (or stops it for a retry/rollback) and sets the NS state the way OSM's clients read it. */
  private async finish(op: NsLcmOpOccEntity, control: RunControl, event: OpEvent, error: string | null): Promise<void> {
    const now = nowSeconds();
    const state: OpState = transition(op.operationState as OpState, event);
    const rolledBack = isRollingBack(op);
    op.operationState = state;
    op.statusEnteredTime = now;
    op.errorMessage = error;
    // an action's status is its output, as OSM shows it
    const output = op.lcmOperationType === 'action' ? primitiveOutput(op) : undefined;
    op.detailedStatus = error ?? output ?? (rolledBack ? 'Rolled back' : 'Done');
    if (!error) op.stage = rolledBack ? 'Rolled back' : 'Done';
    await this.fenced(
      control,
      async (em) => {
        await updateOp(em, op, control, {
          operationState: state,
          statusEnteredTime: now,
          errorMessage: error,
          detailedStatus: op.detailedStatus,
          stage: op.stage,
          steps: op.steps,
          cancelMode: null,
          modified: now,
        });
        await notifyNsLcmOp(em, op);
        const ns = await em.findOneBy(NsInstanceEntity, { id: op.nsInstanceId });
        if (!ns) return;
        if (state === 'COMPLETED' && op.lcmOperationType === 'terminate' && op.operationParams.autoremove) {
          await notifyNsIdentifier(em, 'Deletion', ns);
          await em.delete(NsLcmOpOccEntity, { nsInstanceId: ns.id });
          await em.delete(VnfInstanceEntity, { nsInstanceId: ns.id });
          await em.delete(NsInstanceEntity, { id: ns.id });
          return;
        }
        const outcome = nsOutcome(op.lcmOperationType, rolledBack, error === null);
        ns.nsState = outcome.nsState ?? ns.nsState;
        ns.record = {
          ...ns.record,
          currentOperation: 'IDLE',
          currentOperationID: null,
          'operational-status': outcome.operationalStatus ?? ns.record['operational-status'],
          'config-status': outcome.configStatus ?? ns.record['config-status'],
          'detailed-status': op.detailedStatus,
          errorDescription: error ? `Operation: ${outcome.verb}.${op.id}, Stage ${op.stage ?? ''}` : null,
          errorDetail: error,
          _admin: { ...(ns.record._admin as Obj), nsState: outcome.adminNsState ?? (ns.record._admin as Obj).nsState },
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
    control: RunControl,
    change: (ns: NsInstanceEntity) => void,
    opts: { durable?: boolean } = {},
  ): Promise<void> {
    await this.fenced(
      control,
      async (em) => {
        const ns = await em.findOneBy(NsInstanceEntity, { id: op.nsInstanceId });
        if (!ns) return;
        change(ns);
        ns.modified = op.modified = nowSeconds();
        await updateOp(em, op, control, {
          steps: op.steps,
          stage: op.stage,
          detailedStatus: op.detailedStatus,
          modified: op.modified,
        });
        await em.save(ns);
      },
      opts,
    );
  }

  /** Saves the operation's steps and stage alone (fenced like every write). */
  private async saveProgress(op: NsLcmOpOccEntity, control: RunControl, opts = { durable: false }): Promise<void> {
    await this.fenced(
      control,
      (em) =>
        updateOp(em, op, control, {
          steps: op.steps,
          stage: op.stage,
          detailedStatus: op.detailedStatus,
          modified: nowSeconds(),
        }),
      opts,
    );
  }

  /** A transaction that only commits while this worker still holds the lease (checked by the writes themselves). */
  private async fenced(control: RunControl, fn: (em: EntityManager) => Promise<unknown>, opts: { durable?: boolean } = {}) {
    try {
      await this.tx.run(fn, opts);
    } catch (e) {
      if (e instanceof RunInterrupted && e.reason === 'lease lost') control.loseLease();
      throw e;
    }
  }
}

const VERBS: Record<string, string> = { instantiate: 'Deploying', terminate: 'Terminating', scale: 'Scaling', heal: 'Healing' };
