import { OperationRunner } from '../../src/lcm/operation-runner';
import { emulatorId, onboardMultivdu } from '../utils/lcm';
import { asJson, createTestDatabase, startTestApp, TestApp, TestDatabase } from '../utils/test-app';

const pg = process.env.MANO_TEST_DB === 'postgres';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * `MANO_WORKER=false`: an API-only replica writes operations and account checks; a worker replica on the same
 * PostgreSQL runs them (its scans pick them up), and the API-only one runs nothing itself.
 */
describe('API-only replica (MANO_WORKER=false)', () => {
  if (!pg) {
    it.skip('needs PostgreSQL (MANO_TEST_DB=postgres): an API-only replica is refused on SQLite', () => undefined);
    console.log(
      'api-only-replica.e2e-spec: skipped on SQLite (MANO_WORKER=false needs PostgreSQL; run with MANO_TEST_DB=postgres)',
    );
    return;
  }
  jest.setTimeout(120_000);
  let db: TestDatabase;
  let worker: TestApp;
  let api: TestApp;
  beforeAll(async () => {
    db = await createTestDatabase();
    worker = await startTestApp(db);
    api = await startTestApp(db, { worker: false });
  });
  afterAll(async () => {
    await api?.close();
    await worker?.close();
    await db.drop();
  });

  /** Reads a record through the API-only replica until `done` says so. */
  async function until<T>(read: () => Promise<T>, done: (x: T) => boolean, what: string): Promise<T> {
    for (const end = Date.now() + 60_000; ; await sleep(100)) {
      const x = await read();
      if (done(x)) return x;
      if (Date.now() > end) throw new Error(`${what}: ${JSON.stringify(x)}`);
    }
  }

  it('its VIM check and its instantiation are run by the worker replica', async () => {
    const token = await api.login();
    await asJson(api.http.get('/readyz')).expect(200);
    const vim = await asJson(api.http.post('/osm/admin/v1/vim_accounts'), token)
      .send({
        name: 'via-api',
        vim_type: 'emulator',
        vim_url: 'emulator://api',
        vim_user: 'u',
        vim_password: 'p',
        vim_tenant_name: 't',
      })
      .expect(202);
    await until(
      async () => (await asJson(api.http.get(`/osm/admin/v1/vim_accounts/${vim.body.id}`), token).expect(200)).body._admin,
      (a) => a.operationalState === 'ENABLED',
      'the account check never ran',
    );

    const nsdId = await onboardMultivdu(api, token);
    const created = await asJson(api.http.post('/osm/nslcm/v1/ns_instances_content'), token)
      .send({ nsName: 'api-only', nsdId, vimAccountId: await emulatorId(api, token) })
      .expect(201);
    const op = await until(
      async () => (await asJson(api.http.get(`/osm/nslcm/v1/ns_lcm_op_occs/${created.body.nslcmop_id}`), token).expect(200)).body,
      (o) => o.operationState !== 'PROCESSING',
      'the operation never ended',
    );
    expect(op.operationState).toBe('COMPLETED');
    expect(op._admin.workers).toEqual([worker.app.get(OperationRunner).workerId]);
    expect(op._admin.workers).not.toContain(api.app.get(OperationRunner).workerId);
  });
});
