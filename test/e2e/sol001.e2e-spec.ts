import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { emulatorId, settledOp } from '../utils/lcm';
import { makeZip, zipFolderEntries } from '../utils/packages';
import { asJson, TestApp, useTestApp } from '../utils/test-app';

type Obj = Record<string, unknown>;
const TACKER = join(__dirname, '..', '..', '..', 'shared', 'corpus', 'tacker-samples', 'samples');

/** [package folder, VDUs, flavours, virtual-storage-descs, scaling aspects per df, instantiation levels per df] */
const ONBOARDS: [string, number, string, number, string, string][] = [
  ['etsi_getting_started/tosca/sample_vnf_package_csar', 1, 'simple', 1, '', ''],
  ['practical_vnf_package', 3, 'ha,scalable', 3, ',VDU_2', ',r-node-min+r-node-max'],
  ...['functional', 'functional2', 'stack_update_in_heal', 'stack_update_in_heal/UserData'].map(
    (d) =>
      [`tests/etc/samples/etsi/nfv/${d}`, 2, 'simple', 3, 'worker_instance', 'instantiation_level_1+instantiation_level_2'] as [
        string,
        number,
        string,
        number,
        string,
        string,
      ],
  ),
  ...[
    'functional3',
    'functional4',
    'functional5',
    'mt_functional1',
    'stack_update_in_scale',
    'stack_update_in_scale/UserData',
    'user_data_sample_normal_scaling',
  ].map(
    (d) =>
      [`tests/etc/samples/etsi/nfv/${d}`, 2, 'simple', 3, 'VDU1_scale', 'instantiation_level_1+instantiation_level_2'] as [
        string,
        number,
        string,
        number,
        string,
        string,
      ],
  ),
  ['tests/etc/samples/etsi/nfv/functional6', 2, 'simple', 2, 'VDU2_scale', 'instantiation_level_1+instantiation_level_2'],
  [
    'tests/etc/samples/etsi/nfv/functional7',
    2,
    'simple',
    2,
    'VDU1_scale+VDU2_scale',
    'instantiation_level_1+instantiation_level_2',
  ],
  [
    'tests/etc/samples/etsi/nfv/test_enhanced_policy',
    1,
    'simple',
    1,
    'VDU1_scale',
    'instantiation_level_1+instantiation_level_2',
  ],
  [
    'tests/etc/samples/etsi/nfv/user_data_sample_virtual_storage_missing',
    2,
    'simple',
    2,
    'VDU1_scale',
    'instantiation_level_1+instantiation_level_2',
  ],
  ...(
    [
      ['basic_lcms_max_individual_vnfc', 4],
      ['basic_lcms_min', 2],
      ['basic_lcms_min_individual_vnfc', 2],
      ['change_vnfpkg_max_individual_vnfc', 4],
      ['change_vnfpkg_or_update_min_individual_vnfc', 2],
      ['error_network', 2],
      ['scale_ng', 4],
      ['server_notification', 2],
      ['test_change_vnf_pkg_with_new_image', 2],
      ['test_change_vnf_pkg_with_new_volume', 3],
      ['test_change_vnf_pkg_with_update_failed', 2],
      ['update_vnf', 2],
      ['update_vnf_max_individual_vnfc', 4],
      ['userdata_standard', 3],
      ['userdata_standard_change_vnfpkg', 3],
      ['userdata_standard_change_vnfpkg_nw', 3],
    ] as [string, number][]
  ).map(
    ([d, storages]) =>
      [
        `tests/functional/sol_v2_common/${d}/contents`,
        2,
        'simple',
        storages,
        'VDU1_scale',
        'instantiation_level_1+instantiation_level_2',
      ] as [string, number, string, number, string, string],
  ),
  [
    'tests/functional/sol_v2_common/test_instantiate_vnf_with_old_image_or_volume/contents',
    2,
    'simple,volume',
    4,
    'VDU1_scale,VDU1_scale',
    'instantiation_level_1+instantiation_level_2,instantiation_level_1+instantiation_level_2',
  ],
  [
    'tests/functional/sol_v2_common/userdata_standard_az_retry/contents',
    1,
    'simple',
    2,
    'VDU1_scale',
    'instantiation_level_1+instantiation_level_2',
  ],
  [
    'tests/unit/sol_refactored/samples/standard_sample',
    2,
    'simple',
    4,
    'VDU1_scale',
    'instantiation_level_1+instantiation_level_2',
  ],
];

