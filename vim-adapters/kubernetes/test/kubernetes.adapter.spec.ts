import { AdapterContext, DesiredCompute, VimAccount, VimAdapter, VimError } from '../../contract/src';
import { describeVimAdapterConformance } from '../../contract/test/conformance';
import { memoryStore } from '../../contract/test/memory-store';
import { kubernetesFactory } from '../src';
import type { KubernetesAdapter } from '../src/kubernetes.adapter';
import { fakeApiServer, FakeApiServer } from './fake-apiserver';

const ctx: AdapterContext = { store: memoryStore(), workDir: '/nonexistent', log: () => undefined };
const account = (kubeconfig: object, config: Record<string, unknown> = {}): VimAccount => ({
  id: 'k',
  name: 'k8s',
  vimType: 'kubernetes',
  config: { kubeconfig, ...config },
});
const connect = async (api: FakeApiServer, config: Record<string, unknown> = {}) =>
  (await kubernetesFactory.connect(kubernetesFactory.parseAccount(account(api.kubeconfig, config)), ctx)) as KubernetesAdapter;
const failure = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: unknown) => e as VimError,
  );

const labels = { 'mano.ns-instance': '0f1e2d3c-aaaa-bbbb-cccc-000000000001' };
const web: DesiredCompute = {
  ref: { kind: 'compute', name: 'mano-0f1e2d3c-1-web-0', labels },
  deploymentType: 'container',
  image: 'ubuntu20.04',
  alternativeImages: { kubernetes: 'docker.io/library/nginx:1.27-alpine' },
  flavor: { vcpu: 1, memoryGiB: 0.5, storageGiB: 0 },
  ports: [{ name: 'eth0', network: 'mano-0f1e2d3c-mgmtnet' }],
};

