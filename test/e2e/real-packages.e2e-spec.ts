import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { OperationRunner } from '../../src/lcm/operation-runner';
import { emulatorId, settledOp } from '../utils/lcm';
import { folderEntries, makeTarGz, TarEntry } from '../utils/packages';
import { asJson, createTestDatabase, startTestApp, TestApp, TestDatabase } from '../utils/test-app';

/**
 * What real OSM packages carry and our own examples never did: operator-framework charms whose hooks are
 * relative symbolic links, checksums.txt files that went stale, and Juju execution environments.
 */
const SIMULA = join(__dirname, '..', '..', '..', 'shared', 'corpus', 'osm-testing-simula');
const md5 = (s: string | Buffer): string => createHash('md5').update(s).digest('hex');

/** The corpus native-charm VNF (Juju EE `simple-ee`, day-1 and day-2 `touch`) with a charm laid out as real ones are. */
function nativeCharmPackage(extra: TarEntry[] = []): TarEntry[] {
  const top = 'native_charm_vnf';
  const charm = `${top}/charms/simple-native`;
  return [
    ...folderEntries(join(SIMULA, top), top),
    { name: `${charm}/metadata.yaml`, content: 'name: simple-native\nsummary: test charm\n' },
    { name: `${charm}/src/charm.py`, content: '# the charm (a data file here: never executed)\n' },
    { name: `${charm}/hooks/install`, type: 'symlink', linkname: '../src/charm.py' },
    { name: `${charm}/hooks/start`, type: 'symlink', linkname: 'install' },
    { name: `${charm}/lib/ops`, type: 'symlink', linkname: '../mod/operator/ops' },
    ...extra,
  ];
}

