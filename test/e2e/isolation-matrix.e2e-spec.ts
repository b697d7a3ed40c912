import { DataSource } from 'typeorm';
import { TokenEntity } from '../../src/records/auth/token.entity';
import { FILTERED_WHEN_DENIED, Permissions, roleAllows } from '../../src/auth/permissions';
import { AUTHENTICATED_ONLY } from '../../src/auth/session';
import { AccountOperations } from '../../src/vims/account-operations';
import { emulatorId, onboardWebserver, settledOp } from '../utils/lcm';
import { RouteInfo, routesOf } from '../utils/routes';
import { Receiver } from '../utils/receiver';
import { asJson, TestApp, useTestApp } from '../utils/test-app';

/**
 * Project isolation, route by route: every route × method the router serves (read from Express's router, so a
 * new route is in the matrix without editing this file) is called on project B's records by project A's
 * project_admin, project_user and read-only member, by an anonymous caller and with a revoked and an expired token.
 * A cell leaks when it answers 2xx or 409 on one of B's records, answers differently than for a record that does
 * not exist, shows any of B's ids or names, or lets a caller without the route's permission through.
 */
const MISSING = '00000000-0000-4000-8000-000000000000';
const B_NAMES = [
  'ns-of-b',
  'vim-of-b',
  'wim-of-b',
  'sdn-of-b',
  'repo-of-b',
  'cluster-of-b',
  'pdu-of-b',
  'slice-of-b',
  'nsi-of-b',
  'role-of-b',
  'user-of-b',
];

