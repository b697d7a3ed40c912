import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  AdapterContext,
  ComputeMetrics,
  DesiredCompute,
  DesiredNetwork,
  DesiredResource,
  DesiredVolume,
  ExecRequest,
  ExecResult,
  FaultOperation,
  FaultSpec,
  InventoryReader,
  InventoryTx,
  kduUnsupported,
  LoadProfile,
  Observed,
  ResourceRef,
  SettableMetrics,
  SupportsExec,
  SupportsFaultInjection,
  SupportsInventory,
  SupportsMetrics,
  SupportsScale,
  VimAdapter,
  VimCapacity,
  VimError,
  VimHealth,
  ZoneCapacity,
} from '../../contract/src';
import { popNamed, links, reserve, usageMap } from './capacity';
import { applyCompute, applyVolume, removeIn } from './computes';
import { EmulatorConfig } from './config';
import { decideFault, FaultDecision, hang } from './faults';
import {
  add,
  ComputeDoc,
  computeStatus,
  computeUsage,
  EmulatorContext,
  isActive,
  K,
  mustGet,
  NetworkDoc,
  NONE,
  observedCompute,
  observedNetwork,
  observedVolume,
  StoredFaults,
  VolumeDoc,
} from './inventory';
import { applyNetwork } from './networks';
import { emulatedMetrics, StoredProfile, withProfile } from './metrics';
import { Sandbox } from './sandbox';

/**
 * The emulator VIM: named PoPs with capacity, networks with address allocation, computes (VM or
 * container) with ports, volumes, boot delays, metrics, fault injection, and real command execution
 * in per-compute sandboxes. Its inventory lives in the orchestrator's database (`ctx.store`).
 */
