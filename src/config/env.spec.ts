import { ConfigError, loadConfig } from './env';

describe('loadConfig', () => {
  it('has working defaults', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({ httpsPort: 9999, httpPort: 9998, dbUrl: undefined, runMigrations: true, tokenTtlSeconds: 3600 });
    expect(c.adminPassword).toBe('admin');
  });

  it('reads every setting', () => {
    const c = loadConfig({
      MANO_DATA_DIR: '/tmp/x',
      MANO_PORT: '10443',
      MANO_HTTP_PORT: '0',
      MANO_DB_URL: 'postgres://u@h/db',
      MANO_DB_MIGRATIONS_RUN: 'false',
      MANO_ADMIN_PASSWORD: 'pw',
      MANO_LOG_FORMAT: 'json',
    });
    expect(c).toMatchObject({
      dataDir: '/tmp/x',
      httpsPort: 10443,
      httpPort: 0,
      dbUrl: 'postgres://u@h/db',
      runMigrations: false,
      adminPassword: 'pw',
      logFormat: 'json',
    });
  });

  it('worker and shutdown settings: an API-only replica needs PostgreSQL', () => {
    expect(loadConfig({})).toMatchObject({ worker: true, shutdown: { graceMs: 20_000, delayMs: 1000 } });
    const api = loadConfig({ MANO_WORKER: 'false', MANO_DB_URL: 'postgres://u@h/db', MANO_SHUTDOWN_GRACE_S: '5' });
    expect(api).toMatchObject({ worker: false, shutdown: { graceMs: 5000 } });
    expect(() => loadConfig({ MANO_WORKER: 'false' })).toThrow(/MANO_WORKER=false needs MANO_DB_URL/);
  });

  it('names every bad value at once', () => {
    let error: Error | undefined;
    try {
      loadConfig({ MANO_PORT: 'abc', MANO_DB_URL: 'mysql://x', MANO_LOG_FORMAT: 'xml', MANO_TYPO: '1', MANO_TLS_CERT: '/a' });
    } catch (e) {
      error = e as Error;
    }
    expect(error).toBeInstanceOf(ConfigError);
    for (const name of ['MANO_PORT', 'MANO_DB_URL', 'MANO_LOG_FORMAT', 'MANO_TYPO', 'MANO_TLS_CERT']) {
      expect(error!.message).toContain(name);
    }
  });

  it('binds plain HTTP to loopback and HTTPS to all interfaces unless told otherwise, with request limits', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({ httpHost: '127.0.0.1', bindAddress: '0.0.0.0', corsOrigins: [], maxJsonBodyBytes: 1024 * 1024 });
    expect(c).toMatchObject({ httpHeadersTimeoutMs: 20000, httpRequestTimeoutMs: 300000, httpKeepAliveTimeoutMs: 5000 });
    const wide = loadConfig({ MANO_HTTP_HOST: '0.0.0.0', MANO_CORS_ORIGINS: 'https://a.example, http://b.example:8080/' });
    expect(wide).toMatchObject({ httpHost: '0.0.0.0', corsOrigins: ['https://a.example', 'http://b.example:8080'] });
  });

  it('refuses a CORS wildcard or path, and a headers timeout longer than the request timeout', () => {
    expect(() => loadConfig({ MANO_CORS_ORIGINS: '*' })).toThrow(/MANO_CORS_ORIGINS/);
    expect(() => loadConfig({ MANO_CORS_ORIGINS: 'https://a.example/app' })).toThrow(/MANO_CORS_ORIGINS/);
    expect(() => loadConfig({ MANO_HTTP_HEADERS_TIMEOUT_MS: '60000', MANO_HTTP_REQUEST_TIMEOUT_MS: '30000' })).toThrow(
      /MANO_HTTP_HEADERS_TIMEOUT_MS/,
    );
  });

  it('reads the auto-healing interval in seconds, fractions allowed, 0 for off', () => {
    expect(loadConfig({}).healingIntervalS).toBe(30);
    expect(loadConfig({ MANO_HEALING_INTERVAL_S: '0.25' }).healingIntervalS).toBe(0.25);
    expect(loadConfig({ MANO_HEALING_INTERVAL_S: '0' }).healingIntervalS).toBe(0);
    for (const bad of ['-1', 'soon', '1e3', '90000'])
      expect(() => loadConfig({ MANO_HEALING_INTERVAL_S: bad })).toThrow(/MANO_HEALING_INTERVAL_S/);
  });

  it("checks the emulator's script sandbox settings", () => {
    expect(() => loadConfig({ MANO_EMULATOR_EXEC: 'unsafe', MANO_EMULATOR_EXEC_UIDS: '70000-70999' })).not.toThrow();
    expect(() => loadConfig({ MANO_EMULATOR_EXEC: 'off' })).toThrow(/MANO_EMULATOR_EXEC='off' must be bwrap or unsafe/);
    expect(() => loadConfig({ MANO_EMULATOR_EXEC_UIDS: '60000-70000' })).toThrow(/not holding 65534/);
    expect(() => loadConfig({ MANO_EMULATOR_EXEC_UIDS: '0-99' })).toThrow(/MANO_EMULATOR_EXEC_UIDS/);
  });

  it('refuses the same port for HTTP and HTTPS', () => {
    expect(() => loadConfig({ MANO_PORT: '8000', MANO_HTTP_PORT: '8000' })).toThrow(/differ/);
  });

  it('checks the VIM URL policy and the package cache size at start', () => {
    expect(loadConfig({ MANO_VIM_URL_DENY: 'default,10.0.0.0/8', MANO_PACKAGE_CACHE_BYTES: '0' }).packageCacheBytes).toBe(0);
    expect(() => loadConfig({ MANO_VIM_URL_DENY: '10.0.0.0/40' })).toThrow(/MANO_VIM_URL_DENY: '10.0.0.0\/40' has a bad prefix/);
    expect(() => loadConfig({ MANO_VIM_URL_ALLOW: 'http://x' })).toThrow(/MANO_VIM_URL_ALLOW/);
    expect(() => loadConfig({ MANO_VIM_CATALOG_ANY_HOST: 'maybe' })).toThrow(
      /MANO_VIM_CATALOG_ANY_HOST='maybe' must be true or false/,
    );
  });

  it('reads the metrics settings: a token by default, public or a separate loopback listener when asked', () => {
    expect(loadConfig({})).toMatchObject({ metricsPublic: false, metricsPort: 0, metricsHost: '127.0.0.1' });
    const c = loadConfig({ MANO_METRICS_PUBLIC: 'true', MANO_METRICS_PORT: '9100', MANO_METRICS_HOST: '0.0.0.0' });
    expect(c).toMatchObject({ metricsPublic: true, metricsPort: 9100, metricsHost: '0.0.0.0' });
    expect(() => loadConfig({ MANO_METRICS_PORT: '9998' })).toThrow(/MANO_METRICS_PORT must differ/);
    expect(() => loadConfig({ MANO_LOG_FORMAT: 'xml' })).toThrow(/MANO_LOG_FORMAT='xml' must be one of json, pretty, text/);
  });
});
