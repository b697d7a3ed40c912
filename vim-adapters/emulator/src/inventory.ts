import { DesiredCompute, FaultSpec, InventoryReader, Observed, SettableMetrics, VimError } from '../../contract/src';
import type { EmulatorConfig } from './config';
import type { FaultState } from './faults';
import type { Sandbox } from './sandbox';

/**
 * The emulator's inventory documents (kept in the orchestrator's database under the kinds of `K`), the usage
 * arithmetic of PoPs, and how a document is observed through the contract.
 */

/** What the adapter's parts (networks, computes and volumes, capacity) work with: one per account. */
export interface EmulatorContext {
  readonly config: EmulatorConfig;
  /** The per-compute directory day-1/2 commands run in. */
  sandbox(name: string): Sandbox;
}

export interface NetworkDoc {
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
export interface PortDoc {
  name: string;
  network: string;
  ip: string;
  mac: string;
  management?: boolean;
}
export interface ComputeDoc {
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
  /** VIM-side autoscaling asked for (it starts at its minimum) */
  autoscaling?: DesiredCompute['autoscaling'];
  createdAt: string;
  readyAt: number;
  metrics?: SettableMetrics;
  /** set through the emulator API: the compute is in ERROR (a broken server, for healing) */
  error?: string;
}
export interface VolumeDoc {
  name: string;
  providerId: string;
  labels: Record<string, string>;
  pop: string;
  sizeGiB: number;
  createdAt: string;
}
export interface Usage {
  vcpu: number;
  memoryGiB: number;
  storageGiB: number;
  gpu: number;
}
export type StoredFaults = FaultState & { fromConfig: string };

export const NONE: Usage = { vcpu: 0, memoryGiB: 0, storageGiB: 0, gpu: 0 };
export const K = {
  network: 'network',
  provider: 'provider-network',
  compute: 'compute',
  volume: 'volume',
  usage: 'usage',
  state: 'state',
} as const;

export const computeUsage = (c: Pick<ComputeDoc, 'flavor' | 'replicas'>): Usage => ({
  vcpu: c.flavor.vcpu * c.replicas,
  memoryGiB: c.flavor.memoryGiB * c.replicas,
  storageGiB: c.flavor.storageGiB * c.replicas,
  gpu: (c.flavor.gpu ?? 0) * c.replicas,
});
export const add = (a: Usage, b: Usage, sign = 1): Usage => ({
  vcpu: a.vcpu + sign * b.vcpu,
  memoryGiB: a.memoryGiB + sign * b.memoryGiB,
  storageGiB: a.storageGiB + sign * b.storageGiB,
  gpu: a.gpu + sign * b.gpu,
});

export const isActive = (spec: FaultSpec): boolean => !!(spec.failCalls?.length || spec.hangCalls?.length || spec.failureRate);
export const round = (n: number): number => Math.round(n * 1000) / 1000;
export const roundUsage = (u: Usage): Usage => ({
  vcpu: round(u.vcpu),
  memoryGiB: round(u.memoryGiB),
  storageGiB: round(u.storageGiB),
  gpu: round(u.gpu),
});

export async function mustGet<T>(r: InventoryReader, kind: string, name: string): Promise<T> {
  const doc = await r.get<T>(kind, name);
  if (!doc) throw new VimError('VIM.NOT_FOUND', `${kind} ${name} does not exist on this VIM`, false);
  return doc;
}

export function observedNetwork(doc: NetworkDoc): Observed {
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

/** ACTIVE, BUILD (booting) or ERROR (set through the emulator API), as Nova says it. */
export const computeStatus = (doc: ComputeDoc): 'ACTIVE' | 'BUILD' | 'ERROR' =>
  doc.error !== undefined ? 'ERROR' : Date.now() >= doc.readyAt ? 'ACTIVE' : 'BUILD';

export function observedCompute(doc: ComputeDoc): Observed {
  const status = computeStatus(doc);
  const ready = status === 'ACTIVE';
  return {
    ref: { kind: 'compute', name: doc.name, labels: doc.labels },
    providerId: doc.providerId,
    provisioned: ready,
    upToDate: true,
    addresses: doc.ports.map((p) => ({ port: p.name, network: p.network, ip: p.ip, mac: p.mac })),
    conditions:
      doc.error !== undefined
        ? [
            { type: 'Ready', status: 'False', reason: 'ERROR' },
            { type: 'Failed', status: 'True', reason: 'ServerError', message: `emulator: ${doc.error}` },
          ]
        : [
            ready
              ? { type: 'Ready', status: 'True' }
              : { type: 'Ready', status: 'False', reason: 'Booting', message: `ready at ${new Date(doc.readyAt).toISOString()}` },
          ],
    zone: doc.pop,
    details: { status, type: doc.type, image: doc.image, replicas: doc.replicas },
  };
}

export function observedVolume(doc: VolumeDoc): Observed {
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
