import { get as httpGet, IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DataSource } from 'typeorm';
import { SubscriptionEntity } from '../../src/records/notification.entities';
import { NotificationWorker } from '../../src/subscriptions/notification-worker';
import { emulatorId, onboardWebserver, settledOp } from '../utils/lcm';
import { Receiver } from '../utils/receiver';
import { asJson, TestApp, useTestApp } from '../utils/test-app';

type Obj = Record<string, unknown>;
const SUBS = '/osm/nslcm/v1/subscriptions';

/** SOL005 subscriptions and notifications over HTTP callbacks, and the SSE stream, on a local receiver. */
describe('subscriptions and notifications', () => {
  let t: TestApp;
  let admin: string;
  let nsdId: string;
  let vim: string;
  const rx = new Receiver();

  useTestApp(
    async (app, token) => {
      t = app;
      admin = token;
      await rx.start();
      nsdId = await onboardWebserver(t, admin);
      vim = await emulatorId(t, admin);
    },
    {
      notify: {
        timeoutMs: 2000,
        concurrency: 8,
        retryBaseMs: 40,
        retryMaxMs: 200,
        attemptsBeforeFailing: 3,
        pollMs: 50,
        retentionSeconds: 3600,
      },
    },
  );
  afterAll(() => rx.stop());

  const idle = () => t.app.get(NotificationWorker).idle();
  const subscribe = async (body: Obj, token = admin, path = SUBS) =>
    (await asJson(t.http.post(path), token).send(body).expect(201)).body as Obj;
  const instantiate = async (name: string, token = admin, vimId = vim) => {
    const res = await asJson(t.http.post('/osm/nslcm/v1/ns_instances_content'), token)
      .send({ nsName: name, nsdId, vimAccountId: vimId })
      .expect(201);
    return { nsId: res.body.id as string, opId: res.body.nslcmop_id as string };
  };
  const received = (path: string) => rx.notifications(path);

  it('refuses bad requests naming the field (400/422), and stores nothing', async () => {
    const bad = async (body: Obj, status: number, text: RegExp) => {
      const res = await asJson(t.http.post(SUBS), admin).send(body).expect(status);
      expect(res.body.detail).toMatch(text);
    };
    await bad({ callbackUri: 'not a url' }, 422, /callbackUri.*not a URL/);
    await bad({ callbackUri: 'ftp://127.0.0.1/x' }, 422, /callbackUri/);
    await bad({ callbackUri: 'http://169.254.169.254/latest' }, 422, /callbackUri.*denied/);
    await bad({}, 422, /callbackUri.*required/);
    await bad({ callbackUri: `${rx.url}/x`, filter: { notificationTypes: ['Bogus'] } }, 422, /filter\.notificationTypes\[0\]/);
    await bad({ callbackUri: `${rx.url}/x`, filter: { operationStates: ['DONE'] } }, 422, /filter\.operationStates\[0\]/);
    await bad({ callbackUri: `${rx.url}/x`, filter: { colour: 'red' } }, 422, /filter\.colour/);
    await bad({ callbackUri: `${rx.url}/x`, authentication: { authType: ['BASIC'] } }, 422, /authentication\.paramsBasic/);
    await bad({ callbackUri: `${rx.url}/x`, authentication: { authType: ['TLS_CERT'] } }, 422, /authentication\.authType\[0\]/);
    // the callback is checked with a GET answering 204
    await bad({ callbackUri: 'http://127.0.0.1:1/nothing-listens' }, 400, /callbackUri: the test GET failed/);
    rx.respond = (r) => (r.path === '/says-404' ? 404 : 204);
    await bad({ callbackUri: `${rx.url}/says-404` }, 400, /callbackUri: the test GET answered 404/);
    rx.respond = () => 204;
    expect((await asJson(t.http.get(SUBS), admin).expect(200)).body).toEqual([]);
  });

  it('sends START (PROCESSING) then RESULT (COMPLETED) for an instantiate, in order, with the right ids; 303 for an identical subscription', async () => {
    const body = {
      callbackUri: `${rx.url}/lcm`,
      filter: { notificationTypes: ['NsLcmOperationOccurrenceNotification'], operationTypes: ['INSTANTIATE'] },
    };
    const sub = await subscribe(body);
    expect(sub).toMatchObject({ id: expect.any(String), callbackUri: `${rx.url}/lcm`, state: 'ACTIVE', filter: body.filter });
    expect(rx.requests.filter((r) => r.path === '/lcm').map((r) => r.method)).toEqual(['GET']);
    const again = await asJson(t.http.post(SUBS), admin)
      .send({ ...body, filter: { operationTypes: ['INSTANTIATE'], notificationTypes: ['NsLcmOperationOccurrenceNotification'] } })
      .expect(303);
    expect(again.headers.location).toBe(`${SUBS}/${sub.id as string}`);
    expect((await asJson(t.http.get(`${SUBS}/${sub.id as string}`), admin).expect(200)).body).toMatchObject({ id: sub.id });

    const { nsId, opId } = await instantiate('notified');
    expect((await settledOp(t, admin, opId)).operationState).toBe('COMPLETED');
    await idle();
    const got = received('/lcm');
    expect(got.map((n) => [n.notificationStatus, n.operationState])).toEqual([
      ['START', 'PROCESSING'],
      ['RESULT', 'COMPLETED'],
    ]);
    for (const n of got)
      expect(n).toMatchObject({
        id: expect.any(String),
        subscriptionId: sub.id,
        notificationType: 'NsLcmOperationOccurrenceNotification',
        timeStamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        nsInstanceId: nsId,
        nsLcmOpOccId: opId,
        operation: 'INSTANTIATE',
        isAutomaticInvocation: false,
        _links: {
          nsInstance: { href: `/osm/nslcm/v1/ns_instances/${nsId}` },
          nsLcmOpOcc: { href: `/osm/nslcm/v1/ns_lcm_op_occs/${opId}` },
          subscription: { href: `${SUBS}/${sub.id as string}` },
        },
      });
    expect(new Set(got.map((n) => n.id)).size).toBe(2);
    expect(got[1]).not.toHaveProperty('error');

    // the terminate is filtered out (operation type), and nothing comes after the subscription is deleted
    const term = await asJson(t.http.post(`/osm/nslcm/v1/ns_instances/${nsId}/terminate`), admin)
      .send({})
      .expect(202);
    await settledOp(t, admin, term.body.id);
    await idle();
    expect(received('/lcm')).toHaveLength(2);
    await asJson(t.http.delete(`${SUBS}/${sub.id as string}`), admin).expect(204);
    await asJson(t.http.get(`${SUBS}/${sub.id as string}`), admin).expect(404);
  });

  it('gives FAILED_TEMP with the VIM error; filters by NS id and state include and exclude', async () => {
    const other = await subscribe({
      callbackUri: `${rx.url}/other-ns`,
      filter: { nsInstanceSubscriptionFilter: { nsInstanceIds: ['00000000-0000-4000-8000-000000000000'] } },
    });
    const failed = await subscribe({ callbackUri: `${rx.url}/failed`, filter: { operationStates: ['FAILED_TEMP'] } });
    const all = await subscribe({ callbackUri: `${rx.url}/all` });
    await asJson(t.http.put(`/mano/v1/emulator/${vim}/faults`), admin)
      .send({ failCalls: Array.from({ length: 50 }, (_, i) => i + 1), errorCode: 'VIM.INTERNAL', operations: ['apply'] })
      .expect(204);
    const { nsId, opId } = await instantiate('fails');
    expect((await settledOp(t, admin, opId)).operationState).toBe('FAILED_TEMP');
    await asJson(t.http.put(`/mano/v1/emulator/${vim}/faults`), admin)
      .send({})
      .expect(204);
    await idle();
    expect(received('/other-ns')).toEqual([]);
    const f = received('/failed');
    expect(f).toHaveLength(1);
    expect(f[0]).toMatchObject({
      subscriptionId: failed.id,
      notificationStatus: 'RESULT',
      operationState: 'FAILED_TEMP',
      nsLcmOpOccId: opId,
      error: { status: 500, detail: expect.stringMatching(/VIM\.INTERNAL/) },
    });
    // the unfiltered one also hears the NS identifier creation
    expect(received('/all').map((n) => `${n.notificationType}:${n.operationState ?? ''}`)).toEqual([
      'NsIdentifierCreationNotification:',
      'NsLcmOperationOccurrenceNotification:PROCESSING',
      'NsLcmOperationOccurrenceNotification:FAILED_TEMP',
    ]);
    expect(received('/all')[0]).toMatchObject({ nsInstanceId: nsId, subscriptionId: all.id });
    for (const s of [other, failed, all]) await asJson(t.http.delete(`${SUBS}/${s.id as string}`), admin).expect(204);
  });

  it('sends BASIC and OAuth2 client-credentials authentication, never showing the secrets', async () => {
    rx.respond = (r) => {
      if (r.path === '/token')
        return r.headers.authorization === `Basic ${Buffer.from('client-1:client-secret').toString('base64')}` &&
          r.raw === 'grant_type=client_credentials'
          ? { status: 200, body: { access_token: 'tok-123', token_type: 'Bearer', expires_in: 3600 } }
          : 401;
      if (r.path === '/oauth') return r.headers.authorization === 'Bearer tok-123' ? 204 : 401;
      if (r.path === '/basic')
        return r.headers.authorization === `Basic ${Buffer.from('osm:pw-basic').toString('base64')}` ? 204 : 401;
      return 204;
    };
    const basic = await subscribe({
      callbackUri: `${rx.url}/basic`,
      authentication: { authType: ['BASIC'], paramsBasic: { userName: 'osm', password: 'pw-basic' } },
    });
    const oauth = await subscribe({
      callbackUri: `${rx.url}/oauth`,
      authentication: {
        authType: ['OAUTH2_CLIENT_CREDENTIALS'],
        paramsOauth2ClientCredentials: {
          clientId: 'client-1',
          clientPassword: 'client-secret',
          tokenEndpoint: `${rx.url}/token`,
        },
      },
    });
    const shown = JSON.stringify([basic, oauth, (await asJson(t.http.get(SUBS), admin).expect(200)).body]);
    expect(shown).not.toMatch(/pw-basic|client-secret/);
    expect(basic.authentication).toEqual({ authType: ['BASIC'], paramsBasic: { userName: 'osm' } });
    const stored = await t.app
      .get(DataSource)
      .getRepository(SubscriptionEntity)
      .findOneByOrFail({ id: basic.id as string });
    expect(stored.authSealed).not.toContain('pw-basic');
    await instantiate('authenticated');
    await t.app.get(NotificationWorker).idle();
    await idle();
    expect(received('/basic').length).toBeGreaterThanOrEqual(2);
    expect(received('/oauth').length).toBeGreaterThanOrEqual(2);
    expect(
      rx.requests
        .filter((r) => (r.path === '/basic' || r.path === '/oauth') && r.method === 'POST')
        .every((r) => r.headers.authorization),
    ).toBe(true);
    rx.respond = () => 204;
    for (const s of [basic, oauth]) await asJson(t.http.delete(`${SUBS}/${s.id as string}`), admin).expect(204);
  });

  it('retries a receiver answering 500 three times, then delivers once more with the same id; FAILING meanwhile', async () => {
    const sub = await subscribe({
      callbackUri: `${rx.url}/flaky`,
      filter: { notificationTypes: ['NsIdentifierCreationNotification'] },
    });
    let calls = 0;
    let sawFailing = false;
    rx.respond = (r) => {
      if (r.path !== '/flaky' || r.method !== 'POST') return 204;
      calls++;
      return calls <= 3 ? 500 : 204;
    };
    const res = await asJson(t.http.post('/osm/nslcm/v1/ns_instances'), admin)
      .send({ nsName: 'flaky', nsdId, vimAccountId: vim })
      .expect(201);
    for (let i = 0; i < 200 && calls < 4; i++) {
      const s = (await asJson(t.http.get(`${SUBS}/${sub.id as string}`), admin).expect(200)).body;
      if (s.state === 'FAILING') sawFailing = true;
      await new Promise((r) => setTimeout(r, 20));
    }
    await idle();
    const posts = received('/flaky');
    expect(posts).toHaveLength(4);
    expect(new Set(posts.map((p) => p.id)).size).toBe(1);
    expect(posts[0]).toMatchObject({ notificationType: 'NsIdentifierCreationNotification', nsInstanceId: res.body.id });
    expect(sawFailing).toBe(true);
    expect((await asJson(t.http.get(`${SUBS}/${sub.id as string}`), admin).expect(200)).body).toMatchObject({
      state: 'ACTIVE',
      lastError: null,
    });
    rx.respond = () => 204;
    await asJson(t.http.delete(`${SUBS}/${sub.id as string}`), admin).expect(204);
  });

  it('never sends project B’s events to project A’s subscription', async () => {
    const post = (path: string, body: Obj) => asJson(t.http.post(path), admin).send(body).expect(201);
    await post('/osm/admin/v1/projects', { name: 'PA' });
    await post('/osm/admin/v1/projects', { name: 'PB' });
    await post('/osm/admin/v1/users', {
      username: 'ua',
      password: 'pw-ua-1234',
      project_role_mappings: [{ project: 'PA', role: 'project_user' }],
    });
    await post('/osm/admin/v1/users', {
      username: 'ub',
      password: 'pw-ub-1234',
      project_role_mappings: [{ project: 'PB', role: 'project_admin' }],
    });
    const ua = await t.login('ua', 'pw-ua-1234');
    const ub = await t.login('ub', 'pw-ub-1234');
    const subA = await subscribe({ callbackUri: `${rx.url}/project-a` }, ua);
    // B cannot see A's subscription
    await asJson(t.http.get(`${SUBS}/${subA.id as string}`), ub).expect(404);
    await asJson(t.http.delete(`${SUBS}/${subA.id as string}`), ub).expect(404);
    expect((await asJson(t.http.get(SUBS), ub).expect(200)).body).toEqual([]);
    const nsdB = await onboardWebserverIn(ub);
    const bNs = await asJson(t.http.post('/osm/nslcm/v1/ns_instances'), ub)
      .send({ nsName: 'in-b', nsdId: nsdB, vimAccountId: vim })
      .expect(201);
    const nsdA = await onboardWebserverIn(ua);
    const aNs = await asJson(t.http.post('/osm/nslcm/v1/ns_instances'), ua)
      .send({ nsName: 'in-a', nsdId: nsdA, vimAccountId: vim })
      .expect(201);
    await idle();
    const got = received('/project-a');
    expect(got.map((n) => n.nsInstanceId)).toEqual([aNs.body.id]);
    expect(JSON.stringify(got)).not.toContain(bNs.body.id);
  });

  async function onboardWebserverIn(token: string): Promise<string> {
    return onboardWebserver(t, token);
  }

  it('streams the events as SSE and resumes from Last-Event-ID', async () => {
    const server = t.app.getHttpServer() as import('node:http').Server;
    if (!server.listening) await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    const open = (headers: Obj = {}) =>
      new Promise<{ res: IncomingMessage; events: { id: string; event: string; data: Obj }[] }>((resolve, reject) => {
        const events: { id: string; event: string; data: Obj }[] = [];
        const req = httpGet(
          {
            host: '127.0.0.1',
            port,
            path: '/osm/events',
            headers: { Authorization: `Bearer ${admin}`, Accept: 'text/event-stream', ...headers },
          },
          (res) => {
            let buf = '';
            res.setEncoding('utf8');
            res.on('data', (c: string) => {
              buf += c;
              let i;
              while ((i = buf.indexOf('\n\n')) >= 0) {
                const block = buf.slice(0, i);
                buf = buf.slice(i + 2);
                const f = Object.fromEntries(
                  block
                    .split('\n')
                    .filter((l) => !l.startsWith(':'))
                    .map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 2)]),
                );
                if (f.data) events.push({ id: f.id, event: f.event, data: JSON.parse(f.data) as Obj });
              }
            });
            resolve({ res, events });
          },
        );
        req.on('error', reject);
      });
    const waitFor = async (events: unknown[], n: number) => {
      for (let i = 0; i < 200 && events.length < n; i++) await new Promise((r) => setTimeout(r, 25));
    };
    const first = await open();
    expect(first.res.statusCode).toBe(200);
    expect(first.res.headers['content-type']).toMatch(/^text\/event-stream/);
    const one = await asJson(t.http.post('/osm/nslcm/v1/ns_instances'), admin)
      .send({ nsName: 'sse-1', nsdId, vimAccountId: vim })
      .expect(201);
    await waitFor(first.events, 1);
    expect(first.events[0]).toMatchObject({ event: 'NsIdentifierCreationNotification', data: { nsInstanceId: one.body.id } });
    first.res.destroy();
    const lastId = first.events[0].id;
    // missed while disconnected
    const two = await asJson(t.http.post('/osm/nslcm/v1/ns_instances'), admin)
      .send({ nsName: 'sse-2', nsdId, vimAccountId: vim })
      .expect(201);
    await asJson(t.http.delete(`/osm/nslcm/v1/ns_instances/${two.body.id as string}`), admin).expect(204);
    await idle();
    const resumed = await open({ 'Last-Event-ID': lastId });
    await waitFor(resumed.events, 2);
    resumed.res.destroy();
    expect(resumed.events.map((e) => [e.event, e.data.nsInstanceId])).toEqual([
      ['NsIdentifierCreationNotification', two.body.id],
      ['NsIdentifierDeletionNotification', two.body.id],
    ]);
    expect(Number(resumed.events[0].id)).toBeGreaterThan(Number(lastId));
    // a bad Last-Event-ID is refused; no token → 401
    await asJson(t.http.get('/osm/events'), admin).expect(406);
    await asJson(t.http.get('/osm/events').set('Last-Event-ID', 'abc'), admin).set('Accept', 'text/event-stream').expect(400);
    await t.http.get('/osm/events').expect(401);
  });

  it('notifies NSD and VNF package onboarding, change and deletion', async () => {
    const nsdSub = await subscribe({ callbackUri: `${rx.url}/nsd` }, admin, '/osm/nsd/v1/subscriptions');
    const pkgSub = await subscribe(
      { callbackUri: `${rx.url}/pkg`, filter: { notificationTypes: ['VnfPackageChangeNotification'] } },
      admin,
      '/osm/vnfpkgm/v1/subscriptions',
    );
    const created = await asJson(t.http.post('/osm/nsd/v1/ns_descriptors'), admin).send({}).expect(201);
    const nsd = created.body.id as string;
    await asJson(t.http.put(`/osm/nsd/v1/ns_descriptors/${nsd}/nsd_content`), admin)
      .set('Content-Type', 'text/plain')
      .send('nsd: {')
      .expect((r) => expect(r.status).toBeGreaterThanOrEqual(400));
    await asJson(t.http.patch(`/osm/nsd/v1/ns_descriptors/${nsd}`), admin)
      .send({ operationalState: 'DISABLED' })
      .expect(204);
    await asJson(t.http.delete(`/osm/nsd/v1/ns_descriptors/${nsd}`), admin).expect(204);
    const vnfPkg = (await asJson(t.http.get('/osm/vnfpkgm/v1/vnf_packages'), admin).expect(200)).body[0]._id as string;
    await asJson(t.http.patch(`/osm/vnfpkgm/v1/vnf_packages/${vnfPkg}`), admin)
      .send({ operationalState: 'DISABLED' })
      .expect(204);
    await asJson(t.http.patch(`/osm/vnfpkgm/v1/vnf_packages/${vnfPkg}`), admin)
      .send({ operationalState: 'ENABLED' })
      .expect(204);
    await idle();
    expect(received('/nsd').map((n) => n.notificationType)).toEqual([
      'NsdOnboardingFailureNotification',
      'NsdChangeNotification',
      'NsdDeletionNotification',
    ]);
    expect(received('/nsd')[0]).toMatchObject({
      nsdInfoId: nsd,
      subscriptionId: nsdSub.id,
      onboardingFailureDetails: { detail: expect.any(String) },
    });
    expect(received('/nsd')[1]).toMatchObject({ nsdOperationalState: 'DISABLED' });
    expect(received('/pkg').map((n) => [n.vnfPkgId, n.changeType, n.operationalState])).toEqual([
      [vnfPkg, 'OP_STATE_CHANGE', 'DISABLED'],
      [vnfPkg, 'OP_STATE_CHANGE', 'ENABLED'],
    ]);
    expect(received('/pkg')[0]).toMatchObject({ subscriptionId: pkgSub.id });
  });
});
