import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { VimAdapters } from '../../src/lcm/vim-port';
import { DataSource } from 'typeorm';
import { LoopLease } from '../../src/lcm/loop-lease';
import { LoopLeaseEntity } from '../../src/records/monitoring.entities';
import { emulatorId, onboardWebserverVariant, pollOp, settledOp } from '../utils/lcm';
import { asJson, TestApp, useTestApp } from '../utils/test-app';

type Obj = Record<string, unknown>;
type Vdur = { _id: string; name: string; 'vim-id': string; 'ip-address': string; status: string; 'count-index': number };
type Step = { key: string; kind: string; state: string; result?: { exitCode: number; stdout: string } };
type Compute = { name: string; providerId: string; status: string; sandbox: { path: string } };

/** The example web server with OSM's healing-aspect: its VDU redeployed automatically, day-1 again, 8 s cooldown. */
const HEALING_ASPECT = `      healing-aspect:
        - id: web-healing
          healing-policy:
            - vdu-id: web
              event-name: web-down
              recovery-type: automatic
              action-on-recovery: REDEPLOY_ONLY
              cooldown-time: 8
              day1: true
`;
const withHealing = (path: string, content: string) =>
  path.endsWith('_vnfd.yaml')
    ? content.replace('      scaling-aspect:\n', `${HEALING_ASPECT}      scaling-aspect:\n`)
    : undefined;

/** Shared by both suites: an NS of the healing web server on the emulator. */
function fixture(intervalS: number) {
  const f = {} as { t: TestApp; admin: string; vim: string; nsdId: string };
  useTestApp(
    async (app, token) => {
      f.t = app;
      f.admin = token;
      f.vim = await emulatorId(app, token);
      f.nsdId = await onboardWebserverVariant(app, token, 'healer', withHealing);
    },
    { healingIntervalS: intervalS },
  );
  const api = {
    instantiate: async (name: string): Promise<string> => {
      const res = await asJson(f.t.http.post('/osm/nslcm/v1/ns_instances_content'), f.admin)
        .send({ nsName: name, nsdId: f.nsdId, vimAccountId: f.vim })
        .expect(201);
      expect((await settledOp(f.t, f.admin, res.body.nslcmop_id)).operationState).toBe('COMPLETED');
      return res.body.id as string;
    },
    vnf: async (nsId: string): Promise<Obj & { vdur: Vdur[] }> =>
      (await asJson(f.t.http.get(`/osm/nslcm/v1/vnfrs?nsr-id-ref=${nsId}`), f.admin).expect(200)).body[0],
    ns: async (nsId: string): Promise<Obj> =>
      (await asJson(f.t.http.get(`/osm/nslcm/v1/ns_instances/${nsId}`), f.admin).expect(200)).body,
    compute: async (name: string): Promise<Compute | undefined> =>
      ((await asJson(f.t.http.get(`/mano/v1/emulator/${f.vim}/inventory`), f.admin).expect(200)).body.computes as Compute[]).find(
        (c) => c.name === name,
      ),
    /** The NS's next heal operation (other than `seen`), once it has settled. */
    settledHeal: async (nsId: string, seen?: unknown, ms?: number): Promise<Obj> => {
      const found = await waitFor(async () => {
        const ops = (await asJson(f.t.http.get(`/osm/nslcm/v1/ns_lcm_op_occs?nsInstanceId=${nsId}`), f.admin).expect(200))
          .body as Obj[];
        return ops.find((o) => o.lcmOperationType === 'heal' && o.id !== seen);
      }, ms);
      return pollOp(f.t, f.admin, String(found.id), (o) => o.operationState !== 'PROCESSING');
    },
    heal: (nsId: string, body: unknown, token = f.admin) =>
      asJson(f.t.http.post(`/osm/nslcm/v1/ns_instances/${nsId}/heal`), token).send(body as object),
  };
  return { f, api };
}

