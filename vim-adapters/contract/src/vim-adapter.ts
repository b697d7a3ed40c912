import type { VimErrorCode } from './errors';
import type { DesiredKdu, DesiredResource, Observed, ResourceRef } from './resources';

/** The contract version adapters declare; bumped on breaking changes. */
export const CONTRACT_VERSION = 'vim-adapter/v1' as const;

/** A registered VIM account, as the orchestrator hands it to a factory (secrets already decrypted). */
export interface VimAccount {
  id: string;
  name: string;
  vimType: string;
  url?: string;
  user?: string;
  password?: string;
  tenant?: string;
  config: Record<string, unknown>;
}

/**
 * Persistent, account-scoped documents in the orchestrator's database, for adapters whose "VIM"
 * lives in the orchestrator (the emulator). A transaction is exclusive per account, across processes.
 */
export interface InventoryStore {
  transaction<T>(fn: (tx: InventoryTx) => Promise<T>): Promise<T>;
  /** Reads without locking. */
  read<T>(fn: (tx: InventoryReader) => Promise<T>): Promise<T>;
}
export interface InventoryReader {
  get<T>(kind: string, name: string): Promise<T | undefined>;
  list<T>(kind: string): Promise<T[]>;
}
export interface InventoryTx extends InventoryReader {
  put(kind: string, name: string, value: unknown): Promise<void>;
  delete(kind: string, name: string): Promise<boolean>;
}

export interface AdapterContext {
  store: InventoryStore;
  /** A private directory for this account (emulator sandboxes…). */
  workDir: string;
  log(level: 'debug' | 'log' | 'warn' | 'error', message: string): void;
}

export interface VimHealth {
  ok: true;
  /** What was checked, for `_admin.detailed-status` (e.g. "Keystone v3 at …: token issued; 4 PoPs"). */
  detail: string;
  version?: string;
}

export interface ZoneCapacity {
  name: string;
  labels: Record<string, string>;
  location?: { lat: number; lon: number };
  /** `null` = unlimited. */
  total: { vcpu: number | null; memoryGiB: number | null; storageGiB: number | null; gpu: number | null };
  used: { vcpu: number; memoryGiB: number; storageGiB: number; gpu: number };
}

export interface VimCapacity {
  zones: ZoneCapacity[];
  /** One-way latency (ms) and bandwidth (Mbit/s) between zones, when the VIM knows them. */
  links: { from: string; to: string; latencyMs: number; bandwidthMbps?: number }[];
}

export interface VimAdapterFactory<C = unknown> {
  readonly specVersion: typeof CONTRACT_VERSION;
  readonly vimType: string;
  /** Validates the account; throws VimError('VIM.CONFIG_INVALID') naming the field. Never contacts the VIM. */
  parseAccount(account: VimAccount): C;
  /**
   * Optional: what this account would refuse in a desired resource, known without contacting the VIM (e.g. a KDU's
   * object kinds and pod security against the account's policy). Empty = acceptable. Lets the orchestrator answer
   * 422 before anything is created; `apply` still refuses the same on its own.
   */
  checkDesired?(config: C, desired: DesiredResource): { path: string; message: string }[];
  /**
   * Optional: a KDU given as a Helm chart (`desired.helm`) rendered into its objects, at instantiate (the result is
   * what is checked, stored and applied; `helm` is dropped). Throws VimError('VIM.INVALID_REQUEST') → 422.
   */
  renderKdu?(config: C, desired: DesiredKdu, signal?: AbortSignal): Promise<DesiredKdu>;
  connect(config: C, ctx: AdapterContext): Promise<VimAdapter>;
}

/** See README.md beside this file for the rules every implementation follows. */
export interface VimAdapter {
  ping(signal?: AbortSignal): Promise<VimHealth>;
  capacity(): Promise<VimCapacity>;
  /** Never mutates. `null` = absent. */
  observe(ref: ResourceRef): Promise<Observed | null>;
  /** Create-or-update, idempotent on `desired.ref`. Returns right after the VIM accepted it; `provisioned` may still be false. */
  apply(desired: DesiredResource, signal?: AbortSignal): Promise<Observed>;
  /** Absent is success. */
  remove(ref: ResourceRef, signal?: AbortSignal): Promise<'deleted' | 'absent'>;
  close(): Promise<void>;
}

// ---- optional capabilities, detected with the type guards below ----

export interface ExecRequest {
  command: string[];
  stdin?: string;
  env?: Record<string, string>;
  /** The command's time limit (the primitive's `timeout-seconds`): the adapter stops it then and answers `timedOut`. */
  timeoutMs?: number;
  /** Files to place in the working directory before running (e.g. the script itself). */
  files?: Record<string, string>;
}
export interface ExecResult {
  exitCode: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  /** stdout or stderr was cut at the adapter's limit. */
  truncated: boolean;
}
/**
 * A command cannot be observed, so the orchestrator never runs one twice by itself: an exec error with
 * `retryable: true` promises the command was NOT started (no running pod yet, connection refused, still booting) and
 * is tried again; any failure once it may have started must be reported with `retryable: false` (or as a result).
 */
