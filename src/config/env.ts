import { resolve } from 'node:path';
import { vimUrlPolicy } from '../../vim-adapters/contract/src/url-policy';

/** Every setting of the service, read once from the environment at boot. */
export interface AppConfig {
  dataDir: string;
  httpsPort: number;
  /** 0 disables the plain-HTTP listener. */
  httpPort: number;
  bindAddress: string;
  /** undefined = embedded SQLite in the data directory. */
  dbUrl?: string;
  runMigrations: boolean;
  adminPassword: string;
  tokenTtlSeconds: number;
  tlsCertFile?: string;
  tlsKeyFile?: string;
  maxBodyBytes: number;
  logFormat: 'text' | 'json';
  logLevel: 'error' | 'warn' | 'log' | 'debug';
  loginFailureDelayMs: number;
  /** 32-byte key for secrets at rest; undefined = key file in the data directory. */
  secretKey?: Buffer;
  /** Package archive limits. */
  packageMaxUnpackedBytes: number;
  packageMaxFiles: number;
  packageMaxRatio: number;
  /** Unpacked package files kept in memory for artifact reads, cloud-init and scripts (bytes). */
  packageCacheBytes: number;
  /** LCM worker pool size, operation lease, and per-call VIM timeout. */
  lcmConcurrency: number;
  lcmLeaseMs: number;
  vimCallTimeoutMs: number;
  /** How long a VIM connectivity check may take. */
  vimCheckTimeoutMs: number;
}

export class ConfigError extends Error {}

type Env = Record<string, string | undefined>;

/** One line per setting: name, default, parser. Unknown MANO_* names are reported too. */
const KNOWN = [
  'MANO_DATA_DIR',
  'MANO_PORT',
  'MANO_HTTP_PORT',
  'MANO_BIND_ADDRESS',
  'MANO_DB_URL',
  'MANO_DB_MIGRATIONS_RUN',
  'MANO_ADMIN_PASSWORD',
  'MANO_TOKEN_TTL_SECONDS',
  'MANO_TLS_CERT',
  'MANO_TLS_KEY',
  'MANO_MAX_BODY_BYTES',
  'MANO_LOG_FORMAT',
  'MANO_LOG_LEVEL',
  'MANO_LOGIN_FAILURE_DELAY_MS',
  'MANO_SECRET_KEY',
  'MANO_VIM_CHECK_TIMEOUT_MS',
  'MANO_PACKAGE_MAX_UNPACKED_BYTES',
  'MANO_LCM_CONCURRENCY',
  'MANO_LCM_LEASE_MS',
  'MANO_VIM_CALL_TIMEOUT_MS',
  'MANO_PACKAGE_MAX_FILES',
  'MANO_PACKAGE_MAX_RATIO',
  'MANO_PACKAGE_CACHE_BYTES',
  'MANO_VIM_URL_DENY',
  'MANO_VIM_URL_ALLOW',
  'MANO_VIM_CATALOG_ANY_HOST',
  'MANO_TEST_DB',
  'MANO_TEST_PG_URL',
] as const;

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
    dbUrl,
    runMigrations: bool('MANO_DB_MIGRATIONS_RUN', true),
    adminPassword: adminPassword ?? 'admin',
    tokenTtlSeconds: int('MANO_TOKEN_TTL_SECONDS', 3600, 60, 30 * 24 * 3600),
    tlsCertFile: tlsCertFile && resolve(tlsCertFile),
    tlsKeyFile: tlsKeyFile && resolve(tlsKeyFile),
    maxBodyBytes: int('MANO_MAX_BODY_BYTES', 64 * 1024 * 1024, 1024, 4 * 1024 * 1024 * 1024),
    logFormat: oneOf('MANO_LOG_FORMAT', 'text', ['text', 'json'] as const),
    logLevel: oneOf('MANO_LOG_LEVEL', 'log', ['error', 'warn', 'log', 'debug'] as const),
    loginFailureDelayMs: int('MANO_LOGIN_FAILURE_DELAY_MS', 500, 0, 60000),
    secretKey,
    packageMaxUnpackedBytes: int('MANO_PACKAGE_MAX_UNPACKED_BYTES', 256 * 1024 * 1024, 1024, 8 * 1024 * 1024 * 1024),
    packageMaxFiles: int('MANO_PACKAGE_MAX_FILES', 2000, 1, 1_000_000),
    packageMaxRatio: int('MANO_PACKAGE_MAX_RATIO', 100, 2, 100_000),
    packageCacheBytes: int('MANO_PACKAGE_CACHE_BYTES', 256 * 1024 * 1024, 0, 64 * 1024 * 1024 * 1024),
    lcmConcurrency: int('MANO_LCM_CONCURRENCY', 32, 1, 1024),
    lcmLeaseMs: int('MANO_LCM_LEASE_MS', 30000, 1000, 3600000),
    vimCallTimeoutMs: int('MANO_VIM_CALL_TIMEOUT_MS', 120000, 100, 3600000),
    vimCheckTimeoutMs: int('MANO_VIM_CHECK_TIMEOUT_MS', 15000, 100, 600000),
  };
  if (config.httpPort !== 0 && config.httpPort === config.httpsPort) {
    problems.push('MANO_PORT and MANO_HTTP_PORT must differ');
  }
  if (problems.length > 0) {
    throw new ConfigError(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
  }
  return config;
}

export const APP_CONFIG = Symbol('APP_CONFIG');
