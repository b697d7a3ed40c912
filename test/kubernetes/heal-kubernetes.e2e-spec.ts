import { fakeApiServer, FakeApiServer } from '../../vim-adapters/kubernetes/test/fake-apiserver';
import { AccountOperations } from '../../src/vims/account-operations';
import { onboardWebserver, pollOp } from '../utils/lcm';
import { asJson, TestApp, useTestApp } from '../utils/test-app';

type Obj = Record<string, unknown>;

/** A manual heal on a Kubernetes VIM (in-process API server): the VDU's workload is deleted and created anew. */
describe('NS heal on Kubernetes (in-process API server)', () => {
  let t: TestApp;
  let admin: string;
  let api: FakeApiServer;

  useTestApp(async (app, token) => {
    t = app;
    admin = token;
    api = await fakeApiServer();
  });
  afterAll(() => api?.close());

  const call = (method: 'get' | 'post', path: string, body?: object) => {
    const req = asJson(t.http[method](path), admin);
    return body ? req.send(body) : req;
  };
  const deployment = () =>
    api
      .objects()
      .find((o) => o.kind === 'Deployment' && o.metadata.labels?.['app.kubernetes.io/managed-by'] === 'opencloudedge-mano');

  it('re-creates the pod’s workload (a new Deployment), day-1 again through pod exec', async () => {
    const vim = await call('post', '/osm/admin/v1/vim_accounts', {
      name: 'k8s',
      vim_type: 'kubernetes',
      vim_url: api.url,
      vim_user: 'k8s',
      vim_password: 'unused',
      vim_tenant_name: 'k8s',
      config: { kubeconfig: api.kubeconfig },
    }).expect(202);
    await t.app.get(AccountOperations).idle();
    const nsdId = await onboardWebserver(t, admin);
    const created = await call('post', '/osm/nslcm/v1/ns_instances_content', {
      nsName: 'web-k8s',
      nsdId,
      vimAccountId: vim.body.id,
    }).expect(201);
    const nsId = String(created.body.id);
    expect(await pollOp(t, admin, created.body.nslcmop_id, (o) => o.operationState !== 'PROCESSING', 30_000)).toMatchObject({
      operationState: 'COMPLETED',
    });
    const before = deployment()!;
    const vnf = (await call('get', `/osm/nslcm/v1/vnfrs?nsr-id-ref=${nsId}`).expect(200)).body[0] as Obj;
    const [vdurBefore] = vnf.vdur as Obj[];

    const res = await call('post', `/osm/nslcm/v1/ns_instances/${nsId}/heal`, {
      healVnfData: [{ vnfInstanceId: vnf._id, additionalParams: { 'run-day1': true } }],
    }).expect(202);
    const op = await pollOp(t, admin, res.body.id, (o) => o.operationState !== 'PROCESSING', 30_000);
    expect(op).toMatchObject({ operationState: 'COMPLETED', lcmOperationType: 'heal' });
    const configure = (op.steps as Obj[]).find((s) => s.kind === 'primitive') as { result?: Obj } | undefined;
    expect(configure?.result).toMatchObject({ exitCode: 0, stdout: expect.stringContaining('configured') });

    const after = deployment()!;
    expect(after.metadata.name).toBe(before.metadata.name);
    expect(after.metadata.uid).not.toBe(before.metadata.uid);
    const [vdurAfter] = (await call('get', `/osm/nslcm/v1/vnfrs?nsr-id-ref=${nsId}`).expect(200)).body[0].vdur as Obj[];
    expect(vdurAfter).toMatchObject({ name: vdurBefore.name, status: 'ACTIVE' });
    expect(vdurAfter['vim-id']).not.toBe(vdurBefore['vim-id']);
    const ns = (await call('get', `/osm/nslcm/v1/ns_instances/${nsId}`).expect(200)).body as Obj;
    expect(ns).toMatchObject({ nsState: 'READY', currentOperation: 'IDLE' });
  });
});
