import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { emulatorId, onboardWebserver, onboardWebserverVariant, settledOp } from '../utils/lcm';
import { asJson, TestApp, useTestApp } from '../utils/test-app';

type Obj = Record<string, unknown>;
type Step = { key: string; kind: string; state: string; result?: { exitCode: number; stdout: string; stderr: string } };
type Compute = { name: string; userData?: string; sandbox: { path: string; files: string[] } };

/** Day-0 cloud-init, day-1 and day-2 script primitives of the example web server, over HTTP on the emulator. */
describe('day-0/1/2 configuration (script execution environments)', () => {
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
  });

  const computes = async (): Promise<Compute[]> =>
    (await asJson(t.http.get(`/mano/v1/emulator/${vim}/inventory`), admin).expect(200)).body.computes as Compute[];
  const instantiate = async (name: string, extra: Obj = {}) => {
    const created = await asJson(t.http.post('/osm/nslcm/v1/ns_instances_content'), admin)
      .send({ nsName: name, nsdId, vimAccountId: vim, ...extra })
      .expect(201);
    return { id: created.body.id as string, op: await settledOp(t, admin, created.body.nslcmop_id) };
  };
  const action = (body: Obj, id = nsId) => asJson(t.http.post(`/osm/nslcm/v1/ns_instances/${id}/action`), admin).send(body);

  it('instantiates the web server: cloud-init rendered into the VM, day-1 configure ran and wrote its page', async () => {
    const { id, op } = await instantiate('web', {
      additionalParamsForVnf: [{ 'member-vnf-index': '1', additionalParams: { greeting: 'Hi from day 0' } }],
    });
    nsId = id;
    expect(op.operationState).toBe('COMPLETED');
    const day1 = (op.steps as Step[]).find((s) => s.kind === 'primitive')!;
    expect(day1.key).toMatch(/^day-1 configure on mano-.*-1-web-0$/);
    expect(day1.result).toMatchObject({ exitCode: 0, stdout: 'configured: www/index.html\n', stderr: '' });
    const [vm] = await computes();
    expect(vm.userData).toContain('hostname: webserver');
    expect(vm.userData).toContain('<h1>Hi from day 0</h1>');
    expect(vm.userData).not.toContain('{{');
    const page = join(vm.sandbox.path, 'www', 'index.html');
    expect(readFileSync(page, 'utf8')).toContain('<h1>Hello from OpenCloudEdge MANO</h1>');
    const ns = (await asJson(t.http.get(`/osm/nslcm/v1/ns_instances/${id}`), admin).expect(200)).body;
    expect(ns).toMatchObject({ 'config-status': 'configured', configurationStatus: [] });
  });

  it('refuses at instantiate a cloud-init parameter nobody gives (422 naming it)', async () => {
    const nsd2 = await onboardWebserverVariant(t, admin, 'webserver2', (path) =>
      path === 'cloud_init/cloud-config.yaml' ? '#cloud-config\nhostname: {{ site_name }}\n' : undefined,
    );
    const res = await asJson(t.http.post('/osm/nslcm/v1/ns_instances_content'), admin)
      .send({ nsName: 'x', nsdId: nsd2, vimAccountId: vim })
      .expect(422);
    expect(res.body.detail).toContain("cloud-init needs parameter 'site_name'");
    await asJson(t.http.post('/osm/nslcm/v1/ns_instances_content'), admin)
      .send({
        nsName: 'named',
        nsdId: nsd2,
        vimAccountId: vim,
        additionalParamsForVnf: [
          { 'member-vnf-index': '1', additionalParamsForVdu: [{ vdu_id: 'web', additionalParams: { site_name: 'shop' } }] },
        ],
      })
      .expect(201);
    await t.app.get((await import('../../src/lcm/operation-runner')).OperationRunner).idle();
    expect((await computes()).some((c) => c.userData === '#cloud-config\nhostname: shop\n')).toBe(true);
  });

  it('runs day-2 primitives: set-greeting with its parameter, health-check; output on the operation', async () => {
    const res = await action({
      member_vnf_index: '1',
      primitive: 'set-greeting',
      primitive_params: { greeting: 'Welcome' },
    }).expect(202);
    expect(res.headers.location).toBe(`/osm/nslcm/v1/ns_lcm_op_occs/${res.body.id}`);
    const op = await settledOp(t, admin, res.body.id);
    expect(op).toMatchObject({
      operationState: 'COMPLETED',
      lcmOperationType: 'action',
      detailedStatus: 'greeting set to: Welcome',
      operationParams: { primitive: 'set-greeting', primitive_params: '{"greeting":"Welcome"}', member_vnf_index: '1' },
    });
    const vm = (await computes()).find((c) => c.name.includes(nsId.replace(/-/g, '').slice(0, 8)))!;
    expect(readFileSync(join(vm.sandbox.path, 'www', 'index.html'), 'utf8')).toContain('<h1>Welcome</h1>');
    const health = await settledOp(
      t,
      admin,
      (await action({ member_vnf_index: 1, primitive: 'health-check' }).expect(202)).body.id,
    );
    expect(health.detailedStatus).toMatch(/^healthy: www\/index.html has \d+ bytes$/);
  });

  it('checks day-2 requests: a missing mandatory parameter, an unknown one, an unknown primitive or VNF → 422', async () => {
    const missing = await action({ member_vnf_index: '1', primitive: 'set-greeting' }).expect(422);
    expect(missing.body.errors).toEqual([{ path: 'primitive_params.greeting', message: 'is mandatory' }]);
    const extra = await action({ member_vnf_index: '1', primitive: 'health-check', primitive_params: { verbose: true } }).expect(
      422,
    );
    expect(extra.body.detail).toContain('primitive_params.verbose');
    const unknown = await action({ member_vnf_index: '1', primitive: 'reboot' }).expect(422);
    expect(unknown.body.detail).toContain("'reboot' is not a config-primitive of VNF 1 (set-greeting, health-check)");
    await action({ member_vnf_index: '9', primitive: 'health-check' }).expect(422);
    const ns = await action({ primitive: 'health-check' }).expect(422);
    expect(ns.body.detail).toContain('not an NS-level primitive');
  });

  it('a primitive that exits 1 → FAILED_TEMP with its stderr; fail settles it and actions run again', async () => {
    const res = await action({ member_vnf_index: '1', primitive: 'set-greeting', primitive_params: { greeting: '' } }).expect(
      202,
    );
    const op = await settledOp(t, admin, res.body.id);
    expect(op.operationState).toBe('FAILED_TEMP');
    expect(op.errorMessage).toMatch(/primitive 'set-greeting' exited with 1: greeting must not be empty$/);
    const ns = (await asJson(t.http.get(`/osm/nslcm/v1/ns_instances/${nsId}`), admin).expect(200)).body;
    expect(ns).toMatchObject({ nsState: 'READY', errorDetail: op.errorMessage });
    await action({ member_vnf_index: '1', primitive: 'health-check' }).expect(409);
    await asJson(t.http.post(`/osm/nslcm/v1/ns_lcm_op_occs/${res.body.id}/fail`), admin).expect(200);
    const health = await settledOp(
      t,
      admin,
      (await action({ member_vnf_index: '1', primitive: 'health-check' }).expect(202)).body.id,
    );
    expect(health.operationState).toBe('COMPLETED');
  });

  it('runs terminate primitives before removing anything, unless skipped', async () => {
    const term = await asJson(t.http.post(`/osm/nslcm/v1/ns_instances/${nsId}/terminate`), admin)
      .send({})
      .expect(202);
    const op = await settledOp(t, admin, term.body.id);
    expect(op.operationState).toBe('COMPLETED');
    const steps = op.steps as Step[];
    expect(steps[0]).toMatchObject({ kind: 'primitive', state: 'DONE', result: { exitCode: 0, stdout: 'stopped serving\n' } });
    expect(steps[0].key).toMatch(/^terminate primitive stop on /);
    const again = await instantiate('web-again');
    const skipped = await asJson(t.http.post(`/osm/nslcm/v1/ns_instances/${again.id}/terminate`), admin)
      .send({ skip_terminate_primitives: true })
      .expect(202);
    const op2 = await settledOp(t, admin, skipped.body.id);
    expect((op2.steps as Step[]).filter((s) => s.kind === 'primitive')).toEqual([]);
  });

  it('onboards Juju execution environments, refuses a day-1 that needs one unless skip-day1, and refuses their actions (422)', async () => {
    const jujuNsd = await onboardWebserverVariant(
      t,
      admin,
      'juju_web',
      (path, text) =>
        path === 'webserver_vnfd.yaml'
          ? text.replace(/script:\n(\s+)file: webserver.sh\n\s+timeout-seconds: 30/, 'juju:\n$1charm: webcharm')
          : undefined,
      { 'charms/webcharm/metadata.yaml': 'name: webcharm\n' },
    );
    const refusedDay1 = await asJson(t.http.post('/osm/nslcm/v1/ns_instances_content'), admin)
      .send({ nsName: 'juju', nsdId: jujuNsd, vimAccountId: vim })
      .expect(422);
    expect(refusedDay1.body.detail).toMatch(/VNF 1: day-1 primitive 'configure' needs juju execution environment/);
    const created = await asJson(t.http.post('/osm/nslcm/v1/ns_instances_content'), admin)
      .send({
        nsName: 'juju',
        nsdId: jujuNsd,
        vimAccountId: vim,
        additionalParamsForVnf: [{ 'member-vnf-index': '1', additionalParams: { 'skip-day1': true } }],
      })
      .expect(201);
    expect((await settledOp(t, admin, created.body.nslcmop_id)).operationState).toBe('COMPLETED');
    const ns = (await asJson(t.http.get(`/osm/nslcm/v1/ns_instances/${created.body.id}`), admin).expect(200)).body;
    expect(ns.configurationStatus).toEqual([
      expect.objectContaining({ primitive: 'configure', 'member-vnf-index': '1', status: 'skipped' }),
    ]);
    const refused = await action({ member_vnf_index: '1', primitive: 'health-check' }, created.body.id).expect(422);
    expect(refused.body.detail).toMatch(
      /^primitive 'health-check' of VNF 1 uses juju execution environment '[^']+': juju is not available here/,
    );
  });
});
