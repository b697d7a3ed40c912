import { firstEscalation } from '../../src/auth/permissions';
import { asJson, TestApp, useTestApp } from '../utils/test-app';

/** An account_manager manages users, projects and roles, but cannot change system roles nor raise itself. */
describe('account_manager limits', () => {
  let t: TestApp;
  let admin: string;
  let am: string;

  useTestApp(async (app, token) => {
    t = app;
    admin = token;
    await asJson(t.http.post('/osm/admin/v1/projects'), admin).send({ name: 'edge' }).expect(201);
    for (const [username, role] of [
      ['am', 'account_manager'],
      ['bob', 'project_user'],
    ]) {
      await asJson(t.http.post('/osm/admin/v1/users'), admin)
        .send({ username, password: `${username}-Pass-1`, project_role_mappings: [{ project: 'admin', role }] })
        .expect(201);
    }
    am = await t.login('am', 'am-Pass-1');
  });

  it('cannot edit, rename or delete system roles; a system admin can', async () => {
    for (const role of ['system_admin', 'project_admin', 'account_manager', 'project_user']) {
      const res = await asJson(t.http.patch(`/osm/admin/v1/roles/${role}`), am)
        .send({ permissions: { vnfds: true } })
        .expect(403);
      expect(res.body).toMatchObject({ code: 'FORBIDDEN', reason: 'ROLE.PROTECTED' });
    }
    await asJson(t.http.patch('/osm/admin/v1/roles/project_user'), am).send({ name: 'renamed' }).expect(403);
    await asJson(t.http.delete('/osm/admin/v1/roles/project_user'), am).expect(403);
    const before = await asJson(t.http.get('/osm/admin/v1/roles/account_manager'), admin).expect(200);
    expect(before.body.permissions.admin).toBe(false);
    await asJson(t.http.patch('/osm/admin/v1/roles/project_user'), admin)
      .send({ permissions: { pduds: true } })
      .expect(204);
  });

  it('cannot create or edit a role that grants admin powers', async () => {
    for (const permissions of [{ admin: true }, { 'admin:get': true }, { default: true }]) {
      const res = await asJson(t.http.post('/osm/admin/v1/roles'), am).send({ name: 'sneaky', permissions }).expect(403);
      expect(res.body.reason).toBe('ROLE.ESCALATION');
    }
    await asJson(t.http.post('/osm/admin/v1/roles'), am)
      .send({ name: 'operator', permissions: { default: false, vnfds: true } })
      .expect(201);
    await asJson(t.http.patch('/osm/admin/v1/roles/operator'), am)
      .send({ permissions: { admin: true } })
      .expect(403);
  });

  it('cannot give itself a role beyond its own, nor anyone a role with admin powers', async () => {
    const toSelf = await asJson(t.http.patch('/osm/admin/v1/users/am'), am)
      .send({ add_project_role_mappings: [{ project: 'admin', role: 'system_admin' }] })
      .expect(403);
    expect(toSelf.body.reason).toBe('USER.ROLE_ESCALATION');
    await asJson(t.http.patch('/osm/admin/v1/users/am'), am)
      .send({ add_project_role_mappings: [{ project: 'edge', role: 'operator' }] })
      .expect(403);
    await asJson(t.http.patch('/osm/admin/v1/users/am'), am)
      .send({ project_role_mappings: [{ project: 'admin', role: 'project_admin' }] })
      .expect(403);
    await asJson(t.http.patch('/osm/admin/v1/users/bob'), am)
      .send({ add_project_role_mappings: [{ project: 'admin', role: 'system_admin' }] })
      .expect(403);
    await asJson(t.http.post('/osm/admin/v1/users'), am)
      .send({ username: 'root2', password: 'Pw-1', project_role_mappings: [{ project: 'admin', role: 'system_admin' }] })
      .expect(403);
    await asJson(t.http.get('/osm/admin/v1/users/root2'), admin).expect(404);
    // managing other users' project roles is its job
    await asJson(t.http.patch('/osm/admin/v1/users/bob'), am)
      .send({ add_project_role_mappings: [{ project: 'edge', role: 'project_admin' }] })
      .expect(204);
    const me = await asJson(t.http.get('/osm/admin/v1/users/am'), admin).expect(200);
    expect(me.body.project_role_mappings.map((m: { role_name: string }) => m.role_name)).toEqual(['account_manager']);
  });

  it('cannot widen a role it holds', async () => {
    await asJson(t.http.post('/osm/admin/v1/roles'), am)
      .send({ name: 'helpdesk', permissions: { users: true } })
      .expect(201);
    // within its own permissions: allowed
    await asJson(t.http.patch('/osm/admin/v1/users/am'), am)
      .send({ add_project_role_mappings: [{ project: 'edge', role: 'helpdesk' }] })
      .expect(204);
    const res = await asJson(t.http.patch('/osm/admin/v1/roles/helpdesk'), am)
      .send({ permissions: { ns_instances: true } })
      .expect(403);
    expect(res.body.detail).toContain("'ns_instances'");
    await asJson(t.http.patch('/osm/admin/v1/roles/helpdesk'), am)
      .send({ permissions: { tokens: true } })
      .expect(204);
  });
});

describe('firstEscalation', () => {
  const accountManager = { default: false, admin: false, force: true, tokens: true, users: true, projects: true, roles: true };
  it('finds what a candidate grants beyond the held roles', () => {
    expect(firstEscalation({ users: true }, [accountManager])).toBeUndefined();
    expect(firstEscalation({ 'users:get': true }, [accountManager])).toBeUndefined();
    expect(firstEscalation({ vnfds: true }, [accountManager])).toBe('vnfds');
    expect(firstEscalation({ default: true }, [accountManager])).toBe('default');
    // the holder is denied a sub-operation the candidate would allow
    expect(firstEscalation({ users: true }, [{ users: true, 'users:id:delete': false }])).toBe('users');
    expect(
      firstEscalation({ users: true, 'users:id:delete': false }, [{ users: true, 'users:id:delete': false }]),
    ).toBeUndefined();
    expect(firstEscalation({ default: true, admin: false }, [{ default: true, admin: true }])).toBeUndefined();
  });
});