/** Why every other SOL001 package of the corpus is refused (422), by folder pattern. */
const REFUSED: [RegExp, RegExp][] = [
  // the corpus copy left out scripts and images that TOSCA.meta lists with their hashes (Tacker refuses these too)
  [
    /free5gc\/vnf|cnf_on_vm\/no_affinity\/sample_free5gc_cnf_on_vm_package|short_notation|sample_compliance_test|sample_vnfpkg_tosca_vnfd|vnflcm[1-4]|vnfpkgm2|test_inst_terminate|vnf_packages$|test_cnf_container_update|test_helm|test_terraform|sample_vnf_package_csar_in_meta_and_manifest$/,
    /Name '[^']+' is not in the package/,
  ],
  // the Kubernetes manifests were edited after their hashes were written
  [/free5gc\/cnf\/|cnf_on_vm\/no_affinity\/sample_free5gc_cnf_package/, /Name 'Files\/kubernetes\/[^']+': SHA-256 hash mismatch/],
  // Tacker's deliberately broken layouts and the unit-test fixtures without their definitions
  [
    /sample_vnf_package_csar_(in_meta|meta)|sample_kubernetes_driver|vnfpkgm1|test_csar_utils_common|user_data_sample_(basehot|normal$|userdata)|sol_refactored\/samples\/(change_vnfpkg_sample|sample1|sample2)/,
    /Entry-Definitions '[^']+' is not in the package/,
  ],
  // container VNFs: Tacker deploys them from Kubernetes manifests / Helm charts, which have no SOL006 VDU image
  [/test_cnf|sol_kubernetes_v2/, /no software image .*container VDUs|no flavour defines a Vdu.Compute/],
  // the substitution mapping names a connection point the flavour does not define
  [/userdata_standard_with_non_boot_volume/, /virtual_link_external1_2: 'VDU2_CP1' is not a node template/],
];

