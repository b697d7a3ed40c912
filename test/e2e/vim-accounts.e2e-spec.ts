// loaded with the file, not inside the test that first checks a Kubernetes VIM (see vim-adapters/kubernetes/test/fake-apiserver.ts)
import '@kubernetes/client-node';
import { DataSource } from 'typeorm';
import { AccountOperations } from '../../src/vims/account-operations';
import { AccountsService } from '../../src/vims/accounts.service';
import { writeIfUnchanged } from '../../src/vims/account-records';
import { AdminAccountEntity } from '../../src/records/vim.entities';
import { asJson, createTestDatabase, startTestApp, TestApp, TestDatabase } from '../utils/test-app';

const SECRET = 'Sup3r-S3cret-pw!';
const settle = (t: TestApp) => t.app.get(AccountOperations).idle();

describe('VIM accounts and other admin resources', () => {
  let db: TestDatabase;
  let t: TestApp;
  let admin: string;
  const logged: string[] = [];
  const writes = [process.stdout.write, process.stderr.write];

  beforeAll(async () => {
    // every log line of this suite is kept, to prove no secret is ever written
    for (const stream of [process.stdout, process.stderr]) {
      const original = stream.write.bind(stream);
      stream.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
        logged.push(String(chunk));
        return original(chunk, ...rest);
      }) as typeof stream.write;
    }
    db = await createTestDatabase();
    t = await startTestApp(db, { logLevel: 'debug', vimCheckTimeoutMs: 3000 });
    admin = await t.login();
  });
  afterAll(async () => {
    await t.close();
    await db.drop();
    [process.stdout.write, process.stderr.write] = writes;
  });

  const post = (path: string, body: object) => asJson(t.http.post(`/osm/admin/v1/${path}`), admin).send(body);
  const get = (path: string, token = admin) => asJson(t.http.get(`/osm/admin/v1/${path}`), token);
  const openstack = (name: string, extra: object = {}) => ({
    name,
    vim_type: 'openstack',
    vim_url: 'http://127.0.0.1:1/v3',
    vim_user: 'osm',
    vim_password: SECRET,
    vim_tenant_name: 'osm',
    ...extra,
  });

  it('has the default emulator VIM from first start, ENABLED, with 4 PoPs one of them edge', async () => {
    const list = await get('vim_accounts').expect(200);
    const emu = list.body.find((v: { name: string }) => v.name === 'emulator');
    expect(emu).toMatchObject({ vim_type: 'emulator', _admin: { operationalState: 'ENABLED' } });
    expect(emu._admin['detailed-status']).toMatch(/4 PoPs/);
    expect(emu.config.pops.filter((p: { labels: Record<string, string> }) => p.labels.edge)).toHaveLength(1);
    for (const pop of emu.config.pops) expect(pop).toMatchObject({ vcpu: 2048, memory: 8192, storage: 204800, gpu: 16 });
    expect(emu.vim_password).toBe('********');
  });

  it('registers an emulator account: 202 with op_id, then ENABLED after the check, with its history', async () => {
    const res = await post('vim_accounts', {
      name: 'lab',
      vim_type: 'emulator',
      vim_url: 'emulator://lab',
      vim_user: 'u',
      vim_password: SECRET,
      vim_tenant_name: 't',
      config: {
        pops: [
          { name: 'p1', vcpu: 8 },
          { name: 'p2', labels: ['edge'] },
        ],
      },
    }).expect(202);
    expect(res.body).toEqual({ _id: res.body.id, id: expect.any(String), op_id: `${res.body.id}:0` });
    expect(res.headers.location).toBe(`/osm/admin/v1/vim_accounts/${res.body.id}`);
    await settle(t);
    const shown = await get(`vim_accounts/${res.body.id}`).expect(200);
    expect(shown.body._admin).toMatchObject({
      operationalState: 'ENABLED',
      'detailed-status': 'emulator with 2 PoPs: p1, p2',
      operations: [
        {
          lcmOperationType: 'create',
          operationState: 'COMPLETED',
          startTime: expect.any(Number),
          statusEnteredTime: expect.any(Number),
        },
      ],
      projects_read: expect.any(Array),
    });
  });

  it('accepts OSM dummy as the emulator', async () => {
    const res = await post('vim_accounts', { ...openstack('dummy-vim'), vim_type: 'dummy', vim_url: 'http://dummy' }).expect(202);
    await settle(t);
    expect((await get(`vims/${res.body.id}`).expect(200)).body._admin.operationalState).toBe('ENABLED');
  });

  it('answers 422 naming the field for a bad emulator config, missing name, or wrong types', async () => {
    const bad = await post('vim_accounts', { ...openstack('bad'), vim_type: 'emulator', config: { pops: [{ vcpu: 4 }] } }).expect(
      422,
    );
    expect(bad.body.detail).toContain('config.pops[0].name');
    expect(bad.body.errors[0].path).toBe('config.pops[0].name');
    const { name: _n, ...noName } = openstack('x');
    const missing = await post('vim_accounts', noName).expect(422);
    expect(missing.body.errors).toEqual([{ path: 'name', message: 'is required' }]);
    await post('vim_accounts', { ...openstack('typed'), config: 'not-an-object' }).expect(422);
  });

  it('answers 409 for a second account with the same name in the project', async () => {
    await post('vim_accounts', openstack('twin')).expect(202);
    await post('vim_accounts', openstack('twin')).expect(409);
  });

  it('reports an unreachable OpenStack as ERROR with a detail a human understands', async () => {
    const res = await post('vim_accounts', openstack('down')).expect(202);
    await settle(t);
    const shown = await get(`vim_accounts/${res.body.id}`).expect(200);
    expect(shown.body._admin.operationalState).toBe('ERROR');
    expect(shown.body._admin['detailed-status']).toBe(
      'cannot reach Keystone at http://127.0.0.1:1/v3: connection refused (nothing listens there)',
    );
    expect(shown.body._admin.operations[0].operationState).toBe('FAILED');
  });

  it('reports an unreachable Kubernetes VIM as ERROR, and refuses kubeconfigs that run commands', async () => {
    const kubeconfig = (user: object) => ({
      apiVersion: 'v1',
      clusters: [{ name: 'c', cluster: { server: 'https://127.0.0.1:1', 'insecure-skip-tls-verify': true } }],
      users: [{ name: 'u', user }],
      contexts: [{ name: 'x', context: { cluster: 'c', user: 'u' } }],
      'current-context': 'x',
    });
    const res = await post('vim_accounts', {
      ...openstack('k8s'),
      vim_type: 'kubernetes',
      config: { kubeconfig: kubeconfig({ token: SECRET }) },
    }).expect(202);
    await settle(t);
    const shown = await get(`vim_accounts/${res.body.id}`).expect(200);
    expect(shown.body._admin.operationalState).toBe('ERROR');
    expect(shown.body._admin['detailed-status']).toMatch(
      /^cannot reach the Kubernetes API at https:\/\/127.0.0.1:1: ECONNREFUSED/,
    );
    expect(shown.body.config.kubeconfig).toBe('********');
    const exec = await post('vim_accounts', {
      ...openstack('k8s-exec'),
      vim_type: 'kubernetes',
      config: { kubeconfig: kubeconfig({ exec: { command: 'rm', args: ['-rf', '/'] } }) },
    }).expect(422);
    expect(exec.body.errors[0].path).toBe('config.kubeconfig.users[0].user.exec');
  });

  it('registers an unsupported vim_type, then reports it as ERROR naming the supported ones', async () => {
    const res = await post('vim_accounts', { ...openstack('vmw'), vim_type: 'vmware' }).expect(202);
    await settle(t);
    const shown = await get(`vim_accounts/${res.body.id}`).expect(200);
    expect(shown.body._admin['detailed-status']).toMatch(
      /vim_type 'vmware' is not supported here; supported: emulator, openstack, kubernetes/,
    );
  });

  it('merges PATCH and PUT (null removes a key) and checks again', async () => {
    const created = await post(
      'vim_accounts',
      openstack('merge', { vim_type: 'emulator', config: { a: 1, 'sdn-port-mapping': [{ compute_node: 'n1' }] } }),
    ).expect(202);
    const id = created.body.id;
    const patched = await asJson(t.http.put(`/osm/admin/v1/vim_accounts/${id}`), admin)
      .send({ config: { 'sdn-port-mapping': [{ compute_node: 'n2' }] } })
      .expect(202);
    expect(patched.body).toEqual({ op_id: `${id}:1` });
    await asJson(t.http.patch(`/osm/admin/v1/vim_accounts/${id}`), admin)
      .send({ config: { 'sdn-port-mapping': null }, description: 'changed' })
      .expect(202);
    await settle(t);
    const shown = await get(`vim_accounts/${id}`).expect(200);
    expect(shown.body.config).toEqual({ a: 1 });
    expect(shown.body.description).toBe('changed');
    expect(
      shown.body._admin.operations.map(
        (o: { lcmOperationType: string; operationState: string }) => `${o.lcmOperationType}:${o.operationState}`,
      ),
    ).toEqual(['create:COMPLETED', 'edit:COMPLETED', 'edit:COMPLETED']);
  });

  it('never lets a check that read the account before an edit overwrite the edit (the write is conditional)', async () => {
    const id = (await post('vim_accounts', openstack('race', { vim_type: 'emulator', config: { a: 1 } })).expect(202)).body.id;
    await settle(t);
    const repo = t.app.get(DataSource).getRepository(AdminAccountEntity);
    const stale = (await repo.findOneBy({ id }))!;
    await asJson(t.http.patch(`/osm/admin/v1/vim_accounts/${id}`), admin)
      .send({ config: { a: 2 } })
      .expect(202);
    await settle(t);
    // what a check that read the account before the PATCH would write: refused, the PATCH stays
    stale.operationalState = 'ERROR';
    expect(await writeIfUnchanged(repo, stale, stale.modified)).toBe(false);
    const shown = await get(`vim_accounts/${id}`).expect(200);
    expect(shown.body.config).toEqual({ a: 2 });
    expect(shown.body._admin.operationalState).toBe('ENABLED');
    const fresh = (await repo.findOneBy({ id }))!;
    expect(await writeIfUnchanged(repo, fresh, fresh.modified)).toBe(true);
  });

  it('deletes asynchronously (202 {_id: op_id}, then 404), and at once with FORCE (202, empty)', async () => {
    const a = (await post('vim_accounts', openstack('del-a', { vim_type: 'emulator' })).expect(202)).body.id;
    await settle(t);
    const del = await asJson(t.http.delete(`/osm/admin/v1/vim_accounts/${a}`), admin).expect(202);
    expect(del.body).toEqual({ _id: `${a}:1` });
    await settle(t);
    await get(`vim_accounts/${a}`).expect(404);

    const b = (await post('vim_accounts', openstack('del-b')).expect(202)).body.id;
    const forced = await t.http
      .delete(`/osm/admin/v1/vim_accounts/${b}?FORCE=True`)
      .set('Authorization', `Bearer ${admin}`)
      .set('Accept', 'application/yaml')
      .expect(202);
    expect(forced.text).toBe('');
    await t.http
      .get(`/osm/admin/v1/vim_accounts/${b}`)
      .set('Authorization', `Bearer ${admin}`)
      .set('Accept', 'application/yaml')
      .expect(404);
    await post('vim_accounts', openstack('del-b')).expect(202);
  });

  it('stores WIM accounts, SDN controllers (ip/port → url), Kubernetes clusters and repositories', async () => {
    const wim = await post('wim_accounts', {
      name: 'myWim',
      wim_type: 'odl',
      wim_url: 'http://localhost:/wim',
      user: 'u',
      password: SECRET,
      config: { config_param: 1 },
    }).expect(202);
    const sdn = await post('sdns', {
      name: 'sdn',
      type: 'opendaylight',
      ip: '192.168.15.17',
      port: 8080,
      dpid: '50:50:52:54:00:94:21:21',
      user: 'u',
      password: SECRET,
    }).expect(202);
    await asJson(t.http.patch(`/osm/admin/v1/sdns/${sdn.body.id}`), admin)
      .send({ name: 'new_sdn_name' })
      .expect(202);
    const repo = await post('k8srepos', {
      name: 'bitnami',
      type: 'helm-chart',
      url: 'https://charts.bitnami.com/bitnami',
    }).expect(202);
    const emu = (await get('vim_accounts?name=emulator').expect(200)).body[0]._id;
    const cluster = await post('k8sclusters', {
      name: 'cl',
      credentials: {
        clusters: [{ name: 'c', cluster: { server: 'https://127.0.0.1:1' } }],
        users: [{ name: 'u', user: { token: SECRET } }],
        contexts: [{ name: 'x', context: { cluster: 'c', user: 'u' } }],
        'current-context': 'x',
      },
      vim_account: emu,
      k8s_version: '1.32',
      nets: { net1: null },
    }).expect(202);
    await post('k8sclusters', {
      name: 'cl2',
      credentials: {},
      vim_account: '0b7e7c4a-3c8b-4d2f-9b9e-0a7f0a6b1c2d',
      k8s_version: '1.32',
      nets: { n: null },
    }).expect(422);
    await settle(t);
    expect((await get(`wim_accounts/${wim.body.id}`).expect(200)).body._admin.operationalState).toBe('ENABLED');
    const sdnShown = (await get(`sdns/${sdn.body.id}`).expect(200)).body;
    expect(sdnShown).toMatchObject({ name: 'new_sdn_name', url: 'http://192.168.15.17:8080', password: '********' });
    expect((await get(`k8srepos/${repo.body.id}`).expect(200)).body.url).toBe('https://charts.bitnami.com/bitnami');
    const cl = (await get(`k8sclusters/${cluster.body.id}`).expect(200)).body;
    expect(cl).toMatchObject({
      k8s_version: '1.32',
      vim_account: emu,
      nets: { net1: null },
      credentials: '********',
      _admin: { operationalState: 'ERROR' },
    });
    for (const [topic, id] of [
      ['wim_accounts', wim.body.id],
      ['sdns', sdn.body.id],
      ['k8sclusters', cluster.body.id],
      ['k8srepos', repo.body.id],
    ]) {
      await asJson(t.http.delete(`/osm/admin/v1/${topic}/${id}?FORCE=True`), admin).expect(202);
      await get(`${topic}/${id}`).expect(404);
    }
  });

  it('keeps secrets encrypted at rest and out of every answer and log line', async () => {
    const rows: { record: string; secrets: string | null }[] = await t.app
      .get(DataSource)
      .query('SELECT record, secrets FROM admin_accounts');
    expect(rows.length).toBeGreaterThan(3);
    for (const row of rows) {
      expect(row.record).not.toContain(SECRET);
      expect(row.secrets ?? '').not.toContain(SECRET);
      if (row.secrets) expect(row.secrets).toMatch(/^v1:/);
    }
    for (const topic of ['vim_accounts', 'vims', 'wim_accounts', 'sdns', 'k8sclusters', 'k8srepos']) {
      const list = await get(topic).expect(200);
      expect(JSON.stringify(list.body)).not.toContain(SECRET);
      for (const item of list.body)
        expect(JSON.stringify((await get(`${topic}/${item._id}`).expect(200)).body)).not.toContain(SECRET);
    }
    expect(logged.join('')).not.toContain(SECRET);
    expect(logged.join('')).toMatch(/ERROR/);
  });

  it('scopes accounts to their project; the default emulator is public (shown by id, listed with PUBLIC=true)', async () => {
    await post('projects', { name: 'other' }).expect(201);
    await post('users', {
      username: 'ollie',
      password: 'pw',
      project_role_mappings: [{ project: 'other', role: 'project_admin' }],
    }).expect(201);
    const ollie = await t.login('ollie', 'pw');
    const own = await asJson(t.http.get('/osm/admin/v1/vim_accounts'), ollie).expect(200);
    expect(own.body).toEqual([]);
    const pub = await asJson(t.http.get('/osm/admin/v1/vim_accounts?PUBLIC=true'), ollie).expect(200);
    expect(pub.body.map((v: { name: string }) => v.name)).toEqual(['emulator']);
    await asJson(t.http.get(`/osm/admin/v1/vim_accounts/${pub.body[0]._id}`), ollie).expect(200);
    const lab = (await get('vim_accounts?name=lab').expect(200)).body[0]._id;
    await asJson(t.http.get(`/osm/admin/v1/vim_accounts/${lab}`), ollie).expect(404);
    await asJson(t.http.delete(`/osm/admin/v1/vim_accounts/${pub.body[0]._id}`), ollie).expect(404);
    // readable (public) but not writable: a write does not find it, as OSM's write filter (projects_write)
    await asJson(t.http.patch(`/osm/admin/v1/vim_accounts/${pub.body[0]._id}`), ollie)
      .send({ description: 'mine' })
      .expect(404);
    await asJson(t.http.get(`/mano/v1/emulator/${lab}/inventory`), ollie).expect(404);
  });

  it('shows the emulator inventory and takes faults and metrics over HTTP', async () => {
    const emu = (await get('vim_accounts?name=emulator').expect(200)).body[0]._id;
    const adapter = await t.app.get(AccountsService).adapter({ projectIds: [] } as never, emu, 'read');
    await adapter.apply({ ref: { kind: 'network', name: 'n', labels: {} } });
    await adapter.apply({
      ref: { kind: 'compute', name: 'c', labels: { 'mano.ns-instance': 'x' } },
      deploymentType: 'container',
      image: 'nginx',
      flavor: { vcpu: 1, memoryGiB: 1, storageGiB: 1 },
      ports: [{ name: 'eth0', network: 'n' }],
    });
    const inv = await asJson(t.http.get(`/mano/v1/emulator/${emu}/inventory`), admin).expect(200);
    expect(inv.body.computes).toHaveLength(1);
    expect(inv.body.computes[0]).toMatchObject({ name: 'c', status: 'ACTIVE', pop: 'core-1' });
    expect(inv.body.pops.find((p: { name: string }) => p.name === 'core-1').used.vcpu).toBe(1);
    await asJson(t.http.put(`/mano/v1/emulator/${emu}/computes/c/metrics`), admin)
      .send({ cpu: 0.9 })
      .expect(204);
    await asJson(t.http.put(`/mano/v1/emulator/${emu}/computes/nope/metrics`), admin)
      .send({ cpu: 0.9 })
      .expect(404);
    await asJson(t.http.put(`/mano/v1/emulator/${emu}/faults`), admin)
      .send({ failCalls: [1] })
      .expect(204);
    await expect(adapter.observe({ kind: 'compute', name: 'c', labels: {} })).rejects.toMatchObject({ code: 'VIM.UNREACHABLE' });
    await asJson(t.http.put(`/mano/v1/emulator/${emu}/faults`), admin)
      .send({ failureRate: 3 })
      .expect(422);
    await asJson(t.http.put(`/mano/v1/emulator/${emu}/faults`), admin)
      .send({})
      .expect(204);
    await adapter.remove({ kind: 'compute', name: 'c', labels: {} });
    await adapter.remove({ kind: 'network', name: 'n', labels: {} });
  });
});
