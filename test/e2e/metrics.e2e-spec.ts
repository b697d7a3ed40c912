import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { Gauge, register } from 'prom-client';
import request from 'supertest';
import { OperationRunner } from '../../src/lcm/operation-runner';
import { METRICS_PERMISSION } from '../../src/metrics/metrics.controller';
import { createMetricsListener } from '../../src/metrics/metrics-listener';
import { emulatorId, onboardMultivdu, settledOp } from '../utils/lcm';
import { allLabelValues, parseMetrics, PromFamily, sampleValue } from '../utils/prometheus';
import { asJson, TestApp, useTestApp } from '../utils/test-app';

const NS_ROUTE = '/osm/nslcm/v1/ns_instances_content';
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

/** Every family the orchestrator promises (README, Observability). */
const FAMILIES: [string, PromFamily['type']][] = [
  ['mano_http_requests_total', 'COUNTER'],
  ['mano_http_request_duration_seconds', 'HISTOGRAM'],
  ['mano_operation_transitions_total', 'COUNTER'],
  ['mano_operations', 'GAUGE'],
  ['mano_operation_duration_seconds', 'HISTOGRAM'],
  ['mano_lcm_workers', 'GAUGE'],
  ['mano_lcm_leases_held', 'GAUGE'],
  ['mano_lcm_queued_operations', 'GAUGE'],
  ['mano_vim_call_duration_seconds', 'HISTOGRAM'],
  ['mano_vim_call_errors_total', 'COUNTER'],
  ['mano_db_pool_connections', 'GAUGE'],
  ['process_cpu_user_seconds_total', 'COUNTER'],
  ['nodejs_heap_size_used_bytes', 'GAUGE'],
];

