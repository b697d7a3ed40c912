import { resolve } from 'node:path';
import { vimUrlPolicy } from '../../vim-adapters/contract/src/url-policy';

/** Every setting of the service, read once from the environment at boot. */
export interface AppConfig {
  dataDir: string;
  httpsPort: number;
  /** 0 disables the plain-HTTP listener. */
  httpPort: number;
  /** Address of the HTTPS listener (all interfaces by default). */
  bindAddress: string;
  /** Address of the plain-HTTP listener: loopback unless MANO_HTTP_HOST opens it wider. */
  httpHost: string;
  /** The built web UI served at /ui/; unset = dist/ui of this package (tests point it elsewhere). */
  uiDir?: string;
  /** Browser origins allowed by CORS; empty = CORS off (no Access-Control-* headers). */
  corsOrigins: string[];
  /** Node's server timeouts: whole headers, whole request, idle keep-alive connection. */
  httpHeadersTimeoutMs: number;
  httpRequestTimeoutMs: number;
  httpKeepAliveTimeoutMs: number;
  /** undefined = embedded SQLite in the data directory. */
  dbUrl?: string;
  runMigrations: boolean;
  adminPassword: string;
  /** MANO_ADMIN_PASSWORD was given: the operator chose it, so the first login does not force a change. */
  adminPasswordGiven: boolean;
  tokenTtlSeconds: number;
  /** How long a token's caller (user, project, roles) is reused without a database read; 0 = never. */
  authCacheMs: number;
  tlsCertFile?: string;
  tlsKeyFile?: string;
  /** Largest body of the package/descriptor upload routes. */
  maxBodyBytes: number;
  /** Largest JSON/YAML body of every other authenticated route. */
  maxJsonBodyBytes: number;
  /** JSON lines (pino) or pino-pretty for humans; `text` is kept as a synonym of `pretty`. */
  logFormat: 'json' | 'pretty';
  logLevel: 'error' | 'warn' | 'log' | 'debug';
  /** `GET /metrics` without a token (on the API listeners). */
  metricsPublic: boolean;
  /** A separate plain-HTTP listener serving only `/metrics`, without a token; 0 = none. */
  metricsPort: number;
  metricsHost: string;
  loginFailureDelayMs: number;
  /** Failed logins allowed per username / per source address within the window, then 429 until it ends. */
  loginMaxFailuresPerUser: number;
  loginMaxFailuresPerAddress: number;
  loginFailureWindowSeconds: number;
  /** 32-byte key for secrets at rest; undefined = key file in the data directory. */
  secretKey?: Buffer;
  /** Package archive limits. */
  packageMaxUnpackedBytes: number;
  packageMaxFiles: number;
  packageMaxRatio: number;
  packageChecksums: 'strict' | 'warn';
  /** SOL004 CSARs: refuse a TOSCA.meta without ETSI-Entry-Manifest; refuse unsigned CSARs; trust anchors (PEM folder). */
  csarRequireManifest: boolean;
  csarRequireSignature: boolean;
  csarTrustDir?: string;
  /** Unpacked package files kept in memory for artifact reads, cloud-init and scripts (bytes). */
  packageCacheBytes: number;
  /** LCM worker pool size, operation lease, and per-call VIM timeout. */
  lcmConcurrency: number;
  lcmLeaseMs: number;
  vimCallTimeoutMs: number;
  /** How long a VIM connectivity check may take. */
  vimCheckTimeoutMs: number;
  /**
   * This process runs background work: the LCM operation runners, VIM connectivity checks, notification delivery
   * and every periodic loop. false = an API-only replica (PostgreSQL only): it accepts requests and writes
   * operations, which the worker replicas pick up. Every new background loop must check it.
   */
  worker: boolean;
  /** SIGTERM: readiness 503 at once, listeners closed after `delayMs`, running steps given `graceMs` to finish. */
  shutdown: { graceMs: number; delayMs: number };
  /** Notification delivery (SOL005 subscriptions): see README, Subscriptions and notifications. */
  notify: {
    timeoutMs: number;
    concurrency: number;
    retryBaseMs: number;
    retryMaxMs: number;
    /** Failed attempts of one notification after which its subscription shows FAILING. */
    attemptsBeforeFailing: number;
    /** How often each process looks for work another replica wrote (its own is signalled at once). */
    pollMs: number;
    /** How long delivered events stay for SSE resume (Last-Event-ID). */
    retentionSeconds: number;
  };
  /** How often the auto-healing watcher looks at VDUs with a healing policy (seconds, fractions allowed; 0 = off). */
  healingIntervalS: number;
  /** Closed loops (README, Monitoring and closed loops): collection period and the samples kept per VNF. */
  metrics: {
    intervalMs: number;
    historySize: number;
  };
}