export interface SupportsExec {
  exec(ref: ResourceRef<'compute'>, request: ExecRequest, signal?: AbortSignal): Promise<ExecResult>;
}
export interface SupportsScale {
  scale(ref: ResourceRef<'compute'>, replicas: number): Promise<Observed>;
}
/**
 * What a VIM measures of a compute (all its replicas together). A field the VIM cannot measure is left out — never
 * reported as 0 — so the orchestrator shows it as "unavailable".
 */
export interface ComputeMetrics {
  /** Fraction of the allocated vCPUs, 0..1. */
  cpu: number;
  memoryBytes: number;
  /** Fraction of the allocated memory, 0..1 (when the VIM knows the allocation). */
  memoryUtilization?: number;
  /** Interface counters since boot, summed over the compute's interfaces. */
  packetsIn?: number;
  packetsOut?: number;
  bytesIn?: number;
  bytesOut?: number;
  /** Further named values (a VNFD `performance-metric` of its own). */
  custom?: Record<string, number>;
  at: string;
}
/** Metrics of computes; null = the VIM offers none for it now (no metrics API, no such compute). */
export interface SupportsMetrics {
  metrics(ref: ResourceRef<'compute'>): Promise<ComputeMetrics | null>;
  /** Many computes in one VIM round trip, keyed by `ref.name` (optional: else one `metrics` call each). */
  metricsOf?(refs: ResourceRef<'compute'>[]): Promise<Map<string, ComputeMetrics | null>>;
}
/** An adapter whose whole inventory the orchestrator can show (the emulator). */
export interface SupportsInventory {
  inventory(): Promise<Record<string, unknown>>;
}

export const supportsExec = (a: VimAdapter): a is VimAdapter & SupportsExec =>
  typeof (a as Partial<SupportsExec>).exec === 'function';
export const supportsScale = (a: VimAdapter): a is VimAdapter & SupportsScale =>
  typeof (a as Partial<SupportsScale>).scale === 'function';
export const supportsMetrics = (a: VimAdapter): a is VimAdapter & SupportsMetrics =>
  typeof (a as Partial<SupportsMetrics>).metrics === 'function';
export const supportsInventory = (a: VimAdapter): a is VimAdapter & SupportsInventory =>
  typeof (a as Partial<SupportsInventory>).inventory === 'function';

/** Metric values a test or drill sets on an emulated compute (see ComputeMetrics). */
export type SettableMetrics = Partial<Omit<ComputeMetrics, 'at'>>;
/**
 * Emulated load over time: the steps in order, each held for `durationS` (the last one held for ever, or the
 * whole list repeated with `repeat`), on every compute whose labels include `labels` — present and future ones.
 */
export interface LoadProfile {
  labels: Record<string, string>;
  steps: (SettableMetrics & { durationS?: number })[];
  repeat?: boolean;
}

/** Fault injection for tests and drills (the emulator). */
export interface FaultSpec {
  /** 1-based numbers of the calls (apply, remove, observe, exec) that fail, counted from when the spec was set. */
  failCalls?: number[];
  /** Probability (0..1) that any call fails, drawn from a seeded generator. */
  failureRate?: number;
  seed?: number;
  /** Error of the injected failure; default VIM.UNREACHABLE. */
  errorCode?: VimErrorCode;
  /** Whether the injected error says it may be retried; default false. */
  retryable?: boolean;
  /** 1-based numbers of calls that hang for `hangMs` (or until aborted). */
  hangCalls?: number[];
  hangMs?: number;
  /** Only these calls are counted and may fail or hang (default: all): one VIM call type at a time. */
  operations?: FaultOperation[];
}
export const FAULT_OPERATIONS = ['apply', 'remove', 'observe', 'exec', 'scale'] as const;
export type FaultOperation = (typeof FAULT_OPERATIONS)[number];
export interface SupportsFaultInjection {
  setFaults(spec: FaultSpec): Promise<void>;
  setMetrics(ref: ResourceRef<'compute'>, metrics: SettableMetrics): Promise<void>;
  /** A load profile for every compute whose labels include `labels` (an empty step list removes it). */
  setLoadProfile(profile: LoadProfile): Promise<void>;
  /** Puts a compute in the VIM's error state with that message (as Nova's ERROR), or back to normal with null. */
  setComputeError(ref: ResourceRef<'compute'>, message: string | null): Promise<void>;
}
export const supportsFaultInjection = (a: VimAdapter): a is VimAdapter & SupportsFaultInjection =>
  typeof (a as Partial<SupportsFaultInjection>).setFaults === 'function';
