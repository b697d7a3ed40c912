import { request as httpRequest, IncomingHttpHeaders, Server } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { statSync } from 'node:fs';
import { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { createHttpListener, createHttpsListener, listen } from '../../src/common/http/listeners';
import { loadOrCreateCertificate } from '../../src/tls/certificate';
import { asJson, createTestDatabase, startTestApp, TestApp, TestDatabase } from '../utils/test-app';

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  ms: number;
}

/** A raw request (any headers, any body, no Content-Type at all if so wished), as curl would send it. */
function send(
  port: number,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: Buffer | string,
  tls = false,
): Promise<Answer> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const req = (tls ? httpsRequest : httpRequest)(
      { host: '127.0.0.1', port, method, path, headers, rejectUnauthorized: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode!,
            headers: res.headers,
            body: Buffer.concat(chunks).toString(),
            ms: Date.now() - started,
          }),
        );
      },
    );
    // the server may answer and close before the whole body is sent: the answer is what counts
    req.on('error', (e: NodeJS.ErrnoException) => (['EPIPE', 'ECONNRESET'].includes(e.code ?? '') ? undefined : reject(e)));
    req.end(body);
  });
}

const json = (a: Answer): Record<string, unknown> => JSON.parse(a.body) as Record<string, unknown>;
const PACKAGES = '/osm/vnfpkgm/v1/vnf_packages_content';

