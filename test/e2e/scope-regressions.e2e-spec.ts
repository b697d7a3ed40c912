import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DESCRIPTORS, emulatorId, onboardFolder, settledOp } from '../utils/lcm';
import { folderEntries, makeTarGz } from '../utils/packages';
import { asJson, TestApp, useTestApp } from '../utils/test-app';

const vnfdYaml = readFileSync(join(DESCRIPTORS, 'webserver_vnf', 'webserver_vnfd.yaml'), 'utf8');
const HOSTILE_KEYS = [
  '__proto__.public=1',
  '__proto__.setProject=x',
  '__proto__.toString=1',
  'constructor.prototype.x=1',
  '__proto__=1',
];

/** Regressions of the security review (issue 23, items 1, 5 and 6). */
describe('scope regressions', () => {
  let t: TestApp;
  let admin: string;
  let alice: string; // project_user of A
  let bob: string; // project_user of B
  let pkgOfA: string;
  let nsOfA: string;
  let opOfA: string;

  useTestApp(async (app, token) => {
    t = app;
    admin = token;
    for (const name of ['A', 'B']) await asJson(t.http.post('/osm/admin/v1/projects'), admin).send({ name }).expect(201);
    for (const [username, project] of [
      ['alice', 'A'],
      ['bob', 'B'],
    ])
      await asJson(t.http.post('/osm/admin/v1/users'), admin)
        .send({ username, password: 'pw-1234', project_role_mappings: [{ project, role: 'project_user' }] })
        .expect(201);
    alice = await t.login('alice', 'pw-1234');
    bob = await t.login('bob', 'pw-1234');
  });

  it('refuses query keys that reach Object.prototype on every kind of route, and stays healthy', async () => {
    const routes: [string, string][] = [
      ['post', '/osm/vnfpkgm/v1/vnf_packages_content'],
      ['patch', '/osm/vnfpkgm/v1/vnf_packages/x'],
      ['get', '/osm/vnfpkgm/v1/vnf_packages'],
      ['get', '/osm/nslcm/v1/ns_instances'],
      ['post', '/osm/admin/v1/tokens'],
      ['get', '/healthz'],
    ];
    for (const [method, path] of routes)
      for (const key of HOSTILE_KEYS) {
        const req = t.http[method as 'get'](`${path}?${key}`)
          .set('Accept', 'application/json')
          .set('Authorization', `Bearer ${alice}`);
        const res = await (method === 'get' ? req : req.set('Content-Type', 'text/plain').send(vnfdYaml));
        expect([path, key, res.status]).toEqual([path, key, 400]);
        expect(res.body).toMatchObject({ code: 'BAD_REQUEST', status: 400, detail: expect.stringContaining(key.split('=')[0]) });
      }
    expect(({} as Record<string, unknown>).public).toBeUndefined();
    expect(({} as Record<string, unknown>).setProject).toBeUndefined();
    expect(typeof {}.toString).toBe('function');
    await t.http.get('/healthz').expect(200);
    // a record created after the attempts is private to its project
    const after = await asJson(t.http.post('/osm/vnfpkgm/v1/vnf_packages_content'), alice)
      .set('Content-Type', 'text/plain')
      .send(vnfdYaml)
      .expect(201);
    pkgOfA = after.body.id;
    const shown = await asJson(t.http.get(`/osm/vnfpkgm/v1/vnf_packages/${pkgOfA}`), alice).expect(200);
    expect(shown.body._admin.projects_read).toEqual([shown.body._admin.projects_write[0]]);
    await asJson(t.http.get(`/osm/vnfpkgm/v1/vnf_packages/${pkgOfA}`), bob).expect(404);
  });

  it('refuses unsafe keys in an edit body (422 naming the path)', async () => {
    const res = await asJson(t.http.patch(`/osm/vnfpkgm/v1/vnf_packages/${pkgOfA}`), alice)
      .set('Content-Type', 'application/json')
      .send('{"userDefinedData": {"__proto__": {"public": true}}}')
      .expect(422);
    expect(res.body.detail).toContain('userDefinedData.__proto__');
    expect(({} as Record<string, unknown>).public).toBeUndefined();
  });

  it("does not let B share or replace A's PUBLIC package (SET_PROJECT needs write rights)", async () => {
    await asJson(t.http.delete(`/osm/vnfpkgm/v1/vnf_packages/${pkgOfA}`), alice).expect(204);
    const pub = await asJson(t.http.post('/osm/vnfpkgm/v1/vnf_packages_content?PUBLIC=true'), alice)
      .set('Content-Type', 'application/gzip')
      .send(await makeTarGz(folderEntries(join(DESCRIPTORS, 'webserver_vnf'), 'webserver_vnf')))
      .expect(201);
    await asJson(t.http.get(`/osm/vnfpkgm/v1/vnf_packages/${pub.body.id}`), bob).expect(200);
    await asJson(t.http.patch(`/osm/vnfpkgm/v1/vnf_packages/${pub.body.id}?SET_PROJECT`), bob).expect(404);
    await asJson(t.http.patch(`/osm/vnfpkgm/v1/vnf_packages/${pub.body.id}?SET_PROJECT=B`), bob).expect(404);
    await asJson(t.http.patch(`/osm/vnfpkgm/v1/vnf_packages/${pub.body.id}?SET_PROJECT=A`), bob).expect(401);
    await asJson(t.http.patch(`/osm/vnfpkgm/v1/vnf_packages/${pub.body.id}`), bob)
      .send({ userDefinedData: { mine: true } })
      .expect(404);
    await asJson(t.http.put(`/osm/vnfpkgm/v1/vnf_packages_content/${pub.body.id}`), bob)
      .set('Content-Type', 'text/plain')
      .send(vnfdYaml.replace(/webserver/g, 'evil'))
      .expect(404);
    await asJson(t.http.delete(`/osm/vnfpkgm/v1/vnf_packages/${pub.body.id}?PUBLIC=true`), bob).expect(401);
    const after = await asJson(t.http.get(`/osm/vnfpkgm/v1/vnf_packages/${pub.body.id}`), alice).expect(200);
    expect(after.body._admin.projects_write).toHaveLength(1);
    expect(after.body._admin.projects_read).toEqual([after.body._admin.projects_write[0], 'ANY']);
    expect(after.body._admin.userDefinedData).toEqual({});
    // sharing and editing at once is refused, as OSM does
    await asJson(t.http.patch(`/osm/vnfpkgm/v1/vnf_packages/${pub.body.id}?SET_PROJECT`), alice)
      .send({ userDefinedData: { x: 1 } })
      .expect(422);
  });

  it("does not let B operate A's PUBLIC NS instance or its operations", async () => {
    const nsd = await onboardFolder(t, alice, 'webserver_ns', 'ns');
    const emu = await emulatorId(t, admin);
    const ns = await asJson(t.http.post('/osm/nslcm/v1/ns_instances_content?PUBLIC=true'), alice)
      .send({ nsName: 'public-ns', nsdId: nsd, vimAccountId: emu })
      .expect(201);
    nsOfA = ns.body.id;
    opOfA = ns.body.nslcmop_id;
    expect((await settledOp(t, alice, opOfA)).operationState).toBe('COMPLETED');
    await asJson(t.http.get(`/osm/nslcm/v1/ns_instances/${nsOfA}`), bob).expect(200);
    const ns_ = `/osm/nslcm/v1/ns_instances/${nsOfA}`;
    await asJson(t.http.post(`${ns_}/terminate`), bob)
      .send({})
      .expect(404);
    await asJson(t.http.post(`${ns_}/instantiate`), bob)
      .send({ nsName: 'x', nsdId: nsd, vimAccountId: emu })
      .expect(404);
    await asJson(t.http.post(`${ns_}/action`), bob)
      .send({ member_vnf_index: '1', primitive: 'touch' })
      .expect(404);
    await asJson(t.http.post(`${ns_}/scale`), bob)
      .send({
        scaleType: 'SCALE_VNF',
        scaleVnfData: {
          scaleVnfType: 'SCALE_OUT',
          scaleByStepData: { 'scaling-group-descriptor': 'g', 'member-vnf-index': '1' },
        },
      })
      .expect(404);
    await asJson(t.http.delete(ns_), bob).expect(404);
    await asJson(t.http.delete(`${ns_}?PUBLIC=true`), bob).expect(401);
    await asJson(t.http.delete(`/osm/nslcm/v1/ns_instances_content/${nsOfA}?PUBLIC=true`), bob).expect(401);
    for (const verb of ['retry', 'rollback', 'fail'])
      await asJson(t.http.post(`/osm/nslcm/v1/ns_lcm_op_occs/${opOfA}/${verb}`), bob).expect(404);
    await asJson(t.http.post(`/osm/nslcm/v1/ns_lcm_op_occs/${opOfA}/cancel`), bob)
      .send({ cancelMode: 'FORCEFUL' })
      .expect(404);
    const still = await asJson(t.http.get(ns_), alice).expect(200);
    expect(still.body.nsState).toBe('READY');
    const ops = await asJson(t.http.get(`/osm/nslcm/v1/ns_lcm_op_occs?nsInstanceId=${nsOfA}`), alice).expect(200);
    expect(ops.body).toHaveLength(1);
  }, 120_000);
});
