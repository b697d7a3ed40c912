import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { parse } from 'yaml';
import { folderEntries, makeTarGz } from '../utils/packages';
import { asJson, TestApp, useTestApp } from '../utils/test-app';

const CORPUS = join(__dirname, '..', '..', '..', 'shared', 'corpus');
const MULTIVDU = join(CORPUS, 'osm-multivdu-gatici');
const vnfdYaml = readFileSync(join(MULTIVDU, 'hackfest_multivdu_vnf', 'hackfest_multivdu_vnfd.yaml'), 'utf8');
const nsdYaml = readFileSync(join(MULTIVDU, 'hackfest_multivdu_ns', 'hackfest_multivdu_nsd.yaml'), 'utf8');

/** The multivdu VNF package as OSM builds it; the corpus lacks its icon, so checksums.txt loses that line. */
async function multivduPackage(): Promise<Buffer> {
  const entries = folderEntries(join(MULTIVDU, 'hackfest_multivdu_vnf'), 'hackfest_multivdu_vnf').map((e) =>
    e.name.endsWith('checksums.txt')
      ? {
          ...e,
          content: String(e.content)
            .split('\n')
            .filter((l) => !l.includes('icons/'))
            .join('\n'),
        }
      : e,
  );
  return makeTarGz(entries);
}

