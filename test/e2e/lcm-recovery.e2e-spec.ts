import { OperationRunner } from '../../src/lcm/operation-runner';
import { emulatorId, onboardMultivdu, pollOp, settledOp } from '../utils/lcm';
import { AccountOperations } from '../../src/vims/account-operations';
import { asJson, TestApp, useTestApp } from '../utils/test-app';

type Obj = Record<string, unknown>;
type Step = { key: string; kind: string; state: string; attempts: number };
type Item = { id: string; name: string };
type Inventory = { computes: Item[]; networks: Item[]; volumes: Item[] };
const stepsOf = (op: Obj): Step[] => op.steps as Step[];

/** Retry, rollback, fail, cancel and call timeouts, driven over HTTP against emulator faults. */
describe('NS lifecycle: recovery from VIM faults (retry, rollback, fail, cancel)', () => {
  let t: TestApp;
  let admin: string;
  let nsdId: string;
  let vim: string;

  useTestApp(
    async (app, token) => {
      t = app;
      admin = token;
      nsdId = await onboardMultivdu(t, admin);
      vim = await emulatorId(t, admin);
    },
    { vimCallTimeoutMs: 400 },
  );

  const inventory = async (id = vim): Promise<Inventory> =>
    (await asJson(t.http.get(`/mano/v1/emulator/${id}/inventory`), admin).expect(200)).body;
  const faults = (spec: Obj, id = vim) =>
    asJson(t.http.put(`/mano/v1/emulator/${id}/faults`), admin)
      .send(spec)
      .expect(204);
  const ns = async (id: string): Promise<Obj> =>
    (await asJson(t.http.get(`/osm/nslcm/v1/ns_instances/${id}`), admin).expect(200)).body;
  const opPost = (opId: string, what: string, body?: Obj) =>
    asJson(t.http.post(`/osm/nslcm/v1/ns_lcm_op_occs/${opId}/${what}`), admin).send(body ?? {});
  const launch = async (name: string, vimAccountId = vim) =>
    (
      await asJson(t.http.post('/osm/nslcm/v1/ns_instances_content'), admin)
        .send({ nsName: name, nsdId, vimAccountId })
        .expect(201)
    ).body as { id: string; nslcmop_id: string };
  /** The NS's instantiation fails at the emulator's 3rd call (a network's observe) with a non-retryable error. */
  const failAtThirdCall = async (name: string) => {
    await faults({ failCalls: [3], errorCode: 'VIM.QUOTA_EXCEEDED' });
    const created = await launch(name);
    const op = await settledOp(t, admin, created.nslcmop_id);
    await faults({});
    return { ...created, op };
  };
  const names = (items: Item[]) => items.map((x) => x.name).sort();

  it('3rd VIM call fails → FAILED_TEMP with the VIM error; retry → COMPLETED with no duplicate resources', async () => {
    const { id, nslcmop_id, op } = await failAtThirdCall('retried');
    expect(op).toMatchObject({ operationState: 'FAILED_TEMP' });
    expect(op.errorMessage).toMatch(/VIM\.QUOTA_EXCEEDED: emulator: injected VIM\.QUOTA_EXCEEDED on call 3/);
    expect(stepsOf(op).find((s: Step) => s.state === 'FAILED')).toMatchObject({ kind: 'apply' });
    expect(await ns(id)).toMatchObject({ nsState: 'BROKEN', 'operational-status': 'failed', errorDetail: op.errorMessage });
    const before = await inventory();
    expect(before.networks.length).toBe(1);

    await opPost(nslcmop_id, 'retry').expect(202);
    const done = await settledOp(t, admin, nslcmop_id);
    expect(done).toMatchObject({ operationState: 'COMPLETED', errorMessage: null });
    // completed steps were not done again: the first network's apply ran once
    expect(stepsOf(done).filter((s: Step) => s.state === 'DONE')).toHaveLength(stepsOf(done).length);
    expect(await ns(id)).toMatchObject({ nsState: 'READY', 'operational-status': 'running', errorDetail: null });
    const inv = await inventory();
    expect(inv.computes).toHaveLength(2);
    expect(new Set(names(inv.networks)).size).toBe(inv.networks.length);
    expect(names(inv.networks)).toEqual(names(inv.networks.filter((n) => n.name.includes(id.replace(/-/g, '').slice(0, 8)))));
    expect(inv.networks.find((n) => n.name === before.networks[0].name)?.id).toBe(before.networks[0].id);

    // a completed operation takes none of these
    await opPost(nslcmop_id, 'retry').expect(409);
    await opPost(nslcmop_id, 'rollback').expect(409);
    await opPost(nslcmop_id, 'fail').expect(409);
    const cancelled = await opPost(nslcmop_id, 'cancel', { cancelMode: 'GRACEFUL' }).expect(409);
    expect(cancelled.body).toMatchObject({ code: 'CONFLICT', reason: 'LCM.INVALID_STATE_TRANSITION', status: 409 });
    await cleanUp(id);
  });

  it('rollback → ROLLED_BACK with nothing left in the emulator; the NS can be instantiated again', async () => {
    const { id, nslcmop_id } = await failAtThirdCall('rolled-back');
    await opPost(nslcmop_id, 'rollback').expect(202);
    const op = await settledOp(t, admin, nslcmop_id);
    expect(op).toMatchObject({ operationState: 'ROLLED_BACK', errorMessage: null, detailedStatus: 'Rolled back' });
    expect(stepsOf(op).filter((s: Step) => s.state === 'SKIPPED').length).toBeGreaterThan(0);
    const inv = await inventory();
    expect([inv.computes, inv.networks, inv.volumes]).toEqual([[], [], []]);
    const after = await ns(id);
    expect(after).toMatchObject({ nsState: 'NOT_INSTANTIATED', currentOperation: 'IDLE', errorDetail: null });
    const vnfr = (await asJson(t.http.get(`/osm/nslcm/v1/vnfrs?nsr-id-ref=${id}`), admin).expect(200)).body;
    expect(vnfr.every((v: Obj) => (v.vdur as unknown[]).length === 0)).toBe(true);

    const again = await asJson(t.http.post(`/osm/nslcm/v1/ns_instances/${id}/instantiate`), admin)
      .send({ nsName: 'rolled-back', nsdId, vimAccountId: vim })
      .expect(202);
    expect((await settledOp(t, admin, again.body.id)).operationState).toBe('COMPLETED');
    expect((await inventory()).computes).toHaveLength(2);
    await cleanUp(id);
  });

  it('fail → FAILED (final); the NS stays BROKEN until terminated', async () => {
    const { id, nslcmop_id } = await failAtThirdCall('given-up');
    const failed = await opPost(nslcmop_id, 'fail').expect(200);
    expect(failed.body).toMatchObject({ operationState: 'FAILED', errorMessage: expect.stringContaining('QUOTA') });
    expect(await ns(id)).toMatchObject({ nsState: 'BROKEN', currentOperation: 'IDLE' });
    await opPost(nslcmop_id, 'retry').expect(409);
    await cleanUp(id);
  });

  it('a hanging VIM call ends at the call timeout: FAILED_TEMP with VIM.TIMEOUT, then retry completes', async () => {
    // the 3rd call and its three retries hang
    await faults({ hangCalls: [3, 4, 5, 6] });
    const started = Date.now();
    const created = await launch('hung');
    const op = await settledOp(t, admin, created.nslcmop_id);
    await faults({});
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(op.operationState).toBe('FAILED_TEMP');
    expect(op.errorMessage).toMatch(/VIM\.TIMEOUT/);
    await opPost(created.nslcmop_id, 'retry').expect(202);
    expect(await settledOp(t, admin, created.nslcmop_id)).toMatchObject({ operationState: 'COMPLETED', errorMessage: null });
    await cleanUp(created.id);
  });

  it('cancel FORCEFUL abandons the running call; GRACEFUL lets the step finish; both end FAILED_TEMP and roll back clean', async () => {
    // the 3rd call and its retries hang (≈ 3.7 s with the 400 ms call timeout): cancel while it hangs
    await faults({ hangCalls: [3, 4, 5, 6] });
    const forced = await launch('forced');
    // the first network is done (saved with the next step's ownership marker, just before the hanging call)
    await pollOp(t, admin, forced.nslcmop_id, (op) => stepsOf(op).some((s: Step) => s.kind === 'apply' && s.state === 'DONE'));
    const bad = await opPost(forced.nslcmop_id, 'cancel', { cancelMode: 'SOMETIMES' }).expect(422);
    expect(bad.body.detail).toContain('cancelMode');
    const cancelAt = Date.now();
    await opPost(forced.nslcmop_id, 'cancel', { cancelMode: 'FORCEFUL' }).expect(202);
    const op = await settledOp(t, admin, forced.nslcmop_id);
    expect(Date.now() - cancelAt).toBeLessThan(1000);
    await faults({});
    expect(op).toMatchObject({ operationState: 'FAILED_TEMP', isCancelPending: false });
    expect(op.errorMessage).toMatch(/^cancelled \(FORCEFUL\) at 'apply network /);
    await opPost(forced.nslcmop_id, 'rollback').expect(202);
    expect((await settledOp(t, admin, forced.nslcmop_id)).operationState).toBe('ROLLED_BACK');

    // a VIM whose VMs take 1.5 s to boot: cancel while the engine waits for the first one
    const slow = await asJson(t.http.post('/osm/admin/v1/vim_accounts'), admin)
      .send({
        name: 'slow',
        vim_type: 'emulator',
        vim_url: 'x',
        vim_user: 'u',
        vim_password: 'p',
        vim_tenant_name: 't',
        config: { boot_delay: { vm: 1.5, container: 0 }, provider_networks: [{ name: 'osm-ext', cidr: '172.21.18.0/24' }] },
      })
      .expect(202);
    await t.app.get(AccountOperations).idle();
    const graceful = await launch('graceful', slow.body.id);
    await pollOp(t, admin, graceful.nslcmop_id, (o) => String(o.detailedStatus).startsWith('wait '));
    await opPost(graceful.nslcmop_id, 'cancel', { cancelMode: 'GRACEFUL' }).expect(202);
    const pending = (await asJson(t.http.get(`/osm/nslcm/v1/ns_lcm_op_occs/${graceful.nslcmop_id}`), admin)).body;
    expect(pending.isCancelPending).toBe(pending.operationState === 'PROCESSING');
    const g = await settledOp(t, admin, graceful.nslcmop_id);
    expect(g.operationState).toBe('FAILED_TEMP');
    // the wait that was running finished; the next one never started
    const waits = stepsOf(g).filter((s: Step) => s.kind === 'wait');
    expect(waits.map((s: Step) => s.state)).toEqual(['DONE', 'PENDING']);
    expect(g.errorMessage).toBe(`cancelled (GRACEFUL) at '${waits[1].key}'`);
    await opPost(graceful.nslcmop_id, 'rollback').expect(202);
    expect((await settledOp(t, admin, graceful.nslcmop_id)).operationState).toBe('ROLLED_BACK');
    const inv = await inventory(slow.body.id);
    expect([inv.computes, inv.networks, inv.volumes]).toEqual([[], [], []]);
    await cleanUp(forced.id);
    await cleanUp(graceful.id);
  });

  it('refuses to roll back a terminate (409) and to retry or cancel what it cannot see (404)', async () => {
    const created = await launch('term');
    await settledOp(t, admin, created.nslcmop_id);
    await faults({ failCalls: [1], errorCode: 'VIM.CONFLICT' });
    const term = await asJson(t.http.post(`/osm/nslcm/v1/ns_instances/${created.id}/terminate`), admin)
      .send({})
      .expect(202);
    const op = await settledOp(t, admin, term.body.id);
    await faults({});
    expect(op.operationState).toBe('FAILED_TEMP');
    expect(await ns(created.id)).toMatchObject({ nsState: 'BROKEN' });
    const refused = await opPost(term.body.id, 'rollback').expect(409);
    expect(refused.body.detail).toMatch(/terminate operation cannot be rolled back/);
    await opPost(term.body.id, 'retry').expect(202);
    expect((await settledOp(t, admin, term.body.id)).operationState).toBe('COMPLETED');
    expect(await ns(created.id)).toMatchObject({ nsState: 'NOT_INSTANTIATED' });
    await opPost('00000000-0000-0000-0000-000000000000', 'retry').expect(404);
    await asJson(t.http.delete(`/osm/nslcm/v1/ns_instances/${created.id}`), admin).expect(204);
  });

  async function cleanUp(id: string): Promise<void> {
    const del = await asJson(t.http.delete(`/osm/nslcm/v1/ns_instances_content/${id}`), admin);
    expect([202, 204]).toContain(del.status);
    await t.app.get(OperationRunner).idle();
    await asJson(t.http.get(`/osm/nslcm/v1/ns_instances/${id}`), admin).expect(404);
  }
});
