import { collectDefaultMetrics, Counter, Gauge, Histogram, register } from 'prom-client';

/**
 * The orchestrator's own Prometheus metrics (`mano_*`), in prom-client's default registry: `/metrics` serves that
 * registry whole, so the VNF metrics (`osm_*`) registered there elsewhere appear beside them. Labels are bounded
 * sets (route templates, operation types, VIM types and call names): never an id, a URL or a token.
 */

/** One instance per process even when a module is loaded twice (tests), since the registry is global. */
function once<T>(name: string, make: () => T): T {
  return (register.getSingleMetric(name) as T | undefined) ?? make();
}

let defaultsOn = false;
/** Node's process metrics (CPU, memory, event loop lag, handles), once per process. */
export function enableProcessMetrics(): void {
  if (defaultsOn || register.getSingleMetric('process_cpu_user_seconds_total')) return;
  collectDefaultMetrics();
  defaultsOn = true;
}

const LATENCY = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const OPERATION = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600];

export const httpRequests = once(
  'mano_http_requests_total',
  () =>
    new Counter({
      name: 'mano_http_requests_total',
      help: 'HTTP requests answered, by route template, method and status code',
      labelNames: ['method', 'route', 'status'],
    }),
);
export const httpDuration = once(
  'mano_http_request_duration_seconds',
  () =>
    new Histogram({
      name: 'mano_http_request_duration_seconds',
      help: 'Time from request to the end of the answer, by route template, method and status code',
      labelNames: ['method', 'route', 'status'],
      buckets: LATENCY,
    }),
);

export const operationTransitions = once(
  'mano_operation_transitions_total',
  () =>
    new Counter({
      name: 'mano_operation_transitions_total',
      help: 'LCM operations entering a state (kind ns|nsi, type instantiate|scale|…), counted by the process storing it',
      labelNames: ['kind', 'type', 'state'],
    }),
);
export const operationDuration = once(
  'mano_operation_duration_seconds',
  () =>
    new Histogram({
      name: 'mano_operation_duration_seconds',
      help: 'From an LCM operation start to a state where it stopped (final or FAILED_TEMP)',
      labelNames: ['kind', 'type', 'state'],
      buckets: OPERATION,
    }),
);

export const vimCallDuration = once(
  'mano_vim_call_duration_seconds',
  () =>
    new Histogram({
      name: 'mano_vim_call_duration_seconds',
      help: 'VIM adapter calls, by VIM type, call (apply, observe, remove, exec…) and outcome (ok|error)',
      labelNames: ['vim_type', 'call', 'outcome'],
      buckets: LATENCY,
    }),
);
export const vimCallErrors = once(
  'mano_vim_call_errors_total',
  () =>
    new Counter({
      name: 'mano_vim_call_errors_total',
      help: 'VIM adapter calls that failed, by VIM type, call and error code (VIM.* of the adapter contract)',
      labelNames: ['vim_type', 'call', 'code'],
    }),
);

// ---- gauges read when scraped, from sources the running app registers ----

export interface OperationCount {
  kind: string;
  type: string;
  state: string;
  count: number;
}
export interface DbPoolState {
  driver: 'postgres' | 'sqlite';
  total: number;
  /** Pooled drivers only (PostgreSQL). */
  idle?: number;
  waiting?: number;
}
export interface WorkerPoolState {
  /** Operations it may run at once. */
  workers: number;
  /** Operations it runs now (their lease is held by this process). */
  leases: number;
  queued: number;
}

const sources: {
  operations?: () => Promise<OperationCount[]>;
  dbPool?: () => DbPoolState;
  pools: Map<string, () => WorkerPoolState>;
} = { pools: new Map() };

/** The running app's sources (the last one started wins: one app per process outside tests); returns the remover. */
export function setOperationSource(fn: () => Promise<OperationCount[]>): () => void {
  sources.operations = fn;
  return () => {
    if (sources.operations === fn) sources.operations = undefined;
  };
}
export function setDbPoolSource(fn: () => DbPoolState): () => void {
  sources.dbPool = fn;
  return () => {
    if (sources.dbPool === fn) sources.dbPool = undefined;
  };
}
export function setWorkerPoolSource(pool: string, fn: () => WorkerPoolState): () => void {
  sources.pools.set(pool, fn);
  return () => {
    if (sources.pools.get(pool) === fn) sources.pools.delete(pool);
  };
}

once(
  'mano_operations',
  () =>
    new Gauge({
      name: 'mano_operations',
      help: 'LCM operations in the database now, by kind, type and state (all replicas)',
      labelNames: ['kind', 'type', 'state'],
      async collect() {
        this.reset();
        // an unreachable database leaves the family empty rather than failing the whole scrape
        const rows = await sources.operations?.().catch(() => []);
        for (const r of rows ?? []) this.set({ kind: r.kind, type: r.type, state: r.state }, r.count);
      },
    }),
);

const poolGauge = (name: string, help: string, pick: (s: WorkerPoolState) => number) =>
  once(
    name,
    () =>
      new Gauge({
        name,
        help,
        labelNames: ['pool'],
        collect() {
          this.reset();
          for (const [pool, read] of sources.pools) this.set({ pool }, pick(read()));
        },
      }),
  );
poolGauge('mano_lcm_workers', 'LCM operations this process may run at once, by pool (ns|nsi)', (s) => s.workers);
poolGauge('mano_lcm_leases_held', 'LCM operations this process runs now under its lease, by pool', (s) => s.leases);
poolGauge('mano_lcm_queued_operations', 'LCM operations waiting for a worker of this process, by pool', (s) => s.queued);

once(
  'mano_db_pool_connections',
  () =>
    new Gauge({
      name: 'mano_db_pool_connections',
      help: 'Database connections of this process by state (total|idle|waiting clients); SQLite is one connection',
      labelNames: ['driver', 'state'],
      collect() {
        this.reset();
        const s = sources.dbPool?.();
        if (!s) return;
        this.set({ driver: s.driver, state: 'total' }, s.total);
        if (s.idle !== undefined) this.set({ driver: s.driver, state: 'idle' }, s.idle);
        if (s.waiting !== undefined) this.set({ driver: s.driver, state: 'waiting' }, s.waiting);
      },
    }),
);

/** An LCM operation entered `state` (call where the transition is stored). */
export function recordOperationTransition(
  kind: 'ns' | 'nsi',
  op: { lcmOperationType: string; operationState: string; startTime?: number },
): void {
  const labels = { kind, type: op.lcmOperationType, state: op.operationState };
  operationTransitions.inc(labels);
  const stopped = op.operationState !== 'PROCESSING' && op.operationState !== 'ROLLING_BACK';
  if (stopped && typeof op.startTime === 'number' && op.startTime > 0) {
    operationDuration.observe(labels, Math.max(0, Date.now() / 1000 - op.startTime));
  }
}

/** The whole default registry in Prometheus text format. */
export async function renderMetrics(): Promise<{ contentType: string; body: string }> {
  return { contentType: register.contentType, body: await register.metrics() };
}
