import { asJson, createTestDatabase, startTestApp, TestApp, TestDatabase } from '../utils/test-app';

/**
 * A project_user of project B against project A's records, on every endpoint of the admin area:
 * what OSM lets everyone see (their own user, projects and roles) stays visible, the rest is 404
 * (not visible) or 401 (no permission), and nothing of A changes.
 */
describe('project scoping and RBAC', () => {
  let db: TestDatabase;
  let t: TestApp;
  let admin: string;
  let bob: string;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    db = await createTestDatabase();
    t = await startTestApp(db);
    admin = await t.login();
    const post = async (topic: string, body: object): Promise<string> =>
      (
        await asJson(t.http.post(`/osm/admin/v1/${topic}`), admin)
          .send(body)
          .expect(201)
      ).body.id;
    ids.projectA = await post('projects', { name: 'A' });
    ids.projectB = await post('projects', { name: 'B' });
    ids.roleA = await post('roles', { name: 'role-of-A', permissions: { default: true } });
    ids.alice = await post('users', {
      username: 'alice',
      password: 'pa',
      project_role_mappings: [{ project: 'A', role: 'role-of-A' }],
    });
    ids.bob = await post('users', {
      username: 'bob',
      password: 'pb',
      project_role_mappings: [{ project: 'B', role: 'project_user' }],
    });
    bob = await t.login('bob', 'pb');
  });
  afterAll(async () => {
    await t.close();
    await db.drop();
  });

  const as = (token: string, method: 'get' | 'post' | 'patch' | 'put' | 'delete', path: string) =>
    asJson(t.http[method](`/osm/admin/v1/${path}`), token);

  it('shows B only its own user, projects and roles', async () => {
    const users = await as(bob, 'get', 'users').expect(200);
    expect(users.body.map((u: { username: string }) => u.username)).toEqual(['bob']);
    const projects = await as(bob, 'get', 'projects').expect(200);
    expect(projects.body.map((p: { name: string }) => p.name)).toEqual(['B']);
    const roles = await as(bob, 'get', 'roles').expect(200);
    expect(roles.body.map((r: { name: string }) => r.name)).toEqual(['project_user']);
    await as(bob, 'get', 'users/bob').expect(200);
    await as(bob, 'get', `projects/${ids.projectB}`).expect(200);
  });

  it("hides A's project and role (404) and refuses A's user (401, as OSM)", async () => {
    await as(bob, 'get', 'users/alice').expect(401);
    await as(bob, 'get', `users/${ids.alice}`).expect(401);
    await as(bob, 'get', 'projects/A').expect(404);
    await as(bob, 'get', `roles/${ids.roleA}`).expect(404);
  });

  it("refuses every change to A's records (401, as OSM answers a missing permission)", async () => {
    const denied = await as(bob, 'patch', 'users/alice').send({ password: 'hacked' }).expect(401);
    expect(denied.body).toMatchObject({ code: 'UNAUTHORIZED', detail: 'Access denied: lack of permissions.' });
    await as(bob, 'put', `users/${ids.alice}`).send({ password: 'hacked' }).expect(401);
    await as(bob, 'delete', 'users/alice').expect(401);
    await as(bob, 'patch', 'projects/A').send({ name: 'mine' }).expect(401);
    await as(bob, 'put', 'projects/A').send({ name: 'mine' }).expect(401);
    await as(bob, 'delete', `projects/${ids.projectA}`).expect(401);
    await as(bob, 'patch', 'roles/role-of-A')
      .send({ permissions: { admin: true } })
      .expect(401);
    await as(bob, 'delete', 'roles/role-of-A').expect(401);
  });

  it('refuses creating users, projects and roles, and granting itself A', async () => {
    await as(bob, 'post', 'projects').send({ name: 'C' }).expect(401);
    await as(bob, 'post', 'roles').send({ name: 'mine' }).expect(401);
    await as(bob, 'post', 'users')
      .send({ username: 'eve', password: 'x', project_role_mappings: [{ project: 'A', role: 'project_admin' }] })
      .expect(401);
    await as(bob, 'patch', 'users/bob')
      .send({ add_project_role_mappings: [{ project: 'A', role: 'project_admin' }] })
      .expect(401);
    await as(bob, 'post', 'tokens').send({ project_id: 'A' }).expect(401);
  });

  it('refuses the admin query strings to non-admins', async () => {
    const admin_ = await as(bob, 'get', 'users?ADMIN').expect(401);
    expect(admin_.body.detail).toMatch(/admin query string|ADMIN/);
    await as(bob, 'get', `projects?ADMIN=${ids.projectA}`).expect(401);
    await as(bob, 'delete', 'users/alice?FORCE=True').expect(401);
  });

  it("keeps A's tokens out of B's sight and reach", async () => {
    const alice = await t.login('alice', 'pa');
    const aliceTokens = await asJson(t.http.get('/osm/admin/v1/tokens'), alice).expect(200);
    const aliceTokenId = aliceTokens.body[0].id;
    const bobTokens = await as(bob, 'get', 'tokens').expect(200);
    expect(bobTokens.body.every((tk: { username: string }) => tk.username === 'bob')).toBe(true);
    await as(bob, 'get', `tokens/${aliceTokenId}`).expect(401);
    await as(bob, 'delete', `tokens/${aliceTokenId}`).expect(404);
    await asJson(t.http.get('/osm/admin/v1/users/alice'), alice).expect(200);
  });

  it('left A untouched', async () => {
    const a = await as(admin, 'get', 'users/alice').expect(200);
    expect(a.body.project_role_mappings).toEqual([
      { project: ids.projectA, project_name: 'A', role: ids.roleA, role_name: 'role-of-A' },
    ]);
    await t.login('alice', 'pa');
    await as(admin, 'get', 'projects/A').expect(200);
    const role = await as(admin, 'get', 'roles/role-of-A').expect(200);
    expect(role.body.permissions).toEqual({ default: true });
  });

  it('lets a system admin act on other projects with ADMIN', async () => {
    const all = await as(admin, 'get', 'tokens?ADMIN').expect(200);
    expect(new Set(all.body.map((tk: { username: string }) => tk.username))).toEqual(new Set(['admin', 'bob', 'alice']));
  });
});
