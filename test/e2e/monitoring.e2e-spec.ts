import { join } from 'node:path';
import { loadConfig } from '../../src/config/env';
import { ClosedLoops } from '../../src/monitoring/closed-loops.service';
import { DESCRIPTORS, emulatorId, onboardFolder, settledOp } from '../utils/lcm';
import { folderEntries, makeTarGz } from '../utils/packages';
import { Receiver } from '../utils/receiver';
import { asJson, TestApp, useTestApp } from '../utils/test-app';

type Obj = Record<string, unknown>;

// instantiation on a busy machine can take longer than the default hook timeout
jest.setTimeout(120_000);

/**
 * The closed loops on the emulator, at test speed (a round every 0.2 s): metrics on the VNF record, an alarm and
 * its webhook (retried after a 500), and the worker-cpu policy scaling out to max-scale-level and back to 0 under
 * load profiles, every operation automatic and none inside the cooldown.
 */
describe('monitoring and closed loops (emulator)', () => {
  let t: TestApp;
  let admin: string;
  let vim: string;
  let nsId: string;
  const hook = new Receiver();

  useTestApp(
    async (app, token) => {
      t = app;
      admin = token;
      await hook.start();
      vim = await emulatorId(t, admin);
      // the package's webhook pointed at this test's receiver
      const entries = folderEntries(join(DESCRIPTORS, 'autoscale_vnf'), 'autoscale_vnf').map((e) =>
        e.name.endsWith('.yaml') ? { ...e, content: String(e.content).split('http://127.0.0.1:8081').join(hook.url) } : e,
      );
      await asJson(t.http.post('/osm/vnfpkgm/v1/vnf_packages_content'), admin)
        .set('Content-Type', 'application/gzip')
        .send(await makeTarGz(entries))
        .expect(201);
      const nsdId = await onboardFolder(t, admin, 'autoscale_ns', 'ns');
      const created = await asJson(t.http.post('/osm/nslcm/v1/ns_instances_content'), admin)
        .send({ nsName: 'pool', nsdId, vimAccountId: vim })
        .expect(201);
      nsId = created.body.id;
      expect((await settledOp(t, admin, created.body.nslcmop_id)).operationState).toBe('COMPLETED');
    },
    { metrics: { intervalMs: 200, historySize: 5 }, notify: { ...loadConfig({}).notify, retryBaseMs: 50, retryMaxMs: 200 } },
  );
  afterAll(() => hook.stop());

  const get = async (url: string, token = admin) => (await asJson(t.http.get(url), token).expect(200)).body;
  const profile = (vdu: string, steps: Obj[]) =>
    asJson(t.http.put(`/mano/v1/emulator/${vim}/load-profile`), admin)
      .send({ labels: { 'mano.ns-instance': nsId, 'mano.vdu': vdu }, steps })
      .expect(204);
  async function until<T>(what: string, fn: () => Promise<T | undefined | false>, ms = 20_000): Promise<T> {
    const end = Date.now() + ms;
    for (;;) {
      const v = await fn();
      if (v) return v;
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  const alarms = async (): Promise<Obj[]> => get(`/osm/nslcm/v1/ns_instances/${nsId}/alarms`);
  const probeAlarm = async () => (await alarms()).find((a) => a['alarm-id'] === 'probe-cpu-high')!;

  it('shows the monitoring parameters on the VNF record, unavailable never as 0', async () => {
    await profile('worker', [{ cpu: 0.5, memoryUtilization: 0.4, packetsIn: 1234 }]);
    const vnf = await until('values on the vnfr', async () => {
      const [v] = (await get(`/osm/nslcm/v1/vnfrs?nsr-id-ref=${nsId}`)) as Obj[];
      const worker = (v.vdur as Obj[]).find((x) => x['vdu-id-ref'] === 'worker');
      const mp = worker?.['monitoring-parameter'] as Obj[] | undefined;
      return mp?.find((p) => p.id === 'worker_packets_in')?.value === 1234 ? v : undefined;
    });
    const worker = (vnf.vdur as Obj[]).find((x) => x['vdu-id-ref'] === 'worker')!;
    expect(worker['monitoring-parameter']).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ id: 'worker_cpu', 'performance-metric': 'cpu_utilization', value: 50 }),
        expect.objectContaining({ id: 'worker_memory', value: 40 }),
      ]),
    );
    const probe = (vnf.vdur as Obj[]).find((x) => x['vdu-id-ref'] === 'probe')!;
    expect((probe['monitoring-parameter'] as Obj[]).map((p) => p.id)).toEqual(['probe_cpu']);
    // the alarm records: the VDU alarm and both sides of the policy's criterion
    expect((await alarms()).map((a) => `${a.type} ${a['alarm-id']}`).sort()).toEqual([
      'scale-in worker-cpu/worker-cpu-load/scale-in',
      'scale-out worker-cpu/worker-cpu-load/scale-out',
      'vdu-alarm probe-cpu-high',
    ]);
    const shown = await get(`/osm/nslcm/v1/ns_instances/${nsId}/alarms/${(await probeAlarm())._id as string}`);
    expect(shown).toMatchObject({ 'alarm-id': 'probe-cpu-high', operation: 'GT', value: 70, state: 'OK' });
    await asJson(t.http.get(`/osm/nslcm/v1/ns_instances/${nsId}/alarms/00000000-0000-0000-0000-000000000000`), admin).expect(404);
  });

  it('moves an alarm to ALARM and back to OK, its webhook told of both (retried after a 500)', async () => {
    let first = true;
    hook.respond = () => (first ? ((first = false), 500) : 204);
    await profile('probe', [{ cpu: 0.95 }]);
    const alarm = await until('ALARM', async () => ((await probeAlarm()).state === 'ALARM' ? probeAlarm() : undefined));
    expect(alarm['last-value']).toBe(95);
    await until('the retried alarm webhook', async () => hook.notifications('/alarms').length >= 2);
    const [failed, retried] = hook.notifications('/alarms');
    expect(failed).toEqual(retried);
    expect(retried).toMatchObject({
      schema_type: 'notify_alarm',
      notify_details: { alarm_id: 'probe-cpu-high', status: 'alarm', ns_id: nsId, vdu_name: 'probe', threshold_value: 70 },
    });
    await profile('probe', [{ cpu: 0.1 }]);
    await until('OK', async () => (await probeAlarm()).state === 'OK');
    const ok = await until('the ok webhook', async () =>
      hook.notifications('/alarms').find((n) => (n.notify_details as Obj).status === 'ok'),
    );
    expect(ok.notify_details).toMatchObject({ alarm_id: 'probe-cpu-high', current_value: 10 });
  });

  it('scales out to max-scale-level under load and back in when it passes, automatically and never in the cooldown', async () => {
    const level = async () =>
      (((await get(`/osm/nslcm/v1/ns_instances/${nsId}`))._admin as Obj)['scaling-group'] as Obj[] | undefined)?.find(
        (g) => g.name === 'worker-scaling',
      )?.['nb-scale-op'] ?? 0;
    await profile('worker', [{ cpu: 0.9 }]);
    await until('level 2', async () => (await level()) === 2, 30_000);
    // at the maximum, the policy says so and starts nothing more
    const admin_ = async () => ((await get(`/osm/nslcm/v1/ns_instances/${nsId}`))._admin as Obj)['closed-loops'] as Obj;
    await until('at-max status', async () =>
      String(((await admin_()).policies as Obj[])[0].status).includes('max-scale-level 2'),
    );
    await profile('worker', [{ cpu: 0.05 }]);
    await until('level 0', async () => (await level()) === 0, 30_000);
    await t.app.get(ClosedLoops).round();
    const policy = ((await admin_()).policies as Obj[])[0];
    expect(policy).toMatchObject({ member: '1', aspect: 'worker-scaling', policy: 'worker-cpu' });
    expect((policy.lastDecision as Obj).action).toBe('SCALE_IN');
    expect(String((policy.lastDecision as Obj).reason)).toMatch(/worker_cpu 5 LT 20/);

    const ops = ((await get(`/osm/nslcm/v1/ns_lcm_op_occs?nsInstanceId=${nsId}`)) as Obj[])
      .filter((o) => o.lcmOperationType === 'scale')
      .sort((a, b) => Number(a.startTime) - Number(b.startTime));
    expect(ops.map((o) => (o.operationParams as Obj).scaleVnfData as Obj).map((d) => d.scaleVnfType)).toEqual([
      'SCALE_OUT',
      'SCALE_OUT',
      'SCALE_IN',
      'SCALE_IN',
    ]);
    for (const op of ops) expect(op).toMatchObject({ isAutomaticInvocation: true, operationState: 'COMPLETED' });
    // cooldown-time 2 s from the end of one automatic operation to the start of the next
    for (let i = 1; i < ops.length; i++)
      expect(Number(ops[i].startTime) - Number(ops[i - 1].statusEnteredTime)).toBeGreaterThanOrEqual(1.95);
    const vnf = ((await get(`/osm/nslcm/v1/vnfrs?nsr-id-ref=${nsId}`)) as Obj[])[0];
    expect((vnf.vdur as Obj[]).filter((v) => v['vdu-id-ref'] === 'worker')).toHaveLength(1);
  }, 90_000);

  it('lets a manual operation run: the loop skips while another operation of the NS is unfinished', async () => {
    await profile('worker', [{ cpu: 0.9 }]);
    await asJson(t.http.put(`/mano/v1/emulator/${vim}/faults`), admin)
      .send({ hangCalls: [1], hangMs: 8000, operations: ['apply'] })
      .expect(204);
    const manual = await asJson(t.http.post(`/osm/nslcm/v1/ns_instances/${nsId}/scale`), admin)
      .send({
        scaleType: 'SCALE_VNF',
        scaleVnfData: {
          scaleVnfType: 'SCALE_OUT',
          scaleByStepData: { 'scaling-group-descriptor': 'worker-scaling', 'member-vnf-index': '1' },
        },
      })
      .expect(202);
    // the policy is due while the manual operation hangs: it waits instead of scaling beside it
    await until('the loop to wait for the manual operation', async () => {
      const loops = ((await get(`/osm/nslcm/v1/ns_instances/${nsId}`))._admin as Obj)['closed-loops'] as Obj;
      return /another operation of the NS runs/.test(String((loops.policies as Obj[])[0].status));
    });
    const op = await settledOp(t, admin, manual.body.id);
    expect(op).toMatchObject({ isAutomaticInvocation: false, operationState: 'COMPLETED' });
    await asJson(t.http.put(`/mano/v1/emulator/${vim}/faults`), admin)
      .send({})
      .expect(204);
    await profile('worker', []);
  });
});