describe('project isolation matrix', () => {
  jest.setTimeout(180_000); // the fixtures (B's NS and slice) are long to set up on a busy machine
  let t: TestApp;
  let admin: string;
  const b: Record<string, string> = {};
  const callers: { name: string; token?: string; permissions?: Permissions }[] = [];
  let routes: RouteInfo[] = [];
  let stopReceiver = async () => undefined as void;
  afterAll(() => stopReceiver());

  useTestApp(async (app, adminToken) => {
    t = app;
    admin = adminToken;
    routes = routesOf(t.app);
    const post = async (path: string, body: object, token = admin) =>
      (await asJson(t.http.post(path), token).send(body)).body as Record<string, string>;
    await post('/osm/admin/v1/projects', { name: 'A' });
    b.project = (await post('/osm/admin/v1/projects', { name: 'B' })).id;
    // a read-only member: every GET route's permission on project records, nothing else (reading users, projects
    // and roles is an administrator's power in OSM's model, not a project's)
    const reads = Object.fromEntries(
      routes
        .filter((r) => r.method === 'GET' && r.permission && r.permission !== AUTHENTICATED_ONLY)
        .filter((r) => !/^(users|projects|roles):/.test(r.permission!))
        .map((r) => [r.permission!, true]),
    );
    const readOnly = { default: false, ...reads };
    await post('/osm/admin/v1/roles', { name: 'read-only', permissions: readOnly });
    b.role = (await post('/osm/admin/v1/roles', { name: 'role-of-b', permissions: { default: true, admin: false } })).id;
    const roles = (await asJson(t.http.get('/osm/admin/v1/roles'), admin).expect(200)).body as {
      name: string;
      permissions: Permissions;
    }[];
    const perms = (name: string) => roles.find((r) => r.name === name)!.permissions;
    const user = async (username: string, project: string, role: string) =>
      (await post('/osm/admin/v1/users', { username, password: 'pw-1234', project_role_mappings: [{ project, role }] })).id;
    for (const [name, role] of [
      ['a-admin', 'project_admin'],
      ['a-user', 'project_user'],
      ['a-reader', 'read-only'],
    ]) {
      await user(name, 'A', role);
      callers.push({ name: `A ${role}`, token: await t.login(name, 'pw-1234'), permissions: perms(role) });
    }
    b.user = await user('user-of-b', 'B', 'role-of-b');
    const bt = await t.login('user-of-b', 'pw-1234');
    b.token = (await asJson(t.http.get('/osm/admin/v1/tokens'), bt).expect(200)).body[0]._id;

    // B's records: catalog, accounts, a running NS with its operation and VNF, on B's own emulator VIM
    const nsdId = await onboardWebserver(t, bt);
    b.nsd = nsdId;
    b.vnfd = (await asJson(t.http.get('/osm/vnfpkgm/v1/vnf_packages'), bt).expect(200)).body[0]._id;
    b.nst = (
      await asJson(t.http.post('/osm/nst/v1/netslice_templates_content'), bt)
        .set('Content-Type', 'application/yaml')
        .send(
          JSON.stringify({
            nst: [
              {
                id: 'slice-of-b',
                name: 'slice-of-b',
                'SNSSAI-identifier': { 'slice-service-type': 'eMBB' },
                'quality-of-service': { id: 1 },
                'netslice-subnet': [{ id: 'sub1', 'is-shared-nss': false, 'nsd-ref': 'webserver_ns' }],
              },
            ],
          }),
        )
        .expect(201)
    ).body.id;
    const account = { vim_user: 'u', vim_password: 'b-secret-pw', vim_tenant_name: 't' };
    b.vim = (
      await post(
        '/osm/admin/v1/vim_accounts',
        { name: 'vim-of-b', vim_type: 'emulator', vim_url: 'emulator://b', ...account },
        bt,
      )
    ).id;
    b.wim = (
      await post('/osm/admin/v1/wim_accounts', { name: 'wim-of-b', wim_type: 'odl', wim_url: 'http://127.0.0.1:1' }, bt)
    ).id;
    b.sdn = (await post('/osm/admin/v1/sdns', { name: 'sdn-of-b', type: 'opendaylight', url: 'http://127.0.0.1:1' }, bt)).id;
    b.prices = (await post('/osm/admin/v1/pla_price_lists', { name: 'prices-of-b', pil: [] }, bt)).id;
    b.repo = (await post('/osm/admin/v1/k8srepos', { name: 'repo-of-b', type: 'helm-chart', url: 'http://127.0.0.1:1' }, bt)).id;
    b.cluster = (
      await post(
        '/osm/admin/v1/k8sclusters',
        {
          name: 'cluster-of-b',
          credentials: {
            clusters: [{ name: 'c', cluster: { server: 'https://127.0.0.1:1' } }],
            users: [{ name: 'u', user: { token: 'b-secret-token' } }],
            contexts: [{ name: 'x', context: { cluster: 'c', user: 'u' } }],
            'current-context': 'x',
          },
          vim_account: b.vim,
          k8s_version: '1.32',
          nets: { net1: null },
        },
        bt,
      )
    ).id;
    b.pdu = (
      await post(
        '/osm/pdu/v1/pdu_descriptors',
        {
          name: 'pdu-of-b',
          type: 'gateway',
          vim_accounts: [b.vim],
          interfaces: [{ name: 'eth0', mgmt: true, 'ip-address': '10.0.0.1' }],
        },
        bt,
      )
    ).id;
    await t.app.get(AccountOperations).idle();
    const ns = await post('/osm/nslcm/v1/ns_instances_content', { nsName: 'ns-of-b', nsdId, vimAccountId: b.vim }, bt);
    b.ns = ns.id;
    b.op = ns.nslcmop_id;
    expect((await settledOp(t, bt, b.op)).operationState).toBe('COMPLETED');
    b.vnf = (await asJson(t.http.get(`/osm/nslcm/v1/vnf_instances?nsr-id-ref=${b.ns}`), bt).expect(200)).body[0]._id;
    // a running slice of B (its NST's one subnet is the webserver NS) and its instantiate operation
    const nsi = await post(
      '/osm/nsilcm/v1/netslice_instances_content',
      { nsiName: 'nsi-of-b', nstId: b.nst, vimAccountId: b.vim },
      bt,
    );
    b.nsi = nsi.id;
    b.nsiop = nsi.nsilcmop_id;
    expect((await settledSliceOp(bt, b.nsiop)).operationState).toBe('COMPLETED');
    const inventory = (await asJson(t.http.get(`/mano/v1/emulator/${b.vim}/inventory`), bt).expect(200)).body;
    b.compute = inventory.computes[0].name;
    // B's subscriptions, one per API, on a local receiver
    const receiver = await new Receiver().start();
    stopReceiver = () => receiver.stop();
    for (const api of ['nslcm', 'nsd', 'vnfpkgm', 'nsilcm'])
      b[`sub${api[0].toUpperCase()}${api.slice(1)}`] = (
        await post(`/osm/${api}/v1/subscriptions`, { callbackUri: `${receiver.url}/b-${api}` }, bt)
      ).id;
    for (const [k, v] of Object.entries(b)) expect([k, v]).toEqual([k, expect.any(String)]);

    // callers without a valid token
    callers.push({ name: 'anonymous' });
    await user('a-revoked', 'A', 'project_admin');
    const revoked = await t.login('a-revoked', 'pw-1234');
    await asJson(t.http.delete('/osm/admin/v1/tokens'), revoked).expect(200);
    callers.push({ name: 'revoked token', token: revoked });
    await user('a-expired', 'A', 'project_admin');
    const expired = await t.login('a-expired', 'pw-1234');
    const tokens = t.app.get(DataSource).getRepository(TokenEntity);
    await tokens.update(
      { userId: (await asJson(t.http.get('/osm/admin/v1/users/a-expired'), admin).expect(200)).body._id },
      { expires: 1 },
    );
    callers.push({ name: 'expired token', token: expired });
  }, {});

  /** The URL of a route on B's records (and on a record that does not exist); undefined for collection routes. */
  function urlsFor(path: string, method: string): { b: string; missing: string } | undefined {
    // logging out another's token by `?id=` (and not the caller's own, which would end its part of the matrix)
    if (path === '/osm/admin/v1/tokens' && method === 'DELETE')
      return { b: `${path}?id=${b.token}`, missing: `${path}?id=${MISSING.replace(/-/g, '')}` };
    if (!path.includes(':') && !path.includes('*')) return undefined;
    const rules: [RegExp, string][] = [
      [/^\/osm\/vnfpkgm\/v1\/vnf_packages/, b.vnfd],
      [/^\/osm\/nsd\/v1\/ns_descriptors/, b.nsd],
      [/^\/osm\/nsd\/v1\/pnf_descriptors/, b.nsd],
      [/^\/osm\/nslcm\/v1\/subscriptions\//, b.subNslcm],
      [/^\/osm\/nsd\/v1\/subscriptions\//, b.subNsd],
      [/^\/osm\/vnfpkgm\/v1\/subscriptions\//, b.subVnfpkgm],
      [/^\/osm\/nsilcm\/v1\/subscriptions\//, b.subNsilcm],
      [/^\/osm\/nst\/v1\//, b.nst],
      [/^\/osm\/pdu\/v1\//, b.pdu],
      [/^\/osm\/admin\/v1\/(vim_accounts|vims)\//, b.vim],
      [/^\/mano\/v1\/emulator\//, b.vim],
      [/^\/osm\/admin\/v1\/wim_accounts\//, b.wim],
      [/^\/osm\/admin\/v1\/sdns\//, b.sdn],
      [/^\/osm\/admin\/v1\/k8sclusters\//, b.cluster],
      [/^\/osm\/admin\/v1\/k8srepos\//, b.repo],
      [/^\/osm\/admin\/v1\/pla_price_lists\//, b.prices],
      [/^\/osm\/admin\/v1\/users\//, b.user],
      [/^\/osm\/admin\/v1\/projects\//, b.project],
      [/^\/osm\/admin\/v1\/roles\//, b.role],
      [/^\/osm\/admin\/v1\/tokens\//, b.token],
      // an NS's alarms: B's NS (its alarm id never reached: the NS is not found first)
      [/^\/osm\/nslcm\/v1\/ns_instances\/:id\/alarms/, b.ns],
      [/^\/osm\/nslcm\/v1\/ns_instances/, b.ns],
      [/^\/osm\/nslcm\/v1\/ns_lcm_op_occs\//, b.op],
      [/^\/osm\/nslcm\/v1\/(vnf_instances|vnfrs)\//, b.vnf],
      [/^\/osm\/nsilcm\/v1\/netslice_instances(_content)?\//, b.nsi],
      [/^\/osm\/nsilcm\/v1\/nsi_lcm_op_occs\//, b.nsiop],
    ];
    const id = rules.find(([re]) => re.test(path))?.[1];
    if (!id) throw new Error(`no record of B for route ${path}: add it to the isolation matrix`);
    const fill = (value: string) =>
      path
        .replace(/:(id|vimId)\b/g, value)
        .replace(/:name\b/, b.compute)
        .replace(/:alarmId\b/, MISSING)
        .replace(/\*\w+/, 'Scripts/cloud-init.cfg');
    return { b: fill(id), missing: fill(MISSING) };
  }

  /** A body that passes validation where validation comes before the lookup. */
  function bodyFor(path: string): object {
    if (path.endsWith('/cancel')) return { cancelMode: 'GRACEFUL' };
    if (/netslice_instances(_content)?(\/:id\/instantiate)?$/.test(path))
      return { nsiName: 'x', nstId: b.nst, vimAccountId: b.vim };
    if (/ns_instances(_content)?$|\/instantiate$/.test(path)) return { nsName: 'x', nsdId: b.nsd, vimAccountId: b.vim };
    return {};
  }

  async function settledSliceOp(token: string, id: string): Promise<Record<string, string>> {
    for (let i = 0; i < 600; i++) {
      const op = (await asJson(t.http.get(`/osm/nsilcm/v1/nsi_lcm_op_occs/${id}`), token).expect(200)).body;
      if (op.operationState !== 'PROCESSING' && op.operationState !== 'ROLLING_BACK') return op;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`slice operation ${id} did not settle`);
  }

  const call = (method: string, url: string, token: string | undefined, body: object) => {
    const req = t.http[method.toLowerCase() as 'get'](url).set('Accept', 'application/json');
    if (token) req.set('Authorization', `Bearer ${token}`);
    return method === 'GET' || method === 'DELETE' ? req : req.send(body);
  };

  /** B's ids and names that a response must not show (those the request itself named excepted). */
  const leakedIn = (text: string, request: string): string[] =>
    [...Object.values(b), ...B_NAMES].filter((v) => !request.includes(v) && v.length > 3 && text.includes(v));

  it('answers 404/401 on B’s records to every other caller, never B’s data, on every route', async () => {
    const leaks: string[] = [];
    const order = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];
    const cells = routes
      .filter((r) => !r.path.startsWith('/docs') && r.path !== '/healthz' && r.path !== '/readyz')
      .sort((x, y) => order.indexOf(x.method) - order.indexOf(y.method));
    let count = 0;
    for (const route of cells) {
      const urls = urlsFor(route.path, route.method);
      for (const caller of callers) {
        count++;
        const body = bodyFor(route.path);
        const url = urls?.b ?? route.path;
        const res = await call(route.method, url, caller.token, body);
        const cell = `${caller.name} ${route.method} ${url} → ${res.status}`;
        const request = `${url} ${JSON.stringify(body)}`;
        if (res.status >= 500 && res.status !== 501) leaks.push(`${cell}: server error ${res.text.slice(0, 200)}`);
        const shown = leakedIn(res.text, request);
        if (shown.length) leaks.push(`${cell}: shows ${shown.join(', ')}`);
        if (route.isPublic) continue;
        if (!caller.permissions) {
          if (res.status !== 401) leaks.push(`${cell}: expected 401 without a valid token`);
          continue;
        }
        const op = route.permission!;
        const granted = op === AUTHENTICATED_ONLY || roleAllows(caller.permissions, op) || FILTERED_WHEN_DENIED.includes(op);
        if (!granted && res.status !== 401) leaks.push(`${cell}: role lacks ${op}, expected 401`);
        if (!urls) continue;
        if ((res.status >= 200 && res.status < 300) || res.status === 409 || res.status === 403)
          leaks.push(`${cell}: acted on B's record`);
        const missing = await call(route.method, urls.missing, caller.token, body);
        // a token's id is the SHA-256 of a secret bearer token, shown only to its owner: answering "not yours" (401,
        // as OSM) instead of 404 tells nothing to whoever cannot already see it
        const tokenRoute = route.path.startsWith('/osm/admin/v1/tokens');
        if (missing.status !== res.status && !(tokenRoute && res.status === 401 && missing.status === 404))
          leaks.push(`${cell}: a missing record answers ${missing.status} (existence leaks)`);
      }
    }
    const routeCount = new Set(cells.map((r) => `${r.method} ${r.path}`)).size;
    console.log(`Project isolation: ${routeCount} routes × ${callers.length} callers = ${count} cells, ${leaks.length} leaks`);
    expect(leaks).toEqual([]);
    expect(routeCount).toBeGreaterThan(100);
  }, 600_000);

  it('never widens a list with filters, ADMIN or PUBLIC', async () => {
    const lists = routes.filter((r) => r.method === 'GET' && !r.isPublic && !r.path.includes(':') && r.path.startsWith('/osm'));
    const variants = [
      '',
      '?name=ns-of-b',
      `?_admin.projects_read=${b.project}`,
      `?_admin.projects_read.cont=${b.project}`,
      '?PUBLIC=true',
      '?PUBLIC=false',
      '?ADMIN',
      `?ADMIN=${b.project}`,
      `?ADMIN=B&name=vim-of-b`,
    ];
    const leaks: string[] = [];
    for (const route of lists)
      for (const caller of callers.filter((c) => c.permissions))
        for (const v of variants) {
          const res = await call('GET', `${route.path}${v}`, caller.token, {});
          const shown = leakedIn(res.text, v);
          if (shown.length) leaks.push(`${caller.name} GET ${route.path}${v} → ${res.status}: shows ${shown.join(', ')}`);
          if (v.includes('ADMIN') && res.status !== 401)
            leaks.push(`${caller.name} GET ${route.path}${v} → ${res.status}: ADMIN is admin-only`);
        }
    expect(leaks).toEqual([]);
  }, 300_000);

  it('shows A nothing of B’s NS in the public emulator’s inventory, and B its own', async () => {
    const emu = await emulatorId(t, admin);
    const bt = await t.login('user-of-b', 'pw-1234');
    const ns = await asJson(t.http.post('/osm/nslcm/v1/ns_instances_content'), bt)
      .send({ nsName: 'ns-of-b-public-vim', nsdId: b.nsd, vimAccountId: emu })
      .expect(201);
    expect((await settledOp(t, bt, ns.body.nslcmop_id)).operationState).toBe('COMPLETED');
    const labelled = (inv: { computes: { labels: Record<string, string> }[] }) =>
      inv.computes.filter((c) => c.labels['mano.ns-instance'] === ns.body.id).length;
    const ofB = (await asJson(t.http.get(`/mano/v1/emulator/${emu}/inventory`), bt).expect(200)).body;
    expect(labelled(ofB)).toBeGreaterThan(0);
    for (const caller of callers.filter((c) => c.permissions)) {
      const seen = await asJson(t.http.get(`/mano/v1/emulator/${emu}/inventory`), caller.token).expect(200);
      expect(seen.body.computes).toEqual([]);
      expect(seen.body.networks).toEqual([]);
      expect(seen.text).not.toContain(ns.body.id);
    }
    expect(labelled((await asJson(t.http.get(`/mano/v1/emulator/${emu}/inventory`), admin).expect(200)).body)).toBeGreaterThan(0);
  }, 120_000);

  it('left B’s records as they were', async () => {
    const bt = await t.login('user-of-b', 'pw-1234');
    for (const path of [
      `/osm/vnfpkgm/v1/vnf_packages/${b.vnfd}`,
      `/osm/nsd/v1/ns_descriptors/${b.nsd}`,
      `/osm/nst/v1/netslice_templates/${b.nst}`,
      `/osm/pdu/v1/pdu_descriptors/${b.pdu}`,
      `/osm/admin/v1/vim_accounts/${b.vim}`,
      `/osm/admin/v1/wim_accounts/${b.wim}`,
      `/osm/admin/v1/sdns/${b.sdn}`,
      `/osm/admin/v1/k8srepos/${b.repo}`,
      `/osm/admin/v1/k8sclusters/${b.cluster}`,
      `/osm/nslcm/v1/ns_instances/${b.ns}`,
      `/osm/nslcm/v1/ns_lcm_op_occs/${b.op}`,
      `/osm/nsilcm/v1/netslice_instances/${b.nsi}`,
      `/osm/nsilcm/v1/nsi_lcm_op_occs/${b.nsiop}`,
    ]) {
      const res = await asJson(t.http.get(path), bt).expect(200);
      expect([path, res.body._admin.projects_read]).toEqual([path, [b.project]]);
      expect([path, res.body._admin.projects_write ?? [b.project]]).toEqual([path, [b.project]]);
    }
    const ns = await asJson(t.http.get(`/osm/nslcm/v1/ns_instances/${b.ns}`), bt).expect(200);
    expect(ns.body.nsState).toBe('READY');
    const nsi = await asJson(t.http.get(`/osm/nsilcm/v1/netslice_instances/${b.nsi}`), bt).expect(200);
    expect(nsi.body._admin.nsiState).toBe('INSTANTIATED');
  });
});
