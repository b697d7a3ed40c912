import { randomUUID } from 'node:crypto';
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
  Observed,
  ResourceRef,
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
import { EmulatorConfig, PopConfig } from './config';
import { decideFault, FaultDecision, FaultState, hang } from './faults';
import { Cidr, cidrToString, firstFreeHost, inCidr, intToIp, macFor, nthSubnet, parseCidr } from './ip';
import { Sandbox } from './sandbox';

interface NetworkDoc {
  name: string;
  providerId: string;
  labels: Record<string, string>;
  cidr: string;
  gateway: string;
  used: string[];
  /** Attached to this provider network (OSM vim-network-name) instead of owning addresses. */
  attachedTo?: string;
  management?: boolean;
  createdAt: string;
}
interface PortDoc {
  name: string;
  network: string;
  ip: string;
  mac: string;
  management?: boolean;
}
interface ComputeDoc {
  name: string;
  providerId: string;
  labels: Record<string, string>;
  pop: string;
  type: 'vm' | 'container';
  image: string;
  flavor: DesiredCompute['flavor'];
  replicas: number;
  ports: PortDoc[];
  userData?: string;
  volumes: string[];
  env?: Record<string, string>;
  createdAt: string;
  readyAt: number;
  metrics?: { cpu?: number; memoryBytes?: number };
}
interface VolumeDoc {
  name: string;
  providerId: string;
  labels: Record<string, string>;
  pop: string;
  sizeGiB: number;
  createdAt: string;
}
interface Usage {
  vcpu: number;
  memoryGiB: number;
  storageGiB: number;
  gpu: number;
}
type StoredFaults = FaultState & { fromConfig: string };

const NONE: Usage = { vcpu: 0, memoryGiB: 0, storageGiB: 0, gpu: 0 };
const K = {
  network: 'network',
  provider: 'provider-network',
  compute: 'compute',
  volume: 'volume',
  usage: 'usage',
  state: 'state',
} as const;