describe('alarms are scoped like their NS', () => {
  let t: TestApp;
  let admin: string;
  let nsId: string;
  let other: string;
  let otherAdmin: string;
  let vim: string;

  useTestApp(async (app, token) => {
    t = app;
    admin = token;
    await asJson(t.http.post('/osm/admin/v1/projects'), admin).send({ name: 'B' }).expect(201);
    await asJson(t.http.post('/osm/admin/v1/users'), admin)
      .send({ username: 'bob', password: 'pw-1234', project_role_mappings: [{ project: 'B', role: 'project_user' }] })
      .expect(201);
    other = await t.login('bob', 'pw-1234');
    await asJson(t.http.post('/osm/admin/v1/users'), admin)
      .send({ username: 'carol', password: 'pw-1234', project_role_mappings: [{ project: 'B', role: 'project_admin' }] })
      .expect(201);
    otherAdmin = await t.login('carol', 'pw-1234');
    vim = await emulatorId(t, admin);
    await onboardFolder(t, admin, 'autoscale_vnf', 'vnf');
    const nsdId = await onboardFolder(t, admin, 'autoscale_ns', 'ns');
    const created = await asJson(t.http.post('/osm/nslcm/v1/ns_instances_content'), admin)
      .send({ nsName: 'pool', nsdId, vimAccountId: vim })
      .expect(201);
    nsId = created.body.id;
    await settledOp(t, admin, created.body.nslcmop_id);
    await t.app.get(ClosedLoops).round();
  });

  it('lists and shows them to the NS project only (404 elsewhere, 401 without a token)', async () => {
    const mine = (await asJson(t.http.get(`/osm/nslcm/v1/ns_instances/${nsId}/alarms`), admin).expect(200)).body as Obj[];
    expect(mine).toHaveLength(3);
    expect(mine.every((a) => a.state !== undefined)).toBe(true);
    await asJson(t.http.get(`/osm/nslcm/v1/ns_instances/${nsId}/alarms`), other).expect(404);
    await asJson(t.http.get(`/osm/nslcm/v1/ns_instances/${nsId}/alarms/${mine[0]._id as string}`), other).expect(404);
    await asJson(t.http.get(`/osm/nslcm/v1/ns_instances/${nsId}/alarms`)).expect(401);
  });

  it('lets no other project steer the load of the NS (404 on a VIM it cannot write), and checks the profile', async () => {
    await asJson(t.http.put(`/mano/v1/emulator/${vim}/load-profile`), otherAdmin)
      .send({ labels: { 'mano.ns-instance': nsId }, steps: [{ cpu: 0.99 }] })
      .expect(404);
    const bad = await asJson(t.http.put(`/mano/v1/emulator/${vim}/load-profile`), admin)
      .send({ labels: { 'mano.ns-instance': nsId }, steps: [{ cpu: 2 }] })
      .expect(422);
    expect(bad.body.detail).toContain('body.steps[0].cpu');
  });

  it('drops the alarms and history of a terminated NS', async () => {
    const term = await asJson(t.http.post(`/osm/nslcm/v1/ns_instances/${nsId}/terminate`), admin)
      .send({})
      .expect(202);
    await settledOp(t, admin, term.body.id);
    await t.app.get(ClosedLoops).round();
    expect((await asJson(t.http.get(`/osm/nslcm/v1/ns_instances/${nsId}/alarms`), admin).expect(200)).body).toEqual([]);
  });
});