describe('NS heal (POST ns_instances/{id}/heal, OSM R11+)', () => {
  const { f, api } = fixture(0);
  let nsId: string;
  let vnfId: string;

  it('rebuilds one VDU instance: new compute, same IP, day-1 run again (its steps on the operation)', async () => {
    nsId = await api.instantiate('heal-me');
    const vnf = await api.vnf(nsId);
    vnfId = String(vnf._id);
    const [before] = vnf.vdur;
    const res = await api
      .heal(nsId, {
        healVnfData: [
          {
            vnfInstanceId: vnfId,
            cause: 'manual check',
            additionalParams: { vdu: [{ 'vdu-id': 'web', 'count-index': 0, 'run-day1': true }] },
          },
        ],
      })
      .expect(202);
    expect(res.headers.location).toBe(`/osm/nslcm/v1/ns_lcm_op_occs/${res.body.id}`);
    const op = await settledOp(f.t, f.admin, res.body.id);
    expect(op).toMatchObject({ operationState: 'COMPLETED', lcmOperationType: 'heal', isAutomaticInvocation: false });
    const steps = op.steps as Step[];
    expect(steps.map((s) => `${s.kind} ${s.state}`)).toEqual([
      'remove DONE',
      'apply DONE',
      'wait DONE',
      'primitive DONE',
      'finalize DONE',
    ]);
    const day1 = steps.find((s) => s.kind === 'primitive')!;
    expect(day1.key).toBe(`day-1 configure on ${before.name}`);
    expect(day1.result).toMatchObject({ exitCode: 0, stdout: 'configured: www/index.html\n' });

    const [after] = (await api.vnf(nsId)).vdur;
    expect(after).toMatchObject({ name: before.name, 'ip-address': before['ip-address'], status: 'ACTIVE' });
    expect(after['vim-id']).not.toBe(before['vim-id']);
    const compute = (await api.compute(before.name))!;
    expect(compute.providerId).toBe(after['vim-id']);
    // the new compute's sandbox got its page from day-1 again
    expect(existsSync(join(compute.sandbox.path, 'www', 'index.html'))).toBe(true);
    expect(await api.ns(nsId)).toMatchObject({ nsState: 'READY', 'operational-status': 'running', currentOperation: 'IDLE' });
  });

  it('heals every VDU of a VNF when none is named, without day-1 unless asked', async () => {
    const res = await api.heal(nsId, { healVnfData: [{ vnfInstanceId: vnfId }] }).expect(202);
    const op = await settledOp(f.t, f.admin, res.body.id);
    expect(op.operationState).toBe('COMPLETED');
    expect((op.steps as Step[]).some((s) => s.kind === 'primitive')).toBe(false);
    const [vdur] = (await api.vnf(nsId)).vdur;
    expect(existsSync(join((await api.compute(vdur.name))!.sandbox.path, 'www', 'index.html'))).toBe(false);
  });

  it('refuses bad bodies with 422 naming the field, unknown VNF instances and VDUs with 404', async () => {
    const cases: [unknown, string][] = [
      [{}, 'healVnfData'],
      [{ healVnfData: [] }, 'healVnfData'],
      [{ healVnfData: [{ cause: 'x' }] }, 'healVnfData[0].vnfInstanceId'],
      [{ healVnfData: [{ vnfInstanceId: vnfId, extra: 1 }] }, 'healVnfData[0].extra'],
      [{ healVnfData: [{ vnfInstanceId: vnfId, additionalParams: { 'run-day1': 'yes' } }] }, 'run-day1'],
      [{ healVnfData: [{ vnfInstanceId: vnfId, additionalParams: { vdu: [{ 'count-index': 0 }] } }] }, 'vdu[0].vdu-id'],
      [
        { healVnfData: [{ vnfInstanceId: vnfId, additionalParams: { vdu: [{ 'vdu-id': 'web', 'count-index': -1 }] } }] },
        'count-index',
      ],
      [{ healVnfData: [{ vnfInstanceId: vnfId }], timeout_ns_heal: 0 }, 'timeout_ns_heal'],
    ];
    for (const [body, field] of cases) {
      const res = await api.heal(nsId, body).expect(422);
      expect(res.body.detail).toContain(field);
    }
    const vnf = await api.heal(nsId, { healVnfData: [{ vnfInstanceId: 'no-such-vnf' }] }).expect(404);
    expect(vnf.body.detail).toContain('healVnfData[0].vnfInstanceId');
    const vdu = await api
      .heal(nsId, { healVnfData: [{ vnfInstanceId: vnfId, additionalParams: { vdu: [{ 'vdu-id': 'db' }] } }] })
      .expect(404);
    expect(vdu.body.detail).toContain("healVnfData[0].additionalParams.vdu[0].vdu-id: VNF 1 has no VDU 'db'");
    const index = await api
      .heal(nsId, { healVnfData: [{ vnfInstanceId: vnfId, additionalParams: { vdu: [{ 'vdu-id': 'web', 'count-index': 3 }] } }] })
      .expect(404);
    expect(index.body.detail).toContain('vdu[0].count-index');
    await api.heal('00000000-0000-0000-0000-000000000000', { healVnfData: [{ vnfInstanceId: vnfId }] }).expect(404);
  });

  it('answers 409 while another operation is open on the NS, and heals once it is settled', async () => {
    // the heal's VIM call fails: its operation stays FAILED_TEMP, open
    await asJson(f.t.http.put(`/mano/v1/emulator/${f.vim}/faults`), f.admin)
      .send({ failCalls: [1], errorCode: 'VIM.QUOTA_EXCEEDED' })
      .expect(204);
    const first = await api.heal(nsId, { healVnfData: [{ vnfInstanceId: vnfId }] }).expect(202);
    const failed = await settledOp(f.t, f.admin, first.body.id);
    await asJson(f.t.http.put(`/mano/v1/emulator/${f.vim}/faults`), f.admin)
      .send({})
      .expect(204);
    expect(failed.operationState).toBe('FAILED_TEMP');
    expect(await api.ns(nsId)).toMatchObject({ nsState: 'DEGRADED' });
    const refused = await api.heal(nsId, { healVnfData: [{ vnfInstanceId: vnfId }] }).expect(409);
    expect(refused.body.detail).toContain(`pending operation ${first.body.id}`);
    // a retry finishes it; a DEGRADED NS can be healed, and is READY again
    await asJson(f.t.http.post(`/osm/nslcm/v1/ns_lcm_op_occs/${first.body.id}/retry`), f.admin).expect(202);
    expect((await settledOp(f.t, f.admin, first.body.id)).operationState).toBe('COMPLETED');
    expect(await api.ns(nsId)).toMatchObject({ nsState: 'READY' });
  });

  it('is not visible to another project (404), and needs an instantiated NS (409)', async () => {
    await asJson(f.t.http.post('/osm/admin/v1/projects'), f.admin).send({ name: 'other' }).expect(201);
    await asJson(f.t.http.post('/osm/admin/v1/users'), f.admin)
      .send({ username: 'eve', password: 'pw-1234', project_role_mappings: [{ project: 'other', role: 'project_admin' }] })
      .expect(201);
    const eve = await f.t.login('eve', 'pw-1234');
    await api.heal(nsId, { healVnfData: [{ vnfInstanceId: vnfId }] }, eve).expect(404);
    const idle = await asJson(f.t.http.post('/osm/nslcm/v1/ns_instances'), f.admin)
      .send({ nsName: 'idle', nsdId: f.nsdId, vimAccountId: f.vim })
      .expect(201);
    await api.heal(idle.body.id, { healVnfData: [{ vnfInstanceId: vnfId }] }).expect(409);
  });
});

