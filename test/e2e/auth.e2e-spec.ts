import { createHash } from 'node:crypto';
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

  it('logs admin in with 200, the token fields OSM clients read, and a Location that is not the secret', async () => {
    const res = await asJson(t.http.post('/osm/admin/v1/tokens'))
      .send({ username: 'admin', password: 'S3cret-admin' })
      .expect(200);
    const token = res.body;
    expect(token.id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(token._id).toBe(token.id);
    const hash = createHash('sha256').update(token.id).digest('hex');
    expect(res.headers.location).toBe(`/osm/admin/v1/tokens/${hash}`);
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

  it('accepts YAML bodies and a project in the query string, but refuses credentials there', async () => {
    await t.http
      .post('/osm/admin/v1/tokens')
      .set('Content-Type', 'application/yaml')
      .send('username: admin\npassword: S3cret-admin\n')
      .expect(200);
    await asJson(t.http.post('/osm/admin/v1/tokens?project_id=admin'))
      .send({ username: 'admin', password: 'S3cret-admin' })
      .expect(200);
    for (const query of ['username=admin&password=S3cret-admin', 'password=S3cret-admin', 'PASSWORD=x', 'token=abc']) {
      const res = await asJson(t.http.post(`/osm/admin/v1/tokens?${query}`))
        .send({ username: 'admin', password: 'S3cret-admin' })
        .expect(400);
      expect(res.body).toMatchObject({ code: 'BAD_REQUEST', status: 400, reason: 'AUTH.CREDENTIALS_IN_QUERY' });
    }
    // a token in the query string authenticates nothing
    const bearer = await t.login('admin', 'S3cret-admin');
    await asJson(t.http.get(`/osm/admin/v1/users?token=${bearer}`)).expect(401);
    await asJson(t.http.get(`/osm/admin/v1/users?access_token=${bearer}`)).expect(401);
  });

  it('answers bad credentials and unknown users alike with 401', async () => {
    const wrong = await asJson(t.http.post('/osm/admin/v1/tokens')).send({ username: 'admin', password: 'nope' }).expect(401);
    const unknown = await asJson(t.http.post('/osm/admin/v1/tokens')).send({ username: 'ghost', password: 'nope' }).expect(401);
    expect(wrong.body).toMatchObject({ code: 'UNAUTHORIZED', status: 401, detail: 'Invalid username/password' });
    expect(unknown.body.detail).toBe(wrong.body.detail);
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
    // nor can it mint a new one
    await asJson(t.http.post('/osm/admin/v1/tokens'), bearer).send({}).expect(401);
    // expired tokens are neither listed nor shown
    const other = await t.login('admin', 'S3cret-admin');
    await t.app.get(DataSource).query(`INSERT INTO tokens (token_hash, user_id, project_id, issued_at, expires)
      SELECT '${'e'.repeat(64)}', user_id, project_id, 1, 2 FROM tokens LIMIT 1`);
    const list = await asJson(t.http.get('/osm/admin/v1/tokens'), other).expect(200);
    expect(list.body.map((x: { id: string }) => x.id)).not.toContain('e'.repeat(64));
    await asJson(t.http.get(`/osm/admin/v1/tokens/${'e'.repeat(64)}`), other).expect(404);
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

  it('mints a token from a token that expires no later than its parent and is revoked with it', async () => {
    const parent = await t.login('admin', 'S3cret-admin');
    const ds = t.app.get(DataSource);
    const parentHash = createHash('sha256').update(parent).digest('hex');
    // the parent has 10 minutes left: children get no more
    await ds.query(`UPDATE tokens SET expires = issued_at + 600 WHERE token_hash = '${parentHash}'`);
    const child = await asJson(t.http.post('/osm/admin/v1/tokens'), parent).send({ project_id: 'admin' }).expect(200);
    const [row] = await ds.query(`SELECT expires FROM tokens WHERE token_hash = '${parentHash}'`);
    expect(child.body.expires).toBeLessThanOrEqual(Number(row.expires));
    const grandchild = await asJson(t.http.post('/osm/admin/v1/tokens'), child.body.id).send({}).expect(200);
    expect(grandchild.body.expires).toBeLessThanOrEqual(child.body.expires);
    await asJson(t.http.get('/osm/admin/v1/users'), grandchild.body.id).expect(200);

    // logging the parent out ends the whole chain
    await asJson(t.http.delete('/osm/admin/v1/tokens'), parent).expect(200);
    await asJson(t.http.get('/osm/admin/v1/users'), child.body.id).expect(401);
    await asJson(t.http.get('/osm/admin/v1/users'), grandchild.body.id).expect(401);
    await asJson(t.http.post('/osm/admin/v1/tokens'), grandchild.body.id).send({}).expect(401);

    // a child whose parent vanished (revoked while the child was being minted) is refused too
    const other = await t.login('admin', 'S3cret-admin');
    const orphan = await asJson(t.http.post('/osm/admin/v1/tokens'), other).send({}).expect(200);
    await ds.query(`DELETE FROM tokens WHERE token_hash = '${createHash('sha256').update(other).digest('hex')}'`);
    await asJson(t.http.get('/osm/admin/v1/users'), orphan.body.id).expect(401);
  });

  it('revokes a token by its id (DELETE /tokens/<hash>) with its children', async () => {
    const parent = await t.login('admin', 'S3cret-admin');
    const child = await asJson(t.http.post('/osm/admin/v1/tokens'), parent).send({}).expect(200);
    const keeper = await t.login('admin', 'S3cret-admin');
    const hash = createHash('sha256').update(parent).digest('hex');
    await asJson(t.http.delete(`/osm/admin/v1/tokens/${hash}`), keeper).expect(200);
    await asJson(t.http.get('/osm/admin/v1/users'), child.body.id).expect(401);
    await asJson(t.http.get('/osm/admin/v1/users'), keeper).expect(200);
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

  it('forgets a cached caller at once when its user, role or project changes (auth cache, MANO_AUTH_CACHE_MS)', async () => {
    const admin = await t.login('admin', 'S3cret-admin');
    await asJson(t.http.post('/osm/admin/v1/users'), admin)
      .send({ username: 'erin', password: 'pw-erin', projects: ['admin'] })
      .expect(201);
    const erin = await t.login('erin', 'pw-erin');
    // twice: the second is answered from the cache
    await asJson(t.http.get('/osm/nsd/v1/ns_descriptors'), erin).expect(200);
    await asJson(t.http.get('/osm/nsd/v1/ns_descriptors'), erin).expect(200);
    // a role the grant names is emptied of its permissions: the next request sees it
    const user = await asJson(t.http.get('/osm/admin/v1/users/erin'), admin).expect(200);
    const roleId = user.body.project_role_mappings[0].role;
    await asJson(t.http.post('/osm/admin/v1/roles'), admin)
      .send({ name: 'nothing', permissions: { default: false } })
      .expect(201);
    await asJson(t.http.patch('/osm/admin/v1/users/erin'), admin)
      .send({
        remove_project_role_mappings: [{ project: 'admin', role: roleId }],
        add_project_role_mappings: [{ project: 'admin', role: 'nothing' }],
      })
      .expect(204);
    await asJson(t.http.get('/osm/nsd/v1/ns_descriptors'), erin).expect(401);
    await asJson(t.http.delete('/osm/admin/v1/users/erin'), admin).expect(204);
    await asJson(t.http.get('/osm/nsd/v1/ns_descriptors'), erin).expect(401);
  });
});
