import { emulatorId, onboardWebserver, settledOp } from '../utils/lcm';
import { asJson, TestApp, useTestApp } from '../utils/test-app';

type Obj = Record<string, unknown>;
type Vdur = { name: string; 'count-index': number; 'vdu-id-ref': string; 'ip-address': string | null };

/** `osm vnf-scale`: one step of the web server's scaling aspect out and in, over HTTP on the emulator. */
describe('NS scaling (SCALE_VNF out and in)', () => {
  let t: TestApp;
  let admin: string;
  let nsdId: string;
  let vim: string;
  let nsId: string;

  useTestApp(async (app, token) => {
    t = app;
    admin = token;
    nsdId = await onboardWebserver(t, admin);
    vim = await emulatorId(t, admin);
    const created = await asJson(t.http.post('/osm/nslcm/v1/ns_instances_content'), admin)
      .send({ nsName: 'web', nsdId, vimAccountId: vim })
      .expect(201);
    nsId = created.body.id;
    expect((await settledOp(t, admin, created.body.nslcmop_id)).operationState).toBe('COMPLETED');
  });

  const scale = (type: string, extra: Obj = {}, group = 'web-scaling', member: unknown = '1') =>
    asJson(t.http.post(`/osm/nslcm/v1/ns_instances/${nsId}/scale`), admin).send({
      scaleType: 'SCALE_VNF',
      scaleVnfData: { scaleVnfType: type, scaleByStepData: { 'scaling-group-descriptor': group, 'member-vnf-index': member } },
      ...extra,
    });
  const vdur = async (): Promise<Vdur[]> => {
    const vnfrs = (await asJson(t.http.get(`/osm/nslcm/v1/vnfrs?nsr-id-ref=${nsId}`), admin).expect(200)).body as Obj[];
    return (vnfrs[0].vdur as Vdur[]).sort((a, b) => a['count-index'] - b['count-index']);
  };
  const computes = async (): Promise<string[]> =>
    ((await asJson(t.http.get(`/mano/v1/emulator/${vim}/inventory`), admin).expect(200)).body.computes as { name: string }[])
      .map((c) => c.name)
      .sort();
  const ns = async (): Promise<Obj> => (await asJson(t.http.get(`/osm/nslcm/v1/ns_instances/${nsId}`), admin).expect(200)).body;
  const level = async () =>
    (((await ns())._admin as Obj)['scaling-group'] as Obj[] | undefined)?.find((g) => g.name === 'web-scaling')?.['nb-scale-op'];

  it('scales out one instance per step up to max-scale-level (then 422), and in again removing the newest', async () => {
    expect((await vdur()).map((v) => v['count-index'])).toEqual([0]);
    for (const expected of [
      [0, 1],
      [0, 1, 2],
    ]) {
      const res = await scale('SCALE_OUT').expect(202);
      expect(res.headers.location).toBe(`/osm/nslcm/v1/ns_lcm_op_occs/${res.body.id}`);
      expect(await settledOp(t, admin, res.body.id)).toMatchObject({ operationState: 'COMPLETED', lcmOperationType: 'scale' });
      const v = await vdur();
      expect(v.map((x) => x['count-index'])).toEqual(expected);
      expect(v.every((x) => x['vdu-id-ref'] === 'web' && x['ip-address'])).toBe(true);
      expect(await computes()).toEqual(v.map((x) => x.name).sort());
    }
    expect(await level()).toBe(2);
    expect(await ns()).toMatchObject({ nsState: 'READY', 'operational-status': 'running', currentOperation: 'IDLE' });

    const refused = await scale('SCALE_OUT').expect(422);
    expect(refused.body.detail).toMatch(/max-scale-level 2/);

    const scaleIn = await scale('SCALE_IN').expect(202);
    expect((await settledOp(t, admin, scaleIn.body.id)).operationState).toBe('COMPLETED');
    const left = await vdur();
    expect(left.map((x) => x['count-index'])).toEqual([0, 1]);
    expect(await computes()).toEqual(left.map((x) => x.name).sort());
    expect(await level()).toBe(1);

    await settledOp(t, admin, (await scale('SCALE_IN').expect(202)).body.id);
    expect((await vdur()).map((x) => x['count-index'])).toEqual([0]);
    const floor = await scale('SCALE_IN').expect(422);
    expect(floor.body.detail).toMatch(/minimum scale level \(0\)/);
    // the volumes of removed instances went with them
    const inv = (await asJson(t.http.get(`/mano/v1/emulator/${vim}/inventory`), admin).expect(200)).body;
    expect(inv.computes).toHaveLength(1);
  });

  it('refuses what cannot be scaled, naming it', async () => {
    const group = await scale('SCALE_OUT', {}, 'no-such-aspect').expect(422);
    expect(group.body.detail).toMatch(/'no-such-aspect' is not a scaling aspect of VNF 1 \(web-scaling\)/);
    const member = await scale('SCALE_OUT', {}, 'web-scaling', '7').expect(422);
    expect(member.body.detail).toContain('member-vnf-index');
    const direction = await scale('SCALE_SIDEWAYS').expect(422);
    expect(direction.body.detail).toContain('scaleVnfType');
    const kind = await asJson(t.http.post(`/osm/nslcm/v1/ns_instances/${nsId}/scale`), admin)
      .send({ scaleType: 'SCALE_NS', scaleVnfData: {} })
      .expect(422);
    expect(kind.body.detail).toContain('scaleType');
    const stopped = await asJson(t.http.post('/osm/nslcm/v1/ns_instances'), admin)
      .send({ nsName: 'idle', nsdId, vimAccountId: vim })
      .expect(201);
    await asJson(t.http.post(`/osm/nslcm/v1/ns_instances/${stopped.body.id}/scale`), admin)
      .send({
        scaleType: 'SCALE_VNF',
        scaleVnfData: {
          scaleVnfType: 'SCALE_OUT',
          scaleByStepData: { 'scaling-group-descriptor': 'web-scaling', 'member-vnf-index': '1' },
        },
      })
      .expect(409);
  });

  it('rolls back a scale-out that failed: the added instance is removed and the NS is READY at its old level', async () => {
    await asJson(t.http.put(`/mano/v1/emulator/${vim}/faults`), admin)
      .send({ failCalls: [2], errorCode: 'VIM.QUOTA_EXCEEDED' })
      .expect(204);
    const res = await scale('SCALE_OUT').expect(202);
    const op = await settledOp(t, admin, res.body.id);
    await asJson(t.http.put(`/mano/v1/emulator/${vim}/faults`), admin)
      .send({})
      .expect(204);
    expect(op.operationState).toBe('FAILED_TEMP');
    expect(await ns()).toMatchObject({ nsState: 'DEGRADED', 'operational-status': 'failed' });
    await asJson(t.http.post(`/osm/nslcm/v1/ns_lcm_op_occs/${res.body.id}/rollback`), admin).expect(202);
    expect((await settledOp(t, admin, res.body.id)).operationState).toBe('ROLLED_BACK');
    expect(await ns()).toMatchObject({ nsState: 'READY', 'operational-status': 'running' });
    expect((await vdur()).map((x) => x['count-index'])).toEqual([0]);
    expect(await computes()).toHaveLength(1);
    expect(await level()).toBe(0);
  });
});
