import { asJson, createTestDatabase, startTestApp } from '../utils/test-app';

describe('restart', () => {
  it('keeps users and projects, and does not seed twice', async () => {
    const db = await createTestDatabase();
    try {
      const first = await startTestApp(db);
      const admin = await first.login();
      await asJson(first.http.post('/osm/admin/v1/projects'), admin).send({ name: 'kept' }).expect(201);
      await asJson(first.http.post('/osm/admin/v1/users'), admin)
        .send({ username: 'keeper', password: 'pw', projects: ['kept'] })
        .expect(201);
      await first.close();

      const second = await startTestApp(db);
      try {
        const token = await second.login('keeper', 'pw');
        const me = await asJson(second.http.get('/osm/admin/v1/users/keeper'), token).expect(200);
        expect(me.body.projects).toEqual(['kept']);
        // the admin token issued before the restart is still valid
        const users = await asJson(second.http.get('/osm/admin/v1/users'), admin).expect(200);
        expect(users.body.map((u: { username: string }) => u.username).sort()).toEqual(['admin', 'keeper']);
        const roles = await asJson(second.http.get('/osm/admin/v1/roles?name=system_admin'), admin).expect(200);
        expect(roles.body).toHaveLength(1);
      } finally {
        await second.close();
      }
    } finally {
      await db.drop();
    }
  });
});
