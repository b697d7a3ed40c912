import { DataSource } from 'typeorm';
import { OperationRunner } from '../../src/lcm/operation-runner';
import { emulatorId, onboardMultivdu, settledOp } from '../utils/lcm';
import { asJson, TestApp, useTestApp } from '../utils/test-app';

/** NS lifecycle over HTTP on the emulator, as OSM's client drives it. */
describe('NS lifecycle: create, instantiate, terminate, delete', () => {
  let t: TestApp;
  let admin: string;
  let nsdId: string;
  let vim: string;

  useTestApp(async (app, token) => {
    t = app;
    admin = token;
    nsdId = await onboardMultivdu(t, admin);
    vim = await emulatorId(t, admin);
  });

  const inventory = async () => (await asJson(t.http.get(`/mano/v1/emulator/${vim}/inventory`), admin).expect(200)).body;

  it('instantiates hackfest_multivdu: COMPLETED, READY, VNF record with IPs (fixed IPs honoured)', async () => {
    const created = await asJson(t.http.post('/osm/nslcm/v1/ns_instances_content'), admin)
      .send({ nsName: 'multivdu', nsdId, vimAccountId: vim, nsDescription: 'default description' })
      .expect(201);
    expect(created.body).toEqual({ id: expect.any(String), nslcmop_id: expect.any(String), nsName: 'multivdu' });
    expect(created.headers.location).toBe(`/osm/nslcm/v1/ns_instances_content/${created.body.id}`);
    const op = await settledOp(t, admin, created.body.nslcmop_id);
    expect(op).toMatchObject({
      operationState: 'COMPLETED',
      lcmOperationType: 'instantiate',
      nsInstanceId: created.body.id,
      errorMessage: null,
    });

    const ns = (await asJson(t.http.get(`/osm/nslcm/v1/ns_instances_content/${created.body.id}`), admin).expect(200)).body;
    // every field osmclient reads (osm-nbi.md §9)
    expect(ns).toMatchObject({
      _id: created.body.id,
      name: 'multivdu',
      'create-time': expect.any(Number),
      nsState: 'READY',
      currentOperation: 'IDLE',
      currentOperationID: null,
      errorDescription: null,
      errorDetail: null,
      'operational-status': 'running',
      'config-status': 'configured',
      'detailed-status': 'Done',
      datacenter: vim,
      'nsd-ref': 'hackfest_multivdu-ns',
      'constituent-vnfr-ref': [expect.any(String)],
      _admin: { nsState: 'INSTANTIATED', projects_read: [expect.any(String)] },
    });
    expect(ns).toHaveProperty('deploymentStatus');

    // the list (served from its cache of rendered JSON) shows the same record without the bulky parts, in JSON and YAML
    const listed = await asJson(t.http.get('/osm/nslcm/v1/ns_instances_content'), admin).expect(200);
    expect(listed.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(listed.body).toEqual([expect.objectContaining({ _id: ns._id, nsState: 'READY', 'nsd-ref': 'hackfest_multivdu-ns' })]);
    expect(listed.body[0]).not.toHaveProperty('nsd');
    const listedYaml = await t.http
      .get('/osm/nslcm/v1/ns_instances_content')
      .set('Authorization', `Bearer ${admin}`)
      .set('Accept', 'application/yaml')
      .expect(200);
    expect(listedYaml.text).toContain(`_id: ${ns._id}`);
    expect(ns).toHaveProperty('configurationStatus');
    expect(ns.vld.find((v: { id: string }) => v.id === 'mgmtnet')).toMatchObject({
      status: 'ACTIVE',
      'vim-id': expect.any(String),
    });

    const vnfrs = (await asJson(t.http.get(`/osm/nslcm/v1/vnfrs?nsr-id-ref=${created.body.id}`), admin).expect(200)).body;
    expect(vnfrs).toHaveLength(1);
    const vnfr = vnfrs[0];
    expect(vnfr).toMatchObject({
      'nsr-id-ref': created.body.id,
      'member-vnf-index-ref': '1',
      'vnfd-ref': 'hackfest_multivdu-vnf',
      'vim-account-id': vim,
      'ip-address': '172.21.18.81',
    });
    const byVdu = Object.fromEntries(vnfr.vdur.map((v: { 'vdu-id-ref': string }) => [v['vdu-id-ref'], v]));
    expect(byVdu.mgmtVM).toMatchObject({
      'count-index': 0,
      status: 'ACTIVE',
      'vim-id': expect.any(String),
      'ip-address': '172.21.18.81',
    });
    expect(byVdu.dataVM.interfaces).toEqual(
      expect.arrayContaining([expect.objectContaining({ 'ip-address': '172.21.18.82', 'ns-vld-id': 'datanet' })]),
    );
    expect(byVdu.dataVM.interfaces).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ 'vnf-vld-id': 'internal', 'ip-address': expect.stringMatching(/^\d+\.\d+\.\d+\.\d+$/) }),
      ]),
    );
    await asJson(t.http.get(`/osm/nslcm/v1/vnf_instances/${vnfr._id}`), admin).expect(200);

    const ops = (await asJson(t.http.get(`/osm/nslcm/v1/ns_lcm_op_occs?nsInstanceId=${created.body.id}`), admin).expect(200))
      .body;
    expect(ops[0]).toMatchObject({
      id: created.body.nslcmop_id,
      startTime: expect.any(Number),
      statusEnteredTime: expect.any(Number),
      queuePosition: 0,
      stage: 'Done',
    });

    const inv = await inventory();
    expect(inv.computes).toHaveLength(2);
    expect(inv.networks).toHaveLength(3);

    // the VIM it lives on cannot be deleted meanwhile (its resources would be orphaned)
    const inUse = await asJson(t.http.delete(`/osm/admin/v1/vim_accounts/${vim}`), admin).expect(409);
    expect(inUse.body.detail).toContain('multivdu');

    // terminate, then delete
    const term = await asJson(t.http.post(`/osm/nslcm/v1/ns_instances/${created.body.id}/terminate`), admin)
      .send({})
      .expect(202);
    expect(term.headers.location).toBe(`/osm/nslcm/v1/ns_lcm_op_occs/${term.body.id}`);
    expect((await settledOp(t, admin, term.body.id)).operationState).toBe('COMPLETED');
    const after = (await asJson(t.http.get(`/osm/nslcm/v1/ns_instances/${created.body.id}`), admin).expect(200)).body;
    expect(after.nsState).toBe('NOT_INSTANTIATED');
    const empty = await inventory();
    expect([empty.computes, empty.networks, empty.volumes]).toEqual([[], [], []]);
    await asJson(t.http.delete(`/osm/nslcm/v1/ns_instances_content/${created.body.id}`), admin).expect(204);
    await asJson(t.http.get(`/osm/nslcm/v1/ns_instances_content/${created.body.id}`), admin).expect(404);
  });

  it('two steps (SOL005): create NOT_INSTANTIATED, instantiate 202 + Location, 409 on a second operation', async () => {
    const created = await asJson(t.http.post('/osm/nslcm/v1/ns_instances'), admin)
      .send({ nsName: 'two', nsdId, vimAccountId: vim })
      .expect(201);
    const id = created.body.id;
    expect((await asJson(t.http.get(`/osm/nslcm/v1/ns_instances/${id}`), admin).expect(200)).body.nsState).toBe(
      'NOT_INSTANTIATED',
    );
    await asJson(t.http.post(`/osm/nslcm/v1/ns_instances/${id}/terminate`), admin)
      .send({})
      .expect(409);
    // hold the engine so the first operation is still running when the second arrives
    const runner = t.app.get(OperationRunner);
    const enqueue = runner.enqueue.bind(runner);
    const held: string[] = [];
    runner.enqueue = (opId: string) => void held.push(opId);
    const inst = await asJson(t.http.post(`/osm/nslcm/v1/ns_instances/${id}/instantiate`), admin)
      .send({ nsName: 'two', nsdId, vimAccountId: vim })
      .expect(202);
    expect(inst.body).toEqual({ id: expect.any(String), nsName: 'two' });
    const busy = await asJson(t.http.post(`/osm/nslcm/v1/ns_instances/${id}/terminate`), admin)
      .send({})
      .expect(409);
    expect(busy.body).toMatchObject({ code: 'CONFLICT', reason: 'LCM.OPERATION_IN_PROGRESS' });
    runner.enqueue = enqueue;
    held.forEach((h) => runner.enqueue(h));
    expect((await settledOp(t, admin, inst.body.id)).operationState).toBe('COMPLETED');
    await asJson(t.http.post(`/osm/nslcm/v1/ns_instances/${id}/instantiate`), admin)
      .send({ nsName: 'two', nsdId, vimAccountId: vim })
      .expect(409);
    await asJson(t.http.delete(`/osm/nslcm/v1/ns_instances/${id}`), admin).expect(409);
    const del = await asJson(t.http.delete(`/osm/nslcm/v1/ns_instances_content/${id}`), admin).expect(202);
    expect(del.body).toEqual({ _id: expect.any(String), nsName: 'two' });
    await settledOp(t, admin, del.body._id).catch(() => undefined);
    await t.app.get(OperationRunner).idle();
    await asJson(t.http.get(`/osm/nslcm/v1/ns_instances/${id}`), admin).expect(404);
    expect((await inventory()).computes).toEqual([]);
  });

  it('answers 422 naming the field for an unknown member-vnf-index, vld name, VIM or NSD', async () => {
    const base = { nsName: 'bad', nsdId, vimAccountId: vim };
    const cases: [object, string][] = [
      [{ ...base, vnf: [{ 'member-vnf-index': '7' }] }, 'vnf[0].member-vnf-index'],
      [{ ...base, vld: [{ name: 'nonet' }] }, 'vld[0].name'],
      [{ ...base, vimAccountId: '0b7e7c4a-3c8b-4d2f-9b9e-0a7f0a6b1c2d' }, 'vimAccountId'],
      [{ ...base, nsdId: 'no-such-nsd' }, 'nsdId'],
      [{ ...base, additionalParamsForVnf: [{ 'member-vnf-index': '9' }] }, 'additionalParamsForVnf[0].member-vnf-index'],
      [{ nsName: 'x', vimAccountId: vim }, 'nsdId'],
      [{ ...base, colour: 'red' }, 'colour'],
    ];
    const before = (await t.app.get(DataSource).query('SELECT COUNT(*) AS n FROM ns_instances'))[0].n;
    for (const [body, path] of cases) {
      const res = await asJson(t.http.post('/osm/nslcm/v1/ns_instances_content'), admin).send(body).expect(422);
      expect(res.body.errors.map((e: { path: string }) => e.path)).toContain(path);
    }
    expect((await t.app.get(DataSource).query('SELECT COUNT(*) AS n FROM ns_instances'))[0].n).toBe(before);
  });

  it('reports a VIM failure truthfully (FAILED_TEMP, NS BROKEN) and terminate still cleans up', async () => {
    await asJson(t.http.put(`/mano/v1/emulator/${vim}/faults`), admin)
      .send({ failCalls: [6], errorCode: 'VIM.QUOTA_EXCEEDED' })
      .expect(204);
    const created = await asJson(t.http.post('/osm/nslcm/v1/ns_instances_content'), admin)
      .send({ nsName: 'faulty', nsdId, vimAccountId: vim })
      .expect(201);
    const op = await settledOp(t, admin, created.body.nslcmop_id);
    await asJson(t.http.put(`/mano/v1/emulator/${vim}/faults`), admin)
      .send({})
      .expect(204);
    expect(op.operationState).toBe('FAILED_TEMP');
    expect(op.errorMessage).toMatch(/VIM.QUOTA_EXCEEDED: emulator: injected VIM.QUOTA_EXCEEDED on call 6/);
    const ns = (await asJson(t.http.get(`/osm/nslcm/v1/ns_instances/${created.body.id}`), admin).expect(200)).body;
    expect(ns).toMatchObject({ nsState: 'BROKEN', 'operational-status': 'failed', errorDetail: op.errorMessage });
    expect(ns.errorDescription).toContain(`INSTANTIATING.${created.body.nslcmop_id}`);
    expect((await inventory()).networks.length).toBeGreaterThan(0);
    const del = await asJson(t.http.delete(`/osm/nslcm/v1/ns_instances_content/${created.body.id}`), admin).expect(202);
    await settledOp(t, admin, del.body._id).catch(() => undefined);
    await t.app.get(OperationRunner).idle();
    await asJson(t.http.get(`/osm/nslcm/v1/ns_instances/${created.body.id}`), admin).expect(404);
    const inv = await inventory();
    expect([inv.computes, inv.networks, inv.volumes]).toEqual([[], [], []]);
  });

  it('keeps NS instances in their project, and protects the NSD they use', async () => {
    const created = await asJson(t.http.post('/osm/nslcm/v1/ns_instances'), admin)
      .send({ nsName: 'kept', nsdId, vimAccountId: vim })
      .expect(201);
    await asJson(t.http.post('/osm/admin/v1/projects'), admin).send({ name: 'other' }).expect(201);
    await asJson(t.http.post('/osm/admin/v1/users'), admin)
      .send({ username: 'oz', password: 'pw', project_role_mappings: [{ project: 'other', role: 'project_admin' }] })
      .expect(201);
    const oz = await t.login('oz', 'pw');
    expect((await asJson(t.http.get('/osm/nslcm/v1/ns_instances'), oz).expect(200)).body).toEqual([]);
    await asJson(t.http.get(`/osm/nslcm/v1/ns_instances/${created.body.id}`), oz).expect(404);
    await asJson(t.http.post(`/osm/nslcm/v1/ns_instances/${created.body.id}/instantiate`), oz)
      .send({ nsName: 'x', nsdId, vimAccountId: vim })
      .expect(404);
    await asJson(t.http.delete('/osm/nsd/v1/ns_descriptors/hackfest_multivdu-ns'), admin).expect(409);
    await asJson(t.http.delete(`/osm/nslcm/v1/ns_instances/${created.body.id}`), admin).expect(204);
  });
});