describe('real OSM packages: links, stale checksums, Juju execution environments', () => {
  let db: TestDatabase;
  let t: TestApp;
  let strict: TestApp;
  let admin: string;
  let strictAdmin: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    t = await startTestApp(db);
    strict = await startTestApp(db, { packageChecksums: 'strict' });
    admin = await t.login();
    strictAdmin = await strict.login();
  });
  afterAll(async () => {
    await strict.close();
    await t.close();
    await db.drop();
  });

  const upload = async (app: TestApp, token: string, entries: TarEntry[], status: number) => {
    const body = await makeTarGz(entries);
    return asJson(app.http.post('/osm/vnfpkgm/v1/vnf_packages_content'), token)
      .set('Content-Type', 'application/gzip')
      .send(body)
      .expect(status);
  };
  const stored = async (): Promise<string> =>
    JSON.stringify(await t.app.get(DataSource).query('SELECT id FROM catalog_items ORDER BY id'));

  it('accepts charm hooks linked inside the package (served as the file they point to) and reports links it does not follow', async () => {
    const res = await upload(t, admin, nativeCharmPackage(), 201);
    const record = (await asJson(t.http.get(`/osm/vnfpkgm/v1/vnf_packages/${res.body.id}`), admin).expect(200)).body;
    expect(record._admin.warnings).toEqual([
      "symbolic link 'native_charm_vnf/charms/simple-native/lib/ops' -> '../mod/operator/ops' not followed: its target is absent from the package",
    ]);
    for (const hook of ['install', 'start']) {
      const art = await t.http
        .get(`/osm/vnfpkgm/v1/vnf_packages/${res.body.id}/artifacts/charms/simple-native/hooks/${hook}`)
        .set('Authorization', `Bearer ${admin}`)
        .expect(200);
      expect(Buffer.from(art.body ?? art.text).toString()).toContain('the charm');
    }
    await asJson(t.http.delete(`/osm/vnfpkgm/v1/vnf_packages/${res.body.id}`), admin).expect(204);
  });

  it.each([
    ['leaving the package', '../../../../etc/passwd', /leaves the package/],
    ['absolute', '/etc/shadow', /absolute path/],
    ['in a loop', 'loop-b', /loop/],
  ])('refuses a symbolic link %s, storing nothing', async (_what, linkname, detail) => {
    const before = await stored();
    const loop: TarEntry[] = [{ name: 'native_charm_vnf/loop-b', type: 'symlink', linkname: 'bad' }];
    const res = await upload(
      t,
      admin,
      nativeCharmPackage([{ name: 'native_charm_vnf/bad', type: 'symlink', linkname }, ...(linkname === 'loop-b' ? loop : [])]),
      422,
    );
    expect(res.body.detail).toMatch(detail);
    expect(await stored()).toBe(before);
  });

  it('still refuses hard links and a charm the descriptor names but the package lacks', async () => {
    const hard = await upload(t, admin, nativeCharmPackage([{ name: 'native_charm_vnf/h', type: 'link', linkname: 'x' }]), 422);
    expect(hard.body.detail).toMatch(/hard link/);
    const noCharm = nativeCharmPackage().filter((e) => !e.name.includes('/charms/'));
    const res = await upload(t, admin, noCharm, 422);
    expect(res.body.detail).toMatch(/simple-native/);
  });

  it('accepts a stale checksums.txt with warnings by default, and refuses it with MANO_PACKAGE_CHECKSUMS=strict', async () => {
    const vnfd = readFileSync(join(SIMULA, 'native_charm_vnf', 'native_charm_vnfd.yaml'));
    const sums = [
      `${md5('an older version of the file')}\tnative_charm_vnf/native_charm_vnfd.yaml`,
      `${md5('x')}\tnative_charm_vnf/icons/gone.png`,
      `${md5(vnfd)}\tnative_charm_vnf/native_charm_vnfd.yaml.bak`,
    ].join('\n');
    const entries = nativeCharmPackage([{ name: 'native_charm_vnf/checksums.txt', content: sums }]);
    const before = await stored();
    const refused = await upload(strict, strictAdmin, entries, 422);
    expect(refused.body.reason).toBe('PACKAGE.CHECKSUM_MISMATCH');
    expect(refused.body.detail).toMatch(/checksum mismatch for 'native_charm_vnf\/native_charm_vnfd.yaml'/);
    expect(refused.body.detail).toMatch(/icons\/gone.png', which is not in the package/);
    expect(await stored()).toBe(before);

    const res = await upload(t, admin, entries, 201);
    const record = (await asJson(t.http.get(`/osm/vnfpkgm/v1/vnf_packages/${res.body.id}`), admin).expect(200)).body;
    expect(record._admin.warnings).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/checksum mismatch for 'native_charm_vnf\/native_charm_vnfd.yaml'/),
        expect.stringMatching(/icons\/gone.png', which is not in the package/),
      ]),
    );
    await asJson(t.http.delete(`/osm/vnfpkgm/v1/vnf_packages/${res.body.id}`), admin).expect(204);
  });

  describe('Juju execution environments', () => {
    let nsdId: string;
    let vim: string;
    beforeAll(async () => {
      await upload(t, admin, nativeCharmPackage(), 201);
      const nsd = await asJson(t.http.post('/osm/nsd/v1/ns_descriptors_content'), admin)
        .set('Content-Type', 'text/plain')
        .send(readFileSync(join(SIMULA, 'native_charm_ns', 'native_charm_nsd.yaml')))
        .expect(201);
      nsdId = nsd.body.id;
      vim = await emulatorId(t, admin);
    });

    const computes = async (): Promise<number> =>
      ((await asJson(t.http.get(`/mano/v1/emulator/${vim}/inventory`), admin).expect(200)).body.computes as unknown[]).length;

    it('refuses to instantiate a VNF whose day-1 needs Juju, naming the VNF and the environment, creating nothing', async () => {
      const before = await computes();
      const res = await asJson(t.http.post('/osm/nslcm/v1/ns_instances_content'), admin)
        .send({ nsName: 'charmed', nsdId, vimAccountId: vim })
        .expect(422);
      expect(res.body.detail).toMatch(/VNF vnf1: day-1 primitive 'touch' needs juju execution environment 'simple-ee'/);
      expect(res.body.detail).toMatch(/skip-day1/);
      expect(res.body.errors.map((e: { path: string }) => e.path)).toEqual(['vnf[vnf1]', 'vnf[vnf2]']);
      expect(await computes()).toBe(before);
      expect((await asJson(t.http.get('/osm/nslcm/v1/ns_instances'), admin).expect(200)).body).toEqual([]);
    });

    it('instantiates with skip-day1 for every VNF (said in the configuration status), and refuses the Juju day-2 primitive', async () => {
      const skip = { 'skip-day1': true };
      const res = await asJson(t.http.post('/osm/nslcm/v1/ns_instances_content'), admin)
        .send({
          nsName: 'charmed-skip',
          nsdId,
          vimAccountId: vim,
          additionalParamsForVnf: [
            { 'member-vnf-index': 'vnf1', additionalParams: skip },
            { 'member-vnf-index': 'vnf2', additionalParams: skip },
          ],
        })
        .expect(201);
      expect((await settledOp(t, admin, res.body.nslcmop_id)).operationState).toBe('COMPLETED');
      const ns = (await asJson(t.http.get(`/osm/nslcm/v1/ns_instances/${res.body.id}`), admin).expect(200)).body;
      expect(ns.configurationStatus).toEqual([
        expect.objectContaining({ primitive: 'touch', 'member-vnf-index': 'vnf1', status: 'skipped' }),
        expect.objectContaining({ primitive: 'touch', 'member-vnf-index': 'vnf2', status: 'skipped' }),
      ]);
      const action = await asJson(t.http.post(`/osm/nslcm/v1/ns_instances/${res.body.id}/action`), admin)
        .send({ member_vnf_index: 'vnf1', vdu_id: 'mgmtVM', primitive: 'touch', primitive_params: { filename: '/tmp/x' } })
        .expect(422);
      expect(action.body.detail).toMatch(/VNF vnf1 uses juju execution environment 'simple-ee': juju is not available here/);
      await asJson(t.http.delete(`/osm/nslcm/v1/ns_instances_content/${res.body.id}`), admin).expect(202);
      await t.app.get(OperationRunner).idle();
      await asJson(t.http.get(`/osm/nslcm/v1/ns_instances/${res.body.id}`), admin).expect(404);
      expect(await computes()).toBe(0);
    });
  });
});
