import { asJson, createTestDatabase, startTestApp, TestApp, TestDatabase } from '../utils/test-app';

/** Users, projects and roles as OSM's own test suite drives them, plus OSM's conflict rules. */
describe('users, projects and roles', () => {
  let db: TestDatabase;
  let t: TestApp;
  let admin: string;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    db = await createTestDatabase();
    t = await startTestApp(db);
    admin = await t.login();
    const role = async (name: string): Promise<string> =>
      (await asJson(t.http.get(`/osm/admin/v1/roles?name=${name}`), admin).expect(200)).body[0]._id;
    ids.projectAdmin = await role('project_admin');
    ids.projectUser = await role('project_user');
    ids.systemAdmin = await role('system_admin');
  });
  afterAll(async () => {
    await t.close();
    await db.drop();
  });

  const create = async (topic: string, body: object, query = ''): Promise<string> =>
    (
      await asJson(t.http.post(`/osm/admin/v1/${topic}${query}`), admin)
        .send(body)
        .expect(201)
    ).body.id;

  it('seeds OSM default roles, project admin and user admin', async () => {
    const roles = await asJson(t.http.get('/osm/admin/v1/roles'), admin).expect(200);
    expect(roles.body.map((r: { name: string }) => r.name).sort()).toEqual(
      ['account_manager', 'anonymous', 'project_admin', 'project_user', 'system_admin'].sort(),
    );
    const projects = await asJson(t.http.get('/osm/admin/v1/projects?name=admin'), admin).expect(200);
    expect(projects.body).toHaveLength(1);
  });

  it('stores mappings given by names and shows them with names and ids', async () => {
    const p1 = await create('projects', { name: 'P1' });
    const padmin = await create('projects', { name: 'Padmin', admin: true });
    const u1 = await create('users', {
      username: 'U1',
      password: 'pw1',
      project_role_mappings: [
        { project: 'P1', role: 'project_admin' },
        { project: padmin, role: ids.projectUser },
      ],
    });
    const shown = await asJson(t.http.get(`/osm/admin/v1/users/${u1}`), admin).expect(200);
    expect(shown.body.project_role_mappings).toEqual(
      expect.arrayContaining([
        { project: p1, project_name: 'P1', role: ids.projectAdmin, role_name: 'project_admin' },
        { project: padmin, project_name: 'Padmin', role: ids.projectUser, role_name: 'project_user' },
      ]),
    );
  });

  it('lets FORCE keep a mapping to an unknown project, and a PATCH replace the whole list', async () => {
    const p1 = (await asJson(t.http.get('/osm/admin/v1/projects/P1'), admin).expect(200)).body._id;
    const unknown = 'a'.repeat(32);
    await asJson(t.http.post('/osm/admin/v1/users'), admin)
      .send({ username: 'F1', password: 'x', project_role_mappings: [{ project: unknown, role: 'project_admin' }] })
      .expect(422);
    const f1 = await create(
      'users',
      {
        username: 'F1',
        password: 'x',
        project_role_mappings: [
          { project: 'P1', role: 'project_admin' },
          { project: unknown, role: 'project_admin' },
        ],
      },
      '?FORCE=True',
    );
    await asJson(t.http.patch(`/osm/admin/v1/users/${f1}`), admin)
      .send({ project_role_mappings: [{ project: p1, role: ids.projectUser }] })
      .expect(204);
    const shown = await asJson(t.http.get('/osm/admin/v1/users/F1'), admin).expect(200);
    expect(shown.body.project_role_mappings).toEqual([
      { project: p1, project_name: 'P1', role: ids.projectUser, role_name: 'project_user' },
    ]);
  });

  it('adds and removes single mappings, and refuses mixing them with a full list', async () => {
    await create('users', { username: 'M1', password: 'x', projects: ['P1'] });
    await asJson(t.http.put('/osm/admin/v1/users/M1'), admin)
      .send({ add_project_role_mappings: [{ project: 'admin', role: 'project_user' }] })
      .expect(204);
    await asJson(t.http.put('/osm/admin/v1/users/M1'), admin)
      .send({ remove_project_role_mappings: [{ project: 'P1' }] })
      .expect(204);
    const shown = await asJson(t.http.get('/osm/admin/v1/users/M1'), admin).expect(200);
    expect(
      shown.body.project_role_mappings.map(
        (m: { project_name: string; role_name: string }) => `${m.project_name}/${m.role_name}`,
      ),
    ).toEqual(['admin/project_user']);
    await asJson(t.http.patch('/osm/admin/v1/users/M1'), admin)
      .send({
        project_role_mappings: [{ project: 'P1', role: 'project_user' }],
        add_project_role_mappings: [{ project: 'P1', role: 'project_admin' }],
      })
      .expect(400);
  });

  it('renames users and projects addressed by name or id', async () => {
    const pid = await create('projects', { name: 'R1' });
    await asJson(t.http.put('/osm/admin/v1/projects/R1'), admin).send({ name: 'R2' }).expect(204);
    await asJson(t.http.get('/osm/admin/v1/projects/R2'), admin).expect(200);
    await asJson(t.http.put(`/osm/admin/v1/projects/${pid}`), admin)
      .send({ name: 'R3' })
      .expect(204);
    expect((await asJson(t.http.get('/osm/admin/v1/projects/R3'), admin).expect(200)).body._id).toBe(pid);
    const uid = await create('users', { username: 'N1', password: 'x' });
    await asJson(t.http.patch(`/osm/admin/v1/users/${uid}`), admin)
      .send({ username: 'N2' })
      .expect(204);
    expect((await asJson(t.http.get('/osm/admin/v1/users/N2'), admin).expect(200)).body._id).toBe(uid);
  });

  it('refuses duplicates (409), UUID-shaped names and wrong types (422), empty edits (422)', async () => {
    await asJson(t.http.post('/osm/admin/v1/projects'), admin).send({ name: 'P1' }).expect(409);
    await asJson(t.http.post('/osm/admin/v1/users'), admin).send({ username: 'U1', password: 'x' }).expect(409);
    await asJson(t.http.post('/osm/admin/v1/roles'), admin).send({ name: 'project_user' }).expect(409);
    await asJson(t.http.post('/osm/admin/v1/projects'), admin).send({ name: 1 }).expect(422);
    await asJson(t.http.post('/osm/admin/v1/projects'), admin).send({ name: '0b7e7c4a-3c8b-4d2f-9b9e-0a7f0a6b1c2d' }).expect(422);
    await asJson(t.http.patch('/osm/admin/v1/projects/P1'), admin).send({}).expect(422);
    await asJson(t.http.put('/osm/admin/v1/projects/P1'), admin).send({ name: 'Padmin' }).expect(409);
  });

  it('answers unknown ids and names with 404', async () => {
    await asJson(t.http.get('/osm/admin/v1/users/nobody'), admin).expect(404);
    await asJson(t.http.delete('/osm/admin/v1/projects/0b7e7c4a-3c8b-4d2f-9b9e-0a7f0a6b1c2d'), admin).expect(404);
    await asJson(t.http.patch('/osm/admin/v1/roles/nothing'), admin).send({ name: 'x' }).expect(404);
  });

  it('refuses to delete a project in use unless FORCE, and the own or admin project', async () => {
    await create('projects', { name: 'Busy' });
    await create('users', { username: 'B1', password: 'x', project_role_mappings: [{ project: 'Busy', role: 'project_user' }] });
    const conflict = await asJson(t.http.delete('/osm/admin/v1/projects/Busy'), admin).expect(409);
    expect(conflict.body.detail).toMatch(/used by user 'B1'/);
    await asJson(t.http.delete('/osm/admin/v1/projects/Busy?FORCE=True'), admin).expect(204);
    const b1 = await asJson(t.http.get('/osm/admin/v1/users/B1'), admin).expect(200);
    expect(b1.body.project_role_mappings).toEqual([]);
    await asJson(t.http.delete('/osm/admin/v1/projects/admin'), admin).expect(409);
  });

  it('refuses to delete the own user', async () => {
    await asJson(t.http.delete('/osm/admin/v1/users/admin'), admin).expect(409);
  });

  it('creates, edits and deletes roles; protects system roles and roles in use', async () => {
    const rid = await create('roles', { name: 'viewer', permissions: { default: false, 'vnfds:get': true } });
    await asJson(t.http.patch('/osm/admin/v1/roles/viewer'), admin)
      .send({ permissions: { 'vnfds:get': null, nsds: true } })
      .expect(204);
    const shown = await asJson(t.http.get(`/osm/admin/v1/roles/${rid}`), admin).expect(200);
    expect(shown.body.permissions).toEqual({ default: false, nsds: true });
    await asJson(t.http.post('/osm/admin/v1/roles'), admin)
      .send({ name: 'bad', permissions: { 'vnfds:': true } })
      .expect(422);
    await asJson(t.http.delete('/osm/admin/v1/roles/system_admin'), admin).expect(403);
    await asJson(t.http.patch('/osm/admin/v1/roles/project_admin'), admin).send({ name: 'x' }).expect(403);
    await create('users', { username: 'V1', password: 'x', project_role_mappings: [{ project: 'P1', role: 'viewer' }] });
    await asJson(t.http.delete('/osm/admin/v1/roles/viewer'), admin).expect(409);
    await asJson(t.http.delete('/osm/admin/v1/users/V1'), admin).expect(204);
    await asJson(t.http.delete('/osm/admin/v1/roles/viewer'), admin).expect(204);
  });

  it('grants exactly what a custom role allows', async () => {
    await create('roles', { name: 'user-reader', permissions: { default: false, 'users:get': true, 'users:id:get': true } });
    await create('users', { username: 'reader', password: 'x', project_role_mappings: [{ project: 'P1', role: 'user-reader' }] });
    const reader = await t.login('reader', 'x');
    const list = await asJson(t.http.get('/osm/admin/v1/users'), reader).expect(200);
    expect(list.body.length).toBeGreaterThan(1);
    await asJson(t.http.get('/osm/admin/v1/users/U1'), reader).expect(200);
    const denied = await asJson(t.http.patch('/osm/admin/v1/users/U1'), reader).send({ password: 'y' }).expect(401);
    expect(denied.body.detail).toBe('Access denied: lack of permissions.');
  });
});
