import { DataSource } from 'typeorm';
import { asJson, createTestDatabase, startTestApp, TestApp, TestDatabase } from '../utils/test-app';

/** Tokens: login, fields, expiry, project switch, logout, and what is (not) stored or shown. */
describe('tokens', () => {
  let db: TestDatabase;
  let t: TestApp;

  beforeAll(async () => {
    db = await createTestDatabase();
    t = await startTestApp(db, { adminPassword: 'S3cret-admin' });
  });
  afterAll(async () => {
    await t.close();
    await db.drop();
  });

  it('logs admin in with 200, Location and the token fields OSM clients read', async () => {
    const res = await asJson(t.http.post('/osm/admin/v1/tokens'))
      .send({ username: 'admin', password: 'S3cret-admin' })
      .expect(200);
    const token = res.body;
    expect(token.id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(token._id).toBe(token.id);
    expect(res.headers.location).toBe(`/osm/admin/v1/tokens/${token.id}`);
    expect(token).toMatchObject({
      project_name: 'admin',
      username: 'admin',
      admin: true,
      roles: [{ name: 'system_admin', id: expect.any(String) }],
      project_id: expect.any(String),
      user_id: expect.any(String),
    });
    expect(token.expires - token.issued_at).toBeCloseTo(3600, 3);
  });

  it('accepts YAML bodies and query-string credentials, as OSM does', async () => {
    await t.http
      .post('/osm/admin/v1/tokens')
      .set('Content-Type', 'application/yaml')
      .send('username: admin\npassword: S3cret-admin\n')
      .expect(200);
    await asJson(t.http.post('/osm/admin/v1/tokens?username=admin&password=S3cret-admin')).expect(200);
  });

  it('answers bad credentials and unknown users alike with 401', async () => {
    const wrong = await asJson(t.http.post('/osm/admin/v1/tokens')).send({ username: 'admin', password: 'nope' }).expect(401);
    const unknown = await asJson(t.http.post('/osm/admin/v1/tokens')).send({ username: 'ghost', password: 'nope' }).expect(401);
    expect(wrong.body).toMatchObject({ code: 'UNAUTHORIZED', status: 401, detail: 'Invalid username/password' });
    expect(unknown.body.detail).toBe(wrong.body.detail);
  });

  it('slows down repeated failed logins for the same user', async () => {
    const slow = await startTestApp(db, { adminPassword: 'S3cret-admin', loginFailureDelayMs: 100 });
    try {
      const started = Date.now();
      for (let i = 0; i < 3; i++) {
        await asJson(slow.http.post('/osm/admin/v1/tokens')).send({ username: 'admin', password: 'bad' }).expect(401);
      }
      // 100 + 200 + 400 ms
      expect(Date.now() - started).toBeGreaterThanOrEqual(650);
    } finally {
      await slow.close();
    }
  });

  it('keeps only hashes of passwords and tokens in the database, and never returns them', async () => {
    const bearer = await t.login('admin', 'S3cret-admin');
    const ds = t.app.get(DataSource);
    const users = await ds.query('SELECT password_hash FROM users');
    expect(users[0].password_hash).toMatch(/^scrypt\$/);
    expect(JSON.stringify(users)).not.toContain('S3cret-admin');
    const tokens: { token_hash: string }[] = await ds.query('SELECT token_hash FROM tokens');
    expect(tokens.some((row) => row.token_hash === bearer)).toBe(false);

    const user = await asJson(t.http.get('/osm/admin/v1/users/admin'), bearer).expect(200);
    expect(JSON.stringify(user.body)).not.toMatch(/password|scrypt/);
    const list = await asJson(t.http.get('/osm/admin/v1/tokens'), bearer).expect(200);
    expect(list.body.length).toBeGreaterThan(0);
    expect(JSON.stringify(list.body)).not.toContain(bearer);
  });

  it('rejects an expired token with 401', async () => {
    const bearer = await t.login('admin', 'S3cret-admin');
    await t.app.get(DataSource).query('UPDATE tokens SET expires = 1');
    const res = await asJson(t.http.get('/osm/admin/v1/users'), bearer).expect(401);
    expect(res.body.detail).toMatch(/Expired/);
  });

  it('issues tokens for the configured lifetime', async () => {
    const short = await startTestApp(db, { adminPassword: 'S3cret-admin', tokenTtlSeconds: 120 });
    try {
      const res = await asJson(short.http.post('/osm/admin/v1/tokens'))
        .send({ username: 'admin', password: 'S3cret-admin' })
        .expect(200);
      expect(res.body.expires - res.body.issued_at).toBeCloseTo(120, 3);
    } finally {
      await short.close();
    }
  });

  it('shows a token by itself or by its id, and logs out by DELETE', async () => {
    const bearer = await t.login('admin', 'S3cret-admin');
    const shown = await asJson(t.http.get(`/osm/admin/v1/tokens/${bearer}`), bearer).expect(200);
    expect(shown.body.id).toMatch(/^[0-9a-f]{64}$/);
    await asJson(t.http.get(`/osm/admin/v1/tokens/${shown.body.id}`), bearer).expect(200);
    await asJson(t.http.delete(`/osm/admin/v1/tokens/${bearer}`), bearer).expect(200);
    await asJson(t.http.get('/osm/admin/v1/users'), bearer).expect(401);
  });

  it('logs out the calling token with DELETE /tokens', async () => {
    const bearer = await t.login('admin', 'S3cret-admin');
    await asJson(t.http.delete('/osm/admin/v1/tokens'), bearer).expect(200);
    await asJson(t.http.get('/osm/admin/v1/users'), bearer).expect(401);
  });

  it('switches project with a Bearer token only where the user has a role', async () => {
    const admin = await t.login('admin', 'S3cret-admin');
    const p = await asJson(t.http.post('/osm/admin/v1/projects'), admin).send({ name: 'other' }).expect(201);
    // admin has no role in 'other'
    await asJson(t.http.post('/osm/admin/v1/tokens/'), admin).send({ project_id: p.body.id }).expect(401);
    await asJson(t.http.post('/osm/admin/v1/users'), admin)
      .send({
        username: 'carol',
        password: 'pw',
        project_role_mappings: [
          { project: 'other', role: 'project_user' },
          { project: 'admin', role: 'project_user' },
        ],
      })
      .expect(201);
    const carol = await t.login('carol', 'pw', 'admin');
    const switched = await asJson(t.http.post('/osm/admin/v1/tokens'), carol).send({ project_id: 'other' }).expect(200);
    expect(switched.body).toMatchObject({
      project_name: 'other',
      username: 'carol',
      admin: false,
      roles: [{ name: 'project_user' }],
    });
  });

  it('ends other sessions of a user whose password changes', async () => {
    const admin = await t.login('admin', 'S3cret-admin');
    await asJson(t.http.post('/osm/admin/v1/users'), admin)
      .send({ username: 'dave', password: 'old', projects: ['admin'] })
      .expect(201);
    const dave = await t.login('dave', 'old');
    await asJson(t.http.patch('/osm/admin/v1/users/dave'), admin).send({ password: 'new' }).expect(204);
    await asJson(t.http.get('/osm/admin/v1/users'), dave).expect(401);
    await t.login('dave', 'new');
  });
});