export class EmulatorAdapter
  implements VimAdapter, SupportsExec, SupportsScale, SupportsMetrics, SupportsInventory, SupportsFaultInjection
{
  constructor(
    private readonly config: EmulatorConfig,
    private readonly ctx: AdapterContext,
  ) {
    this.parts = { config, sandbox: (name) => this.sandbox(name) };
  }
  private readonly parts: EmulatorContext;

  async ping(): Promise<VimHealth> {
    const pops = this.config.pops.map((p) => p.name);
    return {
      ok: true,
      detail: `emulator with ${pops.length} PoP${pops.length === 1 ? '' : 's'}: ${pops.slice(0, 8).join(', ')}${pops.length > 8 ? ', …' : ''}`,
    };
  }

  async capacity(): Promise<VimCapacity> {
    const usage = await this.ctx.store.read((r) => usageMap(this.parts, r));
    const zones: ZoneCapacity[] = this.config.pops.map((p) => ({
      name: p.name,
      labels: p.labels,
      location: p.location,
      total: { vcpu: p.vcpu, memoryGiB: p.memoryGiB, storageGiB: p.storageGiB, gpu: p.gpu },
      used: usage.get(p.name) ?? NONE,
    }));
    return { zones, links: links(this.parts) };
  }

  async observe(ref: ResourceRef): Promise<Observed | null> {
    // without active faults nothing is counted, so a plain read will do (no exclusive lock)
    const quiet = await this.ctx.store.read(
      async (r) => !isActive(this.currentFaults(await r.get<StoredFaults>(K.state, 'faults')).spec),
    );
    if (quiet) return this.ctx.store.read((r) => this.observeIn(r, ref));
    return this.call('observe', ref, async (tx) => this.observeIn(tx, ref));
  }

  async apply(desired: DesiredResource, signal?: AbortSignal): Promise<Observed> {
    return this.call(
      'apply',
      desired.ref,
      async (tx) => {
        switch (desired.ref.kind) {
          case 'network':
            return applyNetwork(this.parts, tx, desired as DesiredNetwork);
          case 'compute':
            return applyCompute(this.parts, tx, desired as DesiredCompute);
          case 'volume':
            return applyVolume(this.parts, tx, desired as DesiredVolume);
          case 'kdu':
            throw kduUnsupported('emulator');
        }
      },
      signal,
    );
  }

  async remove(ref: ResourceRef, signal?: AbortSignal): Promise<'deleted' | 'absent'> {
    return this.call('remove', ref, async (tx) => removeIn(this.parts, tx, ref), signal);
  }

  async scale(ref: ResourceRef<'compute'>, replicas: number): Promise<Observed> {
    if (!Number.isInteger(replicas) || replicas < 0)
      throw new VimError('VIM.INVALID_REQUEST', 'replicas must be an integer ≥ 0', false);
    return this.call('scale', ref, async (tx) => {
      const doc = await mustGet<ComputeDoc>(tx, K.compute, ref.name);
      const delta = add(computeUsage({ ...doc, replicas }), computeUsage(doc), -1);
      await reserve(this.parts, tx, popNamed(this.parts, doc.pop), delta);
      doc.replicas = replicas;
      await tx.put(K.compute, doc.name, doc);
      return observedCompute(doc);
    });
  }

  async exec(ref: ResourceRef<'compute'>, request: ExecRequest, signal?: AbortSignal): Promise<ExecResult> {
    const doc = await this.call('exec', ref, async (tx) => mustGet<ComputeDoc>(tx, K.compute, ref.name), signal);
    if (Date.now() < doc.readyAt) {
      throw new VimError(
        'VIM.CONFLICT',
        `compute ${ref.name} is still booting (ready in ${Math.ceil((doc.readyAt - Date.now()) / 1000)} s)`,
        true,
      );
    }
    return this.sandbox(ref.name).exec(
      request,
      { outputLimit: this.config.execOutputLimit, limits: this.config.execLimits, log: (level, m) => this.ctx.log(level, m) },
      signal,
    );
  }

  async metrics(ref: ResourceRef<'compute'>): Promise<ComputeMetrics | null> {
    return (await this.metricsOf([ref])).get(ref.name) ?? null;
  }

  /** One read of the inventory for a whole collection round (a per-compute read costs a query each). */
  async metricsOf(refs: ResourceRef<'compute'>[]): Promise<Map<string, ComputeMetrics | null>> {
    const [docs, profiles] = await this.ctx.store.read(
      async (r) =>
        [
          refs.length === 1 ? [await r.get<ComputeDoc>(K.compute, refs[0].name)] : await r.list<ComputeDoc>(K.compute),
          (await r.get<StoredProfile[]>(K.state, 'load-profiles')) ?? [],
        ] as const,
    );
    const byName = new Map(docs.filter((d): d is ComputeDoc => !!d).map((d) => [d.name, d]));
    const now = Date.now();
    return new Map(
      refs.map((ref) => {
        const doc = byName.get(ref.name);
        return [ref.name, doc ? emulatedMetrics(doc, profiles, now) : null];
      }),
    );
  }

  async setMetrics(ref: ResourceRef<'compute'>, metrics: SettableMetrics): Promise<void> {
    await this.ctx.store.transaction(async (tx) => {
      const doc = await mustGet<ComputeDoc>(tx, K.compute, ref.name);
      doc.metrics = { ...doc.metrics, ...metrics };
      await tx.put(K.compute, doc.name, doc);
    });
  }

  async setComputeError(ref: ResourceRef<'compute'>, message: string | null): Promise<void> {
    await this.ctx.store.transaction(async (tx) => {
      const doc = await mustGet<ComputeDoc>(tx, K.compute, ref.name);
      if (message === null) delete doc.error;
      else doc.error = message;
      await tx.put(K.compute, doc.name, doc);
    });
  }

  async setLoadProfile(profile: LoadProfile): Promise<void> {
    await this.ctx.store.transaction(async (tx) => {
      const stored = (await tx.get<StoredProfile[]>(K.state, 'load-profiles')) ?? [];
      await tx.put(K.state, 'load-profiles', withProfile(stored, profile, Date.now()));
    });
  }

  async setFaults(spec: FaultSpec): Promise<void> {
    await this.ctx.store.transaction(async (tx) => {
      await tx.put(K.state, 'faults', { spec, calls: 0, fromConfig: JSON.stringify(this.config.faults) } satisfies StoredFaults);
    });
  }

  async inventory(): Promise<Record<string, unknown>> {
    return this.ctx.store.read(async (r) => {
      const computes = await r.list<ComputeDoc>(K.compute);
      const faults = await r.get<StoredFaults>(K.state, 'faults');
      return {
        pops: (await this.capacity()).zones,
        networks: await r.list<NetworkDoc>(K.network),
        providerNetworks: await r.list<NetworkDoc>(K.provider),
        computes: computes.map((c) => ({
          ...c,
          status: computeStatus(c),
          sandbox: { path: this.sandbox(c.name).dir, files: this.sandboxFiles(c.name) },
        })),
        volumes: await r.list<VolumeDoc>(K.volume),
        faults: faults ?? { spec: this.config.faults, calls: 0 },
      };
    });
  }

  async close(): Promise<void> {
    // nothing held between calls: state is in the store
  }

  // ---- the machinery ----

  /** One contract call: counted for fault injection, done in one exclusive store transaction. */
  private async call<T>(
    operation: string,
    ref: ResourceRef,
    body: (tx: InventoryTx) => Promise<T>,
    signal?: AbortSignal,
  ): Promise<T> {
    const outcome = await this.ctx.store.transaction(async (tx): Promise<{ fault: FaultDecision } | { value: T }> => {
      const fault = await this.countCall(tx, `${operation} ${ref.kind}/${ref.name}`);
      return fault.kind === 'none' ? { value: await body(tx) } : { fault };
    });
    if ('value' in outcome) return outcome.value;
    if (outcome.fault.kind === 'fail') throw outcome.fault.error;
    if (outcome.fault.kind === 'hang') return hang(outcome.fault.ms, signal);
    throw new Error('unreachable');
  }

  private async countCall(tx: InventoryTx, operation: string): Promise<FaultDecision> {
    const state = this.currentFaults(await tx.get<StoredFaults>(K.state, 'faults'));
    if (!isActive(state.spec)) return { kind: 'none' };
    const kind = operation.split(' ')[0] as FaultOperation;
    if (state.spec.operations && !state.spec.operations.includes(kind)) return { kind: 'none' };
    state.calls += 1;
    await tx.put(K.state, 'faults', state);
    return decideFault(state, operation);
  }

  /** The fault state in force: the stored one, unless the account config changed since it was stored. */
  private currentFaults(stored: StoredFaults | undefined): StoredFaults {
    const fromConfig = JSON.stringify(this.config.faults);
    return stored && stored.fromConfig === fromConfig ? stored : { spec: this.config.faults, calls: 0, fromConfig };
  }

  private async observeIn(r: InventoryReader, ref: ResourceRef): Promise<Observed | null> {
    if (ref.kind === 'network') {
      const doc = await r.get<NetworkDoc>(K.network, ref.name);
      return doc ? observedNetwork(doc) : null;
    }
    if (ref.kind === 'compute') {
      const doc = await r.get<ComputeDoc>(K.compute, ref.name);
      return doc ? observedCompute(doc) : null;
    }
    const doc = await r.get<VolumeDoc>(K.volume, ref.name);
    return doc ? observedVolume(doc) : null;
  }

  private sandbox(name: string): Sandbox {
    return new Sandbox(join(this.ctx.workDir, 'sandboxes', name));
  }

  private sandboxFiles(name: string): string[] {
    const dir = this.sandbox(name).dir;
    return existsSync(dir) ? readdirSync(dir).slice(0, 100) : [];
  }
}
