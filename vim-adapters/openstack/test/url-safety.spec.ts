import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { VimAccount, VimError } from '../../contract/src';
import { memoryStore } from '../../contract/test/memory-store';
import { openstackFactory } from '../src';
import { fakeOpenstack, openstackAccount } from './fake-openstack';

/** Where VIM URLs and what the cloud answers may send the adapter (SSRF), and what of the answers is echoed. */
const account = openstackAccount;
const ping = async (a: VimAccount) =>
  (
    await openstackFactory.connect(openstackFactory.parseAccount(a), {
      store: memoryStore(),
      workDir: '/x',
      log: () => undefined,
    })
  )
    .ping()
    .then(
      (h) => h,
      (e: unknown) => e as VimError,
    );
/** A Keystone token whose catalog sends every service to `base`. */
const tokenWithCatalog = (base: string) => () => ({
  status: 201,
  headers: { 'X-Subject-Token': 'gAAAAABsecret-token-value-0123456789abcdef' },
  body: {
    token: {
      expires_at: new Date(Date.now() + 3600_000).toISOString(),
      project: { id: 'p1' },
      catalog: ['compute', 'network'].map((type) => ({
        type,
        name: type,
        endpoints: [{ interface: 'public', region: 'RegionOne', url: `${base}/${type}` }],
      })),
    },
  },
});

describe('OpenStack adapter: VIM URLs and the catalog go only where they may', () => {
  const closers: (() => Promise<void>)[] = [];
  afterAll(() => Promise.all(closers.map((c) => c())));
  /** A Nova elsewhere (another loopback address = another host), counting what reaches it. */
  let elsewhere: { url: string; hits: string[] };
  beforeAll(async () => {
    const hits: string[] = [];
    const server: Server = createServer((req, res) => {
      hits.push(`${req.method} ${req.url}`);
      res.writeHead(200, { 'Content-Type': 'application/json', Connection: 'close' });
      res.end(JSON.stringify({ version: { id: 'v2.1', version: '2.90' } }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.2', r));
    closers.push(() => new Promise((r) => server.close(() => r())));
    elsewhere = { url: `http://127.0.0.2:${(server.address() as AddressInfo).port}`, hits };
  });
  const keystone = async (routes: Parameters<typeof fakeOpenstack>[0]) => {
    const s = await fakeOpenstack(routes);
    closers.push(() => s.close());
    return s;
  };

  it('does not follow a catalog to another host unless config.allow_catalog_hosts names it', async () => {
    const k = await keystone({ 'POST /v3/auth/tokens': tokenWithCatalog(elsewhere.url) });
    const refused = await ping(account(k.url));
    expect(refused).toMatchObject({ code: 'VIM.CONFIG_INVALID', retryable: false, path: 'config.allow_catalog_hosts' });
    expect((refused as VimError).message).toBe(
      "the Keystone catalog sends compute to 127.0.0.2, not to vim_url's host 127.0.0.1: not followed (allow it with config.allow_catalog_hosts, or MANO_VIM_CATALOG_ANY_HOST=true)",
    );
    expect(elsewhere.hits).toEqual([]);

    const allowed = await ping(account(k.url, { allow_catalog_hosts: ['127.0.0.2'] }));
    expect(allowed).toMatchObject({ ok: true });
    expect(elsewhere.hits).toEqual(['GET /compute/']);
  });

  it('never follows a catalog into a denied network, even with every host allowed', async () => {
    const k = await keystone({ 'POST /v3/auth/tokens': tokenWithCatalog('http://169.254.169.254/latest/meta-data') });
    const refused = await ping(account(k.url, { allow_catalog_hosts: '*' }));
    expect(refused).toMatchObject({ code: 'VIM.CONFIG_INVALID', retryable: false });
    expect((refused as VimError).message).toMatch(/169\.254\.169\.254 is denied by MANO_VIM_URL_DENY \(169\.254\.0\.0\/16\)/);
  });

  it('checks the addresses a VIM host name resolves to (MANO_VIM_URL_DENY applied after DNS)', async () => {
    const k = await keystone({});
    const port = new URL(k.url).port;
    const saved = process.env.MANO_VIM_URL_DENY;
    process.env.MANO_VIM_URL_DENY = 'default,127.0.0.0/8,::1';
    try {
      // `localhost` passes the URL check (a name), its addresses do not
      const refused = await ping(account(`http://localhost:${port}`));
      expect(refused).toMatchObject({ code: 'VIM.CONFIG_INVALID', retryable: false, path: 'vim_url' });
      expect((refused as VimError).message).toMatch(
        /refused to connect: localhost \((127\.0\.0\.1|::1)\) is denied by MANO_VIM_URL_DENY/,
      );
      expect(k.calls).toEqual([]);
    } finally {
      if (saved === undefined) delete process.env.MANO_VIM_URL_DENY;
      else process.env.MANO_VIM_URL_DENY = saved;
    }
  });

  it('does not follow redirects, and echoes no page, markup, control characters or tokens from an error', async () => {
    const redirect = await keystone({
      'POST /v3/auth/tokens': () => ({ status: 302, headers: { Location: 'http://169.254.169.254/' }, body: {} }),
    });
    expect(await ping(account(redirect.url))).toMatchObject({
      code: 'VIM.INVALID_REQUEST',
      message: expect.stringMatching(/HTTP 302/),
    });

    const page = `<html><head><title>Oops</title></head><body>${'<p>internal detail</p>'.repeat(200)}</body></html>`;
    const k = await keystone({ 'GET /compute/': () => ({ status: 500, body: page }) });
    expect(await ping(account(k.url))).toMatchObject({
      code: 'VIM.UNREACHABLE',
      message: 'compute GET /: HTTP 500: HTML page: Oops',
    });
    const noisy = await keystone({
      'POST /v3/auth/tokens': () => ({
        status: 400,
        body: { error: { message: `bad\u001b[2J\r\nX-Auth-Token: gAAAAABleak-leak-leak-leak-leak\r\n${'y'.repeat(400)} z` } },
      }),
    });
    const message = ((await ping(account(noisy.url))) as VimError).message;
    expect([...message].some((ch) => ch.charCodeAt(0) < 32)).toBe(false);
    expect(message).not.toContain('leak');
    expect(message).toContain('X-Auth-Token: ***');
    expect(message.length).toBeLessThan(300);
  });
});
