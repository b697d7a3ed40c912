import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { OperationRunner } from '../../src/lcm/operation-runner';
import { SliceRunner } from '../../src/lcm/slice-executor';
import { AccountOperations } from '../../src/vims/account-operations';
import { DESCRIPTORS, onboardFolder } from '../utils/lcm';
import { asJson, TestApp, useTestApp } from '../utils/test-app';

// API bodies are read field by field in assertions
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Obj = Record<string, any>;

/**
 * A slice placed in one model (placement-engine PLA on the NSI): the three subnets' NSs of slice_shared_nst over two
 * emulator VIMs whose core has room for one VNF only. The middle VNF is the one that is dear at the edge, so the joint
 * optimum puts it in the core and both edges at the edge (cost 7) — placing subnet by subnet in order would have
 * given the core to edge-a and paid 14. Each subnet's NS lands where the joint model said.
 */
// a database per suite (PostgreSQL: created and migrated in the hook) on a shared, loaded 2-core machine
jest.setTimeout(120_000);

describe('slice placement: all subnets in one model (two emulator VIMs)', () => {
  let t: TestApp;
  let admin: string;
  let core: string;
  let edge: string;
  let nstId: string;

  const account = (name: string, pop: Obj) => ({
    name,
    vim_type: 'emulator',
    vim_url: `emulator://${name}`,
    vim_user: 'u',
    vim_password: 'p',
    vim_tenant_name: 't',
    config: { pops: [pop] },
  });

  useTestApp(async (app, token) => {
    t = app;
    admin = token;
    const register = async (body: Obj) =>
      (await asJson(t.http.post('/osm/admin/v1/vim_accounts'), admin).send(body).expect(202)).body.id as string;
    core = await register(account('core', { name: 'c1', vcpu: 1, memoryGiB: 16, storageGiB: 500, gpu: 0 }));
    edge = await register(account('edge', { name: 'e1', vcpu: 4, memoryGiB: 16, storageGiB: 500, gpu: 0 }));
    await t.app.get(AccountOperations).idle();
    for (const f of ['slice_edge_vnf', 'slice_middle_vnf']) await onboardFolder(t, admin, f, 'vnf');
    for (const f of ['slice_edge_ns', 'slice_middle_ns']) await onboardFolder(t, admin, f, 'ns');
    nstId = (
      await asJson(t.http.post('/osm/nst/v1/netslice_templates_content'), admin)
        .set('Content-Type', 'application/yaml')
        .send(readFileSync(join(DESCRIPTORS, 'slice_shared_nst', 'slice_shared_nst.yaml')))
        .expect(201)
    ).body.id;
    await asJson(t.http.post('/osm/admin/v1/pla_price_lists'), admin)
      .set('Content-Type', 'application/yaml')
      .send(
        [
          'name: slice-lab',
          'vnf_price_list:',
          '  - vnfd: slice_edge_vnf',
          '    prices: [{vim_name: core, price: 1}, {vim_name: edge, price: 3}]',
          '  - vnfd: slice_middle_vnf',
          '    prices: [{vim_name: core, price: 1}, {vim_name: edge, price: 10}]',
          '',
        ].join('\n'),
      )
      .expect(201);
  });

  const get = async (url: string) => (await asJson(t.http.get(url), admin).expect(200)).body;
  const settle = async () => {
    for (let i = 0; i < 5; i++) {
      await t.app.get(SliceRunner).idle();
      await t.app.get(OperationRunner).idle();
    }
  };
  const computes = async (vim: string) =>
    ((await get(`/mano/v1/emulator/${vim}/inventory`)).computes as Obj[]).map((c) => c.labels['mano.ns-instance'] as string);

  it('places the three subnets jointly, records the decision on the NSI, and each NS lands there', async () => {
    const created = (
      await asJson(t.http.post('/osm/nsilcm/v1/netslice_instances_content'), admin)
        .send({
          nsiName: 'joint',
          nstId,
          vimAccountId: core,
          'placement-engine': 'PLA',
          'placement-constraints': { 'vim-accounts': ['core', 'edge'] },
        })
        .expect(201)
    ).body;
    await settle();
    const op = await get(`/osm/nsilcm/v1/nsi_lcm_op_occs/${created.nsilcmop_id}`);
    expect([op.operationState, op.errorMessage ?? null]).toEqual(['COMPLETED', null]);
    const nsi = await get(`/osm/nsilcm/v1/netslice_instances_content/${created.id}`);
    const nsOf = new Map((nsi._admin['nsrs-detailed-list'] as Obj[]).map((d) => [d['nss-id'], d.nsrId as string]));
    const placement = nsi._admin.placement;
    expect(placement).toMatchObject({ engine: 'PLA', status: 'optimal', gap: 0 });
    expect(Math.round(placement.objective)).toBe(7);
    const vimOf = (nss: string) => placement.vnfs[`${nsOf.get(nss)}/1`].vimAccountId;
    expect([vimOf('edge-a'), vimOf('middle'), vimOf('edge-b')]).toEqual([edge, core, edge]);
    // each subnet's parameters were pinned to the joint decision, and its NS landed there
    expect(await computes(core)).toEqual([nsOf.get('middle')]);
    expect((await computes(edge)).sort()).toEqual([nsOf.get('edge-a'), nsOf.get('edge-b')].sort());
    for (const nss of ['edge-a', 'middle', 'edge-b']) {
      const ns = await get(`/osm/nslcm/v1/ns_instances/${nsOf.get(nss)}`);
      expect(ns._admin.placement.vnfs['1']).toMatchObject({ vimAccountId: vimOf(nss), zone: nss === 'middle' ? 'c1' : 'e1' });
    }
    // the slice VLDs reach both VIMs: one network per VIM
    const nets = async (vim: string) =>
      ((await get(`/mano/v1/emulator/${vim}/inventory`)).networks as Obj[]).map((n) => n.name as string);
    expect((await nets(core)).some((n) => n.includes('slice-data-a'))).toBe(true);
    expect((await nets(edge)).some((n) => n.includes('slice-data-a'))).toBe(true);
    // terminate with autoremove: the NSI, its NSs and their resources go
    await asJson(t.http.delete(`/osm/nsilcm/v1/netslice_instances_content/${created.id}`), admin).expect(202);
    await settle();
    await asJson(t.http.get(`/osm/nsilcm/v1/netslice_instances_content/${created.id}`), admin).expect(404);
    expect([...(await computes(core)), ...(await computes(edge))]).toEqual([]);
  });
});