export class ConfigError extends Error {}

type Env = Record<string, string | undefined>;

/** One line per setting: name, default, parser. Unknown MANO_* names are reported too. */
const KNOWN = [
  'MANO_DATA_DIR',
  'MANO_PORT',
  'MANO_HTTP_PORT',
  'MANO_BIND_ADDRESS',
  'MANO_HTTP_HOST',
  'MANO_CORS_ORIGINS',
  'MANO_HTTP_HEADERS_TIMEOUT_MS',
  'MANO_HTTP_REQUEST_TIMEOUT_MS',
  'MANO_HTTP_KEEPALIVE_TIMEOUT_MS',
  'MANO_MAX_JSON_BODY_BYTES',
  'MANO_DB_URL',
  'MANO_DB_MIGRATIONS_RUN',
  'MANO_ADMIN_PASSWORD',
  'MANO_TOKEN_TTL_SECONDS',
  'MANO_AUTH_CACHE_MS',
  'MANO_TLS_CERT',
  'MANO_TLS_KEY',
  'MANO_MAX_BODY_BYTES',
  'MANO_LOG_FORMAT',
  'MANO_LOG_LEVEL',
  'MANO_METRICS_PUBLIC',
  'MANO_METRICS_PORT',
  'MANO_METRICS_HOST',
  'MANO_LOGIN_FAILURE_DELAY_MS',
  'MANO_LOGIN_FAILS_PER_USER',
  'MANO_LOGIN_FAILS_PER_ADDRESS',
  'MANO_LOGIN_WINDOW_SECONDS',
  'MANO_SECRET_KEY',
  'MANO_VIM_CHECK_TIMEOUT_MS',
  'MANO_PACKAGE_MAX_UNPACKED_BYTES',
  'MANO_LCM_CONCURRENCY',
  'MANO_LCM_LEASE_MS',
  'MANO_VIM_CALL_TIMEOUT_MS',
  'MANO_PACKAGE_MAX_FILES',
  'MANO_PACKAGE_MAX_RATIO',
  'MANO_PACKAGE_CHECKSUMS',
  'MANO_CSAR_REQUIRE_MANIFEST',
  'MANO_CSAR_REQUIRE_SIGNATURE',
  'MANO_CSAR_TRUST_DIR',
  'MANO_EMULATOR_EXEC',
  'MANO_EMULATOR_EXEC_UIDS',
  'MANO_PACKAGE_CACHE_BYTES',
  'MANO_VIM_URL_DENY',
  'MANO_VIM_URL_ALLOW',
  'MANO_VIM_CATALOG_ANY_HOST',
  'MANO_NOTIFY_TIMEOUT_MS',
  'MANO_NOTIFY_CONCURRENCY',
  'MANO_NOTIFY_RETRY_BASE_MS',
  'MANO_NOTIFY_RETRY_MAX_MS',
  'MANO_NOTIFY_ATTEMPTS',
  'MANO_NOTIFY_POLL_MS',
  'MANO_EVENTS_RETENTION_SECONDS',
  'MANO_HEALING_INTERVAL_S',
  'MANO_METRICS_INTERVAL_S',
  'MANO_METRICS_HISTORY',
  'MANO_WORKER',
  'MANO_SHUTDOWN_GRACE_S',
  'MANO_SHUTDOWN_DELAY_MS',
  'MANO_TEST_DB',
  'MANO_TEST_PG_URL',
] as const;