describe('auto-healing (healing-aspect, recovery-type automatic)', () => {
  const { f, api } = fixture(0.2);

  it('heals a compute deleted behind the orchestrator’s back: new compute, same IP, day-1 again, automatic', async () => {
    const nsId = await api.instantiate('self-healing');
    const [before] = (await api.vnf(nsId)).vdur;
    const adapter = await f.t.app.get(VimAdapters).adapterById(f.vim);
    expect(await adapter.remove({ kind: 'compute', name: before.name, labels: {} })).toBe('deleted');

    const op = await api.settledHeal(nsId);
    expect(op).toMatchObject({ operationState: 'COMPLETED', isAutomaticInvocation: true });
    expect((op.operationParams as Obj).healVnfData).toEqual([
      expect.objectContaining({
        cause: expect.stringContaining(`${before.name} is gone from its VIM`),
        additionalParams: { vdu: [{ 'vdu-id': 'web', 'count-index': 0, 'run-day1': true }] },
      }),
    ]);
    expect((op.steps as Step[]).find((s) => s.kind === 'primitive')).toMatchObject({ state: 'DONE', result: { exitCode: 0 } });
    const [after] = (await api.vnf(nsId)).vdur;
    expect(after['ip-address']).toBe(before['ip-address']);
    expect(after['vim-id']).not.toBe(before['vim-id']);
    expect((await api.compute(before.name))!.providerId).toBe(after['vim-id']);
    const healing = ((await api.ns(nsId))._admin as Obj).healing as Obj;
    expect(healing.policies).toEqual([expect.objectContaining({ 'vdu-id': 'web', 'cooldown-time': 8, day1: true })]);
    expect(Object.keys(healing.lastHealed as Obj)).toEqual([before.name]);
    const firstHealedAt = (healing.lastHealed as Record<string, number>)[before.name];

    // gone again within the cooldown: not healed, and the NS says why; healed once the cooldown has passed
    await adapter.remove({ kind: 'compute', name: before.name, labels: {} });
    const waiting = await waitFor(async () => {
      const h = ((await api.ns(nsId))._admin as Obj).healing as { lastDecision?: { decision: string; reason: string } };
      return h.lastDecision?.decision === 'wait' ? h.lastDecision : undefined;
    });
    expect(waiting.reason).toContain('in cooldown');
    const secondOp = await api.settledHeal(nsId, op.id, 20_000);
    expect(secondOp.operationState).toBe('COMPLETED');
    // the cooldown counts from the decision (lastHealed), a few ms before the first operation's startTime
    expect(secondOp.startTime as number).toBeGreaterThanOrEqual(firstHealedAt + 8);
    expect(await api.compute(before.name)).toBeDefined();
  }, 60_000);

  it('heals a compute its VIM reports in ERROR (Failed): removed and created again, automatic', async () => {
    const nsId = await api.instantiate('broken-server');
    const [before] = (await api.vnf(nsId)).vdur;
    const setStatus = (body: object) =>
      asJson(f.t.http.put(`/mano/v1/emulator/${f.vim}/computes/${before.name}/status`), f.admin).send(body);
    expect((await setStatus({ status: 'BROKEN' }).expect(422)).body.detail).toContain('body.status');
    await setStatus({ status: 'ERROR', message: 'hypervisor lost the disk' }).expect(204);
    expect((await api.compute(before.name))!.status).toBe('ERROR');

    const op = await api.settledHeal(nsId);
    expect(op).toMatchObject({ operationState: 'COMPLETED', isAutomaticInvocation: true });
    expect(JSON.stringify((op.operationParams as Obj).healVnfData)).toContain(`${before.name} failed in its VIM`);
    const [after] = (await api.vnf(nsId)).vdur;
    expect(after['vim-id']).not.toBe(before['vim-id']);
    expect(after['ip-address']).toBe(before['ip-address']);
    expect(await api.compute(before.name)).toMatchObject({ providerId: after['vim-id'], status: 'ACTIVE' });
  }, 60_000);

  it('watches from one replica at a time (the lease), and leaves healthy NSs alone', async () => {
    const nsId = await api.instantiate('healthy');
    await waitFor(async () => {
      const h = ((await api.ns(nsId))._admin as Obj).healing as { lastDecision?: { decision: string } } | undefined;
      return h?.lastDecision?.decision === 'none' ? true : undefined;
    });
    const ops = (await asJson(f.t.http.get(`/osm/nslcm/v1/ns_lcm_op_occs?nsInstanceId=${nsId}`), f.admin).expect(200))
      .body as Obj[];
    expect(ops.map((o) => o.lcmOperationType)).toEqual(['instantiate']);
    // another replica's watcher finds the lease held (renewed every round) and does nothing
    const leases = f.t.app.get(DataSource).getRepository(LoopLeaseEntity);
    expect(await new LoopLease(leases, 'healing-watcher', 'replica-2').acquire(5000)).toBe(false);
    // a holder that stops renewing loses it once it expires
    const a = new LoopLease(leases, 'lease-test', 'a');
    const b = new LoopLease(leases, 'lease-test', 'b');
    expect(await a.acquire(300)).toBe(true);
    expect(await b.acquire(300)).toBe(false);
    expect(await a.acquire(300)).toBe(true);
    await new Promise((r) => setTimeout(r, 400));
    expect(await b.acquire(300)).toBe(true);
    expect(await a.acquire(300)).toBe(false);
    await b.release();
    expect(await a.acquire(300)).toBe(true);
  });
});

async function waitFor<T>(probe: () => Promise<T | undefined>, timeoutMs = 8000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 100));
  }
}