describe('HTTP hardening and request limits', () => {
  let db: TestDatabase;
  let t: TestApp;
  let admin: string;
  let http: Server;
  let https: Server;
  let port: number;
  let tlsPort: number;

  beforeAll(async () => {
    db = await createTestDatabase();
    t = await startTestApp(db, { maxJsonBodyBytes: 64 * 1024, maxBodyBytes: 16 * 1024 * 1024, httpHeadersTimeoutMs: 1500 });
    admin = await t.login();
    const handler = t.app.getHttpAdapter().getInstance();
    http = createHttpListener(handler, t.config);
    await listen(http, 0, '127.0.0.1');
    port = (http.address() as AddressInfo).port;
    https = createHttpsListener(handler, await loadOrCreateCertificate(t.config), t.config);
    await listen(https, 0, '127.0.0.1');
    tlsPort = (https.address() as AddressInfo).port;
  });
  afterAll(async () => {
    http.closeAllConnections();
    https.closeAllConnections();
    await Promise.all([http, https].map((s) => new Promise((r) => s.close(r))));
    await t.close();
    await db.drop();
  });

  const auth = (): Record<string, string> => ({ Authorization: `Bearer ${admin}`, Accept: 'application/json' });

  it('refuses an unauthenticated 8 MiB body with 401 before reading it, and /healthz answers meanwhile', async () => {
    const body = Buffer.from('- 1\n'.repeat(2 * 1024 * 1024)); // 8 MiB of a hostile YAML list
    const health: number[] = [];
    let polling = true;
    const poll = (async () => {
      while (polling) {
        const h = await send(port, 'GET', '/healthz', {});
        expect(h.status).toBe(200);
        health.push(h.ms);
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    const anonymous = await send(
      port,
      'POST',
      PACKAGES,
      { 'Content-Type': 'application/yaml', Accept: 'application/json' },
      body,
    );
    // the same 8 MiB from an authenticated user to an upload route: read, then refused by the parse limits
    const hostile = await send(port, 'POST', PACKAGES, { ...auth(), 'Content-Type': 'application/yaml' }, body);
    polling = false;
    await poll;
    console.log(
      `8 MiB YAML: unauthenticated ${anonymous.status} in ${anonymous.ms} ms; authenticated ${hostile.status} in ${hostile.ms} ms; ` +
        `/healthz ${health.length} answers, slowest ${Math.max(...health)} ms`,
    );
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.connection).toBe('close');
    expect(json(anonymous)).toMatchObject({ code: 'UNAUTHORIZED', status: 401 });
    expect(hostile.status).toBe(413);
    expect(json(hostile)).toMatchObject({
      code: 'REQUEST_ENTITY_TOO_LARGE',
      status: 413,
      detail: expect.stringMatching(/YAML tokens/),
    });
    expect(health.length).toBeGreaterThan(0);
    expect(Math.max(...health)).toBeLessThan(5000); // generous: the loop is never held for the parse
  });

  it('parses a 1 MiB `[1,1,…]` body quickly as JSON, refuses its YAML-only twin by its token count, and a large body with 413', async () => {
    const items = Array(512 * 1024 - 1).fill('1');
    const asJsonText = `[${items.join(',')}]`; // 1 MiB: what osmclient's JSON-in-YAML looks like
    const fast = await send(port, 'POST', PACKAGES, { ...auth(), 'Content-Type': 'application/yaml' }, asJsonText);
    const yamlOnly = `# not JSON\n[${items.join(',')}]`;
    const slow = await send(port, 'POST', PACKAGES, { ...auth(), 'Content-Type': 'application/yaml' }, yamlOnly);
    console.log(`1 MiB [1,1,…]: as JSON ${fast.status} in ${fast.ms} ms; as YAML ${slow.status} in ${slow.ms} ms`);
    expect(fast.status).toBe(422); // parsed (a list holds no descriptor), not stalled
    expect(fast.ms).toBeLessThan(5000);
    expect([slow.status, json(slow).detail]).toEqual([413, expect.stringMatching(/YAML tokens/)]);
    const big = await send(
      port,
      'POST',
      '/osm/admin/v1/projects',
      { ...auth(), 'Content-Type': 'application/json' },
      `{"name":"${'x'.repeat(70 * 1024)}"}`,
    );
    expect(big.status).toBe(413);
    expect(json(big)).toMatchObject({
      code: 'REQUEST_ENTITY_TOO_LARGE',
      status: 413,
      detail: expect.stringContaining('MANO_MAX_JSON_BODY_BYTES'),
    });
    // a chunked body (no Content-Length) is cut at the limit too
    const chunked = await send(
      port,
      'POST',
      '/osm/admin/v1/projects',
      { ...auth(), 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' },
      `{"name":"${'x'.repeat(70 * 1024)}"}`,
    );
    expect(chunked.status).toBe(413);
  });

  it('gives upload routes MANO_MAX_BODY_BYTES and the token route 16 KiB', async () => {
    const upload = await send(
      port,
      'POST',
      PACKAGES,
      { ...auth(), 'Content-Type': 'application/gzip' },
      Buffer.alloc(1024 * 1024, 7),
    );
    expect(upload.status).not.toBe(413); // 1 MiB of garbage: read, then refused as no package
    expect(upload.status).toBeGreaterThanOrEqual(400);
    expect(upload.status).toBeLessThan(500);
    const login = await send(
      port,
      'POST',
      '/osm/admin/v1/tokens',
      { 'Content-Type': 'application/json', Accept: 'application/json' },
      JSON.stringify({ username: 'admin', password: 'x'.repeat(17 * 1024) }),
    );
    expect(login.status).toBe(413);
    expect(json(login).detail).toMatch(/unauthenticated/);
  });

  it("answers curl's default form content type with 415, and reads a body without Content-Type as YAML (OSM)", async () => {
    const form = await send(
      port,
      'POST',
      '/osm/admin/v1/projects',
      { ...auth(), 'Content-Type': 'application/x-www-form-urlencoded' },
      'name=formed',
    );
    expect(form.status).toBe(415);
    expect(json(form)).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE', status: 415 });
    const bare = await send(port, 'POST', '/osm/admin/v1/projects', auth(), 'name: bare-yaml\n');
    expect(bare.status).toBe(201);
    const gzipped = await send(
      port,
      'POST',
      '/osm/admin/v1/projects',
      { ...auth(), 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' },
      'xx',
    );
    expect(gzipped.status).toBe(415);
  });

  it('answers hostile YAML with 400 naming the reason, never 5xx', async () => {
    const post = (body: string | Buffer) =>
      send(port, 'POST', '/osm/admin/v1/projects', { ...auth(), 'Content-Type': 'application/yaml' }, body);
    const tag = await post('name: !!python/object/apply:os.system ["id"]\n');
    expect([tag.status, json(tag).detail]).toEqual([400, expect.stringMatching(/custom tags/)]);
    const deep = await post(`name: ${'['.repeat(200)}${']'.repeat(200)}\n`);
    expect([deep.status, json(deep).detail]).toEqual([400, expect.stringMatching(/nesting/)]);
    const bomb = await post(
      'a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n',
    );
    expect(bomb.status).toBe(400);
    const latin1 = await post(Buffer.from([0x6e, 0x61, 0x6d, 0x65, 0x3a, 0x20, 0xe9, 0x0a]));
    expect([latin1.status, json(latin1).detail]).toEqual([400, expect.stringMatching(/UTF-8/)]);
  });

  it('sets the security headers on every answer, HSTS only over HTTPS, and no X-Powered-By', async () => {
    const answers = [
      await send(port, 'GET', '/osm/version', { Accept: 'application/json' }),
      await send(port, 'GET', '/osm/admin/v1/users', { Accept: 'application/json' }), // 401
      await send(port, 'GET', '/nowhere', {}), // 404
      await send(port, 'GET', '/docs', {}),
    ];
    for (const a of answers) {
      expect(a.headers['x-content-type-options']).toBe('nosniff');
      expect(a.headers['referrer-policy']).toBe('no-referrer');
      expect(a.headers['x-powered-by']).toBeUndefined();
      expect(a.headers['strict-transport-security']).toBeUndefined();
      expect(a.headers['content-security-policy']).toMatch(/frame-ancestors 'none'/);
      expect(a.headers['access-control-allow-origin']).toBeUndefined();
    }
    expect(answers[0].headers['content-security-policy']).toMatch(/^default-src 'none'/);
    // the Swagger UI still loads: every script it references is served from here, none is inline
    const docs = answers[3];
    expect(docs.status).toBe(200);
    expect(docs.headers['content-security-policy']).toMatch(/script-src 'self'/);
    const scripts = [...docs.body.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const [, attrs, inline] of scripts) {
      expect(inline.trim()).toBe('');
      const src = new URL(/src="([^"]+)"/.exec(attrs)![1], 'http://127.0.0.1/docs').pathname;
      const asset = await send(port, 'GET', src, {});
      expect([src, asset.status]).toEqual([src, 200]);
      expect(asset.headers['content-security-policy']).toMatch(/script-src 'self'/);
    }
    const overTls = await send(tlsPort, 'GET', '/osm/version', { Accept: 'application/json' }, undefined, true);
    expect(overTls.status).toBe(200);
    expect(overTls.headers['strict-transport-security']).toMatch(/max-age=\d+/);
  });

  it('keeps the data directory private: 0700, its database, secret key and TLS key 0600', () => {
    const mode = (f: string): string => (statSync(join(t.config.dataDir, f)).mode & 0o777).toString(8);
    expect(mode('.')).toBe('700');
    expect(mode('tls')).toBe('700');
    expect(mode('tls/server.key')).toBe('600');
    expect(mode('secret.key')).toBe('600');
    if (!t.config.dbUrl) {
      // SQLite gives its -wal and -shm files the database file's mode
      for (const f of ['mano.sqlite', 'mano.sqlite-wal', 'mano.sqlite-shm']) expect([f, mode(f)]).toEqual([f, '600']);
    }
  });

  it('speaks TLS 1.2 or newer with forward-secret AEAD ciphers only', async () => {
    const handshake = (options: Record<string, unknown>): Promise<{ ok: boolean; version?: string; cipher?: string }> =>
      new Promise((resolve) => {
        const socket = tlsConnect({ host: '127.0.0.1', port: tlsPort, rejectUnauthorized: false, ...options }, () => {
          const r = { ok: true, version: socket.getProtocol() ?? undefined, cipher: socket.getCipher().name };
          socket.end();
          resolve(r);
        });
        socket.on('error', () => resolve({ ok: false }));
      });
    expect((await handshake({ minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' })).ok).toBe(false);
    expect(await handshake({ maxVersion: 'TLSv1.2', ciphers: 'AES128-SHA:AES256-SHA:AES128-GCM-SHA256' })).toEqual({ ok: false });
    const tls12 = await handshake({ maxVersion: 'TLSv1.2' });
    expect(tls12).toMatchObject({ ok: true, version: 'TLSv1.2', cipher: expect.stringMatching(/^ECDHE-.*(GCM|CHACHA20)/) });
    expect(await handshake({})).toMatchObject({ ok: true, version: 'TLSv1.3' });
  });

  it('drops a client that sends its headers too slowly (MANO_HTTP_HEADERS_TIMEOUT_MS)', async () => {
    const { connect } = await import('node:net');
    const started = Date.now();
    const closed = await new Promise<string>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n'));
      let answer = '';
      socket.on('data', (d) => (answer += d.toString()));
      const drip = setInterval(() => socket.write('X-Slow: 1\r\n'), 200);
      const stop = setTimeout(() => socket.destroy(), 15_000);
      socket.on('close', () => {
        clearTimeout(stop);
        clearInterval(drip);
        resolve(answer.split('\r\n')[0]);
      });
    });
    console.log(`slow headers dropped after ${Date.now() - started} ms: '${closed}'`);
    expect(closed).toBe('HTTP/1.1 408 Request Timeout');
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('answers only configured origins when CORS is on', async () => {
    const db2 = await createTestDatabase();
    const t2 = await startTestApp(db2, { corsOrigins: ['https://portal.example.com'] });
    try {
      const preflight = (origin: string) =>
        t2.http.options('/osm/admin/v1/users').set('Origin', origin).set('Access-Control-Request-Method', 'GET');
      const allowed = await preflight('https://portal.example.com');
      expect(allowed.status).toBeLessThan(300);
      expect(allowed.headers['access-control-allow-origin']).toBe('https://portal.example.com');
      expect(allowed.headers['access-control-allow-credentials']).toBeUndefined();
      const other = await preflight('https://evil.example.com');
      expect(other.headers['access-control-allow-origin']).toBeUndefined();
      const get = await asJson(t2.http.get('/osm/version')).set('Origin', 'https://portal.example.com').expect(200);
      expect(get.headers['access-control-allow-origin']).toBe('https://portal.example.com');
    } finally {
      await t2.close();
      await db2.drop();
    }
    // and off by default: no preflight answer grants anything
    const off = await t.http
      .options('/osm/admin/v1/users')
      .set('Origin', 'https://portal.example.com')
      .set('Access-Control-Request-Method', 'GET');
    expect(off.headers['access-control-allow-origin']).toBeUndefined();
  });
});
