import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { emulatorId, settledOp } from '../utils/lcm';
import { asJson, TestApp, useTestApp } from '../utils/test-app';

const DEVOPS = join(__dirname, '..', '..', '..', 'shared', 'corpus', 'osm-devops-descriptor-packages', 'descriptor-packages');
const legacyFile = (kind: 'vnfd' | 'nsd', pkg: string) => {
  const dir = join(DEVOPS, kind, pkg, 'src');
  return readFileSync(
    join(
      dir,
      readdirSync(dir).find((f) => f.endsWith('.yaml'))!,
    ),
    'utf8',
  );
};

/** Descriptors of OSM Release 8 and older, translated to SOL006 on onboarding. */
describe('legacy OSM descriptors (vnfd:vnfd-catalog, nsd:nsd-catalog)', () => {
  let t: TestApp;
  let admin: string;

  useTestApp((app, token) => {
    t = app;
    admin = token;
  });

  const upload = (path: string, text: string) => asJson(t.http.post(path), admin).set('Content-Type', 'text/plain').send(text);

  it('translates hackfest_multivdu (VNFD + NSD), keeps the original text, and lists what was dropped', async () => {
    const vnfdText = legacyFile('vnfd', 'hackfest_multivdu_vnf');
    const vnf = await upload('/osm/vnfpkgm/v1/vnf_packages_content', vnfdText).expect(201);
    const nsd = await upload('/osm/nsd/v1/ns_descriptors_content', legacyFile('nsd', 'hackfest_multivdu_ns')).expect(201);
    const record = (await asJson(t.http.get(`/osm/vnfpkgm/v1/vnf_packages/${vnf.body.id}`), admin).expect(200)).body;
    expect(record).toMatchObject({
      id: 'hackfest_multivdu-vnf',
      'product-name': 'hackfest_multivdu-vnf',
      'mgmt-cp': 'vnf-mgmt',
      'ext-cpd': [
        { id: 'vnf-mgmt', 'int-cpd': { 'vdu-id': 'mgmtVM', cpd: 'mgmtVM-eth0' } },
        { id: 'vnf-data', 'int-cpd': { 'vdu-id': 'dataVM', cpd: 'dataVM-xe0' } },
      ],
      'int-virtual-link-desc': [{ id: 'internal' }],
      'virtual-compute-desc': [
        { id: 'mgmtVM-compute', 'virtual-cpu': { 'num-virtual-cpu': 1 }, 'virtual-memory': { size: 1 } },
        { id: 'dataVM-compute' },
      ],
      _admin: { legacy: { dropped: expect.arrayContaining(['vnfd.short-name', 'vnfd.logo']) } },
    });
    expect(record.vdu[0]['int-cpd'][1]).toMatchObject({ id: 'mgmtVM-eth1', 'int-virtual-link-desc': 'internal' });
    const text = await t.http
      .get(`/osm/vnfpkgm/v1/vnf_packages/${vnf.body.id}/vnfd`)
      .set('Authorization', `Bearer ${admin}`)
      .expect(200);
    expect(text.text).toBe(vnfdText);
    const ns = (await asJson(t.http.get(`/osm/nsd/v1/ns_descriptors/${nsd.body.id}`), admin).expect(200)).body;
    expect(ns.df[0]['vnf-profile'].map((p: { id: string }) => p.id)).toEqual(['1', '2']);
    expect(ns['virtual-link-desc'][0]).toEqual({ id: 'mgmtnet', 'mgmt-network': true, 'vim-network-name': 'mgmt' });
  });

  it('instantiates the translated NS like its SOL006 twin', async () => {
    const vim = await emulatorId(t, admin);
    const created = await asJson(t.http.post('/osm/nslcm/v1/ns_instances_content'), admin)
      .send({ nsName: 'legacy', nsdId: 'hackfest_multivdu-ns', vimAccountId: vim })
      .expect(201);
    expect((await settledOp(t, admin, created.body.nslcmop_id)).operationState).toBe('COMPLETED');
    const vnfrs = (await asJson(t.http.get(`/osm/nslcm/v1/vnfrs?nsr-id-ref=${created.body.id}`), admin).expect(200)).body;
    expect(vnfrs).toHaveLength(2);
    for (const vnfr of vnfrs) {
      expect(vnfr.vdur.map((v: { 'vdu-id-ref': string }) => v['vdu-id-ref']).sort()).toEqual(['dataVM', 'mgmtVM']);
      expect(vnfr['ip-address']).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    }
    const del = await asJson(t.http.delete(`/osm/nslcm/v1/ns_instances_content/${created.body.id}`), admin).expect(202);
    await settledOp(t, admin, del.body._id).catch(() => undefined);
  });

  it("accepts OSM's own minimal test descriptor (id, name, short-name only)", async () => {
    const res = await upload(
      '/osm/vnfpkgm/v1/vnf_packages_content?id=prova-1',
      'vnfd:vnfd-catalog:\n  vnfd:\n  - id: prova\n    name: prova\n    short-name: prova\n',
    ).expect(201);
    const record = (await asJson(t.http.get(`/osm/vnfpkgm/v1/vnf_packages/${res.body.id}`), admin).expect(200)).body;
    expect(record).toMatchObject({ id: 'prova-1', 'product-name': 'prova', provider: 'unknown' });
  });

  it('refuses what it cannot translate, naming every path, and stores nothing', async () => {
    const text =
      'vnfd-catalog:\n  vnfd:\n  - id: odd\n    name: odd\n    service-function-chain: CLASSIFIER\n    vdu:\n    - id: v1\n      name: v1\n      mystery: 1\n';
    const res = await upload('/osm/vnfpkgm/v1/vnf_packages_content', text).expect(422);
    expect(res.body.errors.map((e: { path: string }) => e.path)).toEqual(['vnfd.service-function-chain', 'vnfd.vdu[0].mystery']);
    expect(res.body.detail).toContain('cannot be translated');
    await asJson(t.http.get('/osm/vnfpkgm/v1/vnf_packages/odd'), admin).expect(404);
  });

  it('onboards every legacy VNFD and NSD of osm-devops-descriptor-packages, the NSDs resolving the translated VNFDs', async () => {
    const onboarded: Record<string, string> = {};
    for (const kind of ['vnfd', 'nsd'] as const) {
      for (const pkg of readdirSync(join(DEVOPS, kind)).sort()) {
        const url = kind === 'vnfd' ? '/osm/vnfpkgm/v1/vnf_packages_content' : '/osm/nsd/v1/ns_descriptors_content';
        const res = await upload(url, legacyFile(kind, pkg));
        // onboarded by the first test of this file
        if (pkg.startsWith('hackfest_multivdu') && res.status === 409) {
          onboarded[pkg] = pkg;
          continue;
        }
        expect({ pkg, status: res.status, detail: res.body.detail }).toEqual({ pkg, status: 201, detail: undefined });
        onboarded[pkg] = res.body.id;
      }
    }
    expect(Object.keys(onboarded)).toHaveLength(42);

    const nsd = async (pkg: string) =>
      (await asJson(t.http.get(`/osm/nsd/v1/ns_descriptors/${onboarded[pkg]}`), admin).expect(200)).body as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    const pingPong = await nsd('ping_pong_ns');
    expect(pingPong.df[0]['virtual-link-profile']).toEqual([
      {
        id: 'ping_pong_vl1',
        'virtual-link-desc-id': 'ping_pong_vl1',
        'virtual-link-protocol-data': {
          'l3-protocol-data': { 'ip-version': 'ipv4', cidr: '31.31.31.0/24', 'gateway-ip': '31.31.31.210', 'dhcp-enabled': true },
        },
      },
    ]);
    expect(pingPong.df[0]['affinity-or-anti-affinity-group']).toEqual(
      expect.arrayContaining([{ id: 'Orcus', type: 'affinity', scope: 'nfvi-node' }]),
    );
    expect(pingPong['ns-configuration']['initial-config-primitive'][0]).toMatchObject({ seq: '1', name: 'start traffic' });
    expect(pingPong._admin.legacy.dropped).toEqual(
      expect.arrayContaining(['nsd.input-parameter-xpath', 'nsd.initial-service-primitive[0].user-defined-script']),
    );
    const ims = await nsd('ims_allin1_corpa');
    expect(ims['virtual-link-desc'][0]['provider-network']).toEqual({ 'physical-network': 'net-corp', segmentation_id: '108' });
    expect((await nsd('VyOS_ns'))['ns-configuration']['config-primitive'].map((p: { name: string }) => p.name)).toEqual([
      'Config VyOS',
      'ping',
    ]);
    const ping = (await asJson(t.http.get(`/osm/vnfpkgm/v1/vnf_packages/${onboarded.ping_vnf}`), admin).expect(200)).body;
    expect(ping.df[0]['affinity-or-anti-affinity-group']).toEqual([{ id: 'Eris', type: 'affinity', scope: 'nfvi-node' }]);
    expect(ping.df[0]['vdu-profile'][0]['affinity-or-anti-affinity-group']).toEqual([{ id: 'Eris' }]);
    expect(ping._admin.legacy.dropped).toEqual(
      expect.arrayContaining(['vnfd.http-endpoint', 'vnfd.mgmt-interface.dashboard-params']),
    );
  });
});
