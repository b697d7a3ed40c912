import { Logger } from '@nestjs/common';
import { Writable } from 'node:stream';
import { loadConfig } from '../../src/config/env';
import { ManoLogger, prettyStream } from '../../src/common/logging/logger';
import { runWithContext } from '../../src/common/logging/request-context';
import { emulatorId, onboardMultivdu, settledOp } from '../utils/lcm';
import { asJson, TestApp, useTestApp } from '../utils/test-app';

type Line = Record<string, unknown>;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

/** A stream that keeps what is written. */
function sink(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _enc, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  return { stream, text: () => chunks.join('') };
}

describe('structured logs (pino JSON lines) of a running service', () => {
  let t: TestApp;
  let admin: string;
  const out: string[] = [];
  const write = process.stdout.write.bind(process.stdout);

  // the capture starts before the app does, so its start-up lines are kept too (kept, not echoed: debug is verbose)
  beforeAll(() => {
    process.stdout.write = ((chunk: string | Uint8Array) => {
      out.push(String(chunk));
      return true;
    }) as typeof process.stdout.write;
  });
  useTestApp(
    (app, token) => {
      t = app;
      admin = token;
    },
    { logFormat: 'json', logLevel: 'debug' },
  );
  // after the app's own afterAll (hooks run in the order declared): its closing lines stay captured
  afterAll(() => {
    process.stdout.write = write;
  });

  /** Every JSON line written so far (each write of the logger is one whole line). */
  const lines = (): Line[] =>
    out
      .join('')
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Line);

  it('writes JSON lines with level, time, msg, context and pid; Nest start-up lines too', () => {
    const all = lines();
    expect(all.length).toBeGreaterThan(10);
    for (const l of all) {
      expect(l).toMatchObject({
        level: expect.stringMatching(/^(debug|info|warn|error|fatal)$/),
        time: expect.stringMatching(ISO),
      });
      expect(typeof l.msg).toBe('string');
      expect(l.pid).toBe(process.pid);
    }
    expect(all.some((l) => l.context === 'RoutesResolver' && l.level === 'info')).toBe(true);
    expect(out.join('')).not.toContain('[Nest]');
  });

  it('carries the X-Request-Id as correlation id (echoed), with the project of the token', async () => {
    const res = await asJson(t.http.get('/osm/nslcm/v1/ns_instances_content'), admin)
      .set('X-Request-Id', 'obs-req-1')
      .expect(200);
    expect(res.headers['x-request-id']).toBe('obs-req-1');
    const project = (await asJson(t.http.get('/osm/admin/v1/projects/admin'), admin).expect(200)).body._id as string;
    const mine = lines().filter((l) => l.correlationId === 'obs-req-1');
    expect(mine).toContainEqual(
      expect.objectContaining({
        level: 'debug',
        context: 'HTTP',
        msg: 'GET /osm/nslcm/v1/ns_instances_content 200',
        route: '/osm/nslcm/v1/ns_instances_content',
        status: '200',
        projectId: project,
        durationMs: expect.any(Number),
      }),
    );
  });

  it('replaces an unsafe X-Request-Id with a generated one', async () => {
    const res = await t.http.get('/osm/version').set('X-Request-Id', 'not safe {"level":"fatal"}').expect(200);
    expect(res.headers['x-request-id']).toMatch(UUID);
    const long = await t.http.get('/osm/version').set('X-Request-Id', 'a'.repeat(129)).expect(200);
    expect(long.headers['x-request-id']).toMatch(UUID);
    expect(res.headers['x-correlation-id']).toBe(res.headers['x-request-id']);
    expect(lines().some((l) => l.correlationId === res.headers['x-request-id'] && l.context === 'HTTP')).toBe(true);
  });

  it("an operation's lines carry its id and the correlation id of the request that started it, VIM calls timed", async () => {
    const nsdId = await onboardMultivdu(t, admin);
    const vim = await emulatorId(t, admin);
    const res = await asJson(t.http.post('/osm/nslcm/v1/ns_instances_content'), admin)
      .set('X-Request-Id', 'obs-inst-1')
      .send({ nsName: 'logged', nsdId, vimAccountId: vim })
      .expect(201);
    const opId = res.body.nslcmop_id as string;
    expect((await settledOp(t, admin, opId)).operationState).toBe('COMPLETED');
    const ofOp = lines().filter((l) => l.operationId === opId);
    expect(ofOp.length).toBeGreaterThan(0);
    expect(ofOp.every((l) => l.correlationId === 'obs-inst-1')).toBe(true);
    const vimCalls = ofOp.filter((l) => l.context === 'VimCall');
    expect(vimCalls).toContainEqual(
      expect.objectContaining({
        level: 'debug',
        vimType: 'emulator',
        call: 'apply',
        outcome: 'ok',
        durationMs: expect.any(Number),
      }),
    );
  });
});

