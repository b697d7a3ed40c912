import { OperationRunner } from '../../src/lcm/operation-runner';
import { AccountOperations } from '../../src/vims/account-operations';
import { onboardFolder, onboardWebserverVariant, settledOp } from '../utils/lcm';
import { asJson, TestApp, useTestApp } from '../utils/test-app';

type Obj = Record<string, unknown>;

/**
 * Placement across two emulator VIMs (HiGHS MIP): a GPU VNF, an edge-only VNF and a 10 ms bound between them land
 * exactly where the model said; pins hold; a dry run creates nothing; price lists are project-scoped resources.
 */
describe('placement across VIMs and PoPs (placement-engine PLA)', () => {
  let t: TestApp;
  let admin: string;
  let core: string;
  let edge: string;
  let nsdId: string;

  // core: two PoPs near Paris (one with GPUs) and a cheap GPU PoP far west; edge: one small PoP ~1200 km east
  const account = (name: string, pops: Obj[]) => ({
    name,
    vim_type: 'emulator',
    vim_url: `emulator://${name}`,
    vim_user: 'u',
    vim_password: 'p',
    vim_tenant_name: 't',
    config: { pops },
  });
  const NSD = `nsd:
  nsd:
    - id: pla_ns
      name: pla_ns
      version: '1.0'
      vnfd-id: [gpuweb_vnf, webserver_vnf]
      virtual-link-desc:
        - id: mgmtnet
          mgmt-network: true
        - id: data1
      df:
        - id: default-df
          vnf-profile:
            - id: ai
              vnfd-id: gpuweb_vnf
              virtual-link-connectivity:
                - virtual-link-profile-id: data1
                  constituent-cpd-id: [{constituent-base-element-id: ai, constituent-cpd-id: vnf-mgmt-ext}]
            - id: ran
              vnfd-id: webserver_vnf
              virtual-link-connectivity:
                - virtual-link-profile-id: data1
                  constituent-cpd-id: [{constituent-base-element-id: ran, constituent-cpd-id: vnf-mgmt-ext}]
            - id: db
              vnfd-id: webserver_vnf
              virtual-link-connectivity:
                - virtual-link-profile-id: mgmtnet
                  constituent-cpd-id: [{constituent-base-element-id: db, constituent-cpd-id: vnf-mgmt-ext}]
`;
  const PRICES = `vnf_price_list:
  - vnfd: gpuweb_vnf
    prices:
      - {vim_name: core, pop: g-far, price: 1}
      - {vim_name: core, pop: c2-gpu, price: 5}
  - vnfd: webserver_vnf
    prices:
      - {vim_name: core, price: 2}
      - {vim_name: edge, price: 3}
`;

  useTestApp(async (app, token) => {
    t = app;
    admin = token;
    const register = async (body: Obj) =>
      (await asJson(t.http.post('/osm/admin/v1/vim_accounts'), admin).send(body).expect(202)).body.id as string;
    core = await register(
      account('core', [
        { name: 'c1', vcpu: 32, memoryGiB: 64, storageGiB: 500, gpu: 0, location: { lat: 48, lon: 2 } },
        { name: 'c2-gpu', vcpu: 16, memoryGiB: 64, storageGiB: 500, gpu: 2, location: { lat: 48, lon: 2.01 } },
        { name: 'g-far', vcpu: 16, memoryGiB: 64, storageGiB: 500, gpu: 4, location: { lat: 48, lon: -20 } },
      ]),
    );
    edge = await register(
      account('edge', [
        { name: 'e1', vcpu: 4, memoryGiB: 8, storageGiB: 50, gpu: 0, labels: ['edge'], location: { lat: 48, lon: 18 } },
      ]),
    );
    await t.app.get(AccountOperations).idle();
    await onboardFolder(t, admin, 'webserver_vnf', 'vnf');
    await onboardWebserverVariant(t, admin, 'gpuweb', (path, content) =>
      path === 'webserver_vnfd.yaml'
        ? content.replace('      kubernetes:\n', '      kubernetes:\n        gpu:\n          count: 1\n')
        : undefined,
    );
    nsdId = (
      await asJson(t.http.post('/osm/nsd/v1/ns_descriptors_content'), admin)
        .set('Content-Type', 'text/plain')
        .send(NSD)
        .expect(201)
    ).body.id;
    await asJson(t.http.post('/osm/admin/v1/pla_price_lists'), admin)
      .set('Content-Type', 'application/yaml')
      .send(`name: lab\n${PRICES}pil_price_list:\n  pil: []\n`)
      .expect(201);
  });

  const body = (extra: Obj = {}, constraints: Obj = {}) => ({
    nsName: 'pla',
    nsdId,
    vimAccountId: core,
    'placement-engine': 'PLA',
    'placement-constraints': {
      'vim-accounts': ['core', 'edge'],
      'vld-constraints': [{ id: 'data1', 'link-constraints': { latency: 10 } }],
      'vnf-constraints': [{ 'member-vnf-index': 'ran', labels: { edge: 'true' } }],
      ...constraints,
    },
    ...extra,
  });
  const inventory = async (vim: string) =>
    (await asJson(t.http.get(`/mano/v1/emulator/${vim}/inventory`), admin).expect(200)).body;
  const newNs = async (b: Obj) =>
    (await asJson(t.http.post('/osm/nslcm/v1/ns_instances'), admin).send(b).expect(201)).body.id as string;
  const dryRun = (id: string, b: Obj) =>
    asJson(t.http.post(`/osm/nslcm/v1/ns_instances/${id}/instantiate?dryRun=true`), admin).send(b);

  it('dry run: the placement and the resources per VIM, nothing created', async () => {
    const id = await newNs(body());
    const before = [await inventory(core), await inventory(edge)];
    const res = await dryRun(id, body()).expect(200);
    const pla = res.body.placement;
    expect(pla).toMatchObject({ engine: 'PLA', status: 'optimal', gap: 0 });
    // the GPU VNF cannot take the cheap far PoP: 14 ms from the edge breaks the 10 ms bound
    expect(pla.vnfs.ai).toMatchObject({ site: `${core}/c2-gpu`, zone: 'c2-gpu', cost: 5 });
    expect(pla.vnfs.ai.binding.join(' ')).toMatch(/vld data1 latency ≤ 10 ms/);
    expect(pla.vnfs.ai.runnerUp.site).toBe(`${core}/g-far`);
    expect(pla.vnfs.ran).toMatchObject({ site: `${edge}/e1`, vimAccountId: edge });
    // same price on every core PoP: the tie-breaker keeps it beside the GPU VNF
    expect(pla.vnfs.db).toMatchObject({ site: `${core}/c2-gpu`, cost: 2 });
    expect(pla.objective).toBeCloseTo(5 + 3 + 2 + 0.002, 6);
    // data1 spans both VIMs: one network on each; mgmtnet only on core
    expect(res.body.resources[core].networks.map((n: Obj) => n['ns-vld']).sort()).toEqual(['data1', 'mgmtnet']);
    expect(res.body.resources[edge].networks.map((n: Obj) => n['ns-vld'])).toEqual(['data1']);
    expect(res.body.resources[edge].computes).toEqual([expect.objectContaining({ 'member-vnf-index': 'ran', zone: 'e1' })]);
    expect([await inventory(core), await inventory(edge)]).toEqual(before);
    const ops = (await asJson(t.http.get(`/osm/nslcm/v1/ns_lcm_op_occs?nsInstanceId=${id}`), admin).expect(200)).body;
    expect(ops).toEqual([]);
    expect((await asJson(t.http.get(`/osm/nslcm/v1/ns_instances/${id}`), admin).expect(200)).body._admin.nsState).toBe(
      'NOT_INSTANTIATED',
    );
  });

  it('instantiates across the two VIMs exactly as the model placed it, explained on the records', async () => {
    const created = await asJson(t.http.post('/osm/nslcm/v1/ns_instances_content'), admin).send(body()).expect(201);
    const op = await settledOp(t, admin, created.body.nslcmop_id);
    expect(op.operationState).toBe('COMPLETED');
    const pla = (op._admin as Obj).pla as { vnfs: Record<string, { vimAccountId: string; zone: string }> };
    const ns = (await asJson(t.http.get(`/osm/nslcm/v1/ns_instances/${created.body.id}`), admin).expect(200)).body;
    expect(ns._admin.placement).toEqual(pla);
    expect(ns.placement.ai).toMatchObject({ vimAccountId: core, zone: 'c2-gpu', strategy: 'PLA' });
    const landed: Record<string, string> = {};
    for (const vim of [core, edge])
      for (const c of (await inventory(vim)).computes as { labels: Record<string, string>; pop: string }[])
        landed[c.labels['mano.member-vnf-index']] = `${vim}/${c.pop}`;
    expect(landed).toEqual({ ai: `${core}/c2-gpu`, ran: `${edge}/e1`, db: `${core}/c2-gpu` });
    for (const [m, x] of Object.entries(pla.vnfs)) expect(landed[m]).toBe(`${x.vimAccountId}/${x.zone}`);
    const vnfrs = (await asJson(t.http.get(`/osm/nslcm/v1/vnfrs?nsr-id-ref=${created.body.id}`), admin).expect(200))
      .body as Obj[];
    expect(Object.fromEntries(vnfrs.map((v) => [v['member-vnf-index-ref'], v['vim-account-id']]))).toEqual({
      ai: core,
      ran: edge,
      db: core,
    });
    // data1 spans both VIMs: a network on each, and no WIM account to carry it (none is registered)
    const data1 = (ns.vld as Obj[]).find((v) => v.id === 'data1')!;
    expect(data1).toMatchObject({ wim: null, 'wim-reason': 'no WIM account is registered (osm wim-create)' });
    expect([...(data1['vim-accounts'] as string[])].sort()).toEqual([core, edge].sort());
    expect((data1['vim-networks'] as Obj[]).map((n) => n['vim-account-id']).sort()).toEqual([core, edge].sort());
    expect((ns.vld as Obj[]).find((v) => v.id === 'mgmtnet')).not.toHaveProperty('wim');
    // terminate with autoremove: every VIM's share goes
    await asJson(t.http.delete(`/osm/nslcm/v1/ns_instances_content/${created.body.id}`), admin).expect(202);
    await t.app.get(OperationRunner).idle();
    for (const vim of [core, edge]) expect((await inventory(vim)).computes).toEqual([]);
  });

  it('a VLD spanning VIMs records the WIM account whose port mapping covers them', async () => {
    const wim = async (name: string, dcs: string[]) =>
      (
        await asJson(t.http.post('/osm/admin/v1/wim_accounts'), admin)
          .send({
            name,
            wim_url: `http://${name}.example:8080`,
            wim_type: 'ietfl2vpn',
            config: {
              wim_port_mapping: dcs.map((d, i) => ({ datacenter_id: d, device_id: `pe${i}`, service_endpoint_id: `sep${i}` })),
            },
          })
          .expect(202)
      ).body.id as string;
    const other = await wim('wan-other', ['core', 'elsewhere']);
    const wan = await wim('wan-core-edge', ['core', edge]); // by VIM name or id
    await t.app.get(AccountOperations).idle();
    const created = await asJson(t.http.post('/osm/nslcm/v1/ns_instances_content'), admin).send(body()).expect(201);
    expect((await settledOp(t, admin, created.body.nslcmop_id)).operationState).toBe('COMPLETED');
    const ns = (await asJson(t.http.get(`/osm/nslcm/v1/ns_instances/${created.body.id}`), admin).expect(200)).body;
    expect((ns.vld as Obj[]).find((v) => v.id === 'data1')).toMatchObject({ wim: { id: wan, name: 'wan-core-edge' } });
    await asJson(t.http.delete(`/osm/nslcm/v1/ns_instances_content/${created.body.id}`), admin).expect(202);
    await t.app.get(OperationRunner).idle();
    for (const id of [other, wan]) await asJson(t.http.delete(`/osm/admin/v1/wim_accounts/${id}`), admin).expect(202);
    await t.app.get(AccountOperations).idle();
  });

  it('respects a pin (vnf[].vimAccountId) and names an irreducible conflict (422)', async () => {
    const id = await newNs(body());
    const pinned = await dryRun(id, body({ vnf: [{ 'member-vnf-index': 'db', vimAccountId: edge }] })).expect(200);
    expect(pinned.body.placement.vnfs.db).toMatchObject({ site: `${edge}/e1`, cost: 3 });
    const tight = await dryRun(id, body({}, { 'vld-constraints': [{ id: 'data1', 'link-constraints': { latency: 5 } }] })).expect(
      422,
    );
    expect(tight.body.detail).toMatch(/No placement satisfies/);
    expect(tight.body.detail).toMatch(/vld data1 latency ≤ 5 ms/);
    expect(tight.body.detail).toMatch(/VNF ran needs a site with edge=true/);
    const unknown = await dryRun(
      id,
      body({}, { 'vld-constraints': [{ id: 'nope', 'link-constraints': { latency: 5 } }] }),
    ).expect(422);
    expect(unknown.body.detail).toContain('placement-constraints.vld-constraints[0].id');
  });

  it('price lists: CRUD, OSM PLA YAML, project scoping, bad YAML → 422 with the path', async () => {
    const lists = (token: string) => asJson(t.http.get('/osm/admin/v1/pla_price_lists'), token);
    const pil =
      'pil:\n  - pil_description: core to edge\n    pil_price: 4\n    pil_latency: 9\n    pil_jitter: 1\n    pil_endpoints: [core, edge]\n';
    const made = await asJson(t.http.post('/osm/admin/v1/pla_price_lists'), admin)
      .set('Content-Type', 'application/yaml')
      .send(`name: links\npil_price_list:\n${pil.replace(/^/gm, '  ')}`)
      .expect(201);
    const shown = (await asJson(t.http.get(`/osm/admin/v1/pla_price_lists/${made.body.id}`), admin).expect(200)).body;
    expect(shown).toMatchObject({ name: 'links', pil: [{ pil_price: 4, pil_latency: 9, pil_endpoints: ['core', 'edge'] }] });
    await asJson(t.http.patch(`/osm/admin/v1/pla_price_lists/links`), admin)
      .send({ pil: [{ pil_price: 4, pil_latency: 9, pil_jitter: 1, pil_endpoints: ['core', 'edge'] }], description: 'edited' })
      .expect(204);
    // the PiL entry now sets the core–edge latency (9 ms): the far GPU PoP is as near as the others, and cheaper
    const id = await newNs(body());
    const withPil = await dryRun(id, body()).expect(200);
    expect(withPil.body.placement.vnfs.ai.site).toBe(`${core}/g-far`);
    expect(withPil.body.placement.objective).toBeGreaterThan(4); // link price 4 paid for data1 across the VIMs

    const syntax = await asJson(t.http.post('/osm/admin/v1/pla_price_lists'), admin)
      .set('Content-Type', 'text/plain')
      .send('name: x\nvnf_price_list: [\n')
      .expect(422);
    expect(syntax.body.detail).toMatch(/YAML/);
    const shape = await asJson(t.http.post('/osm/admin/v1/pla_price_lists'), admin)
      .set('Content-Type', 'text/plain')
      .send('name: x\nvnf_price_list:\n  - vnfd: a\n    prices:\n      - {vim_name: core, price: -1}\n')
      .expect(422);
    expect(shape.body.detail).toMatch(/vnf_price_list.*prices.*price/);

    await asJson(t.http.post('/osm/admin/v1/projects'), admin).send({ name: 'B' }).expect(201);
    await asJson(t.http.post('/osm/admin/v1/users'), admin)
      .send({ username: 'carol', password: 'pc', project_role_mappings: [{ project: 'B', role: 'project_admin' }] })
      .expect(201);
    const carol = await t.login('carol', 'pc');
    expect((await lists(carol).expect(200)).body).toEqual([]);
    await asJson(t.http.get(`/osm/admin/v1/pla_price_lists/${made.body.id}`), carol).expect(404);
    await asJson(t.http.delete(`/osm/admin/v1/pla_price_lists/${made.body.id}`), carol).expect(404);
    await asJson(t.http.post('/osm/admin/v1/pla_price_lists'), carol).send({ name: 'own' }).expect(201);
    expect((await lists(carol).expect(200)).body.map((l: Obj) => l.name)).toEqual(['own']);
    expect((await lists(admin).expect(200)).body.map((l: Obj) => l.name)).toEqual(['lab', 'links']);
    await asJson(t.http.delete(`/osm/admin/v1/pla_price_lists/${made.body.id}`), admin).expect(204);
    expect((await lists(admin).expect(200)).body.map((l: Obj) => l.name)).toEqual(['lab']);
  });
});