describe('Kubernetes adapter against an in-process API server', () => {
  let api: FakeApiServer;
  beforeAll(async () => {
    api = await fakeApiServer();
  });
  afterAll(() => api.close());

  describeVimAdapterConformance('kubernetes (fake API server)', {
    prefix: 'mano-conf',
    image: 'docker.io/library/nginx:1.27-alpine',
    reportsUsage: false,
    fixedIps: false,
    setup: async () => ({ adapter: await connect(api), teardown: async () => undefined }),
  });

  describe('mapping and behaviour', () => {
    let adapter: KubernetesAdapter;
    beforeEach(async () => {
      api.podsBecomeReady = true;
      adapter = await connect(api, { readiness_timeout_s: 0.2 });
    });
    afterEach(async () => {
      await adapter.remove(web.ref);
      await adapter.remove({ kind: 'network', name: 'mano-0f1e2d3c-mgmtnet', labels: {} });
    });

    it('applies the documented objects with server-side apply, in the NS namespace, with the Kubernetes image', async () => {
      await adapter.apply({ ref: { kind: 'network', name: 'mano-0f1e2d3c-mgmtnet', labels } });
      const observed = await adapter.apply({ ...web, userData: '#cloud-config\n' });
      expect(observed).toMatchObject({ provisioned: true, addresses: [{ port: 'eth0', ip: expect.any(String) }] });
      const mine = api
        .objects()
        .filter((o) => o.kind !== 'Pod')
        .map((o) => `${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}`)
        .sort();
      expect(mine).toEqual([
        'ConfigMap mano-0f1e2d3c/mano-0f1e2d3c-1-web-0-day0',
        'Deployment mano-0f1e2d3c/mano-0f1e2d3c-1-web-0',
        'Namespace /mano-0f1e2d3c',
        'NetworkPolicy mano-0f1e2d3c/mano-default-deny',
        'NetworkPolicy mano-0f1e2d3c/vl-mano-0f1e2d3c-mgmtnet',
        'Service mano-0f1e2d3c/mano-0f1e2d3c-1-web-0',
      ]);
      const deployment = api.objects().find((o) => o.kind === 'Deployment') as unknown as {
        spec: { template: { spec: { containers: { image: string }[] } } };
      };
      expect(deployment.spec.template.spec.containers[0].image).toBe('docker.io/library/nginx:1.27-alpine');
      // terminate order (computes, then networks) with bare references, as the engine gives them: the namespace goes last
      expect(await adapter.remove({ kind: 'compute', name: web.ref.name, labels: {} })).toBe('deleted');
      expect(api.objects().some((o) => o.kind === 'Namespace')).toBe(true);
      expect(await adapter.remove({ kind: 'network', name: 'mano-0f1e2d3c-mgmtnet', labels: {} })).toBe('deleted');
      expect(api.objects()).toEqual([]);
    });

    it('refuses fixed IPs before creating anything', async () => {
      const before = api.writes.length;
      const error = await failure(adapter.apply({ ...web, ports: [{ name: 'eth0', network: 'n', fixedIp: '10.0.0.5' }] }));
      expect(error).toMatchObject({ code: 'VIM.INVALID_REQUEST', retryable: false, path: 'ports[0].fixedIp' });
      expect(api.writes.length).toBe(before);
    });

    it('pods that never get ready: observed not provisioned, then Failed after the readiness timeout with the pods’ conditions', async () => {
      api.podsBecomeReady = false;
      expect((await adapter.apply(web)).provisioned).toBe(false);
      await new Promise((r) => setTimeout(r, 300));
      const failed = (await adapter.observe(web.ref))!.conditions.find((c) => c.type === 'Failed');
      expect(failed?.message).toMatch(
        /not ready \d+ s after it was applied .*PodScheduled=False \(Unschedulable: 0\/0 nodes are available/,
      );
      // readiness "accepted": a cluster used only to validate what is generated
      const accepting = await connect(api, { readiness: 'accepted' });
      expect((await accepting.observe(web.ref))?.provisioned).toBe(true);
    });

    it('runs day-1/2 commands through pod exec: files, environment, stdin, exit code and output', async () => {
      await adapter.apply(web);
      const result = await adapter.exec(web.ref, {
        command: ['sh', 'scripts/probe.sh', 'set-greeting'],
        files: { 'scripts/probe.sh': 'read -r input; echo "$1 $PARAM_GREETING $input"; echo warn >&2; exit 3' },
        env: { PARAM_GREETING: 'hi there' },
        stdin: '{"greeting":"hi there"}',
        timeoutMs: 10_000,
      });
      expect(result).toEqual({
        exitCode: 3,
        stdout: 'set-greeting hi there {"greeting":"hi there"}\n',
        stderr: 'warn\n',
        timedOut: false,
        truncated: false,
      });
      expect((await adapter.exec(web.ref, { command: ['true'] })).exitCode).toBe(0);
    });

    it('maps API errors: 422 invalid (not retryable, with the server’s message), 409 and 5xx retryable, a terminating namespace retryable', async () => {
      api.fail(
        /^PATCH .*deployments/,
        422,
        'Deployment.apps "x" is invalid: spec.template.spec.containers[0].image: Required value',
      );
      expect(await failure(adapter.apply(web))).toMatchObject({
        code: 'VIM.INVALID_REQUEST',
        retryable: false,
        message: expect.stringContaining('spec.template.spec.containers[0].image: Required value'),
      });
      api.fail(/^PATCH .*deployments/, 409, 'Operation cannot be fulfilled: the object has been modified');
      expect(await failure(adapter.apply(web))).toMatchObject({ code: 'VIM.CONFLICT', retryable: true });
      api.fail(/^PATCH .*deployments/, 503, 'etcdserver: leader changed');
      expect(await failure(adapter.apply(web))).toMatchObject({ code: 'VIM.UNREACHABLE', retryable: true });
      api.fail(
        /^PATCH .*configmaps|^PATCH .*deployments/,
        403,
        'deployments "x" is forbidden: unable to create new content in namespace mano-0f1e2d3c because it is being terminated',
      );
      expect(await failure(adapter.apply(web))).toMatchObject({ code: 'VIM.CONFLICT', retryable: true });
      expect((await adapter.apply(web)).provisioned).toBe(true);
    });

    it('scales a workload, reads pod metrics from metrics.k8s.io (null without them) and capacity from the nodes', async () => {
      await adapter.apply(web);
      expect(await adapter.metrics(web.ref)).toBeNull();
      expect((await adapter.scale(web.ref, 3)).provisioned).toBe(true);
      const deployment = api.objects().find((o) => o.kind === 'Deployment') as unknown as { spec: { replicas: number } };
      expect(deployment.spec.replicas).toBe(3);
      for (const pod of api.objects().filter((o) => o.kind === 'Pod'))
        api.seed({
          apiVersion: 'metrics.k8s.io/v1beta1',
          kind: 'PodMetrics',
          metadata: { name: pod.metadata.name, namespace: pod.metadata.namespace, labels: pod.metadata.labels },
          timestamp: '2026-11-26T12:00:00Z',
          containers: [{ name: 'main', usage: { cpu: '250m', memory: '64Mi' } }],
        });
      // 3 pods × 250m of 3 × 1000m allocated
      expect(await adapter.metrics(web.ref)).toEqual({
        cpu: 0.25,
        memoryBytes: 3 * 64 * 1024 * 1024,
        at: '2026-11-26T12:00:00Z',
      });
      api.seed({
        apiVersion: 'v1',
        kind: 'Node',
        metadata: { name: 'edge-a', labels: { 'topology.kubernetes.io/zone': 'edge-1' } },
        status: { allocatable: { cpu: '8', memory: '32Gi', 'nvidia.com/gpu': '2' } },
      });
      for (const pod of api.objects().filter((o) => o.kind === 'Pod')) (pod.spec as { nodeName?: string }).nodeName = 'edge-a';
      expect((await adapter.capacity()).zones).toEqual([
        {
          name: 'edge-1',
          labels: {},
          total: { vcpu: 8, memoryGiB: 32, storageGiB: null, gpu: 2 },
          used: { vcpu: 3, memoryGiB: 1.5, storageGiB: 0, gpu: 0 },
        },
      ]);
      // scaling touched replicas only: the workload keeps its labels, so remove still finds it
      expect((api.objects().find((o) => o.kind === 'Deployment')?.metadata.labels ?? {})['mano.io/resource']).toBe(web.ref.name);
    });

    it('refuses bad credentials (AUTH_FAILED) and reports an unreachable API server as retryable', async () => {
      const wrong = (await kubernetesFactory.connect(
        kubernetesFactory.parseAccount(account({ ...api.kubeconfig, users: [{ name: 'mano', user: { token: 'wrong' } }] })),
        ctx,
      )) as VimAdapter;
      expect(await failure(wrong.ping())).toMatchObject({ code: 'VIM.AUTH_FAILED', retryable: false });
      const down = (await kubernetesFactory.connect(
        kubernetesFactory.parseAccount(
          account({ ...api.kubeconfig, clusters: [{ name: 'fake', cluster: { server: 'https://127.0.0.1:1' } }] }),
        ),
        ctx,
      )) as VimAdapter;
      expect(await failure(down.ping())).toMatchObject({ code: 'VIM.UNREACHABLE', retryable: true });
    });
  });

  it('names bad account settings', () => {
    const parse = (config: Record<string, unknown>) => () => kubernetesFactory.parseAccount(account(api.kubeconfig, config));
    expect(parse({ management_service_type: 'Ingress' })).toThrow(
      expect.objectContaining({ path: 'config.management_service_type' }),
    );
    expect(parse({ readiness: 'soon' })).toThrow(expect.objectContaining({ path: 'config.readiness' }));
    expect(parse({ namespace: 'Not_A_Label' })).toThrow(expect.objectContaining({ path: 'config.namespace' }));
    expect(parse({ zone_selectors: { edge: { tier: 1 } } })).toThrow(
      expect.objectContaining({ path: 'config.zone_selectors.edge' }),
    );
  });
});