describe('ManoLogger', () => {
  it('follows Nest’s calling convention: context last, an error’s stack before it, objects as fields', () => {
    const s = sink();
    const logger = new ManoLogger({ logFormat: 'json', logLevel: 'log' }, s.stream);
    const err = new Error('boom');
    logger.error('it failed', err.stack, 'Ctx');
    logger.log({ msg: 'structured', count: 3 }, 'Ctx2');
    logger.debug('hidden at log level', 'Ctx');
    runWithContext({ correlationId: 'c-9', projectId: 'p-1', operationId: 'o-1' }, () => logger.warn('with context', 'Ctx3'));
    logger.log({ msg: 'never a secret', password: 'pw-1', config: { token: 'tk-1' } }, 'Ctx4');
    const [e, o, w, secret] = s
      .text()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Line);
    expect(e).toMatchObject({ level: 'error', msg: 'it failed', context: 'Ctx', stack: err.stack });
    expect(o).toMatchObject({ level: 'info', msg: 'structured', count: 3, context: 'Ctx2' });
    expect(w).toMatchObject({ level: 'warn', correlationId: 'c-9', projectId: 'p-1', operationId: 'o-1', context: 'Ctx3' });
    expect(secret).toMatchObject({ password: '[redacted]', config: { token: '[redacted]' } });
    expect(s.text()).not.toMatch(/hidden|pw-1|tk-1/);
  });

  it('MANO_LOG_FORMAT=pretty writes one readable line per entry, not JSON', () => {
    const s = sink();
    const logger = new ManoLogger({ logFormat: 'pretty', logLevel: 'debug' }, prettyStream(s.stream));
    runWithContext({ correlationId: 'c-7' }, () => logger.log('hello operator', 'Main'));
    logger.debug('fine detail', 'VimCall');
    const text = s.text();
    const [first, second] = text.trim().split('\n');
    expect(first).toMatch(/^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}\] INFO: \[Main\] hello operator/);
    expect(first).toContain('c-7');
    expect(second).toMatch(/DEBUG: \[VimCall\] fine detail/);
    expect(() => JSON.parse(first)).toThrow();
  });

  it('a Nest Logger writes through it once it is the app logger', () => {
    const s = sink();
    Logger.overrideLogger(new ManoLogger({ logFormat: 'json', logLevel: 'log' }, s.stream));
    try {
      new Logger('Somewhere').log('through Nest');
    } finally {
      Logger.overrideLogger(new ManoLogger({ logFormat: 'json', logLevel: 'error' }));
    }
    expect(JSON.parse(s.text())).toMatchObject({ level: 'info', context: 'Somewhere', msg: 'through Nest' });
  });

  it('defaults to JSON in production and to pretty elsewhere; text means pretty', () => {
    expect(loadConfig({ NODE_ENV: 'production' }).logFormat).toBe('json');
    expect(loadConfig({}).logFormat).toBe('pretty');
    expect(loadConfig({ MANO_LOG_FORMAT: 'text' }).logFormat).toBe('pretty');
    expect(loadConfig({ NODE_ENV: 'production', MANO_LOG_FORMAT: 'pretty' }).logFormat).toBe('pretty');
  });
});