describe('catalog: VNF packages, NS descriptors, slice templates, PDUs', () => {
  let t: TestApp;
  let admin: string;

  useTestApp(
    (app, token) => {
      t = app;
      admin = token;
    },
    { packageMaxFiles: 500, packageMaxUnpackedBytes: 4 * 1024 * 1024 },
  );

  const upload = (path: string, body: Buffer | string, type: string, token = admin) =>
    asJson(t.http.post(path), token).set('Content-Type', type).send(body);
  const count = async (): Promise<number> =>
    Number((await t.app.get(DataSource).query('SELECT COUNT(*) AS n FROM catalog_items'))[0].n);

  let uploaded: Buffer;

  it('onboards the multivdu VNF package (tar.gz) and its NSD (bare YAML) in one step', async () => {
    const pkg = await multivduPackage();
    uploaded = pkg;
    const vnf = await upload('/osm/vnfpkgm/v1/vnf_packages_content', pkg, 'application/gzip')
      .set('Content-File-MD5', createHash('md5').update(pkg).digest('hex'))
      .set('Content-Filename', 'hackfest_multivdu_vnf.tar.gz')
      .expect(201);
    expect(vnf.headers.location).toBe(`/osm/vnfpkgm/v1/vnf_packages_content/${vnf.body.id}`);
    const ns = await upload('/osm/nsd/v1/ns_descriptors_content', nsdYaml, 'text/plain').expect(201);

    const shown = await asJson(t.http.get(`/osm/vnfpkgm/v1/vnf_packages/${vnf.body.id}`), admin).expect(200);
    expect(shown.body).toMatchObject({
      _id: vnf.body.id,
      id: 'hackfest_multivdu-vnf',
      'product-name': 'hackfest_multivdu-vnf',
      onboardingState: 'ONBOARDED',
      operationalState: 'ENABLED',
      usageState: 'IN_USE',
      _admin: {
        revision: 1,
        storage: {
          'pkg-dir': 'hackfest_multivdu_vnf',
          descriptor: 'hackfest_multivdu_vnfd.yaml',
          zipfile: 'hackfest_multivdu_vnf.tar.gz',
        },
      },
      _links: { self: { href: `/vnfpkgm/v1/vnf_packages/${vnf.body.id}` } },
    });
    const nsd = await asJson(t.http.get(`/osm/nsd/v1/ns_descriptors/hackfest_multivdu-ns`), admin).expect(200);
    expect(nsd.body).toMatchObject({
      _id: ns.body.id,
      nsdOnboardingState: 'ONBOARDED',
      nsdUsageState: 'NOT_IN_USE',
      'vnfd-id': ['hackfest_multivdu-vnf'],
    });
    // addressable by descriptor id too
    await asJson(t.http.get('/osm/vnfpkgm/v1/vnf_packages_content/hackfest_multivdu-vnf'), admin).expect(200);
  });

  it('serves the descriptor text, the package as uploaded and its artifacts', async () => {
    const text = await t.http
      .get('/osm/vnfpkgm/v1/vnf_packages/hackfest_multivdu-vnf/vnfd')
      .set('Authorization', `Bearer ${admin}`)
      .expect(200);
    expect(text.headers['content-type']).toContain('text/plain');
    expect(text.text).toBe(vnfdYaml);
    const content = await t.http
      .get('/osm/vnfpkgm/v1/vnf_packages/hackfest_multivdu-vnf/package_content')
      .set('Authorization', `Bearer ${admin}`)
      .buffer(true)
      .parse((res, cb) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => cb(null, Buffer.concat(chunks)));
      })
      .expect(200);
    expect(content.headers['content-type']).toContain('application/gzip');
    expect((content.body as Buffer).equals(uploaded)).toBe(true);
    const listing = await asJson(t.http.get('/osm/vnfpkgm/v1/vnf_packages/hackfest_multivdu-vnf/artifacts'), admin).expect(200);
    expect(listing.body).toEqual(expect.arrayContaining(['checksums.txt', 'hackfest_multivdu_vnfd.yaml']));
    const file = await t.http
      .get('/osm/vnfpkgm/v1/vnf_packages/hackfest_multivdu-vnf/artifacts/hackfest_multivdu_vnfd.yaml')
      .set('Authorization', `Bearer ${admin}`)
      .expect(200);
    expect(Buffer.from(file.body).toString()).toBe(vnfdYaml);
    await asJson(t.http.get('/osm/vnfpkgm/v1/vnf_packages/hackfest_multivdu-vnf/artifacts/nope.txt'), admin).expect(404);
  });

  it('onboards in two steps (SOL005), and a new content upload raises the revision', async () => {
    const created = await asJson(t.http.post('/osm/vnfpkgm/v1/vnf_packages'), admin)
      .send({ userDefinedData: { team: 'edge' } })
      .expect(201);
    const before = await asJson(t.http.get(`/osm/vnfpkgm/v1/vnf_packages/${created.body.id}`), admin).expect(200);
    expect(before.body).toMatchObject({
      onboardingState: 'CREATED',
      operationalState: 'DISABLED',
      _admin: { userDefinedData: { team: 'edge' }, revision: 0 },
    });
    const yaml = vnfdYaml.replace(/hackfest_multivdu-vnf/g, 'two-step-vnf');
    await t.http
      .put(`/osm/vnfpkgm/v1/vnf_packages/${created.body.id}/package_content`)
      .set('Authorization', `Bearer ${admin}`)
      .set('Content-Type', 'text/plain')
      .send(yaml)
      .expect(204);
    await t.http
      .put(`/osm/vnfpkgm/v1/vnf_packages/${created.body.id}/package_content`)
      .set('Authorization', `Bearer ${admin}`)
      .set('Content-Type', 'text/plain')
      .send(yaml.replace('A VNF consisting', 'Still a VNF consisting'))
      .expect(204);
    const after = await asJson(t.http.get(`/osm/vnfpkgm/v1/vnf_packages/${created.body.id}`), admin).expect(200);
    expect(after.body).toMatchObject({
      id: 'two-step-vnf',
      onboardingState: 'ONBOARDED',
      _admin: { revision: 2, userDefinedData: { team: 'edge' } },
    });
    expect(after.body.description).toMatch(/^Still/);
    await asJson(t.http.patch(`/osm/vnfpkgm/v1/vnf_packages/${created.body.id}`), admin)
      .send({ userDefinedData: { owner: 'ops' } })
      .expect(204);
    const patched = await asJson(t.http.get(`/osm/vnfpkgm/v1/vnf_packages/${created.body.id}`), admin).expect(200);
    expect(patched.body._admin.userDefinedData).toEqual({ team: 'edge', owner: 'ops' });
  });

  it('takes a parsed YAML/JSON descriptor and query-string overrides (?id=)', async () => {
    const doc = parse(vnfdYaml);
    const res = await asJson(t.http.post('/osm/vnfpkgm/v1/vnf_packages_content?id=renamed-vnf&product-name=renamed'), admin)
      .send(doc)
      .expect(201);
    const shown = await asJson(t.http.get(`/osm/vnfpkgm/v1/vnf_packages/${res.body.id}`), admin).expect(200);
    expect(shown.body).toMatchObject({ id: 'renamed-vnf', 'product-name': 'renamed' });
  });

  it('answers a duplicate descriptor id with 409, an MD5 mismatch with 409', async () => {
    const dup = await upload('/osm/vnfpkgm/v1/vnf_packages_content', vnfdYaml, 'text/plain').expect(409);
    expect(dup.body.detail).toMatch(/already exists/);
    const md5 = await upload('/osm/vnfpkgm/v1/vnf_packages_content?id=x-md5', vnfdYaml, 'text/plain')
      .set('Content-File-MD5', '0'.repeat(32))
      .expect(409);
    expect(md5.body.detail).toBe('Error, MD5 mismatch');
  });

  it('rejects a misspelled field with its path (422), and FORCE skips validation', async () => {
    const bad = vnfdYaml
      .replace('product-name: hackfest_multivdu-vnf', 'product-nmae: hackfest_multivdu-vnf')
      .replace(/hackfest_multivdu-vnf/g, 'typo-vnf');
    const before = await count();
    const res = await upload('/osm/vnfpkgm/v1/vnf_packages_content', bad, 'text/plain').expect(422);
    expect(res.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ path: 'vnfd.product-nmae' })]));
    expect(res.body.detail).toContain('vnfd.product-nmae');
    expect(await count()).toBe(before);
    await upload('/osm/vnfpkgm/v1/vnf_packages_content?FORCE=true', bad, 'text/plain').expect(201);
  });

  it('lists every broken reference with its path, and stores nothing', async () => {
    const doc = parse(vnfdYaml);
    const v = doc.vnfd;
    v.id = 'broken-vnf';
    v['mgmt-cp'] = 'nope-ext';
    v.vdu[1]['int-cpd'][0]['int-virtual-link-desc'] = 'data';
    v.vdu[0]['virtual-compute-desc'] = 'missing-compute';
    v.vdu[0]['cloud-init-file'] = 'cloud-config.txt';
    const before = await count();
    const res = await asJson(t.http.post('/osm/vnfpkgm/v1/vnf_packages_content'), admin).send(doc).expect(422);
    const paths = (res.body.errors as { path: string }[]).map((e) => e.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'vnfd.mgmt-cp',
        'vnfd.vdu[1].int-cpd[0].int-virtual-link-desc',
        'vnfd.vdu[0].virtual-compute-desc',
      ]),
    );
    expect(res.body.detail).toContain("vnfd.vdu[1].int-cpd[0].int-virtual-link-desc: 'data' is not an int-virtual-link-desc id");
    expect(await count()).toBe(before);

    const nsd = parse(nsdYaml);
    nsd.nsd.nsd[0].id = 'broken-ns';
    nsd.nsd.nsd[0]['vnfd-id'] = ['not-onboarded'];
    nsd.nsd.nsd[0].df[0]['vnf-profile'][0]['virtual-link-connectivity'][0]['virtual-link-profile-id'] = 'ghostnet';
    const nsRes = await asJson(t.http.post('/osm/nsd/v1/ns_descriptors_content'), admin).send(nsd).expect(422);
    expect((nsRes.body.errors as { path: string }[]).map((e) => e.path)).toEqual(
      expect.arrayContaining([
        'nsd.vnfd-id[0]',
        'nsd.df[0].vnf-profile[0].vnfd-id',
        'nsd.df[0].vnf-profile[0].virtual-link-connectivity[0].virtual-link-profile-id',
      ]),
    );
  });

  it('refuses to delete a VNF package an NSD uses (409) unless FORCE, and NSD then VNFD deletes work', async () => {
    const conflict = await asJson(t.http.delete('/osm/vnfpkgm/v1/vnf_packages/hackfest_multivdu-vnf'), admin).expect(409);
    expect(conflict.body.detail).toMatch(/NSD/);
    await asJson(t.http.delete('/osm/nsd/v1/ns_descriptors/hackfest_multivdu-ns'), admin).expect(204);
    await asJson(t.http.delete('/osm/vnfpkgm/v1/vnf_packages/hackfest_multivdu-vnf'), admin).expect(204);
    await asJson(t.http.get('/osm/vnfpkgm/v1/vnf_packages/hackfest_multivdu-vnf'), admin).expect(404);
  });

  it('onboards a network slice template whose NSDs are onboarded, and protects the NSD', async () => {
    await upload('/osm/vnfpkgm/v1/vnf_packages_content', await multivduPackage(), 'application/gzip').expect(201);
    await upload('/osm/nsd/v1/ns_descriptors_content', nsdYaml, 'text/plain').expect(201);
    const nst = {
      nst: [
        {
          id: 'edge-slice',
          name: 'edge-slice',
          'SNSSAI-identifier': { 'slice-service-type': 'eMBB' },
          'quality-of-service': { id: 1 },
          'netslice-subnet': [{ id: 'sub1', 'is-shared-nss': false, 'nsd-ref': 'hackfest_multivdu-ns' }],
          'netslice-vld': [
            {
              id: 'mgmt',
              name: 'mgmt',
              type: 'ELAN',
              'mgmt-network': true,
              'nss-connection-point-ref': [{ 'nss-ref': 'sub1', 'nsd-connection-point-ref': 'x' }],
            },
          ],
        },
      ],
    };
    const res = await asJson(t.http.post('/osm/nst/v1/netslice_templates_content'), admin)
      .set('Content-Type', 'application/yaml')
      .send(JSON.stringify(nst))
      .expect(201);
    expect(res.headers.location).toContain('/osm/nst/v1/netslice_templates_content/');
    await asJson(t.http.get(`/osm/nst/v1/netslice_templates/${res.body.id}`), admin).expect(200);
    await asJson(t.http.delete('/osm/nsd/v1/ns_descriptors/hackfest_multivdu-ns'), admin).expect(409);
    const bad = structuredClone(nst);
    bad.nst[0].id = 'bad-slice';
    bad.nst[0]['netslice-subnet'][0]['nsd-ref'] = 'ghost-ns';
    const badRes = await asJson(t.http.post('/osm/nst/v1/netslice_templates_content'), admin).send(bad).expect(422);
    expect(badRes.body.errors[0].path).toBe('nst.netslice-subnet[0].nsd-ref');
    await asJson(t.http.delete(`/osm/nst/v1/netslice_templates/${res.body.id}`), admin).expect(204);
  });

  it('keeps descriptors in their project; PUBLIC shares them; SET_PROJECT shares one', async () => {
    await asJson(t.http.post('/osm/admin/v1/projects'), admin).send({ name: 'tenant' }).expect(201);
    await asJson(t.http.post('/osm/admin/v1/users'), admin)
      .send({ username: 'tina', password: 'pw', project_role_mappings: [{ project: 'tenant', role: 'project_user' }] })
      .expect(201);
    const tina = await t.login('tina', 'pw');
    expect((await asJson(t.http.get('/osm/vnfpkgm/v1/vnf_packages'), tina).expect(200)).body).toEqual([]);
    await asJson(t.http.get('/osm/vnfpkgm/v1/vnf_packages/hackfest_multivdu-vnf'), tina).expect(404);
    await asJson(t.http.delete('/osm/vnfpkgm/v1/vnf_packages/hackfest_multivdu-vnf'), tina).expect(404);
    // tina onboards the same ids in her project: no clash with admin's
    const own = await upload('/osm/vnfpkgm/v1/vnf_packages_content', vnfdYaml, 'text/plain', tina).expect(201);
    const pub = await upload('/osm/vnfpkgm/v1/vnf_packages_content?id=public-vnf&PUBLIC=true', vnfdYaml, 'text/plain').expect(
      201,
    );
    expect(
      (await asJson(t.http.get('/osm/vnfpkgm/v1/vnf_packages'), tina).expect(200)).body.map((v: { id: string }) => v.id),
    ).toEqual(['hackfest_multivdu-vnf']);
    expect(
      (await asJson(t.http.get('/osm/vnfpkgm/v1/vnf_packages?PUBLIC=true'), tina).expect(200)).body
        .map((v: { id: string }) => v.id)
        .sort(),
    ).toEqual(['hackfest_multivdu-vnf', 'public-vnf']);
    await asJson(t.http.get(`/osm/vnfpkgm/v1/vnf_packages/${pub.body.id}`), tina).expect(200);
    const tenant = (await asJson(t.http.get('/osm/admin/v1/projects/tenant'), admin).expect(200)).body._id;
    const shared = await upload('/osm/vnfpkgm/v1/vnf_packages_content?id=shared-vnf', vnfdYaml, 'text/plain').expect(201);
    await t.http
      .patch(`/osm/vnfpkgm/v1/vnf_packages/${shared.body.id}?ADMIN&SET_PROJECT=${tenant}`)
      .set('Authorization', `Bearer ${admin}`)
      .expect(204);
    expect(
      (await asJson(t.http.get('/osm/vnfpkgm/v1/vnf_packages'), tina).expect(200)).body.map((v: { id: string }) => v.id),
    ).toContain('shared-vnf');
    // a project that still owns records cannot be deleted (unless FORCE)
    await asJson(t.http.patch('/osm/admin/v1/users/tina'), admin)
      .send({ remove_project_role_mappings: [{ project: 'tenant' }] })
      .expect(204);
    const busy = await asJson(t.http.delete('/osm/admin/v1/projects/tenant'), admin).expect(409);
    expect(busy.body.detail).toContain(own.body.id);
    await asJson(t.http.delete(`/osm/vnfpkgm/v1/vnf_packages/${own.body.id}?ADMIN`), admin).expect(204);
  });

  it('manages PDUs', async () => {
    const emu = (await asJson(t.http.get('/osm/admin/v1/vim_accounts?name=emulator'), admin).expect(200)).body[0]._id;
    const body = {
      name: 'router1',
      type: 'gateway',
      vim_accounts: [emu],
      interfaces: [{ name: 'eth0', mgmt: true, 'ip-address': '10.0.0.1', 'vim-network-name': 'mgmt' }],
    };
    const res = await asJson(t.http.post('/osm/pdu/v1/pdu_descriptors'), admin).send(body).expect(201);
    await asJson(t.http.patch(`/osm/pdu/v1/pdu_descriptors/${res.body.id}`), admin)
      .send({ description: 'edge router' })
      .expect(204);
    const shown = await asJson(t.http.get(`/osm/pdu/v1/pdu_descriptors/${res.body.id}`), admin).expect(200);
    expect(shown.body).toMatchObject({ name: 'router1', description: 'edge router', interfaces: [{ 'ip-address': '10.0.0.1' }] });
    const bad = await asJson(t.http.post('/osm/pdu/v1/pdu_descriptors'), admin)
      .send({ ...body, interfaces: [{ name: 'eth0', mgmt: true }] })
      .expect(422);
    expect(bad.body.errors[0].path).toBe('interfaces[0].ip-address');
    await asJson(t.http.delete(`/osm/pdu/v1/pdu_descriptors/${res.body.id}`), admin).expect(204);
  });

  it('answers OSM TODO paths with 501', async () => {
    await asJson(t.http.get('/osm/nsd/v1/pnf_descriptors'), admin).expect(501);
    await asJson(t.http.get('/osm/nsd/v1/pnf_descriptors/x'), admin).expect(501);
  });
});
