import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { OperationRunner } from '../../src/lcm/operation-runner';
import { SliceRunner } from '../../src/lcm/slice-executor';
import { AccountOperations } from '../../src/vims/account-operations';
import { fakeApiServer, FakeApiServer } from '../../vim-adapters/kubernetes/test/fake-apiserver';
import { DESCRIPTORS, emulatorId, onboardFolder } from '../utils/lcm';
import { asJson, TestApp, useTestApp } from '../utils/test-app';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** A slice whose edge subnet runs on the emulator and whose other edge runs on a Kubernetes VIM (in-process API server). */
describe('a network slice across the emulator and a Kubernetes VIM', () => {
  let t: TestApp;
  let admin: string;
  let api: FakeApiServer;
  let emu: string;
  let k8s: string;
  let nstId: string;

  useTestApp(async (app, token) => {
    t = app;
    admin = token;
    api = await fakeApiServer();
    emu = await emulatorId(t, admin);
    for (const f of ['slice_edge_vnf', 'slice_middle_vnf']) await onboardFolder(t, admin, f, 'vnf');
    for (const f of ['slice_edge_ns', 'slice_middle_ns']) await onboardFolder(t, admin, f, 'ns');
    nstId = (
      await asJson(t.http.post('/osm/nst/v1/netslice_templates_content'), admin)
        .set('Content-Type', 'application/yaml')
        .send(readFileSync(join(DESCRIPTORS, 'slice_shared_nst', 'slice_shared_nst.yaml')))
        .expect(201)
    ).body.id;
    k8s = (
      await asJson(t.http.post('/osm/admin/v1/vim_accounts'), admin)
        .send({
          name: 'k8s',
          vim_type: 'kubernetes',
          vim_url: api.url,
          vim_user: 'k8s',
          vim_password: 'unused',
          vim_tenant_name: 'k8s',
          config: { kubeconfig: api.kubeconfig },
        })
        .expect(202)
    ).body.id;
    await t.app.get(AccountOperations).idle();
  });
  afterAll(() => api?.close());

  const get = async (url: string) => (await asJson(t.http.get(url), admin).expect(200)).body;
  const settle = async (opId: string) => {
    for (let i = 0; i < 5; i++) {
      await t.app.get(SliceRunner).idle();
      await t.app.get(OperationRunner).idle();
    }
    return get(`/osm/nsilcm/v1/nsi_lcm_op_occs/${opId}`);
  };
  const ours = () => api.objects().filter((o) => o.metadata.labels?.['app.kubernetes.io/managed-by'] === 'opencloudedge-mano');

  it('puts edge-b on Kubernetes and the rest on the emulator; the VLD over both has a network on each', async () => {
    const s = (
      await asJson(t.http.post('/osm/nsilcm/v1/netslice_instances_content'), admin)
        .send({ nsiName: 'hybrid', nstId, vimAccountId: emu, 'netslice-subnet': [{ id: 'edge-b', vimAccountId: k8s }] })
        .expect(201)
    ).body;
    const op = await settle(s.nsilcmop_id);
    expect([op.operationState, op.errorMessage]).toEqual(['COMPLETED', null]);
    const nss = (await get('/osm/nslcm/v1/ns_instances_content')) as Obj[];
    const ns = (id: string) => nss.find((n) => n.name === `hybrid.${id}`)!;
    expect(ns('edge-b').datacenter).toBe(k8s);
    expect(ns('edge-a').datacenter).toBe(emu);
    const ns8 = String(ns('edge-b')._id).replace(/-/g, '').slice(0, 8);
    expect(ours().some((o) => o.kind === 'Deployment' && o.metadata.namespace === `mano-${ns8}`)).toBe(true);
    const nsi = await get(`/osm/nsilcm/v1/netslice_instances/${s.id}`);
    const vims = (id: string) =>
      ((nsi._admin['netslice-vld'] as Obj[]).find((v) => v.id === id)!['vim-networks'] as Obj[])
        .map((n) => n.vimAccountId)
        .sort();
    expect(vims('slice-mgmt')).toEqual([emu, k8s].sort());
    expect(vims('slice-data-b')).toEqual([emu, k8s].sort());
    expect(vims('slice-data-a')).toEqual([emu]);

    const del = await asJson(t.http.delete(`/osm/nsilcm/v1/netslice_instances_content/${s.id}`), admin).expect(202);
    await settle(del.body._id).catch(() => undefined);
    expect((await get('/osm/nslcm/v1/ns_instances_content')) as Obj[]).toEqual([]);
    expect(ours().filter((o) => o.kind !== 'Pod' && o.kind !== 'Namespace')).toEqual([]);
  });
});
