import { AccountOperations } from '../../src/vims/account-operations';
import { onboardFolder, settledOp } from '../utils/lcm';
import { asJson, TestApp, useTestApp } from '../utils/test-app';

type Obj = Record<string, unknown>;

/**
 * Deployment flavours and declared instantiation parameters of the SME packages on the emulator: object detection's
 * GPU flavour (`nsFlavourId: gpu-df`) lands on the PoP with a free GPU though another PoP has more vCPU; declared
 * defaults fill additionalParamsForVnf; HPA bounds and the registry's storage size are parameters; a value of the
 * wrong type or out of range, or an unknown flavour, is a 422 naming it, before anything is created.
 */
// a database per suite (PostgreSQL: created and migrated in the hook) on a shared, loaded 2-core machine
jest.setTimeout(120_000);

describe('SME packages: flavours and instantiation parameters (emulator)', () => {
  let t: TestApp;
  let admin: string;
  let vim: string;

  useTestApp(async (app, token) => {
    t = app;
    admin = token;
    // the CPU PoP has the most free vCPU (the capacity-aware choice), only the small one has a GPU
    const res = await asJson(t.http.post('/osm/admin/v1/vim_accounts'), admin)
      .send({
        name: 'gpu-lab',
        vim_type: 'emulator',
        vim_url: 'emulator://gpu-lab',
        vim_user: 'u',
        vim_password: 'p',
        vim_tenant_name: 't',
        config: {
          pops: [
            { name: 'cpu-pop', vcpu: 64, memoryGiB: 256, storageGiB: 2000, gpu: 0 },
            { name: 'gpu-pop', vcpu: 8, memoryGiB: 32, storageGiB: 500, gpu: 1 },
          ],
        },
      })
      .expect(202);
    vim = res.body.id;
    await t.app.get(AccountOperations).idle();
    for (const p of ['registry', 'object_detection']) {
      await onboardFolder(t, admin, `${p}_vnf`, 'vnf');
      await onboardFolder(t, admin, `${p}_ns`, 'ns');
    }
  });

  const create = (nsdId: string, extra: Obj = {}) =>
    asJson(t.http.post('/osm/nslcm/v1/ns_instances_content'), admin).send({ nsName: nsdId, nsdId, vimAccountId: vim, ...extra });
  const instantiate = async (nsdId: string, extra: Obj = {}) => {
    const created = await create(nsdId, extra).expect(201);
    const op = await settledOp(t, admin, created.body.nslcmop_id);
    expect([op.operationState, op.errorMessage]).toEqual(['COMPLETED', null]);
    return created.body.id as string;
  };
  const inventory = async () =>
    (await asJson(t.http.get(`/mano/v1/emulator/${vim}/inventory`), admin).expect(200)).body as Record<string, Obj[]>;
  const terminate = async (id: string, nothingLeft = true) => {
    const res = await asJson(t.http.post(`/osm/nslcm/v1/ns_instances/${id}/terminate`), admin)
      .send({})
      .expect(202);
    expect((await settledOp(t, admin, res.body.id)).operationState).toBe('COMPLETED');
    await asJson(t.http.delete(`/osm/nslcm/v1/ns_instances/${id}`), admin).expect(204);
    const inv = await inventory();
    if (nothingLeft) for (const kind of ['computes', 'volumes']) expect(inv[kind]).toEqual([]);
  };
  const vnfParams = async (id: string) => {
    const vnfs = (await asJson(t.http.get(`/osm/nslcm/v1/vnf_instances?nsr-id-ref=${id}`), admin).expect(200)).body as Obj[];
    return vnfs[0].additionalParamsForVnf as Obj;
  };
  const params = (additionalParams: Obj) => ({
    additionalParamsForVnf: [{ 'member-vnf-index': '1', additionalParams }],
  });

  it('the GPU flavour asks for one GPU and lands on the GPU PoP, with the CUDA image; the default flavour stays on CPU', async () => {
    const gpu = await instantiate('object_detection_ns', { nsFlavourId: 'gpu-df' });
    let [compute] = (await inventory()).computes;
    expect(compute).toMatchObject({ pop: 'gpu-pop', flavor: expect.objectContaining({ gpu: 1, gpuVendor: 'nvidia' }) });
    // declared defaults are on the record (what the templates rendered with)
    expect(await vnfParams(gpu)).toMatchObject({
      image_tag: '8.3.40',
      hpa_min_replicas: 1,
      hpa_max_replicas: 4,
      hpa_cpu_target: 70,
    });
    await terminate(gpu);

    const cpu = await instantiate('object_detection_ns');
    [compute] = (await inventory()).computes;
    expect(compute).toMatchObject({ pop: 'cpu-pop' });
    expect((compute.flavor as Obj).gpu).toBeUndefined();
    expect(await vnfParams(cpu)).toMatchObject({ image_tag: '8.3.40-cpu', model: 'yolov8n.pt', threshold: 25 });
    await terminate(cpu);
  });

  it('a second GPU detector finds no free GPU: the instantiation fails naming the GPU', async () => {
    const first = await instantiate('object_detection_ns', { nsFlavourId: 'gpu-df' });
    const created = await create('object_detection_ns', { nsFlavourId: 'gpu-df' }).expect(201);
    const op = await settledOp(t, admin, created.body.nslcmop_id);
    expect(op.operationState).not.toBe('COMPLETED');
    expect(String(op.errorMessage)).toMatch(/1 GPU/);
    await terminate(created.body.id, false);
    await terminate(first);
  });

  it('HPA bounds and target, and the registry storage size, are instantiation parameters', async () => {
    const od = await instantiate(
      'object_detection_ns',
      params({ hpa_min_replicas: 2, hpa_max_replicas: '6', hpa_cpu_target: 60, model: 'yolov8s.pt' }),
    );
    const [compute] = (await inventory()).computes;
    // the emulator starts an autoscaled compute at its minimum, as an HPA would
    expect(compute).toMatchObject({ replicas: 2, autoscaling: { minReplicas: 2, maxReplicas: 6, cpuUtilization: 60 } });
    expect(compute.userData).toContain('DEFAULTS = {"model": "yolov8s.pt", "threshold": 25}');
    await terminate(od);

    const reg = await instantiate('registry_ns', params({ storage_gib: 50 }));
    const volumes = (await inventory()).volumes;
    expect(volumes.map((v) => v.sizeGiB)).toEqual([50]);
    await terminate(reg);
  });

  it('a value of the wrong type or out of range, min above max, an unknown flavour: 422 naming it, nothing created', async () => {
    const at = 'additionalParamsForVnf[member-vnf-index=1].additionalParams';
    const cases: [string, Obj, string, string][] = [
      ['object_detection_ns', params({ hpa_max_replicas: 'many' }), `${at}.hpa_max_replicas`, 'must be of data-type INTEGER'],
      ['object_detection_ns', params({ hpa_cpu_target: 5 }), `${at}.hpa_cpu_target`, 'must be within 10..95'],
      ['object_detection_ns', params({ model: 'yolov9.pt' }), `${at}.model`, 'must be one of'],
      ['registry_ns', params({ storage_gib: 0 }), `${at}.storage_gib`, 'must be within 1..2048'],
      ['registry_ns', params({ storage_gib: 2.5 }), `${at}.storage_gib`, 'must be of data-type INTEGER'],
      ['object_detection_ns', { nsFlavourId: 'tpu-df' }, 'nsFlavourId', "'tpu-df' is not a deployment flavour of the NSD"],
    ];
    for (const [nsdId, extra, path, message] of cases) {
      const res = await create(nsdId, extra);
      expect([res.status, res.body.detail]).toEqual([422, expect.stringContaining(path)]);
      expect(res.body.detail).toContain(message);
    }
    // min above max is refused when the plan is made (the instantiate request itself), naming both
    const id = (
      await asJson(t.http.post('/osm/nslcm/v1/ns_instances'), admin)
        .send({ nsName: 'x', nsdId: 'object_detection_ns', vimAccountId: vim })
        .expect(201)
    ).body.id as string;
    const res = await asJson(t.http.post(`/osm/nslcm/v1/ns_instances/${id}/instantiate`), admin).send({
      nsName: 'x',
      nsdId: 'object_detection_ns',
      vimAccountId: vim,
      ...params({ hpa_min_replicas: 5, hpa_max_replicas: 2 }),
    });
    expect(res.status).toBe(422);
    expect(res.body.detail).toContain('min-replicas 5 is more than max-replicas 2');
    expect((await inventory()).computes).toEqual([]);
    await asJson(t.http.delete(`/osm/nslcm/v1/ns_instances/${id}`), admin).expect(204);
  });
});
