import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SliceRunner } from '../../src/lcm/slice-executor';
import { AccountOperations } from '../../src/vims/account-operations';
import { OperationRunner } from '../../src/lcm/operation-runner';
import { DESCRIPTORS, emulatorId, onboardFolder } from '../utils/lcm';
import { asJson, TestApp, useTestApp } from '../utils/test-app';

// API bodies are read field by field in assertions
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Obj = Record<string, any>;
/** The slice VLD steps (3 observes: the networks exist, the middle's are shared) pass; every later VIM call fails. */
const FROM_4TH = Array.from({ length: 60 }, (_, i) => i + 4);

/** Network slices over HTTP on the emulator: OSM's shared-slice scenario, failures, bad input. */
describe('network slice instances (nsilcm)', () => {
  let t: TestApp;
  let admin: string;
  let vim: string;
  let nstId: string;

  useTestApp(async (app, token) => {
    t = app;
    admin = token;
    vim = await emulatorId(t, admin);
    await onboardFolder(t, admin, 'slice_edge_vnf', 'vnf');
    await onboardFolder(t, admin, 'slice_middle_vnf', 'vnf');
    await onboardFolder(t, admin, 'slice_edge_ns', 'ns');
    await onboardFolder(t, admin, 'slice_middle_ns', 'ns');
    const nst = await asJson(t.http.post('/osm/nst/v1/netslice_templates_content'), admin)
      .set('Content-Type', 'application/yaml')
      .send(readFileSync(join(DESCRIPTORS, 'slice_shared_nst', 'slice_shared_nst.yaml')))
      .expect(201);
    nstId = nst.body.id;
  });

  const get = async (url: string, status = 200) => (await asJson(t.http.get(url), admin).expect(status)).body;
  const settle = async () => {
    for (let i = 0; i < 5; i++) {
      await t.app.get(SliceRunner).idle();
      await t.app.get(OperationRunner).idle();
    }
  };
  const sliceOp = async (id: string) => {
    await settle();
    return get(`/osm/nsilcm/v1/nsi_lcm_op_occs/${id}`);
  };
  const inventory = async () => get(`/mano/v1/emulator/${vim}/inventory`);
  const faults = (spec: Obj) =>
    asJson(t.http.put(`/mano/v1/emulator/${vim}/faults`), admin)
      .send(spec)
      .expect(204);
  const nsNames = async () => ((await get('/osm/nslcm/v1/ns_instances_content')) as Obj[]).map((n) => n.name).sort();
  const create = async (name: string, extra: Obj = {}) =>
    (
      await asJson(t.http.post('/osm/nsilcm/v1/netslice_instances_content'), admin)
        .send({ nsiName: name, nstId, vimAccountId: vim, nsiDescription: 'default', ...extra })
        .expect(201)
    ).body as { id: string; nsilcmop_id: string };

  it('runs OSM shared-slice scenario: the middle NS is shared, kept while used, removed by its last user', async () => {
    const s1 = await create('NSI-1');
    expect((await sliceOp(s1.nsilcmop_id)).operationState).toBe('COMPLETED');
    expect(await nsNames()).toEqual(['NSI-1.edge-a', 'NSI-1.edge-b', 'NSI-1.middle']);
    const nsi1 = await get(`/osm/nsilcm/v1/netslice_instances_content/${s1.id}`);
    expect(nsi1).toMatchObject({
      _id: s1.id,
      name: 'NSI-1',
      description: 'default',
      'nst-ref': 'slice_shared_nst',
      'operational-status': 'running',
      'config-status': 'configured',
      'SNSSAI-identifier': { 'slice-service-type': 'eMBB', 'slice-differentiator': '000001' },
      'quality-of-service': { id: 1 },
      'network-slice-template': { id: 'slice_shared_nst' },
      _admin: { nsiState: 'INSTANTIATED', 'nst-id': nstId },
    });
    expect(nsi1['nsr-ref-list']).toHaveLength(3);
    const detailed1 = nsi1._admin['nsrs-detailed-list'] as Obj[];
    expect(detailed1.map((d) => [d['nss-id'], d.shared])).toEqual([
      ['edge-a', false],
      ['middle', true],
      ['edge-b', false],
    ]);
    for (const d of detailed1) expect(d.nslcmop_instantiate).toEqual(expect.any(String));
    const middleNs = detailed1[1].nsrId;
    const vlds = nsi1._admin['netslice-vld'] as Obj[];
    expect(vlds.map((v) => v.id)).toEqual(['slice-mgmt', 'slice-data-a', 'slice-data-b']);
    expect(vlds[0]['shared-nsrs-list']).toEqual([middleNs]);
    expect(vlds[0]['vim-networks']).toEqual([expect.objectContaining({ vimAccountId: vim, 'vim-id': expect.any(String) })]);
    expect(nsi1._admin['netslice-subnet']).toHaveLength(3);
    expect((await get(`/osm/nst/v1/netslice_templates/${nstId}`))._admin.usageState).toBe('IN_USE');
    // every subnet NS is a real NS on the slice's networks
    const edgeA = await get(`/osm/nslcm/v1/ns_instances_content/${detailed1[0].nsrId}`);
    expect(edgeA).toMatchObject({ nsState: 'READY', name: 'NSI-1.edge-a' });
    expect(edgeA.instantiate_params.vld).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'mgmt', 'vim-network-name': vlds[0]['vim-networks'][0]['vim-network-name'] }),
      ]),
    );
    const computes1 = (await inventory()).computes.length;
    expect(computes1).toBe(3);

    // NSI-2 reuses the running middle: two new NSs
    const s2 = await create('NSI-2');
    expect((await sliceOp(s2.nsilcmop_id)).operationState).toBe('COMPLETED');
    expect(await nsNames()).toEqual(['NSI-1.edge-a', 'NSI-1.edge-b', 'NSI-1.middle', 'NSI-2.edge-a', 'NSI-2.edge-b']);
    const nsi2 = await get(`/osm/nsilcm/v1/netslice_instances/${s2.id}`);
    expect(nsi2._admin['nsrs-detailed-list'][1]).toMatchObject({ nsrId: middleNs, shared: true });
    expect((await inventory()).computes).toHaveLength(5);

    // deleting an instantiated NSI's NST, or the NSI itself without FORCE: 409; instantiating it twice: 409
    await asJson(t.http.delete(`/osm/nst/v1/netslice_templates/${nstId}`), admin).expect(409);
    await asJson(t.http.delete(`/osm/nsilcm/v1/netslice_instances/${s1.id}`), admin).expect(409);
    await asJson(t.http.post(`/osm/nsilcm/v1/netslice_instances/${s1.id}/instantiate`), admin)
      .send({ nsiName: 'NSI-1', nstId, vimAccountId: vim })
      .expect(409);

    // terminate + delete NSI-1: the middle stays (NSI-2 uses it)
    const term1 = await asJson(t.http.post(`/osm/nsilcm/v1/netslice_instances/${s1.id}/terminate`), admin).expect(202);
    expect(term1.headers.location).toBe(`/osm/nsilcm/v1/nsi_lcm_op_occs/${term1.body.id}`);
    const t1 = await sliceOp(term1.body.id);
    expect(t1.operationState).toBe('COMPLETED');
    expect(t1.steps.find((s: Obj) => s.key === 'subnet middle')).toMatchObject({ kept: true });
    await asJson(t.http.delete(`/osm/nsilcm/v1/netslice_instances/${s1.id}`), admin).expect(204);
    expect(await nsNames()).toEqual(['NSI-1.middle', 'NSI-2.edge-a', 'NSI-2.edge-b']);
    expect((await get(`/osm/nslcm/v1/ns_instances_content/${middleNs}`)).nsState).toBe('READY');

    // NSI-3 reuses it again
    const s3 = await create('NSI-3');
    expect((await sliceOp(s3.nsilcmop_id)).operationState).toBe('COMPLETED');
    expect((await get(`/osm/nsilcm/v1/netslice_instances/${s3.id}`))._admin['nsrs-detailed-list'][1].nsrId).toBe(middleNs);
    expect(await nsNames()).toHaveLength(5);

    // osm nsi-delete: DELETE …_content → terminate with autoremove; the last user takes the middle with it
    for (const s of [s2, s3]) {
      const del = await asJson(t.http.delete(`/osm/nsilcm/v1/netslice_instances_content/${s.id}`), admin).expect(202);
      expect(del.headers.location).toBe(`/osm/nsilcm/v1/nsi_lcm_op_occs/${del.body._id}`);
      await settle();
      await get(`/osm/nsilcm/v1/netslice_instances/${s.id}`, 404);
    }
    expect(await nsNames()).toEqual([]);
    const inv = await inventory();
    expect(inv.computes).toEqual([]);
    expect(inv.networks).toEqual([]);
    expect((await get(`/osm/nst/v1/netslice_templates/${nstId}`))._admin.usageState).toBe('NOT_IN_USE');
    expect(await get('/osm/nsilcm/v1/nsi_lcm_op_occs')).toEqual([]);
  });

  it('a failing subnet leaves the slice FAILED_TEMP naming it; retry completes it; rollback leaves only others’ shared NSs', async () => {
    const keeper = await create('keeper');
    expect((await sliceOp(keeper.nsilcmop_id)).operationState).toBe('COMPLETED');
    await faults({ failCalls: FROM_4TH, errorCode: 'VIM.QUOTA_EXCEEDED' });
    const s = await create('failing');
    const failed = await sliceOp(s.nsilcmop_id);
    await faults({});
    expect(failed.operationState).toBe('FAILED_TEMP');
    expect(failed.errorMessage).toMatch(/subnet edge-a: NS instantiate FAILED_TEMP: .*VIM\.QUOTA_EXCEEDED/);
    expect(failed.steps.find((x: Obj) => x.key === 'subnet middle')).toMatchObject({ state: 'DONE' });
    const retried = await asJson(t.http.post(`/osm/nsilcm/v1/nsi_lcm_op_occs/${s.nsilcmop_id}/retry`), admin).expect(202);
    expect(retried.headers.location).toBe(`/osm/nsilcm/v1/nsi_lcm_op_occs/${s.nsilcmop_id}`);
    expect((await sliceOp(s.nsilcmop_id)).operationState).toBe('COMPLETED');

    // a second failing slice, rolled back: its edges and networks go, the middle (keeper's) stays
    await faults({ failCalls: FROM_4TH, errorCode: 'VIM.QUOTA_EXCEEDED' });
    const r = await create('rolled');
    expect((await sliceOp(r.nsilcmop_id)).operationState).toBe('FAILED_TEMP');
    await faults({});
    await asJson(t.http.post(`/osm/nsilcm/v1/nsi_lcm_op_occs/${r.nsilcmop_id}/rollback`), admin).expect(202);
    const rolled = await sliceOp(r.nsilcmop_id);
    expect(rolled.operationState).toBe('ROLLED_BACK');
    expect((await get(`/osm/nsilcm/v1/netslice_instances/${r.id}`))._admin.nsiState).toBe('NOT_INSTANTIATED');
    const running = ((await get('/osm/nslcm/v1/ns_instances_content')) as Obj[]).filter((n) => n.nsState === 'READY');
    expect(running.map((n) => n.name).sort()).toEqual([
      'failing.edge-a',
      'failing.edge-b',
      'keeper.edge-a',
      'keeper.edge-b',
      'keeper.middle',
    ]);
    for (const id of [r.id, s.id, keeper.id]) {
      const del = await asJson(t.http.delete(`/osm/nsilcm/v1/netslice_instances_content/${id}`), admin);
      expect([202, 204]).toContain(del.status);
      await settle();
    }
    expect(await nsNames()).toEqual([]);
    expect((await inventory()).networks).toEqual([]);
  });

  it('refuses bad input with 4xx naming the field', async () => {
    const post = (body: Obj) => asJson(t.http.post('/osm/nsilcm/v1/netslice_instances_content'), admin).send(body);
    const base = { nsiName: 'bad', nstId, vimAccountId: vim };
    expect((await post({ ...base, nstId: 'no-such-nst' }).expect(422)).body.detail).toContain('nstId');
    expect((await post({ ...base, bogus: 1 }).expect(422)).body.detail).toContain('bogus');
    expect((await post({ ...base, 'netslice-subnet': [{ id: 'nope' }] }).expect(422)).body.detail).toContain(
      'netslice-subnet[0].id',
    );
    expect((await post({ ...base, 'netslice-vld': [{ name: 'nope' }] }).expect(422)).body.detail).toContain(
      'netslice-vld[0].name',
    );
    expect((await post({ ...base, 'netslice-subnet': [{ id: 'middle', bogus: 1 }] }).expect(422)).body.detail).toContain('bogus');
    expect(((await get('/osm/nsilcm/v1/netslice_instances')) as Obj[]).filter((n) => n.name === 'bad')).toEqual([]);
    expect((await nsNames()).filter((n) => n.startsWith('bad.'))).toEqual([]);
  });

  it('answers a slice action as OSM Release 8 does: 400 BAD_REQUEST, nothing started', async () => {
    const s = await create('acted');
    expect((await sliceOp(s.nsilcmop_id)).operationState).toBe('COMPLETED');
    const opsBefore = ((await get('/osm/nsilcm/v1/nsi_lcm_op_occs')) as Obj[]).length;
    const res = await asJson(t.http.post(`/osm/nsilcm/v1/netslice_instances/${s.id}/action`), admin)
      .send({ primitive: 'touch', primitive_params: {} })
      .expect(400);
    expect(res.body).toMatchObject({ code: 'BAD_REQUEST', status: 400 });
    expect(res.body.detail).toMatch(/^'action'/);
    // as OSM, before looking at the NSI: the same answer for one that does not exist
    await asJson(t.http.post('/osm/nsilcm/v1/netslice_instances/00000000-0000-4000-8000-000000000000/action'), admin)
      .send({})
      .expect(400);
    expect(((await get('/osm/nsilcm/v1/nsi_lcm_op_occs')) as Obj[]).length).toBe(opsBefore);
    const del = await asJson(t.http.delete(`/osm/nsilcm/v1/netslice_instances_content/${s.id}`), admin).expect(202);
    await sliceOp(del.body._id).catch(() => undefined);
    expect(await nsNames()).toEqual([]);
  });

  it('puts subnets on the VIM each names, recording a slice VLD spanning VIMs with one network per VIM', async () => {
    const edge = (
      await asJson(t.http.post('/osm/admin/v1/vim_accounts'), admin)
        .send({
          name: 'edge-site',
          vim_type: 'emulator',
          vim_url: 'emulator://edge-site',
          vim_user: 'u',
          vim_password: 'p',
          vim_tenant_name: 't',
          config: { pops: [{ name: 'far-edge', vcpu: 16, memory: 32 }] },
        })
        .expect(202)
    ).body.id as string;
    await t.app.get(AccountOperations).idle();
    const s = await create('two-vims', { 'netslice-subnet': [{ id: 'edge-a', vimAccountId: edge }] });
    expect((await sliceOp(s.nsilcmop_id)).operationState).toBe('COMPLETED');
    const nsi = await get(`/osm/nsilcm/v1/netslice_instances/${s.id}`);
    const nss = (await get('/osm/nslcm/v1/ns_instances_content')) as Obj[];
    const ns = (id: string) => nss.find((n) => n.name === `two-vims.${id}`)!;
    expect(ns('edge-a').datacenter).toBe(edge);
    expect(ns('edge-b').datacenter).toBe(vim);
    expect(ns('middle').datacenter).toBe(vim);
    // the edge subnet's VMs run in the edge VIM's own PoP, the others on the default emulator
    const edgeInv = await get(`/mano/v1/emulator/${edge}/inventory`);
    const edgeVnfrs = (await get(`/osm/nslcm/v1/vnfrs?nsr-id-ref=${ns('edge-a')._id}`)) as Obj[];
    const edgeVdus = edgeVnfrs.flatMap((v) => v.vdur.map((d: Obj) => d.name as string)).sort();
    expect(edgeVnfrs.every((v) => v['vim-account-id'] === edge)).toBe(true);
    expect(edgeInv.computes.map((c: Obj) => c.name).sort()).toEqual(edgeVdus);
    expect(edgeInv.computes.every((c: Obj) => c.pop === 'far-edge')).toBe(true);
    const mainNames = (await inventory()).computes.map((c: Obj) => c.name as string);
    expect(edgeVdus.some((n) => mainNames.includes(n))).toBe(false);
    // slice-mgmt and slice-data-a touch edge-a (edge VIM) and the middle (default VIM): one network on each
    const vlds = nsi._admin['netslice-vld'] as Obj[];
    const vimsOf = (id: string) => (vlds.find((v) => v.id === id)!['vim-networks'] as Obj[]).map((n) => n.vimAccountId).sort();
    expect(vimsOf('slice-mgmt')).toEqual([edge, vim].sort());
    expect(vimsOf('slice-data-a')).toEqual([edge, vim].sort());
    expect(vimsOf('slice-data-b')).toEqual([vim]);
    for (const v of vlds)
      for (const n of v['vim-networks'] as Obj[]) {
        const inv = n.vimAccountId === edge ? edgeInv : await inventory();
        expect(inv.networks.map((x: Obj) => x.name)).toContain(n['vim-network-name']);
      }
    const del = await asJson(t.http.delete(`/osm/nsilcm/v1/netslice_instances_content/${s.id}`), admin).expect(202);
    await sliceOp(del.body._id).catch(() => undefined);
    expect(await nsNames()).toEqual([]);
    const after = await get(`/mano/v1/emulator/${edge}/inventory`);
    expect([after.computes, after.networks]).toEqual([[], []]);
  });

  it('accepts what osm nsi-create --config sends (netslice-subnet, netslice-vld, additionalParamsForSubnet)', async () => {
    const s = await create('configured', {
      'netslice-subnet': [{ id: 'edge-a', additionalParamsForNs: { a: 1 } }],
      'netslice-vld': [{ name: 'slice-data-b', 'ip-profile': { 'subnet-address': '10.77.0.0/24' } }],
      additionalParamsForSubnet: [{ id: 'edge-b', additionalParamsForNs: { b: 2 } }],
    });
    expect((await sliceOp(s.nsilcmop_id)).operationState).toBe('COMPLETED');
    const nsi = await get(`/osm/nsilcm/v1/netslice_instances/${s.id}`);
    const subnets = nsi._admin['netslice-subnet'] as Obj[];
    expect(subnets.find((x) => x['nss-id'] === 'edge-a')?.additionalParamsForNs).toEqual({ a: 1 });
    expect(subnets.find((x) => x['nss-id'] === 'edge-b')?.additionalParamsForNs).toEqual({ b: 2 });
    expect((await inventory()).networks.some((n: Obj) => n.cidr === '10.77.0.0/24')).toBe(true);
    const del = await asJson(t.http.delete(`/osm/nsilcm/v1/netslice_instances_content/${s.id}`), admin).expect(202);
    await sliceOp(del.body._id).catch(() => undefined);
    expect(await nsNames()).toEqual([]);
  });
});
