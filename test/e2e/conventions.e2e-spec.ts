import { parse } from 'yaml';
import { asJson, TestApp, useTestApp } from '../utils/test-app';

/** OSM's northbound conventions: formats, errors, status codes, filters, overrides. */
describe('OSM northbound conventions', () => {
  let t: TestApp;
  let admin: string;

  useTestApp(
    (app, token) => {
      t = app;
      admin = token;
    },
    { maxJsonBodyBytes: 64 * 1024 },
  );

  it('answers /osm/version, /healthz and /readyz without a token', async () => {
    const version = await asJson(t.http.get('/osm/version')).expect(200);
    expect(version.body).toEqual({ version: expect.any(String), date: expect.any(String) });
    await t.http.get('/healthz').expect(200);
    const ready = await asJson(t.http.get('/readyz')).expect(200);
    expect(ready.body.status).toBe('ready');
  });

  it('answers YAML without Accept and JSON with Accept: application/json', async () => {
    const yaml = await t.http.get('/osm/admin/v1/users').set('Authorization', `Bearer ${admin}`).expect(200);
    expect(yaml.headers['content-type']).toMatch(/^application\/yaml/);
    expect(yaml.text.startsWith('---\n')).toBe(true);
    expect(parse(yaml.text)[0].username).toBe('admin');

    const json = await asJson(t.http.get('/osm/admin/v1/users'), admin).expect(200);
    expect(json.headers['content-type']).toContain('application/json');
    expect(json.body[0].username).toBe('admin');
  });

  it('prefers YAML when Accept names */* even beside JSON, as OSM does', async () => {
    const res = await t.http
      .get('/osm/admin/v1/users')
      .set('Authorization', `Bearer ${admin}`)
      .set('Accept', 'application/json, */*')
      .expect(200);
    expect(res.headers['content-type']).toMatch(/^application\/yaml/);
  });

  it('answers a missing token with 401 and OSM error body, in JSON when asked', async () => {
    const res = await asJson(t.http.get('/osm/admin/v1/users')).expect(401);
    expect(res.body).toMatchObject({ code: 'UNAUTHORIZED', status: 401, detail: expect.stringContaining('token') });
    expect(res.body.correlationId).toEqual(res.headers['x-correlation-id']);
    expect(res.headers['www-authenticate']).toBe('Bearer');
  });

  it('answers an invalid token with 401', async () => {
    const res = await asJson(t.http.get('/osm/admin/v1/projects'), 'not-a-token').expect(401);
    expect(res.body.detail).toMatch(/Invalid token/);
  });

  it('renders errors as JSON when Accept names neither JSON nor YAML, and as YAML when asked', async () => {
    const html = await t.http.get('/osm/admin/v1/users').set('Accept', 'text/html').expect(401);
    expect(html.headers['content-type']).toContain('application/json');
    const yaml = await t.http.get('/osm/admin/v1/users').set('Accept', 'application/yaml').expect(401);
    expect(parse(yaml.text)).toMatchObject({ code: 'UNAUTHORIZED', status: 401 });
  });

  it('answers unknown topics, versions and methods with 405 before checking the token', async () => {
    const topic = await t.http.post('/osm/admin/v1/nonexist').set('Accept', 'application/yaml').expect(405);
    expect(topic.headers['content-type']).toMatch(/^application\/yaml/);
    expect(parse(topic.text)).toMatchObject({ code: 'METHOD_NOT_ALLOWED', status: 405 });
    await asJson(t.http.delete('/osm/admin/v2/users')).expect(405);
    await asJson(t.http.put('/osm/admin/v1/users'), admin).expect(405);
  });

  it('answers malformed JSON with 400 naming the problem', async () => {
    const res = await asJson(t.http.post('/osm/admin/v1/projects'), admin)
      .set('Content-Type', 'application/json')
      .send('{"name": "x",')
      .expect(400);
    expect(res.body).toMatchObject({ code: 'BAD_REQUEST', status: 400 });
    expect(res.body.detail).toMatch(/JSON/);
  });

  // without any Content-Type (supertest always sends one): test/e2e/http-hardening.e2e-spec.ts
  it('parses application/yaml bodies, and answers malformed YAML with 400', async () => {
    const ok = await asJson(t.http.post('/osm/admin/v1/projects'), admin)
      .set('Content-Type', 'application/yaml')
      .send('name: yaml-project\n')
      .expect(201);
    expect(ok.body.id).toBeDefined();
    const bad = await asJson(t.http.post('/osm/admin/v1/projects'), admin)
      .set('Content-Type', 'application/yaml')
      .send('name: [unclosed')
      .expect(400);
    expect(bad.body.detail).toMatch(/YAML/);
  });

  it('answers a user body without password with 422 naming the field', async () => {
    const res = await asJson(t.http.post('/osm/admin/v1/users'), admin).send({ username: 'nopass' }).expect(422);
    expect(res.body).toMatchObject({ code: 'UNPROCESSABLE_ENTITY', status: 422 });
    expect(res.body.detail).toContain("'password'");
    expect(res.body.errors).toEqual([{ path: 'password', message: 'is required' }]);
  });

  it('lists every schema problem with its path', async () => {
    const res = await asJson(t.http.post('/osm/admin/v1/users'), admin)
      .send({ username: 'u', password: 'p', project_role_mappings: [{ project: 'admin' }], colour: 'blue' })
      .expect(422);
    const paths = (res.body.errors as { path: string }[]).map((e) => e.path).sort();
    expect(paths).toEqual(['colour', 'project_role_mappings[0].role']);
  });

  it('answers an oversized body with 413', async () => {
    const res = await asJson(t.http.post('/osm/admin/v1/projects'), admin)
      .set('Content-Type', 'application/json')
      .send(JSON.stringify({ name: 'x'.repeat(70 * 1024) }))
      .expect(413);
    expect(res.body.code).toBe('REQUEST_ENTITY_TOO_LARGE');
  });

  it('sets Location on creation and gives records _id, id and _admin', async () => {
    const res = await asJson(t.http.post('/osm/admin/v1/projects'), admin).send({ name: 'located' }).expect(201);
    expect(res.headers.location).toBe(`/osm/admin/v1/projects/${res.body.id}`);
    expect(res.body._id).toBe(res.body.id);
    const record = await asJson(t.http.get(res.headers.location), admin).expect(200);
    expect(record.body).toMatchObject({
      _id: res.body.id,
      id: res.body.id,
      name: 'located',
      _admin: {
        created: expect.any(Number),
        modified: expect.any(Number),
        projects_read: [res.body.id],
        projects_write: [res.body.id],
      },
    });
  });

  it('honours ?METHOD= as the HTTP verb', async () => {
    const created = await asJson(t.http.post('/osm/admin/v1/projects'), admin).send({ name: 'via-override' }).expect(201);
    await asJson(t.http.post(`/osm/admin/v1/projects/${created.body.id}?METHOD=DELETE`), admin).expect(204);
    await asJson(t.http.get(`/osm/admin/v1/projects/${created.body.id}`), admin).expect(404);
  });

  it('filters lists by field, dotted path, operator and comma list', async () => {
    for (const name of ['filt-a', 'filt-b', 'filt-c']) {
      await asJson(t.http.post('/osm/admin/v1/projects'), admin)
        .send({ name, quotas: { vnfds: name === 'filt-a' ? 1 : 5 } })
        .expect(201);
    }
    const names = async (query: string): Promise<string[]> =>
      (await asJson(t.http.get(`/osm/admin/v1/projects?${query}`), admin).expect(200)).body
        .map((p: { name: string }) => p.name)
        .sort();
    expect(await names('name=filt-a')).toEqual(['filt-a']);
    expect(await names('name=filt-a,filt-c')).toEqual(['filt-a', 'filt-c']);
    expect(await names('quotas.vnfds.gt=2')).toEqual(['filt-b', 'filt-c']);
    expect(await names('quotas.vnfds.lte=1')).toEqual(['filt-a']);
    expect(await names('name.cont=filt-&name.neq=filt-b')).toEqual(['filt-a', 'filt-c']);
    expect(await names('admin=true')).toEqual(['admin']);
    const users = await asJson(t.http.get('/osm/admin/v1/users?project_role_mappings.ANYINDEX.role_name=system_admin'), admin);
    expect(users.body.map((u: { username: string }) => u.username)).toEqual(['admin']);
  });

  it('rejects a non-numeric value for a numeric filter operator with 400', async () => {
    await asJson(t.http.get('/osm/admin/v1/projects?quotas.vnfds.gt=many'), admin).expect(400);
  });
});