const packages = (): string[] =>
  execFileSync('find', [TACKER, '-name', 'TOSCA.meta'], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .map((m) => m.replace(/\/TOSCA-Metadata\/TOSCA\.meta$/, '').slice(TACKER.length + 1))
    .sort();

const list = (v: unknown): Obj[] => (Array.isArray(v) ? (v as Obj[]) : []);

describe('SOL001 (TOSCA) VNF packages, as Tacker onboards them', () => {
  let t: TestApp;
  let admin: string;
  useTestApp((app, token) => {
    t = app;
    admin = token;
  });

  const upload = async (dir: string) =>
    asJson(t.http.post('/osm/vnfpkgm/v1/vnf_packages_content'), admin)
      .set('Content-Type', 'application/zip')
      .send(await makeZip(zipFolderEntries(join(TACKER, dir))));

  it('onboards every SOL001 VNF package of the corpus, or refuses it with its precise reason', async () => {
    const all = packages();
    expect(all.length).toBeGreaterThanOrEqual(90);
    const onboarded = new Set(ONBOARDS.map((o) => o[0]));
    let refused = 0;
    for (const dir of all) {
      const res = await upload(dir);
      const expected = ONBOARDS.find((o) => o[0] === dir);
      if (!expected) {
        const reasons = REFUSED.filter(([folder]) => folder.test(dir)).map(([, why]) => why);
        expect([dir, res.status, reasons.length > 0]).toEqual([dir, 422, true]);
        expect([dir, reasons.some((why) => why.test(String(res.body.detail))) ? 'precise' : res.body.detail]).toEqual([
          dir,
          'precise',
        ]);
        refused++;
        continue;
      }
      expect([dir, res.status, res.body.detail]).toEqual([dir, 201, undefined]);
      const rec = (await asJson(t.http.get(`/osm/vnfpkgm/v1/vnf_packages/${res.body.id}`), admin).expect(200)).body;
      const df = list(rec.df);
      expect([
        dir,
        list(rec.vdu).length,
        df.map((d) => d.id).join(','),
        list(rec['virtual-storage-desc']).length,
        df
          .map((d) =>
            list(d['scaling-aspect'])
              .map((a) => a.id)
              .join('+'),
          )
          .join(','),
        df
          .map((d) =>
            list(d['instantiation-level'])
              .map((l) => l.id)
              .join('+'),
          )
          .join(','),
      ]).toEqual(expected);
      expect(rec._admin.sol001).toMatchObject({ model: expect.stringMatching(/SOL001/), entry: expect.any(String) });
      await asJson(t.http.delete(`/osm/vnfpkgm/v1/vnf_packages/${res.body.id}`), admin).expect(204);
    }
    expect(refused + onboarded.size).toBe(all.length);
  });

  it('keeps the TOSCA as uploaded, lists what it does not run, and records the missing manifest', async () => {
    const res = await upload('tests/functional/sol_v2_common/userdata_standard/contents');
    expect(res.status).toBe(201);
    const rec = (await asJson(t.http.get(`/osm/vnfpkgm/v1/vnf_packages/${res.body.id}`), admin).expect(200)).body;
    expect(rec).toMatchObject({ id: 'b1bb0ce7-ebca-4fa7-95ed-4840d7000000', provider: 'Company', 'product-name': 'Sample VNF' });
    expect(rec._admin.manifest).toMatch(/no ETSI-Entry-Manifest/);
    expect(rec._admin.sol001.types['Definitions/etsi_nfv_sol001_vnfd_types.yaml']).toMatch(/bundled SOL001 v2.6.1/);
    expect(rec._admin.sol001['not-executed']).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/Vnflcm.instantiate_start → sample-script/),
        expect.stringMatching(/BaseHOT\/simple\/sample3.yaml/),
      ]),
    );
    const vdu2 = list(rec.vdu).find((v) => v.id === 'VDU2')!;
    expect(vdu2['virtual-storage-desc']).toEqual(['VDU2-VirtualStorage', 'VDU2-local-storage']);
    expect(list(rec['virtual-compute-desc']).find((c) => c.id === 'VDU1-compute')).toMatchObject({
      'virtual-cpu': { 'num-virtual-cpu': 1 },
      'virtual-memory': { size: 0.5 },
    });
    const vnfd = await t.http
      .get(`/osm/vnfpkgm/v1/vnf_packages/${res.body.id}/vnfd`)
      .set('Authorization', `Bearer ${admin}`)
      .expect(200);
    expect(vnfd.text).toMatch(/^tosca_definitions_version: tosca_simple_yaml_1_2/);
    await asJson(t.http.delete(`/osm/vnfpkgm/v1/vnf_packages/${res.body.id}`), admin).expect(204);
  });

  it('refuses a property its type does not define, naming the node template and the property path', async () => {
    const dir = join(TACKER, 'tests/functional/sol_v2_common/userdata_standard/contents');
    const entries = zipFolderEntries(dir).map((e) =>
      e.name.endsWith('v2_sample3_df_simple.yaml')
        ? {
            ...e,
            content: String(e.content).replace(
              '          min_disk: 0 GB\n',
              '          min_disk: 0 GB\n          colour: blue\n',
            ),
          }
        : e,
    );
    const res = await asJson(t.http.post('/osm/vnfpkgm/v1/vnf_packages_content'), admin)
      .set('Content-Type', 'application/zip')
      .send(await makeZip(entries))
      .expect(422);
    expect(res.body.detail).toMatch(
      /Definitions\/v2_sample3_df_simple.yaml: topology_template.node_templates.VDU1.properties.sw_image_data.colour: unknown property/,
    );
  });

  it('instantiates the multi-VDU sample on the emulator at its default level and scales VDU1 out one step', async () => {
    const res = await upload('tests/functional/sol_v2_common/userdata_standard/contents');
    expect(res.status).toBe(201);
    const nsd = [
      'nsd:',
      '  nsd:',
      '    - id: tacker_sample_ns',
      '      name: tacker_sample_ns',
      '      vnfd-id: [b1bb0ce7-ebca-4fa7-95ed-4840d7000000]',
      '      virtual-link-desc:',
      '        - id: ext',
      '      df:',
      '        - id: default-df',
      '          vnf-profile:',
      "            - id: '1'",
      '              vnfd-id: b1bb0ce7-ebca-4fa7-95ed-4840d7000000',
      '              virtual-link-connectivity:',
      '                - virtual-link-profile-id: ext',
      '                  constituent-cpd-id:',
      "                    - {constituent-base-element-id: '1', constituent-cpd-id: VDU1_CP1}",
      "                    - {constituent-base-element-id: '1', constituent-cpd-id: VDU2_CP1}",
      '',
    ].join('\n');
    const nsdId = (
      await asJson(t.http.post('/osm/nsd/v1/ns_descriptors_content'), admin)
        .set('Content-Type', 'text/plain')
        .send(nsd)
        .expect(201)
    ).body.id;
    const vim = await emulatorId(t, admin);
    const created = await asJson(t.http.post('/osm/nslcm/v1/ns_instances_content'), admin).send({
      nsName: 'tacker',
      nsdId,
      vimAccountId: vim,
    });
    expect([created.status, created.body.detail]).toEqual([201, undefined]);
    expect(await settledOp(t, admin, created.body.nslcmop_id)).toMatchObject({ operationState: 'COMPLETED' });
    const nsId = created.body.id;
    const vdur = async () => {
      const vnfrs = (await asJson(t.http.get(`/osm/nslcm/v1/vnfrs?nsr-id-ref=${nsId}`), admin).expect(200)).body as Obj[];
      return list(vnfrs[0].vdur)
        .map((v) => String(v['vdu-id-ref']))
        .sort();
    };
    // instantiation_level_1: one VDU1, one VDU2
    expect(await vdur()).toEqual(['VDU1', 'VDU2']);
    const inventory = async () => (await asJson(t.http.get(`/mano/v1/emulator/${vim}/inventory`), admin).expect(200)).body;
    expect((await inventory()).computes).toHaveLength(2);

    const scale = await asJson(t.http.post(`/osm/nslcm/v1/ns_instances/${nsId}/scale`), admin)
      .send({
        scaleType: 'SCALE_VNF',
        scaleVnfData: {
          scaleVnfType: 'SCALE_OUT',
          scaleByStepData: { 'scaling-group-descriptor': 'VDU1_scale', 'member-vnf-index': '1' },
        },
      })
      .expect(202);
    expect(await settledOp(t, admin, scale.body.id)).toMatchObject({ operationState: 'COMPLETED' });
    expect(await vdur()).toEqual(['VDU1', 'VDU1', 'VDU2']);
    expect((await inventory()).computes).toHaveLength(3);
  });
});
