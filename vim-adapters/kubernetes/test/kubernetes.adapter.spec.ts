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
      api.setNodes([{ name: 'fake-node-1' }]);
      await adapter.remove(web.ref);
      await adapter.remove({ kind: 'network', name: 'mano-0f1e2d3c-mgmtnet', labels: {} });
    });

    it('applies the documented objects with server-side apply, in the NS namespace, with the Kubernetes image', async () => {
      await adapter.apply({ ref: { kind: 'network', name: 'mano-0f1e2d3c-mgmtnet', labels } });
      const observed = await adapter.apply({ ...web, userData: '#cloud-config\n' });
      expect(observed).toMatchObject({ provisioned: true, addresses: [{ port: 'eth0', ip: expect.any(String) }] });
      const mine = api
        .objects()
        .filter((o) => o.kind !== 'Pod' && o.kind !== 'Node')
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
      expect(api.objects().filter((o) => o.kind !== 'Node')).toEqual([]);
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
        // 3 × 64 MiB of 3 × the 512 MiB limit
        memoryUtilization: 0.125,
        at: '2026-11-26T12:00:00Z',
      });
      api.setNodes([
        {
          name: 'edge-a',
          labels: { 'topology.kubernetes.io/zone': 'edge-1' },
          allocatable: { cpu: '8', memory: '32Gi', 'nvidia.com/gpu': '2' },
        },
      ]);
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

    type PodTemplate = { spec: { template: { spec: Record<string, unknown> } } };
    const template = () => (api.objects().find((o) => o.kind === 'Deployment') as unknown as PodTemplate).spec.template.spec;
    const podsOn = () =>
      api
        .objects()
        .filter((o) => o.kind === 'Pod')
        .map((o) => (o.spec as { nodeName?: string }).nodeName);
    const inZone = (zone: string): DesiredCompute => ({ ...web, placement: { zone } });
    const zoneNames = async () => (await adapter.capacity()).zones.map((z) => z.name).sort();

    it('zone-less nodes: the zone capacity reports for them never becomes a node selector, and the pods schedule', async () => {
      api.setNodes([{ name: 'n1' }, { name: 'n2' }]);
      expect(await zoneNames()).toEqual(['default']);
      expect((await adapter.apply(inZone('default'))).provisioned).toBe(true);
      expect(template().nodeSelector).toBeUndefined();
      expect(template().affinity).toBeUndefined();
      expect(podsOn()).toEqual(['n1']);
    });

    it('labelled nodes: a zone they carry becomes the selector; a zone no node has is refused before anything is made', async () => {
      api.setNodes([
        { name: 'n1', labels: { 'topology.kubernetes.io/zone': 'zone-a' } },
        { name: 'n2', labels: { 'topology.kubernetes.io/zone': 'zone-b' } },
      ]);
      expect(await zoneNames()).toEqual(['zone-a', 'zone-b']);
      expect((await adapter.apply(inZone('zone-b'))).provisioned).toBe(true);
      expect(template().nodeSelector).toEqual({ 'topology.kubernetes.io/zone': 'zone-b' });
      expect(podsOn()).toEqual(['n2']);
      await adapter.remove(web.ref);
      const writes = api.writes.length;
      for (const zone of ['default', 'zone-c'])
        expect(await failure(adapter.apply(inZone(zone)))).toMatchObject({
          code: 'VIM.INVALID_REQUEST',
          retryable: false,
          path: 'placement.zone',
          message: expect.stringContaining(
            `zone ${zone}: no node of the cluster has the label topology.kubernetes.io/zone=${zone} (zones: zone-a, zone-b)`,
          ),
        });
      expect(api.writes.length).toBe(writes);
    });

    it('mixed nodes: the unlabelled zone binds to the nodes without a zone label', async () => {
      api.setNodes([{ name: 'n1', labels: { 'topology.kubernetes.io/zone': 'zone-a' } }, { name: 'n2' }]);
      expect(await zoneNames()).toEqual(['default', 'zone-a']);
      expect((await adapter.apply(inZone('default'))).provisioned).toBe(true);
      expect(template().nodeSelector).toBeUndefined();
      expect(template().affinity).toEqual({
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [{ matchExpressions: [{ key: 'topology.kubernetes.io/zone', operator: 'DoesNotExist' }] }],
          },
        },
      });
      expect(podsOn()).toEqual(['n2']);
      await adapter.remove(web.ref);
      expect((await adapter.apply(inZone('zone-a'))).provisioned).toBe(true);
      expect(podsOn()).toEqual(['n1']);
    });

    it('pods no node can take stay Pending with a FailedScheduling event; the failure names the scheduler’s reason', async () => {
      api.setNodes([
        { name: 'small', allocatable: { cpu: '500m' } },
        { name: 'tainted', taints: [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }] },
      ]);
      expect((await adapter.apply(web)).provisioned).toBe(false);
      const pod = api.objects().find((o) => o.kind === 'Pod')!;
      const reason = '0/2 nodes are available: 1 Insufficient cpu, 1 node(s) had untolerated taint {dedicated: db}.';
      expect(pod.status).toMatchObject({
        phase: 'Pending',
        conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: reason }],
      });
      expect(api.objects().find((o) => o.kind === 'Event')).toMatchObject({
        reason: 'FailedScheduling',
        type: 'Warning',
        message: reason,
      });
      await new Promise((r) => setTimeout(r, 300));
      const failed = () => adapter.observe(web.ref).then((o) => o!.conditions.find((c) => c.type === 'Failed')?.message);
      expect(await failed()).toContain(`PodScheduled=False (Unschedulable: ${reason})`);
      // a condition without its message (some schedulers): the event says it
      delete (pod.status as { conditions: { message?: string }[] }).conditions[0].message;
      expect(await failed()).toContain(`PodScheduled=False (Unschedulable: ${reason})`);
      // an account zone selector no node matches
      await adapter.remove(web.ref);
      const edge = await connect(api, { readiness_timeout_s: 0.2, zone_selectors: { edge: { pool: 'edge' } } });
      expect((await edge.apply(inZone('edge'))).provisioned).toBe(false);
      expect(api.objects().find((o) => o.kind === 'Pod')?.status).toMatchObject({
        conditions: [{ message: "0/2 nodes are available: 2 node(s) didn't match Pod's node affinity/selector." }],
      });
    });

    it('an API server failing to reach the kubelet for exec is a retryable VIM error', async () => {
      await adapter.apply(web);
      api.fail(/\/exec$/, 500, 'error dialing backend: dial tcp 10.0.0.5:10250: connect: connection refused');
      expect(await failure(adapter.exec(web.ref, { command: ['true'] }))).toMatchObject({
        code: 'VIM.UNREACHABLE',
        retryable: true,
      });
      expect((await adapter.exec(web.ref, { command: ['true'] })).exitCode).toBe(0);
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
