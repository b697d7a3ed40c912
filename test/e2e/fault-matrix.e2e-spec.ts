import { emulatorId, onboardWebserver, settledOp } from '../utils/lcm';
import { asJson, TestApp, useTestApp } from '../utils/test-app';

type Obj = Record<string, unknown>;
type Item = { name: string };
type Inventory = { computes: Item[]; networks: Item[]; volumes: Item[] };

/**
 * The fault matrix: every VIM call type the engine makes (apply, observe, remove, exec) × every kind of fault
 * (a hard error, a hang past the call timeout, 10 % random retryable failures, quota exceeded), injected into the
 * emulator for that call type alone. Each cell runs real operations through the API and checks that they end
 * COMPLETED (through retries) or FAILED_TEMP naming the VIM's reason; that once the fault clears, retry completes
 * and rollback leaves nothing of the NS; and, at the end, that the emulator holds exactly what the records say and
 * no operation was lost or duplicated.
 */
const FAULTS: Record<string, { spec: Obj; reason: RegExp; certain: boolean }> = {
  error: {
    spec: { failCalls: range(1, 60), errorCode: 'VIM.INTERNAL' },
    reason: /VIM\.INTERNAL: emulator: injected/,
    certain: true,
  },
  hang: { spec: { hangCalls: range(1, 60), hangMs: 5_000 }, reason: /VIM\.TIMEOUT/, certain: true },
  random: {
    spec: { failureRate: 0.1, seed: 7, retryable: true },
    reason: /VIM\.UNREACHABLE: emulator: injected/,
    certain: false,
  },
  quota: { spec: { failCalls: range(1, 60), errorCode: 'VIM.QUOTA_EXCEEDED' }, reason: /VIM\.QUOTA_EXCEEDED/, certain: true },
};
const CALLS = ['apply', 'observe', 'exec', 'remove'] as const;
/**
 * A script's exec is bounded by its primitive's `timeout-seconds` (the web server's: 30 s) plus the call timeout, and
 * is never retried once it may have run: a hung exec costs that bound, once per NS of the cell.
 */
const EXEC_HANG_MS = 31_000;

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

