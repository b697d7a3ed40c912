import { AccountOperations } from '../../src/vims/account-operations';
import { fakeApiServer, FakeApiServer, StoredObject } from '../../vim-adapters/kubernetes/test/fake-apiserver';
import { kubernetesValidator } from '../utils/kubernetes-schema';
import { onboardFolder, pollOp } from '../utils/lcm';
import { asJson, TestApp, useTestApp } from '../utils/test-app';

type Obj = Record<string, unknown>;
type PodSpec = { nodeName?: string; nodeSelector?: Record<string, string>; containers: Obj[] };

/**
 * Flavours and instantiation parameters of the SME packages on a Kubernetes VIM (the in-process API server, whose
 * scheduler counts extended resources): object detection's GPU flavour asks for `nvidia.com/gpu: 1` with the
 * account's GPU node selector and is scheduled on the GPU node; HPA bounds and target and the registry's PVC size
 * come from additionalParamsForVnf; every object valid against the 1.32 schema; a bad value is a 422 naming it.
 */
jest.setTimeout(120_000);

describe('SME packages on Kubernetes: GPU flavour and instantiation parameters', () => {
  let t: TestApp;
  let admin: string;
  let api: FakeApiServer;
  let vim: string;
  const valid = kubernetesValidator();

  useTestApp(async (app, token) => {
    t = app;
    admin = token;
    api = await fakeApiServer();
    api.setNodes([
      { name: 'cpu-node', allocatable: { cpu: '32', memory: '128Gi' } },
      {
        name: 'gpu-node',
        labels: { 'nvidia.com/gpu.present': 'true' },
        allocatable: { cpu: '8', memory: '32Gi', 'nvidia.com/gpu': '1' },
      },
    ]);
    const res = await asJson(t.http.post('/osm/admin/v1/vim_accounts'), admin)
      .send({
        name: 'k8s-gpu',
        vim_type: 'kubernetes',
        vim_url: api.url,
        vim_user: 'k8s',
        vim_password: 'unused',
        vim_tenant_name: 'k8s',
        config: {
          kubeconfig: api.kubeconfig,
          storage_class: 'ceph-rbd',
          readiness_timeout_s: 2,
          gpu_node_selector: { 'nvidia.com/gpu.present': 'true' },
        },
      })
      .expect(202);
    await t.app.get(AccountOperations).idle();
    vim = res.body.id;
    for (const p of ['registry', 'object_detection']) {
      await onboardFolder(t, admin, `${p}_vnf`, 'vnf');
      await onboardFolder(t, admin, `${p}_ns`, 'ns');
    }
  });
  afterAll(() => api?.close());

  const settle = (opId: string) => pollOp(t, admin, opId, (o) => o.operationState !== 'PROCESSING', 60_000);
  const create = (nsdId: string, extra: Obj = {}) =>
    asJson(t.http.post('/osm/nslcm/v1/ns_instances_content'), admin).send({ nsName: nsdId, nsdId, vimAccountId: vim, ...extra });
  const instantiate = async (nsdId: string, extra: Obj = {}) => {
    const created = await create(nsdId, extra).expect(201);
    const op = await settle(created.body.nslcmop_id);
    expect([op.operationState, op.errorMessage]).toEqual(['COMPLETED', null]);
    const id = created.body.id as string;
    return { id, ns: `mano-${id.replace(/-/g, '').slice(0, 8)}` };
  };
  const ours = (ns: string) =>
    api
      .objects()
      .filter((o) => o.metadata.namespace === ns && o.metadata.labels?.['app.kubernetes.io/managed-by'] === 'opencloudedge-mano');
  const applied = (ns: string) => ours(ns).filter((o) => o.kind !== 'Pod');
  const pods = (ns: string) => api.objects().filter((o) => o.kind === 'Pod' && o.metadata.namespace === ns);
  const one = (ns: string, kind: string) => applied(ns).find((o) => o.kind === kind)!;
  const schemaValid = (ns: string) => {
    for (const obj of applied(ns)) {
      const { uid: _uid, creationTimestamp: _created, ...metadata } = obj.metadata;
      const { status: _status, ...rest } = obj;
      expect([obj.kind, valid({ ...rest, metadata })]).toEqual([obj.kind, []]);
    }
  };
  const terminate = async (id: string, ns: string) => {
    const term = await asJson(t.http.post(`/osm/nslcm/v1/ns_instances/${id}/terminate`), admin)
      .send({})
      .expect(202);
    expect((await settle(term.body.id)).operationState).toBe('COMPLETED');
    await asJson(t.http.delete(`/osm/nslcm/v1/ns_instances/${id}`), admin).expect(204);
    expect(api.objects().filter((o) => o.metadata.namespace === ns || o.metadata.name === ns)).toEqual([]);
  };
  const template = (o: StoredObject) => (o.spec as { template: { spec: PodSpec } }).template.spec;

  it('GPU flavour: the CUDA image asks for nvidia.com/gpu 1 with the GPU node selector and runs on the GPU node', async () => {
    const { id, ns } = await instantiate('object_detection_ns', { nsFlavourId: 'gpu-df' });
    const workload = applied(ns).find((o) => o.kind === 'Deployment' || o.kind === 'StatefulSet')!;
    const spec = template(workload);
    expect(spec.nodeSelector).toEqual({ 'nvidia.com/gpu.present': 'true' });
    expect(spec.containers[0]).toMatchObject({
      image: 'docker.io/ultralytics/ultralytics:8.3.40',
      resources: { limits: { 'nvidia.com/gpu': '1' } },
    });
    expect(pods(ns).map((p) => (p.spec as PodSpec).nodeName)).toEqual(['gpu-node']);
    schemaValid(ns);
    await terminate(id, ns);
  });

  it('CPU flavour (default): the -cpu image, no GPU asked for; HPA bounds and target from the parameters', async () => {
    const { id, ns } = await instantiate('object_detection_ns', {
      additionalParamsForVnf: [
        { 'member-vnf-index': '1', additionalParams: { hpa_min_replicas: 2, hpa_max_replicas: 6, hpa_cpu_target: 60 } },
      ],
    });
    const spec = template(applied(ns).find((o) => o.kind === 'Deployment' || o.kind === 'StatefulSet')!);
    expect(spec.nodeSelector ?? {}).not.toHaveProperty('nvidia.com/gpu.present');
    expect(spec.containers[0].image).toBe('docker.io/ultralytics/ultralytics:8.3.40-cpu');
    expect(JSON.stringify(spec.containers[0].resources ?? {})).not.toContain('gpu');
    expect(one(ns, 'HorizontalPodAutoscaler').spec).toMatchObject({
      minReplicas: 2,
      maxReplicas: 6,
      metrics: [{ resource: { name: 'cpu', target: { averageUtilization: 60 } } }],
    });
    schemaValid(ns);
    await terminate(id, ns);
  });

  it('registry: the PVC size is the storage_gib parameter (default 20)', async () => {
    for (const [given, size] of [
      [undefined, '20Gi'],
      [64, '64Gi'],
    ] as const) {
      const extra =
        given === undefined
          ? {}
          : { additionalParamsForVnf: [{ 'member-vnf-index': '1', additionalParams: { storage_gib: given } }] };
      const { id, ns } = await instantiate('registry_ns', extra);
      expect(one(ns, 'PersistentVolumeClaim').spec).toMatchObject({ resources: { requests: { storage: size } } });
      schemaValid(ns);
      await terminate(id, ns);
    }
  });

  it('a bad value is refused before anything is applied: 422 naming the parameter', async () => {
    const before = api.objects().length;
    const res = await create('registry_ns', {
      additionalParamsForVnf: [{ 'member-vnf-index': '1', additionalParams: { storage_gib: '20Gi' } }],
    });
    expect(res.status).toBe(422);
    expect(res.body.detail).toContain('additionalParamsForVnf[member-vnf-index=1].additionalParams.storage_gib');
    expect(api.objects().length).toBe(before);
  });
});
