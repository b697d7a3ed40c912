import { request as httpRequest } from 'node:http';
import { AddressInfo } from 'node:net';
import { DataSource } from 'typeorm';
import * as passwords from '../../src/common/security/passwords';
import { asJson, createTestDatabase, startTestApp, TestApp, TestDatabase } from '../utils/test-app';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Record<string, unknown>;
}

/** POST /tokens over a real socket from a chosen loopback address (127.0.0.0/8 all reach the server). */
function loginFrom(port: number, from: string, username: string, password: string): Promise<Answer> {
  const payload = JSON.stringify({ username, password });
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        localAddress: from,
        method: 'POST',
        path: '/osm/admin/v1/tokens',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'Content-Length': Buffer.byteLength(payload) },
        agent: false,
      },
      (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: JSON.parse(text) }));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

async function listen(t: TestApp): Promise<number> {
  await t.app.listen(0, '127.0.0.1');
  return (t.app.getHttpServer().address() as AddressInfo).port;
}

/**
 * Login throttling with the production limits (10 failures per address, 20 per user, 15 min windows, 500 ms
 * delay after a failure): counted in the database before any password hashing, per address and per user.
 */
describe('login throttling', () => {
  let db: TestDatabase;
  let t: TestApp;
  let port: number;

  beforeAll(async () => {
    db = await createTestDatabase();
    t = await startTestApp(db, { adminPassword: 'Right-pass-1', loginFailureDelayMs: 500 });
    port = await listen(t);
    const admin = await t.login('admin', 'Right-pass-1');
    await asJson(t.http.post('/osm/admin/v1/users'), admin)
      .send({ username: 'eve', password: 'Eve-pass-1', projects: ['admin'] })
      .expect(201);
  });
  afterAll(async () => {
    jest.restoreAllMocks();
    await t.close();
    await db.drop();
  });

  it('throttles 50 parallel bad logins from one address after 10, before hashing, with Retry-After', async () => {
    const verify = jest.spyOn(passwords, 'verifyPassword');
    const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => loginFrom(port, '127.0.0.2', 'admin', `guess-${i}`)));
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s === 401)).toHaveLength(10);
    expect(statuses.filter((s) => s === 429)).toHaveLength(40);
    // only the 10 allowed attempts cost a password hash
    expect(verify).toHaveBeenCalledTimes(10);
    verify.mockRestore();
    for (const a of answers.filter((x) => x.status === 429)) {
      expect(a.body).toMatchObject({ code: 'TOO_MANY_REQUESTS', status: 429, reason: 'AUTH.TOO_MANY_FAILURES' });
      const retry = Number(a.headers['retry-after']);
      expect(Number.isInteger(retry) && retry >= 1 && retry <= 900).toBe(true);
    }
    // the address is blocked even with the right password; another address logs the same user in
    expect((await loginFrom(port, '127.0.0.2', 'admin', 'Right-pass-1')).status).toBe(429);
    const good = await loginFrom(port, '127.0.0.3', 'admin', 'Right-pass-1');
    expect(good.status).toBe(200);
    expect(good.body.username).toBe('admin');
  });

  it('keeps the counters in the database: another process on it (a replica, or after a restart) sees them', async () => {
    const rows = await t.app.get(DataSource).query(`SELECT "key", failures FROM login_failures WHERE "key" = 'addr:127.0.0.2'`);
    expect(Number(rows[0].failures)).toBeGreaterThanOrEqual(50);
    const second = await startTestApp(db, { adminPassword: 'Right-pass-1', loginFailureDelayMs: 500 });
    try {
      const secondPort = await listen(second);
      const verify = jest.spyOn(passwords, 'verifyPassword');
      expect((await loginFrom(secondPort, '127.0.0.2', 'admin', 'guess')).status).toBe(429);
      expect(verify).not.toHaveBeenCalled();
      verify.mockRestore();
      expect((await loginFrom(secondPort, '127.0.0.3', 'admin', 'Right-pass-1')).status).toBe(200);
    } finally {
      await second.close();
    }
  });

  it('locks a user guessed at from many addresses until an administrator unlocks it', async () => {
    // 3 addresses × 10 attempts: the 21st failure for eve locks her from every address
    const answers = [];
    for (const from of ['127.0.0.4', '127.0.0.5', '127.0.0.6']) {
      answers.push(...(await Promise.all(Array.from({ length: 10 }, () => loginFrom(port, from, 'eve', 'wrong')))));
    }
    expect(answers.filter((a) => a.status === 401)).toHaveLength(20);
    expect(answers.filter((a) => a.status === 429)).toHaveLength(10);
    // by name or by id: the same counter
    const fresh = await loginFrom(port, '127.0.0.7', 'eve', 'Eve-pass-1');
    expect(fresh.status).toBe(429);
    expect(fresh.headers['retry-after']).toBeDefined();

    const admin = await t.login('admin', 'Right-pass-1');
    const eve = await asJson(t.http.get('/osm/admin/v1/users/eve'), admin).expect(200);
    expect((await loginFrom(port, '127.0.0.7', eve.body._id, 'Eve-pass-1')).status).toBe(429);
    await asJson(t.http.patch('/osm/admin/v1/users/eve'), admin).send({ unlock: true }).expect(204);
    expect((await loginFrom(port, '127.0.0.7', 'eve', 'Eve-pass-1')).status).toBe(200);
  });

  it('never throttles successful logins: 70 within a minute from one address all succeed', async () => {
    const started = Date.now();
    // in parallel, far more than the failure limit at once: a right password never counts against it
    for (let batch = 0; batch < 2; batch++) {
      const answers = await Promise.all(Array.from({ length: 35 }, () => loginFrom(port, '127.0.0.8', 'admin', 'Right-pass-1')));
      expect(answers.map((a) => a.status)).toEqual(Array(35).fill(200));
    }
    expect(Date.now() - started).toBeLessThan(60_000);
  });

  it('counts failures per address: a few typos do not block the good login that follows', async () => {
    for (let i = 0; i < 3; i++) expect((await loginFrom(port, '127.0.0.9', 'admin', 'typo')).status).toBe(401);
    expect((await loginFrom(port, '127.0.0.9', 'admin', 'Right-pass-1')).status).toBe(200);
  });
});