const computeUsage = (c: Pick<ComputeDoc, 'flavor' | 'replicas'>): Usage => ({
  vcpu: c.flavor.vcpu * c.replicas,
  memoryGiB: c.flavor.memoryGiB * c.replicas,
  storageGiB: c.flavor.storageGiB * c.replicas,
  gpu: (c.flavor.gpu ?? 0) * c.replicas,
});
const add = (a: Usage, b: Usage, sign = 1): Usage => ({
  vcpu: a.vcpu + sign * b.vcpu,
  memoryGiB: a.memoryGiB + sign * b.memoryGiB,
  storageGiB: a.storageGiB + sign * b.storageGiB,
  gpu: a.gpu + sign * b.gpu,
});

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
  ) {}

  async ping(): Promise<VimHealth> {
    const pops = this.config.pops.map((p) => p.name);
    return {
      ok: true,
      detail: `emulator with ${pops.length} PoP${pops.length === 1 ? '' : 's'}: ${pops.slice(0, 8).join(', ')}${pops.length > 8 ? ', …' : ''}`,
    };
  }

  async capacity(): Promise<VimCapacity> {
    const usage = await this.ctx.store.read((r) => this.usageMap(r));
    const zones: ZoneCapacity[] = this.config.pops.map((p) => ({
      name: p.name,
      labels: p.labels,
      location: p.location,
      total: { vcpu: p.vcpu, memoryGiB: p.memoryGiB, storageGiB: p.storageGiB, gpu: p.gpu },
      used: usage.get(p.name) ?? NONE,
    }));
    return { zones, links: this.links() };
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
            return this.applyNetwork(tx, desired as DesiredNetwork);
          case 'compute':
            return this.applyCompute(tx, desired as DesiredCompute);
          case 'volume':
            return this.applyVolume(tx, desired as DesiredVolume);
          case 'kdu':
            throw kduUnsupported('emulator');
        }
      },
      signal,
    );
  }

  async remove(ref: ResourceRef, signal?: AbortSignal): Promise<'deleted' | 'absent'> {
    return this.call('remove', ref, async (tx) => this.removeIn(tx, ref), signal);
  }

  async scale(ref: ResourceRef<'compute'>, replicas: number): Promise<Observed> {
    if (!Number.isInteger(replicas) || replicas < 0)
      throw new VimError('VIM.INVALID_REQUEST', 'replicas must be an integer ≥ 0', false);
    return this.call('scale', ref, async (tx) => {
      const doc = await this.mustGet<ComputeDoc>(tx, K.compute, ref.name);
      const delta = add(computeUsage({ ...doc, replicas }), computeUsage(doc), -1);
      await this.reserve(tx, this.pop(doc.pop), delta);
      doc.replicas = replicas;
      await tx.put(K.compute, doc.name, doc);
      return this.observedCompute(doc);
    });
  }

  async exec(ref: ResourceRef<'compute'>, request: ExecRequest, signal?: AbortSignal): Promise<ExecResult> {
    const doc = await this.call('exec', ref, async (tx) => this.mustGet<ComputeDoc>(tx, K.compute, ref.name), signal);
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
    const doc = await this.ctx.store.read((r) => r.get<ComputeDoc>(K.compute, ref.name));
    if (!doc) return null;
    return {
      cpu: doc.metrics?.cpu ?? 0.05,
      memoryBytes: doc.metrics?.memoryBytes ?? Math.round(doc.flavor.memoryGiB * 0.25 * 2 ** 30),
      at: new Date().toISOString(),
    };
  }

  async setMetrics(ref: ResourceRef<'compute'>, metrics: { cpu?: number; memoryBytes?: number }): Promise<void> {
    await this.ctx.store.transaction(async (tx) => {
      const doc = await this.mustGet<ComputeDoc>(tx, K.compute, ref.name);
      doc.metrics = { ...doc.metrics, ...metrics };
      await tx.put(K.compute, doc.name, doc);
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
          status: Date.now() >= c.readyAt ? 'ACTIVE' : 'BUILD',
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
      return doc ? this.observedNetwork(doc) : null;
    }
    if (ref.kind === 'compute') {
      const doc = await r.get<ComputeDoc>(K.compute, ref.name);
      return doc ? this.observedCompute(doc) : null;
    }
    const doc = await r.get<VolumeDoc>(K.volume, ref.name);
    return doc ? this.observedVolume(doc) : null;
  }

  private async applyNetwork(tx: InventoryTx, desired: DesiredNetwork): Promise<Observed> {
    const existing = await tx.get<NetworkDoc>(K.network, desired.ref.name);
    if (existing) {
      existing.labels = desired.ref.labels;
      await tx.put(K.network, existing.name, existing);
      return this.observedNetwork(existing);
    }
    let addressing: { cidr: string; gateway: string };
    if (desired.existingNetworkName) {
      // OSM vim-network-name: a network made on this VIM under that name (a slice VLD; OpenStack finds it by name too),
      // else a provider network, created on first use
      addressing =
        (await this.attachedDoc(tx, desired.existingNetworkName))?.doc ??
        (await this.providerNetwork(tx, desired.existingNetworkName, desired.ipProfile?.cidr));
    } else {
      addressing = await this.addressing(tx, desired, 'ipProfile');
    }
    const doc: NetworkDoc = {
      name: desired.ref.name,
      providerId: randomUUID(),
      labels: desired.ref.labels,
      cidr: addressing.cidr,
      gateway: addressing.gateway,
      used: [],
      attachedTo: desired.existingNetworkName,
      management: desired.management,
      createdAt: new Date().toISOString(),
    };
    await tx.put(K.network, doc.name, doc);
    return this.observedNetwork(doc);
  }

  private async providerNetwork(tx: InventoryTx, name: string, cidr?: string): Promise<{ cidr: string; gateway: string }> {
    const existing = await tx.get<NetworkDoc>(K.provider, name);
    if (existing) return existing;
    const declared = this.config.providerNetworks.get(name) ?? cidr;
    const addressing = await this.addressing(tx, { ipProfile: declared ? { cidr: declared } : undefined }, 'existingNetworkName');
    const doc: NetworkDoc = {
      name,
      providerId: randomUUID(),
      labels: {},
      ...addressing,
      used: [],
      createdAt: new Date().toISOString(),
    };
    await tx.put(K.provider, name, doc);
    return doc;
  }

  private async addressing(
    tx: InventoryTx,
    desired: Pick<DesiredNetwork, 'ipProfile'>,
    field: string,
  ): Promise<{ cidr: string; gateway: string }> {
    let subnet: Cidr | null;
    if (desired.ipProfile?.cidr) {
      subnet = parseCidr(desired.ipProfile.cidr);
      if (!subnet)
        throw new VimError(
          'VIM.INVALID_REQUEST',
          `ipProfile.cidr '${desired.ipProfile.cidr}' is not an IPv4 CIDR from /8 to /30`,
          false,
          'ipProfile.cidr',
        );
    } else {
      const state = (await tx.get<{ nextSubnet: number }>(K.state, 'main')) ?? { nextSubnet: 0 };
      subnet = nthSubnet(parseCidr(this.config.networkPool)!, state.nextSubnet);
      if (!subnet)
        throw new VimError('VIM.QUOTA_EXCEEDED', `emulator: network pool ${this.config.networkPool} is exhausted`, false, field);
      await tx.put(K.state, 'main', { nextSubnet: state.nextSubnet + 1 });
    }
    const gateway = desired.ipProfile?.gatewayIp ?? intToIp(subnet.base + 1);
    if (!inCidr(gateway, subnet)) {
      throw new VimError(
        'VIM.INVALID_REQUEST',
        `gateway ${gateway} is outside ${cidrToString(subnet)}`,
        false,
        'ipProfile.gatewayIp',
      );
    }
    return { cidr: cidrToString(subnet), gateway };
  }

  private async applyCompute(tx: InventoryTx, desired: DesiredCompute): Promise<Observed> {
    const { flavor } = desired;
    for (const key of ['vcpu', 'memoryGiB', 'storageGiB'] as const) {
      if (!(flavor[key] >= 0))
        throw new VimError('VIM.INVALID_REQUEST', `flavor.${key} must be a number ≥ 0`, false, `flavor.${key}`);
    }
    if (!desired.image) throw new VimError('VIM.INVALID_REQUEST', 'image is required', false, 'image');
    const names = new Set<string>();
    for (const p of desired.ports) {
      if (names.has(p.name)) throw new VimError('VIM.INVALID_REQUEST', `port '${p.name}' is given twice`, false, 'ports');
      names.add(p.name);
    }
    for (const v of desired.volumes ?? []) {
      if (!(await tx.get(K.volume, v)))
        throw new VimError('VIM.NOT_FOUND', `volume '${v}' does not exist on this VIM`, false, 'volumes');
    }
    const replicas = desired.replicas ?? 1;
    const existing = await tx.get<ComputeDoc>(K.compute, desired.ref.name);
    const wanted = computeUsage({ flavor, replicas });
    let pop: PopConfig;
    if (existing) {
      if (desired.placement?.zone && desired.placement.zone !== existing.pop) {
        throw new VimError(
          'VIM.CONFLICT',
          `compute ${existing.name} runs in PoP ${existing.pop}; it cannot move to ${desired.placement.zone}`,
          false,
          'placement.zone',
        );
      }
      pop = this.pop(existing.pop);
      await this.reserve(tx, pop, add(wanted, computeUsage(existing), -1));
    } else {
      pop = await this.choosePop(tx, desired.placement?.zone, wanted);
      await this.reserve(tx, pop, wanted);
    }
    const ports = await this.assignPorts(tx, desired, existing?.ports ?? []);
    const delay = this.config.bootDelay[desired.deploymentType] * 1000;
    const doc: ComputeDoc = {
      name: desired.ref.name,
      providerId: existing?.providerId ?? randomUUID(),
      labels: desired.ref.labels,
      pop: pop.name,
      type: desired.deploymentType,
      image: desired.image,
      flavor,
      replicas,
      ports,
      userData: desired.userData,
      volumes: desired.volumes ?? [],
      env: desired.env,
      createdAt: existing?.createdAt ?? new Date().toISOString(),
      readyAt: existing?.readyAt ?? Date.now() + delay,
      metrics: existing?.metrics,
    };
    await tx.put(K.compute, doc.name, doc);
    if (!existing) this.sandbox(doc.name).ensure();
    return this.observedCompute(doc);
  }

  /** Keeps a port's address when it stays on the same network (and its fixed IP, if any, is unchanged). */
  private async assignPorts(tx: InventoryTx, desired: DesiredCompute, previous: PortDoc[]): Promise<PortDoc[]> {
    const result: PortDoc[] = [];
    const kept = new Set<string>();
    for (const [i, p] of desired.ports.entries()) {
      const old = previous.find((o) => o.name === p.name && o.network === p.network && (!p.fixedIp || p.fixedIp === o.ip));
      if (old) {
        kept.add(old.name);
        result.push({ ...old, management: p.management });
        continue;
      }
      const ip = await this.allocateIp(tx, p.network, p.fixedIp, `ports[${i}]`);
      result.push({
        name: p.name,
        network: p.network,
        ip,
        mac: p.macAddress ?? macFor(`${desired.ref.name}/${p.name}/${ip}`),
        management: p.management,
      });
    }
    for (const old of previous) if (!kept.has(old.name)) await this.releaseIp(tx, old.network, old.ip);
    return result;
  }

  private async addressDoc(tx: InventoryReader, network: string, path: string): Promise<{ kind: string; doc: NetworkDoc }> {
    const net = await tx.get<NetworkDoc>(K.network, network);
    if (!net) throw new VimError('VIM.NOT_FOUND', `network '${network}' does not exist on this VIM`, false, `${path}.network`);
    if (!net.attachedTo) return { kind: K.network, doc: net };
    const attached = await this.attachedDoc(tx, net.attachedTo);
    if (!attached) throw new VimError('VIM.NOT_FOUND', `network '${net.attachedTo}' is gone`, false, `${path}.network`);
    return attached;
  }

  /** What `vim-network-name` names: a network of this VIM's own (not itself attached), else a provider network. */
  private async attachedDoc(tx: InventoryReader, name: string): Promise<{ kind: string; doc: NetworkDoc } | null> {
    const own = await tx.get<NetworkDoc>(K.network, name);
    if (own && !own.attachedTo) return { kind: K.network, doc: own };
    const provider = await tx.get<NetworkDoc>(K.provider, name);
    return provider ? { kind: K.provider, doc: provider } : null;
  }

  private async allocateIp(tx: InventoryTx, network: string, fixedIp: string | undefined, path: string): Promise<string> {
    const { kind, doc } = await this.addressDoc(tx, network, path);
    const subnet = parseCidr(doc.cidr)!;
    const used = new Set(doc.used);
    let ip: string | null;
    if (fixedIp) {
      if (!inCidr(fixedIp, subnet) || fixedIp === doc.gateway || fixedIp === intToIp(subnet.base)) {
        throw new VimError(
          'VIM.INVALID_REQUEST',
          `fixed IP ${fixedIp} is not a host address of ${doc.cidr} (network '${network}')`,
          false,
          `${path}.fixedIp`,
        );
      }
      if (used.has(fixedIp))
        throw new VimError(
          'VIM.CONFLICT',
          `fixed IP ${fixedIp} is already in use on network '${network}'`,
          false,
          `${path}.fixedIp`,
        );
      ip = fixedIp;
    } else {
      ip = firstFreeHost(subnet, used, doc.gateway);
      if (!ip)
        throw new VimError(
          'VIM.QUOTA_EXCEEDED',
          `network '${network}' (${doc.cidr}) has no free address`,
          false,
          `${path}.network`,
        );
    }
    doc.used.push(ip);
    await tx.put(kind, doc.name, doc);
    return ip;
  }

  private async releaseIp(tx: InventoryTx, network: string, ip: string): Promise<void> {
    const net = await tx.get<NetworkDoc>(K.network, network);
    const attached = net?.attachedTo ? await this.attachedDoc(tx, net.attachedTo) : null;
    const kind = attached?.kind ?? K.network;
    const doc = net?.attachedTo ? attached?.doc : net;
    if (!doc) return;
    doc.used = doc.used.filter((u) => u !== ip);
    await tx.put(kind, doc.name, doc);
  }

  private async applyVolume(tx: InventoryTx, desired: DesiredVolume): Promise<Observed> {
    if (!(desired.sizeGiB > 0)) throw new VimError('VIM.INVALID_REQUEST', 'sizeGiB must be > 0', false, 'sizeGiB');
    const existing = await tx.get<VolumeDoc>(K.volume, desired.ref.name);
    const wanted = { ...NONE, storageGiB: desired.sizeGiB };
    let pop: PopConfig;
    if (existing) {
      if (desired.sizeGiB < existing.sizeGiB)
        throw new VimError('VIM.INVALID_REQUEST', `volume ${existing.name} cannot shrink`, false, 'sizeGiB');
      pop = this.pop(existing.pop);
      await this.reserve(tx, pop, { ...NONE, storageGiB: desired.sizeGiB - existing.sizeGiB });
    } else {
      pop = await this.choosePop(tx, desired.zone, wanted);
      await this.reserve(tx, pop, wanted);
    }
    const doc: VolumeDoc = {
      name: desired.ref.name,
      providerId: existing?.providerId ?? randomUUID(),
      labels: desired.ref.labels,
      pop: pop.name,
      sizeGiB: desired.sizeGiB,
      createdAt: existing?.createdAt ?? new Date().toISOString(),
    };
    await tx.put(K.volume, doc.name, doc);
    return this.observedVolume(doc);
  }

  private async removeIn(tx: InventoryTx, ref: ResourceRef): Promise<'deleted' | 'absent'> {
    if (ref.kind === 'compute') {
      const doc = await tx.get<ComputeDoc>(K.compute, ref.name);
      if (!doc) return 'absent';
      for (const p of doc.ports) await this.releaseIp(tx, p.network, p.ip);
      await this.reserve(tx, this.pop(doc.pop), add(NONE, computeUsage(doc), -1));
      await tx.delete(K.compute, ref.name);
      this.sandbox(ref.name).destroy();
      return 'deleted';
    }
    if (ref.kind === 'network') {
      const doc = await tx.get<NetworkDoc>(K.network, ref.name);
      if (!doc) return 'absent';
      const user = (await tx.list<ComputeDoc>(K.compute)).find((c) => c.ports.some((p) => p.network === ref.name));
      if (user) throw new VimError('VIM.CONFLICT', `network ${ref.name} is still used by compute ${user.name}`, true);
      await tx.delete(K.network, ref.name);
      return 'deleted';
    }
    const doc = await tx.get<VolumeDoc>(K.volume, ref.name);
    if (!doc) return 'absent';
    const user = (await tx.list<ComputeDoc>(K.compute)).find((c) => c.volumes.includes(ref.name));
    if (user) throw new VimError('VIM.CONFLICT', `volume ${ref.name} is still attached to compute ${user.name}`, true);
    await this.reserve(tx, this.pop(doc.pop), { ...NONE, storageGiB: -doc.sizeGiB });
    await tx.delete(K.volume, ref.name);
    return 'deleted';
  }

  private pop(name: string): PopConfig {
    const pop = this.config.pops.find((p) => p.name === name);
    if (!pop)
      throw new VimError(
        'VIM.INVALID_REQUEST',
        `PoP '${name}' does not exist in this emulator (has: ${this.config.pops.map((p) => p.name).join(', ')})`,
        false,
        'placement.zone',
      );
    return pop;
  }

  private async usageMap(r: InventoryReader): Promise<Map<string, Usage>> {
    const rows = await r.list<Usage & { pop: string }>(K.usage);
    return new Map(rows.map((u) => [u.pop, { vcpu: u.vcpu, memoryGiB: u.memoryGiB, storageGiB: u.storageGiB, gpu: u.gpu }]));
  }

  private fits(pop: PopConfig, used: Usage, extra: Usage): string | null {
    const checks: [keyof Usage, number | null, string][] = [
      ['vcpu', pop.vcpu, 'vCPU'],
      ['memoryGiB', pop.memoryGiB, 'GiB memory'],
      ['storageGiB', pop.storageGiB, 'GiB storage'],
      ['gpu', pop.gpu, 'GPU'],
    ];
    for (const [key, total, unit] of checks) {
      if (total !== null && extra[key] > 0 && used[key] + extra[key] > total + 1e-9) {
        return `PoP ${pop.name} has ${round(total - used[key])} ${unit} free, ${round(extra[key])} needed`;
      }
    }
    return null;
  }

  private async choosePop(tx: InventoryTx, zone: string | undefined, wanted: Usage): Promise<PopConfig> {
    if (zone) return this.pop(zone);
    const usage = await this.usageMap(tx);
    const pop = this.config.pops.find((p) => this.fits(p, usage.get(p.name) ?? NONE, wanted) === null);
    if (!pop)
      throw new VimError(
        'VIM.QUOTA_EXCEEDED',
        `emulator: no PoP has room for ${round(wanted.vcpu)} vCPU, ${round(wanted.memoryGiB)} GiB memory, ${round(wanted.storageGiB)} GiB storage, ${wanted.gpu} GPU`,
        false,
      );
    return pop;
  }

  /** Adds `delta` to the PoP's usage, refusing (quota exceeded) what does not fit. */
  private async reserve(tx: InventoryTx, pop: PopConfig, delta: Usage): Promise<void> {
    const used = (await tx.get<Usage>(K.usage, pop.name)) ?? NONE;
    const problem = this.fits(pop, used, delta);
    if (problem) throw new VimError('VIM.QUOTA_EXCEEDED', `emulator: quota exceeded: ${problem}`, false);
    const next = add(used, delta);
    await tx.put(K.usage, pop.name, { pop: pop.name, ...roundUsage(next) });
  }

  private links(): VimCapacity['links'] {
    const links = [...this.config.links];
    const known = new Set(links.flatMap((l) => [`${l.from}>${l.to}`, `${l.to}>${l.from}`]));
    for (const a of this.config.pops) {
      for (const b of this.config.pops) {
        if (a.name >= b.name || !a.location || !b.location || known.has(`${a.name}>${b.name}`)) continue;
        // light in fibre covers ~200 km per ms, plus a little for equipment
        links.push({ from: a.name, to: b.name, latencyMs: round(haversineKm(a.location, b.location) / 200 + 0.5) });
      }
    }
    return links;
  }

  private sandbox(name: string): Sandbox {
    return new Sandbox(join(this.ctx.workDir, 'sandboxes', name));
  }

  private sandboxFiles(name: string): string[] {
    const dir = this.sandbox(name).dir;
    return existsSync(dir) ? readdirSync(dir).slice(0, 100) : [];
  }

  private async mustGet<T>(r: InventoryReader, kind: string, name: string): Promise<T> {
    const doc = await r.get<T>(kind, name);
    if (!doc) throw new VimError('VIM.NOT_FOUND', `${kind} ${name} does not exist on this VIM`, false);
    return doc;
  }

  private observedNetwork(doc: NetworkDoc): Observed {
    return {
      ref: { kind: 'network', name: doc.name, labels: doc.labels },
      providerId: doc.providerId,
      provisioned: true,
      upToDate: true,
      addresses: [],
      conditions: [{ type: 'Ready', status: 'True' }],
      details: { cidr: doc.cidr, gateway: doc.gateway, attachedTo: doc.attachedTo },
    };
  }

  private observedCompute(doc: ComputeDoc): Observed {
    const ready = Date.now() >= doc.readyAt;
    return {
      ref: { kind: 'compute', name: doc.name, labels: doc.labels },
      providerId: doc.providerId,
      provisioned: ready,
      upToDate: true,
      addresses: doc.ports.map((p) => ({ port: p.name, network: p.network, ip: p.ip, mac: p.mac })),
      conditions: [
        ready
          ? { type: 'Ready', status: 'True' }
          : { type: 'Ready', status: 'False', reason: 'Booting', message: `ready at ${new Date(doc.readyAt).toISOString()}` },
      ],
      zone: doc.pop,
      details: { status: ready ? 'ACTIVE' : 'BUILD', type: doc.type, image: doc.image, replicas: doc.replicas },
    };
  }

  private observedVolume(doc: VolumeDoc): Observed {
    return {
      ref: { kind: 'volume', name: doc.name, labels: doc.labels },
      providerId: doc.providerId,
      provisioned: true,
      upToDate: true,
      addresses: [],
      conditions: [{ type: 'Ready', status: 'True' }],
      zone: doc.pop,
      details: { sizeGiB: doc.sizeGiB },
    };
  }
}

const isActive = (spec: FaultSpec): boolean => !!(spec.failCalls?.length || spec.hangCalls?.length || spec.failureRate);
const round = (n: number): number => Math.round(n * 1000) / 1000;
const roundUsage = (u: Usage): Usage => ({
  vcpu: round(u.vcpu),
  memoryGiB: round(u.memoryGiB),
  storageGiB: round(u.storageGiB),
  gpu: round(u.gpu),
});

function haversineKm(a: { lat: number; lon: number }, b: { lat: number; lon: number }): number {
  const rad = (d: number): number => (d * Math.PI) / 180;
  const h =
    Math.sin(rad(b.lat - a.lat) / 2) ** 2 + Math.cos(rad(a.lat)) * Math.cos(rad(b.lat)) * Math.sin(rad(b.lon - a.lon) / 2) ** 2;
  return 2 * 6371 * Math.asin(Math.sqrt(h));
}
