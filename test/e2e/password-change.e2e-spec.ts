import { asJson, createTestDatabase, startTestApp, TestApp, TestDatabase } from '../utils/test-app';

/**
 * The generated admin/admin (no MANO_ADMIN_PASSWORD at first start) must be changed at first login, as OSM
 * forces it: the login answers `message: change_password` with a token that can only change the password.
 */
describe('forced password change of the generated admin password', () => {
  let db: TestDatabase;
  let t: TestApp;

  beforeAll(async () => {
    db = await createTestDatabase();
    t = await startTestApp(db, { adminPassword: 'admin', adminPasswordGiven: false });
  });
  afterAll(async () => {
    await t.close();
    await db.drop();
  });

  it('answers the first login with change_password and a token good for nothing else', async () => {
    const res = await asJson(t.http.post('/osm/admin/v1/tokens')).send({ username: 'admin', password: 'admin' }).expect(200);
    expect(res.body).toEqual({
      _id: res.body.id,
      id: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      message: 'change_password',
      user_id: expect.any(String),
      issued_at: expect.any(Number),
      expires: expect.any(Number),
    });
    expect(res.body.expires - res.body.issued_at).toBeLessThanOrEqual(600);
    const token = res.body.id as string;
    const userId = res.body.user_id as string;

    for (const path of [
      '/osm/admin/v1/users',
      '/osm/admin/v1/projects',
      '/osm/vnfpkgm/v1/vnf_packages',
      '/osm/nslcm/v1/ns_instances',
    ]) {
      const denied = await asJson(t.http.get(path), token).expect(401);
      expect(denied.body).toMatchObject({ reason: 'AUTH.PASSWORD_CHANGE_REQUIRED' });
      expect(denied.body.detail).toContain(`/osm/admin/v1/users/${userId}`);
    }
    // no project switch to a full token
    await asJson(t.http.post('/osm/admin/v1/tokens'), token).send({ project_id: 'admin' }).expect(401);
    // no other edit, on itself or on anyone
    await asJson(t.http.post('/osm/admin/v1/users'), token)
      .send({ username: 'x', password: 'y', projects: ['admin'] })
      .expect(401);
    const rename = await asJson(t.http.patch(`/osm/admin/v1/users/${userId}`), token)
      .send({ username: 'root', old_password: 'admin', password: 'N3w-pass' })
      .expect(422);
    expect(rename.body.errors[0].path).toBe('username');
    // the current password is required, must be right, and the new one must differ
    await asJson(t.http.patch(`/osm/admin/v1/users/${userId}`), token)
      .send({ password: 'N3w-pass' })
      .expect(422);
    const wrong = await asJson(t.http.patch(`/osm/admin/v1/users/${userId}`), token)
      .send({ old_password: 'nope', password: 'N3w-pass' })
      .expect(422);
    expect(wrong.body.errors[0].path).toBe('old_password');
    await asJson(t.http.patch(`/osm/admin/v1/users/admin`), token).send({ old_password: 'admin', password: 'admin' }).expect(422);

    // the change itself (by name or id, PATCH or PUT, as osmclient's user-update)
    await asJson(t.http.patch('/osm/admin/v1/users/admin'), token)
      .send({ old_password: 'admin', password: 'N3w-pass' })
      .expect(204);
    // the change token is spent; the old password is gone; the new one gives normal tokens
    await asJson(t.http.get('/osm/admin/v1/tokens'), token).expect(401);
    await asJson(t.http.post('/osm/admin/v1/tokens')).send({ username: 'admin', password: 'admin' }).expect(401);
    const normal = await asJson(t.http.post('/osm/admin/v1/tokens'))
      .send({ username: 'admin', password: 'N3w-pass' })
      .expect(200);
    expect(normal.body).toMatchObject({ project_name: 'admin', username: 'admin', admin: true });
    expect(normal.body.message).toBeUndefined();
    await asJson(t.http.get('/osm/admin/v1/users'), normal.body.id).expect(200);
  });

  it('remembers the change across a restart', async () => {
    const again = await startTestApp(db, { adminPassword: 'admin', adminPasswordGiven: false });
    try {
      const res = await asJson(again.http.post('/osm/admin/v1/tokens'))
        .send({ username: 'admin', password: 'N3w-pass' })
        .expect(200);
      expect(res.body.message).toBeUndefined();
    } finally {
      await again.close();
    }
  });

  it('lets a change token log itself out', async () => {
    const db2 = await createTestDatabase();
    const other = await startTestApp(db2, { adminPassword: 'admin', adminPasswordGiven: false });
    try {
      const res = await asJson(other.http.post('/osm/admin/v1/tokens'))
        .send({ username: 'admin', password: 'admin' })
        .expect(200);
      await asJson(other.http.delete('/osm/admin/v1/tokens'), res.body.id).expect(200);
      await asJson(other.http.get('/osm/admin/v1/tokens'), res.body.id).expect(401);
    } finally {
      await other.close();
      await db2.drop();
    }
  });
});

describe('an admin password chosen by the operator (MANO_ADMIN_PASSWORD, even "admin")', () => {
  let db: TestDatabase;
  let t: TestApp;

  beforeAll(async () => {
    db = await createTestDatabase();
    // what OSM's run_test.py needs: MANO_ADMIN_PASSWORD=admin, then admin/admin logs in normally
    t = await startTestApp(db, { adminPassword: 'admin', adminPasswordGiven: true });
  });
  afterAll(async () => {
    await t.close();
    await db.drop();
  });

  it('is not forced to change', async () => {
    const res = await asJson(t.http.post('/osm/admin/v1/tokens'))
      .send({ username: 'admin', password: 'admin', project_id: 'admin' })
      .expect(200);
    expect(res.body.message).toBeUndefined();
    expect(res.body.project_name).toBe('admin');
    await asJson(t.http.get('/osm/admin/v1/users'), res.body.id).expect(200);
  });
});