const LOG_FORMATS = ['json', 'pretty', 'text'] as const;
const logFormatOf = (f: (typeof LOG_FORMATS)[number]): AppConfig['logFormat'] => (f === 'json' ? 'json' : 'pretty');

/** Parses and validates the MANO_* variables; throws one ConfigError listing every bad value. */
export function loadConfig(env: Env = process.env): AppConfig {
  const problems: string[] = [];
  const value = (name: string): string | undefined => {
    const v = env[name];
    return v === undefined || v.trim() === '' ? undefined : v.trim();
  };
  const int = (name: string, def: number, min: number, max: number): number => {
    const raw = value(name);
    if (raw === undefined) return def;
    if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
      problems.push(`${name}='${raw}' must be an integer from ${min} to ${max}`);
      return def;
    }
    return Number(raw);
  };
  const oneOf = <T extends string>(name: string, def: T, allowed: readonly T[]): T => {
    const raw = value(name);
    if (raw === undefined) return def;
    if (!(allowed as readonly string[]).includes(raw.toLowerCase())) {
      problems.push(`${name}='${raw}' must be one of ${allowed.join(', ')}`);
      return def;
    }
    return raw.toLowerCase() as T;
  };
  const seconds = (name: string, def: number, min: number, max: number): number => {
    const raw = value(name);
    if (raw === undefined) return def;
    if (!/^\d+(\.\d+)?$/.test(raw) || Number(raw) < min || Number(raw) > max) {
      problems.push(`${name}='${raw}' must be a number of seconds from ${min} to ${max}`);
      return def;
    }
    return Number(raw);
  };
  const bool = (name: string, def: boolean): boolean => {
    const raw = value(name);
    if (raw === undefined) return def;
    if (/^(true|1|yes)$/i.test(raw)) return true;
    if (/^(false|0|no)$/i.test(raw)) return false;
    problems.push(`${name}='${raw}' must be true or false`);
    return def;
  };

  for (const name of Object.keys(env)) {
    if (name.startsWith('MANO_') && !name.startsWith('MANO_IT_') && !(KNOWN as readonly string[]).includes(name)) {
      problems.push(`${name} is not a known setting (see README, Configuration)`);
    }
  }

  // read by the emulator's script sandbox (vim-adapters/emulator/src/isolation.ts); checked here so a typo stops the start
  const execMode = value('MANO_EMULATOR_EXEC');
  if (execMode !== undefined && execMode !== 'bwrap' && execMode !== 'unsafe')
    problems.push(`MANO_EMULATOR_EXEC='${execMode}' must be bwrap or unsafe`);
  const uids = value('MANO_EMULATOR_EXEC_UIDS');
  const range = uids === undefined ? undefined : /^(\d{1,10})-(\d{1,10})$/.exec(uids);
  const [first, last] = range ? [Number(range[1]), Number(range[2])] : [0, 0];
  if (uids !== undefined && !(range && first >= 1000 && last >= first && (last < 65534 || first > 65534)))
    problems.push(`MANO_EMULATOR_EXEC_UIDS='${uids}' must be first-last with 1000 ≤ first ≤ last, not holding 65534`);
  // read by the VIM adapters themselves (they cannot import this module); checked here so a typo stops the start
  try {
    vimUrlPolicy(env);
  } catch (e) {
    problems.push((e as Error).message);
  }
  bool('MANO_VIM_CATALOG_ANY_HOST', false);

  const dbUrl = value('MANO_DB_URL');
  if (dbUrl !== undefined && !/^postgres(ql)?:\/\//.test(dbUrl)) {
    problems.push('MANO_DB_URL must be a postgres:// or postgresql:// URL (unset it for embedded SQLite)');
  }
  const tlsCertFile = value('MANO_TLS_CERT');
  const tlsKeyFile = value('MANO_TLS_KEY');
  if ((tlsCertFile === undefined) !== (tlsKeyFile === undefined)) {
    problems.push('MANO_TLS_CERT and MANO_TLS_KEY must be set together');
  }
  const adminPassword = value('MANO_ADMIN_PASSWORD');
  const corsOrigins = (value('MANO_CORS_ORIGINS') ?? '')
    .split(',')
    .map((o) => o.trim().replace(/\/$/, ''))
    .filter((o) => o !== '');
  for (const origin of corsOrigins) {
    if (!/^https?:\/\/[^/\s]+$/.test(origin)) {
      problems.push(`MANO_CORS_ORIGINS: '${origin}' must be an origin such as https://portal.example.com (no '*', no path)`);
    }
  }
  const rawKey = value('MANO_SECRET_KEY');
  let secretKey: Buffer | undefined;
  if (rawKey !== undefined) {
    secretKey = /^[0-9a-fA-F]{64}$/.test(rawKey) ? Buffer.from(rawKey, 'hex') : Buffer.from(rawKey, 'base64');
    if (secretKey.length !== 32) problems.push('MANO_SECRET_KEY must be 32 bytes, as 64 hex digits or base64');
  }

  const config: AppConfig = {
    dataDir: resolve(value('MANO_DATA_DIR') ?? './data'),
    httpsPort: int('MANO_PORT', 9999, 1, 65535),
    httpPort: int('MANO_HTTP_PORT', 9998, 0, 65535),
    bindAddress: value('MANO_BIND_ADDRESS') ?? '0.0.0.0',
    httpHost: value('MANO_HTTP_HOST') ?? '127.0.0.1',
    corsOrigins,
    httpHeadersTimeoutMs: int('MANO_HTTP_HEADERS_TIMEOUT_MS', 20_000, 1000, 600_000),
    httpRequestTimeoutMs: int('MANO_HTTP_REQUEST_TIMEOUT_MS', 300_000, 1000, 3_600_000),
    httpKeepAliveTimeoutMs: int('MANO_HTTP_KEEPALIVE_TIMEOUT_MS', 5_000, 100, 600_000),
    dbUrl,
    runMigrations: bool('MANO_DB_MIGRATIONS_RUN', true),
    adminPassword: adminPassword ?? 'admin',
    adminPasswordGiven: adminPassword !== undefined,
    tokenTtlSeconds: int('MANO_TOKEN_TTL_SECONDS', 3600, 60, 30 * 24 * 3600),
    authCacheMs: int('MANO_AUTH_CACHE_MS', 2000, 0, 60_000),
    tlsCertFile: tlsCertFile && resolve(tlsCertFile),
    tlsKeyFile: tlsKeyFile && resolve(tlsKeyFile),
    maxBodyBytes: int('MANO_MAX_BODY_BYTES', 64 * 1024 * 1024, 1024, 4 * 1024 * 1024 * 1024),
    maxJsonBodyBytes: int('MANO_MAX_JSON_BODY_BYTES', 1024 * 1024, 1024, 64 * 1024 * 1024),
    // JSON lines where logs are collected (production), readable lines elsewhere
    logFormat: logFormatOf(oneOf('MANO_LOG_FORMAT', env.NODE_ENV === 'production' ? 'json' : 'pretty', LOG_FORMATS)),
    logLevel: oneOf('MANO_LOG_LEVEL', 'log', ['error', 'warn', 'log', 'debug'] as const),
    metricsPublic: bool('MANO_METRICS_PUBLIC', false),
    metricsPort: int('MANO_METRICS_PORT', 0, 0, 65535),
    metricsHost: value('MANO_METRICS_HOST') ?? '127.0.0.1',
    loginFailureDelayMs: int('MANO_LOGIN_FAILURE_DELAY_MS', 500, 0, 60000),
    loginMaxFailuresPerUser: int('MANO_LOGIN_FAILS_PER_USER', 20, 1, 1_000_000),
    loginMaxFailuresPerAddress: int('MANO_LOGIN_FAILS_PER_ADDRESS', 10, 1, 1_000_000),
    loginFailureWindowSeconds: int('MANO_LOGIN_WINDOW_SECONDS', 900, 1, 7 * 24 * 3600),
    secretKey,
    packageMaxUnpackedBytes: int('MANO_PACKAGE_MAX_UNPACKED_BYTES', 256 * 1024 * 1024, 1024, 8 * 1024 * 1024 * 1024),
    packageMaxFiles: int('MANO_PACKAGE_MAX_FILES', 2000, 1, 1_000_000),
    packageMaxRatio: int('MANO_PACKAGE_MAX_RATIO', 100, 2, 100_000),
    packageChecksums: oneOf('MANO_PACKAGE_CHECKSUMS', 'warn', ['warn', 'strict'] as const),
    csarRequireManifest: bool('MANO_CSAR_REQUIRE_MANIFEST', false),
    csarRequireSignature: bool('MANO_CSAR_REQUIRE_SIGNATURE', false),
    csarTrustDir: value('MANO_CSAR_TRUST_DIR'),
    packageCacheBytes: int('MANO_PACKAGE_CACHE_BYTES', 256 * 1024 * 1024, 0, 64 * 1024 * 1024 * 1024),
    lcmConcurrency: int('MANO_LCM_CONCURRENCY', 32, 1, 1024),
    lcmLeaseMs: int('MANO_LCM_LEASE_MS', 30000, 1000, 3600000),
    vimCallTimeoutMs: int('MANO_VIM_CALL_TIMEOUT_MS', 120000, 100, 3600000),
    vimCheckTimeoutMs: int('MANO_VIM_CHECK_TIMEOUT_MS', 15000, 100, 600000),
    worker: bool('MANO_WORKER', true),
    shutdown: {
      graceMs: int('MANO_SHUTDOWN_GRACE_S', 20, 0, 3600) * 1000,
      delayMs: int('MANO_SHUTDOWN_DELAY_MS', 1000, 0, 600_000),
    },
    notify: {
      timeoutMs: int('MANO_NOTIFY_TIMEOUT_MS', 5000, 100, 120000),
      concurrency: int('MANO_NOTIFY_CONCURRENCY', 32, 1, 1024),
      retryBaseMs: int('MANO_NOTIFY_RETRY_BASE_MS', 1000, 10, 3600000),
      retryMaxMs: int('MANO_NOTIFY_RETRY_MAX_MS', 300000, 10, 86400000),
      attemptsBeforeFailing: int('MANO_NOTIFY_ATTEMPTS', 8, 1, 1000),
      pollMs: int('MANO_NOTIFY_POLL_MS', 500, 10, 60000),
      retentionSeconds: int('MANO_EVENTS_RETENTION_SECONDS', 86400, 60, 365 * 86400),
    },
    healingIntervalS: seconds('MANO_HEALING_INTERVAL_S', 30, 0, 86400),
    metrics: {
      intervalMs: Math.round(seconds('MANO_METRICS_INTERVAL_S', 30, 0.05, 86400) * 1000),
      historySize: int('MANO_METRICS_HISTORY', 60, 1, 10000),
    },
  };
  if (config.httpPort !== 0 && config.httpPort === config.httpsPort) {
    problems.push('MANO_PORT and MANO_HTTP_PORT must differ');
  }
  if (config.metricsPort !== 0 && [config.httpsPort, config.httpPort].includes(config.metricsPort)) {
    problems.push('MANO_METRICS_PORT must differ from MANO_PORT and MANO_HTTP_PORT');
  }
  if (config.httpHeadersTimeoutMs > config.httpRequestTimeoutMs) {
    problems.push('MANO_HTTP_HEADERS_TIMEOUT_MS must not exceed MANO_HTTP_REQUEST_TIMEOUT_MS');
  }
  if (!config.worker && !dbUrl) {
    problems.push('MANO_WORKER=false needs MANO_DB_URL: on embedded SQLite no other process would run the operations');
  }
  if (problems.length > 0) {
    throw new ConfigError(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
  }
  return config;
}

export const APP_CONFIG = Symbol('APP_CONFIG');