describe('GET /metrics with a token (the default)', () => {
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

  const scrape = async () => {
    const res = await t.http.get('/metrics').set('Authorization', `Bearer ${admin}`).expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    return parseMetrics(res.text);
  };
  const instantiate = async (name: string) => {
    const res = await asJson(t.http.post(NS_ROUTE), admin).send({ nsName: name, nsdId, vimAccountId: vim }).expect(201);
    return { id: res.body.id as string, op: await settledOp(t, admin, res.body.nslcmop_id as string) };
  };

  it('answers 401 without a token and to a role without admin powers, 200 to system_admin', async () => {
    const denied = await asJson(t.http.get('/metrics')).expect(401);
    expect(denied.body).toMatchObject({ code: 'UNAUTHORIZED', status: 401 });
    await asJson(t.http.post('/osm/admin/v1/users'), admin)
      .send({ username: 'pat', password: 'pat-Pass-1', project_role_mappings: [{ project: 'admin', role: 'project_admin' }] })
      .expect(201);
    const pat = await t.login('pat', 'pat-Pass-1');
    await asJson(t.http.get('/metrics'), pat).expect(401);
    // a monitoring role granting only the metrics permission may scrape
    await asJson(t.http.post('/osm/admin/v1/roles'), admin)
      .send({ name: 'monitoring', permissions: { default: false, [METRICS_PERMISSION.replace(/:get$/, '')]: true } })
      .expect(201);
    await asJson(t.http.post('/osm/admin/v1/users'), admin)
      .send({ username: 'prom', password: 'prom-Pass-1', project_role_mappings: [{ project: 'admin', role: 'monitoring' }] })
      .expect(201);
    const prom = await t.login('prom', 'prom-Pass-1');
    await t.http.get('/metrics').set('Authorization', `Bearer ${prom}`).expect(200);
    await asJson(t.http.get(NS_ROUTE), prom).expect(401);
  });

  it('has every family, and the counts move with requests and an instantiation on the emulator', async () => {
    const before = await scrape();
    for (const [name, type] of FAMILIES) expect([name, before.get(name)?.type]).toEqual([name, type]);

    const missing = '00000000-0000-4000-8000-000000000000';
    await asJson(t.http.get(`${NS_ROUTE}/${missing}`), admin).expect(404);
    const { id, op } = await instantiate('metrics-1');
    expect(op.operationState).toBe('COMPLETED');
    // one failed call: a quota fault on every apply, counted by its code
    await asJson(t.http.put(`/mano/v1/emulator/${vim}/faults`), admin)
      .send({ failCalls: Array.from({ length: 60 }, (_, i) => i + 1), errorCode: 'VIM.QUOTA_EXCEEDED', operations: ['apply'] })
      .expect(204);
    const failed = await instantiate('metrics-2');
    expect(failed.op.operationState).toBe('FAILED_TEMP');
    await asJson(t.http.put(`/mano/v1/emulator/${vim}/faults`), admin)
      .send({})
      .expect(204);
    const after = await scrape();

    const delta = (family: string, labels: Record<string, string>) =>
      sampleValue(after, family, labels) - sampleValue(before, family, labels);
    // HTTP: by route template, never the URL with its id
    expect(delta('mano_http_requests_total', { method: 'POST', route: NS_ROUTE, status: '201' })).toBe(2);
    expect(delta('mano_http_requests_total', { method: 'GET', route: `${NS_ROUTE}/:id`, status: '404' })).toBe(1);
    expect(delta('mano_http_request_duration_seconds', { method: 'POST', route: NS_ROUTE, status: '201' })).toBe(2);
    // operations: transitions counted, the current ones read from the database, durations observed
    const inst = { kind: 'ns', type: 'instantiate' };
    expect(delta('mano_operation_transitions_total', { ...inst, state: 'PROCESSING' })).toBe(2);
    expect(delta('mano_operation_transitions_total', { ...inst, state: 'COMPLETED' })).toBe(1);
    expect(delta('mano_operation_transitions_total', { ...inst, state: 'FAILED_TEMP' })).toBe(1);
    expect(sampleValue(after, 'mano_operations', { ...inst, state: 'COMPLETED' })).toBe(1);
    expect(sampleValue(after, 'mano_operations', { ...inst, state: 'FAILED_TEMP' })).toBe(1);
    expect(delta('mano_operation_duration_seconds', { ...inst, state: 'COMPLETED' })).toBe(1);
    // the worker pool, idle again
    expect(sampleValue(after, 'mano_lcm_workers', { pool: 'ns' })).toBe(t.config.lcmConcurrency);
    expect(sampleValue(after, 'mano_lcm_leases_held', { pool: 'ns' })).toBe(0);
    expect(sampleValue(after, 'mano_lcm_queued_operations', { pool: 'ns' })).toBe(0);
    // VIM calls by type and call; the injected fault by its code
    expect(delta('mano_vim_call_duration_seconds', { vim_type: 'emulator', call: 'apply', outcome: 'ok' })).toBeGreaterThan(0);
    expect(delta('mano_vim_call_duration_seconds', { vim_type: 'emulator', call: 'apply', outcome: 'error' })).toBeGreaterThan(0);
    expect(
      delta('mano_vim_call_errors_total', { vim_type: 'emulator', call: 'apply', code: 'VIM.QUOTA_EXCEEDED' }),
    ).toBeGreaterThan(0);
    // the database pool
    if (t.config.dbUrl) {
      expect(sampleValue(after, 'mano_db_pool_connections', { driver: 'postgres', state: 'total' })).toBeGreaterThan(0);
      expect(
        after
          .get('mano_db_pool_connections')!
          .metrics.map((m) => m.labels?.state)
          .sort(),
      ).toEqual(['idle', 'total', 'waiting']);
    } else {
      expect(after.get('mano_db_pool_connections')!.metrics).toEqual([
        { labels: { driver: 'sqlite', state: 'total' }, value: '1' },
      ]);
    }

    // no id, token or URL in any label
    const labels = allLabelValues(after);
    expect(labels.length).toBeGreaterThan(50);
    const tokenId = (await asJson(t.http.get('/osm/admin/v1/tokens'), admin).expect(200)).body[0]._id as string;
    const leaks = labels.filter(
      (v) => [admin, tokenId, id, failed.id].some((s) => v.includes(s)) || UUID.test(v) || v.includes('?'),
    );
    expect(leaks).toEqual([]);
    await t.app.get(OperationRunner).idle();
  });

  it("serves the default registry whole: another module's osm_* gauge appears", async () => {
    const probe = new Gauge({ name: 'osm_test_probe', help: 'registered by the test', labelNames: ['ns_id'] });
    try {
      probe.set({ ns_id: 'x' }, 42);
      expect(sampleValue(await scrape(), 'osm_test_probe', { ns_id: 'x' })).toBe(42);
    } finally {
      register.removeSingleMetric('osm_test_probe');
    }
  });
});

describe('GET /metrics without a token when MANO_METRICS_PUBLIC=true', () => {
  let t: TestApp;
  useTestApp(
    (app) => {
      t = app;
    },
    { metricsPublic: true },
  );

  it('answers 200 without a token; the API still needs one', async () => {
    const res = await t.http.get('/metrics').expect(200);
    expect(parseMetrics(res.text).get('mano_http_requests_total')?.type).toBe('COUNTER');
    await asJson(t.http.get(NS_ROUTE)).expect(401);
  });
});

describe('MANO_METRICS_PORT: a separate listener serving only /metrics', () => {
  let t: TestApp;
  let server: Server;
  let agent: ReturnType<typeof request>;
  useTestApp(async (app) => {
    t = app;
    server = createMetricsListener(t.config);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    agent = request(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  });
  afterAll(() => new Promise((r) => server.close(r)));

  it('serves /metrics without a token, nothing else; the API listener still asks for one', async () => {
    await t.http.get('/osm/version').expect(200);
    const res = await agent.get('/metrics').expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    const families = parseMetrics(res.text);
    expect(
      sampleValue(families, 'mano_http_requests_total', { method: 'GET', route: '/osm/version', status: '200' }),
    ).toBeGreaterThan(0);
    await agent.get('/osm/version').expect(404);
    await agent.post('/metrics').expect(405);
    await t.http.get('/metrics').expect(401);
  });
});
