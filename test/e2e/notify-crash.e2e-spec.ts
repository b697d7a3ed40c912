import { ChildService } from '../utils/child-service';
import { Receiver } from '../utils/receiver';
import { createTestDatabase, TestDatabase } from '../utils/test-app';

const PASSWORD = 'notify-crash-admin';
const pg = process.env.MANO_TEST_DB === 'postgres';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The outbox survives SIGKILL: the state change is committed, its notification is in flight to a receiver that
 * does not answer, the process dies; started again, the notification is delivered (same `id`) once the receiver answers.
 */
describe(`notification delivery across a crash (${pg ? 'PostgreSQL' : 'SQLite'})`, () => {
  jest.setTimeout(120_000);
  let db: TestDatabase;
  let service: ChildService | undefined;
  const rx = new Receiver();
  beforeAll(async () => {
    db = await createTestDatabase();
    await rx.start();
  });
  afterAll(async () => {
    await service?.kill();
    await rx.stop();
    await db.drop();
  });

  it('delivers after a restart what was committed before the kill', async () => {
    service = await ChildService.start({
      MANO_ADMIN_PASSWORD: PASSWORD,
      MANO_DATA_DIR: db.config.dataDir,
      MANO_NOTIFY_TIMEOUT_MS: '1000',
      MANO_NOTIFY_RETRY_BASE_MS: '50',
      MANO_NOTIFY_RETRY_MAX_MS: '200',
      MANO_NOTIFY_POLL_MS: '100',
      ...(db.config.dbUrl ? { MANO_DB_URL: db.config.dbUrl } : {}),
    });
    await service.onboard('webserver_vnf', 'vnf');
    const nsdId = await service.onboard('webserver_ns', 'ns');
    const vim = ((await service.expect(200, 'GET', '/osm/admin/v1/vim_accounts?name=emulator')) as { _id: string }[])[0]._id;
    // the receiver takes POSTs and never answers them (until after the restart)
    let answering = false;
    rx.respond = (r) => (r.method === 'POST' && !answering ? { status: 204, hang: true } : 204);
    await service.expect(201, 'POST', '/osm/nslcm/v1/subscriptions', {
      callbackUri: `${rx.url}/crash`,
      filter: { notificationTypes: ['NsIdentifierCreationNotification'] },
    });
    const ns = (await service.expect(201, 'POST', '/osm/nslcm/v1/ns_instances', {
      nsName: 'crash',
      nsdId,
      vimAccountId: vim,
    })) as {
      id: string;
    };
    for (let i = 0; i < 100 && !rx.requests.some((r) => r.method === 'POST'); i++) await sleep(50);
    const first = rx.requests.find((r) => r.method === 'POST');
    expect(first?.body).toMatchObject({ notificationType: 'NsIdentifierCreationNotification', nsInstanceId: ns.id });
    await service.kill();
    answering = true;
    await service.spawn();
    for (let i = 0; i < 400 && rx.requests.filter((r) => r.method === 'POST').length < 2; i++) await sleep(50);
    const posts = rx.requests.filter((r) => r.method === 'POST').map((r) => r.body);
    expect(posts.length).toBeGreaterThanOrEqual(2);
    expect(new Set(posts.map((p) => p.id))).toEqual(new Set([first!.body.id]));
  });
});
