import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fakeApiServer } from '../../vim-adapters/kubernetes/test/fake-apiserver';
import { fakeOpenstack } from '../../vim-adapters/openstack/test/fake-openstack';
import { AccountOperations } from '../../src/vims/account-operations';
import { asJson, TestApp, useTestApp } from '../utils/test-app';

/** VIM URLs are user input: where registration lets the orchestrator connect to, and what it echoes back (SSRF). */
describe('VIM URLs (SSRF)', () => {
  let t: TestApp;
  let admin: string;
  useTestApp((app, token) => {
    t = app;
    admin = token;
  });
  const closers: (() => Promise<void>)[] = [];
  afterAll(() => Promise.all(closers.map((c) => c())));

  const openstack = (name: string, vim_url: string, config: object = {}) => ({
    name,
    vim_type: 'openstack',
    vim_url,
    vim_user: 'osm',
    vim_password: 'pw',
    vim_tenant_name: 'osm',
    config,
  });
  const register = (body: object) => asJson(t.http.post('/osm/admin/v1/vim_accounts'), admin).send(body);
  const status = async (id: string) => {
    await t.app.get(AccountOperations).idle();
    return (await asJson(t.http.get(`/osm/admin/v1/vim_accounts/${id}`), admin).expect(200)).body._admin;
  };

  it('refuses non-http(s) and metadata/link-local VIM URLs with 422 naming vim_url, storing nothing', async () => {
    const cases: [string, RegExp][] = [
      ['file:///etc/passwd', /^vim_url: must be an http:\/\/ or https:\/\/ URL, not file:$/],
      ['gopher://127.0.0.1:11211/', /^vim_url: must be an http:\/\/ or https:\/\/ URL, not gopher:$/],
      ['http://169.254.169.254/', /^vim_url: 169\.254\.169\.254 is denied by MANO_VIM_URL_DENY \(169\.254\.0\.0\/16\)$/],
      ['http://2852039166/latest/', /^vim_url: 169\.254\.169\.254 is denied by MANO_VIM_URL_DENY/],
      ['http://[::ffff:169.254.169.254]/', /^vim_url: ::ffff:a9fe:a9fe is denied by MANO_VIM_URL_DENY/],
      ['http://metadata.google.internal/computeMetadata/v1/', /^vim_url: metadata\.google\.internal is denied/],
    ];
    for (const [i, [url, detail]] of cases.entries()) {
      const res = await register(openstack(`ssrf-${i}`, url)).expect(422);
      expect(res.body).toMatchObject({ code: 'UNPROCESSABLE_ENTITY', status: 422, detail: expect.stringMatching(detail) });
      expect(res.body.errors[0].path).toBe('vim_url');
    }
    const list = await asJson(t.http.get('/osm/admin/v1/vim_accounts'), admin).expect(200);
    expect(list.body.filter((v: { name: string }) => v.name.startsWith('ssrf-'))).toEqual([]);
  });

  it('ends ERROR, without connecting, when the VIM host name resolves to a denied address', async () => {
    const k = await fakeOpenstack({});
    closers.push(() => k.close());
    const saved = process.env.MANO_VIM_URL_DENY;
    process.env.MANO_VIM_URL_DENY = 'default,127.0.0.0/8,::1';
    try {
      const res = await register(openstack('rebound', `http://localhost:${new URL(k.url).port}/v3`)).expect(202);
      const admin_ = await status(res.body.id);
      expect(admin_.operationalState).toBe('ERROR');
      expect(admin_['detailed-status']).toMatch(
        /^Keystone at http:\/\/localhost:\d+\/v3: refused to connect: localhost \((127\.0\.0\.1|::1)\) is denied by MANO_VIM_URL_DENY \((127\.0\.0\.0\/8|::1)\)$/,
      );
      expect(k.calls).toEqual([]);
    } finally {
      if (saved === undefined) delete process.env.MANO_VIM_URL_DENY;
      else process.env.MANO_VIM_URL_DENY = saved;
    }
  });

  it('does not follow a Keystone catalog to another host: ERROR saying so; followed once the account allows the host', async () => {
    const hits: string[] = [];
    const other: Server = createServer((req, res) => {
      hits.push(`${req.method} ${req.url}`);
      res.writeHead(200, { 'Content-Type': 'application/json', Connection: 'close' });
      res.end(JSON.stringify({ version: { id: 'v2.1', version: '2.90' } }));
    });
    await new Promise<void>((r) => other.listen(0, '127.0.0.2', r));
    closers.push(() => new Promise((r) => other.close(() => r())));
    const elsewhere = `http://127.0.0.2:${(other.address() as AddressInfo).port}`;
    const k = await fakeOpenstack({
      'POST /v3/auth/tokens': () => ({
        status: 201,
        headers: { 'X-Subject-Token': 'tok' },
        body: {
          token: {
            expires_at: new Date(Date.now() + 3600_000).toISOString(),
            project: { id: 'p1' },
            catalog: [{ type: 'compute', name: 'nova', endpoints: [{ interface: 'public', url: `${elsewhere}/compute` }] }],
          },
        },
      }),
    });
    closers.push(() => k.close());

    const res = await register(openstack('catalog-elsewhere', `${k.url}/v3`)).expect(202);
    const refused = await status(res.body.id);
    expect(refused.operationalState).toBe('ERROR');
    expect(refused['detailed-status']).toBe(
      "the Keystone catalog sends compute to 127.0.0.2, not to vim_url's host 127.0.0.1: not followed (allow it with config.allow_catalog_hosts, or MANO_VIM_CATALOG_ANY_HOST=true)",
    );
    expect(hits).toEqual([]);

    const ok = await register(openstack('catalog-allowed', `${k.url}/v3`, { allow_catalog_hosts: ['127.0.0.2'] })).expect(202);
    expect((await status(ok.body.id)).operationalState).toBe('ENABLED');
    expect(hits).toEqual(['GET /compute/']);
    await register(openstack('catalog-bad', `${k.url}/v3`, { allow_catalog_hosts: [{ a: 1 }] })).expect(422);
  });

  it('checks a Kubernetes cluster server too: 422 naming the kubeconfig field; ERROR without a request when its name resolves to a denied address', async () => {
    const api = await fakeApiServer();
    closers.push(() => api.close());
    type Kubeconfig = { clusters: { cluster: { server: string } }[] };
    const kubernetes = (name: string, server: string) => {
      const kubeconfig = structuredClone(api.kubeconfig) as Kubeconfig;
      kubeconfig.clusters[0].cluster.server = server;
      return {
        name,
        vim_type: 'kubernetes',
        vim_url: api.url,
        vim_user: 'k8s',
        vim_password: 'x',
        vim_tenant_name: 'k8s',
        config: { kubeconfig },
      };
    };
    const res = await register(kubernetes('k8s-metadata', 'http://169.254.169.254')).expect(422);
    expect(res.body).toMatchObject({
      status: 422,
      detail: expect.stringMatching(
        /config\.kubeconfig\.clusters\[0\]\.cluster\.server: 169\.254\.169\.254 is denied by MANO_VIM_URL_DENY \(169\.254\.0\.0\/16\)/,
      ),
    });
    expect(JSON.stringify(res.body.errors)).toContain('config.kubeconfig.clusters[0].cluster.server');

    const saved = process.env.MANO_VIM_URL_DENY;
    process.env.MANO_VIM_URL_DENY = 'default,127.0.0.0/8,::1';
    try {
      const server = api.url.replace('127.0.0.1', 'localhost');
      const created = await register(kubernetes('k8s-rebound', server)).expect(202);
      const admin_ = await status(created.body.id);
      expect(admin_.operationalState).toBe('ERROR');
      expect(admin_['detailed-status']).toMatch(
        /^Kubernetes API at https:\/\/localhost:\d+: refused to connect: localhost \((127\.0\.0\.1|::1)\) is denied by MANO_VIM_URL_DENY \((127\.0\.0\.0\/8|::1)\)$/,
      );
      expect(api.requests).toEqual([]);
    } finally {
      if (saved === undefined) delete process.env.MANO_VIM_URL_DENY;
      else process.env.MANO_VIM_URL_DENY = saved;
    }
  });
});