describe('fault matrix on the emulator: VIM call type × fault kind', () => {
  let t: TestApp;
  let admin: string;
  let nsdId: string;
  let vim: string;
  /** operation ids launched per NS, compared with what the API lists before the NS goes */
  const launched = new Map<string, string[]>();
  const launch = (nsId: string, opId: string) => launched.set(nsId, [...(launched.get(nsId) ?? []), opId]);
  const tally = { cells: 0, operations: 0, failedTemp: 0, completedThroughRetries: 0 };

  useTestApp(
    async (app, token) => {
      t = app;
      admin = token;
      nsdId = await onboardWebserver(t, admin);
      vim = await emulatorId(t, admin);
    },
    { vimCallTimeoutMs: 300 },
  );
  afterAll(() => {
    process.stdout.write(
      `fault matrix: ${tally.cells} cells, ${tally.operations} operations (${tally.failedTemp} FAILED_TEMP then resolved, ` +
        `${tally.completedThroughRetries} completed through retries), 0 lost\n`,
    );
  });

  const inventory = async (): Promise<Inventory> =>
    (await asJson(t.http.get(`/mano/v1/emulator/${vim}/inventory`), admin).expect(200)).body;
  const faults = (spec: Obj) =>
    asJson(t.http.put(`/mano/v1/emulator/${vim}/faults`), admin)
      .send(spec)
      .expect(204);
  const opPost = (opId: string, what: string) =>
    asJson(t.http.post(`/osm/nslcm/v1/ns_lcm_op_occs/${opId}/${what}`), admin)
      .send({})
      .expect(202);
  const settled = async (opId: string): Promise<Obj> => {
    const op = await settledOp(t, admin, opId);
    expect(['COMPLETED', 'FAILED_TEMP', 'ROLLED_BACK']).toContain(op.operationState);
    return op;
  };
  const instantiate = async (name: string) => {
    const res = await asJson(t.http.post('/osm/nslcm/v1/ns_instances_content'), admin)
      .send({
        nsName: name,
        nsdId,
        vimAccountId: vim,
        additionalParamsForVnf: [{ 'member-vnf-index': '1', additionalParams: { greeting: name } }],
      })
      .expect(201);
    launch(res.body.id, res.body.nslcmop_id);
    tally.operations++;
    return { id: res.body.id as string, opId: res.body.nslcmop_id as string };
  };
  const terminate = async (id: string) => {
    const res = await asJson(t.http.post(`/osm/nslcm/v1/ns_instances/${id}/terminate`), admin)
      .send({})
      .expect(202);
    launch(id, res.body.id);
    tally.operations++;
    return res.body.id as string;
  };
  /** Every operation launched on the NS is listed once, none unfinished; then the NS record goes. */
  const remove = async (id: string) => {
    const ops = (await asJson(t.http.get(`/osm/nslcm/v1/ns_lcm_op_occs?nsInstanceId=${id}`), admin).expect(200)).body as Obj[];
    expect(ops.map((o) => o._id).sort()).toEqual([...launched.get(id)!].sort());
    expect(ops.filter((o) => !['COMPLETED', 'ROLLED_BACK'].includes(String(o.operationState)))).toEqual([]);
    await asJson(t.http.delete(`/osm/nslcm/v1/ns_instances/${id}`), admin).expect(204);
  };
  const owned = (inv: Inventory, nsId: string): string[] => {
    const tag = nsId.replace(/-/g, '').slice(0, 8);
    return [...inv.computes, ...inv.networks, ...inv.volumes].map((x) => x.name).filter((n) => n.includes(tag));
  };
  /** Checks the outcome under the fault, then clears it and resolves a FAILED_TEMP the given way. */
  const resolve = async (opId: string, fault: (typeof FAULTS)[string], how: 'retry' | 'rollback'): Promise<Obj> => {
    const op = await settled(opId);
    if (fault.certain) expect(op.operationState).toBe('FAILED_TEMP');
    await faults({});
    if (op.operationState === 'COMPLETED') {
      tally.completedThroughRetries++;
      return op;
    }
    expect(op.errorMessage).toMatch(fault.reason);
    tally.failedTemp++;
    await opPost(opId, how);
    const after = await settled(opId);
    expect(after.operationState).toBe(how === 'retry' ? 'COMPLETED' : 'ROLLED_BACK');
    return after;
  };

  for (const call of CALLS) {
    for (const [kind, fault] of Object.entries(FAULTS)) {
      it(
        `${call} × ${kind}`,
        async () => {
          tally.cells++;
          const name = `${call}-${kind}`;
          if (call === 'remove') {
            const ns = await instantiate(name);
            expect((await settled(ns.opId)).operationState).toBe('COMPLETED');
            await faults({ ...fault.spec, operations: [call] });
            const opId = await terminate(ns.id);
            await resolve(opId, fault, 'retry');
            expect(owned(await inventory(), ns.id)).toEqual([]);
            await remove(ns.id);
            return;
          }
          // under the fault: one NS resolved by retry, one by rollback
          await faults({ ...fault.spec, operations: [call] });
          const retried = await instantiate(`${name}-r`);
          await resolve(retried.opId, fault, 'retry');
          const inv = await inventory();
          expect(owned(inv, retried.id).length).toBeGreaterThan(0);

          await faults({ ...fault.spec, operations: [call] });
          const rolled = await instantiate(`${name}-b`);
          const op = await resolve(rolled.opId, fault, 'rollback');
          if (op.operationState === 'ROLLED_BACK') expect(owned(await inventory(), rolled.id)).toEqual([]);

          for (const id of [retried.id, rolled.id]) {
            const ns = (await asJson(t.http.get(`/osm/nslcm/v1/ns_instances/${id}`), admin).expect(200)).body;
            if (ns.nsState !== 'NOT_INSTANTIATED') expect((await settled(await terminate(id))).operationState).toBe('COMPLETED');
            expect(owned(await inventory(), id)).toEqual([]);
            await remove(id);
          }
        },
        EXEC_HANG_MS * 2 + 60_000,
      );
    }
  }

  it('leaves the emulator empty and loses or duplicates no operation', async () => {
    await faults({});
    const inv = await inventory();
    expect([inv.computes, inv.networks, inv.volumes]).toEqual([[], [], []]);
    // each launched operation ended exactly once; none is left running
    const running = (await asJson(t.http.get('/osm/nslcm/v1/ns_lcm_op_occs?operationState=PROCESSING'), admin).expect(200)).body;
    expect(running).toEqual([]);
    expect(tally.cells).toBe(CALLS.length * Object.keys(FAULTS).length);
  });
});
