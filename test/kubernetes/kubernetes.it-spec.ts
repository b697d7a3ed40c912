import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { AccountOperations } from '../../src/vims/account-operations';
import { describeVimAdapterConformance } from '../../vim-adapters/contract/test/conformance';
import { memoryStore } from '../../vim-adapters/contract/test/memory-store';
import { kubernetesFactory } from '../../vim-adapters/kubernetes/src';
import { onboardFolder, onboardWebserver, pollOp } from '../utils/lcm';
import { asJson, TestApp, useTestApp } from '../utils/test-app';

/**
 * Against a real Kubernetes API server (`MANO_IT_KUBECONFIG=<kubeconfig file>`; see README.md "Kubernetes
 * integration"): the contract's conformance suite, then the hello KNF and the example web server through the NBI,
 * with nothing of ours left after terminate.
 *
 * - `MANO_IT_K8S_READINESS=accepted`: a cluster without kubelets (the account's readiness mode `accepted`);
 * - `MANO_IT_K8S_MARK_READY=1`: this test plays the kubelet and marks our pods Running and Ready;
 * - `MANO_IT_K8S_EXEC=0`: no pod exec (no kubelet): the web server, whose day-1 runs in its pod, is left out.
 */
const kubeconfigFile = process.env.MANO_IT_KUBECONFIG;
// a real cluster pulls images and starts pods: minutes, not the unit tests' seconds
jest.setTimeout(300_000);
if (!kubeconfigFile)
  console.log('MANO_IT_KUBECONFIG is not set: the Kubernetes integration suite against a real cluster is skipped');
const readiness = process.env.MANO_IT_K8S_READINESS === 'accepted' ? 'accepted' : 'pods';
const withExec = process.env.MANO_IT_K8S_EXEC !== '0';
type Obj = Record<string, unknown>;

(kubeconfigFile ? describe : describe.skip)('Kubernetes VIM against a real cluster', () => {
  const kubeconfig = kubeconfigFile ? (parse(readFileSync(kubeconfigFile, 'utf8')) as Obj) : {};
  const config = { kubeconfig, readiness, readiness_timeout_s: 120 };
  let stopMarking = () => undefined as void;

  beforeAll(async () => {
    if (process.env.MANO_IT_K8S_MARK_READY !== '1') return;
    // the kubelet's part, for API servers without one: our pods become Running and Ready
    const k8s = await import('@kubernetes/client-node');
    const kc = new k8s.KubeConfig();
    kc.loadFromString(JSON.stringify(kubeconfig));
    const core = kc.makeApiClient(k8s.CoreV1Api);
    let stopped = false;
    const loop = async () => {
      while (!stopped) {
        // every pod in our namespaces: a KDU's pods carry their author's labels, not ours
        const namespaces = await core
          .listNamespace({ labelSelector: 'app.kubernetes.io/managed-by=opencloudedge-mano' })
          .catch(() => ({ items: [] }));
        const pods = { items: [] as Awaited<ReturnType<typeof core.listNamespacedPod>>['items'] };
        for (const ns of namespaces.items)
          pods.items.push(
            ...(await core.listNamespacedPod({ namespace: ns.metadata!.name! }).catch(() => ({ items: [] }))).items,
          );
        for (const pod of pods.items.filter((p) => p.status?.phase !== 'Running')) {
          const now = new Date();
          pod.status = {
            ...pod.status,
            phase: 'Running',
            podIP: '10.244.0.99',
            conditions: ['PodScheduled', 'Initialized', 'ContainersReady', 'Ready'].map((type) => ({
              type,
              status: 'True',
              lastTransitionTime: now,
            })),
          };
          await core
            .replaceNamespacedPodStatus({ name: pod.metadata!.name!, namespace: pod.metadata!.namespace!, body: pod })
            .catch(() => undefined);
        }
        await new Promise((r) => setTimeout(r, 500));
      }
    };
    void loop();
    stopMarking = () => void (stopped = true);
  });
  afterAll(() => stopMarking());

  describeVimAdapterConformance('kubernetes (real cluster)', {
    prefix: `mano-it${Date.now().toString(36)}`,
    image: 'docker.io/library/nginx:1.27-alpine',
    reportsUsage: false,
    fixedIps: false,
    provisionTimeoutMs: 120_000,
    provisioningOptional: readiness === 'accepted',
    setup: async () => {
      const adapter = await kubernetesFactory.connect(
        kubernetesFactory.parseAccount({ id: 'it', name: 'it', vimType: 'kubernetes', config }),
        { store: memoryStore(), workDir: '/nonexistent', log: () => undefined },
      );
      return { adapter, teardown: async () => undefined };
    },
  });

  describe('through the NBI', () => {
    let t: TestApp;
    let admin: string;
    let vim: string;
    useTestApp(async (app, token) => {
      t = app;
      admin = token;
      const res = await asJson(t.http.post('/osm/admin/v1/vim_accounts'), admin)
        .send({
          name: 'cluster',
          vim_type: 'kubernetes',
          vim_url: 'k8s',
          vim_user: 'k',
          vim_password: 'k',
          vim_tenant_name: 'k',
          config,
        })
        .expect(202);
      await t.app.get(AccountOperations).idle();
      const shown = (await asJson(t.http.get(`/osm/admin/v1/vim_accounts/${res.body.id}`), admin).expect(200)).body;
      expect(shown._admin).toMatchObject({ operationalState: 'ENABLED' });
      vim = res.body.id;
    });

    /** Every object of ours (by label) in the NS namespace, as `Kind name`. */
    const objectsOf = async (nsId: string): Promise<string[]> => {
      const k8s = await import('@kubernetes/client-node');
      const kc = new k8s.KubeConfig();
      kc.loadFromString(JSON.stringify(kubeconfig));
      const api = k8s.KubernetesObjectApi.makeApiClient(kc);
      const namespace = `mano-${nsId.replace(/-/g, '').slice(0, 8)}`;
      const kinds: [string, string][] = [
        ['apps/v1', 'Deployment'],
        ['v1', 'Service'],
        ['v1', 'ConfigMap'],
        ['networking.k8s.io/v1', 'NetworkPolicy'],
        ['networking.k8s.io/v1', 'Ingress'],
        ['apps/v1', 'StatefulSet'],
        ['v1', 'PersistentVolumeClaim'],
        ['v1', 'Secret'],
        ['v1', 'ServiceAccount'],
        ['rbac.authorization.k8s.io/v1', 'Role'],
        ['rbac.authorization.k8s.io/v1', 'RoleBinding'],
        ['autoscaling/v2', 'HorizontalPodAutoscaler'],
      ];
      const found: string[] = [];
      for (const [apiVersion, kind] of kinds) {
        const list = await api
          .list(
            apiVersion,
            kind,
            namespace,
            undefined,
            undefined,
            undefined,
            undefined,
            'app.kubernetes.io/managed-by=opencloudedge-mano',
          )
          .catch(() => ({ items: [] }));
        found.push(...list.items.map((o) => `${kind} ${o.metadata?.name}`));
      }
      return found.sort();
    };
    const run = async (nsdId: string, extra: Obj = {}) => {
      const created = await asJson(t.http.post('/osm/nslcm/v1/ns_instances_content'), admin)
        .send({ nsName: 'it', nsdId, vimAccountId: vim, ...extra })
        .expect(201);
      const op = await pollOp(t, admin, created.body.nslcmop_id, (o) => o.operationState !== 'PROCESSING', 180_000);
      return { nsId: created.body.id as string, op };
    };
    const terminate = async (nsId: string) => {
      const term = await asJson(t.http.post(`/osm/nslcm/v1/ns_instances/${nsId}/terminate`), admin)
        .send({})
        .expect(202);
      expect((await pollOp(t, admin, term.body.id, (o) => o.operationState !== 'PROCESSING', 180_000)).operationState).toBe(
        'COMPLETED',
      );
      expect(await objectsOf(nsId)).toEqual([]);
    };

    it('deploys the hello KNF (a KDU of plain manifests) and removes it', async () => {
      await onboardFolder(t, admin, 'hello_knf', 'vnf');
      const { nsId, op } = await run(await onboardFolder(t, admin, 'hello_ns', 'ns'));
      expect(op).toMatchObject({ operationState: 'COMPLETED' });
      const ns8 = nsId.replace(/-/g, '').slice(0, 8);
      expect(await objectsOf(nsId)).toEqual(
        expect.arrayContaining([
          'ConfigMap hello-page',
          `ConfigMap mano-${ns8}-1-hello-kdu`,
          'Deployment hello',
          'Service hello',
        ]),
      );
      await terminate(nsId);
    });

    (withExec ? it : it.skip)('deploys the example web server with its day-1 in the pod, and removes it', async () => {
      const { nsId, op } = await run(await onboardWebserver(t, admin));
      expect(op).toMatchObject({ operationState: 'COMPLETED' });
      const ns = `mano-${nsId.replace(/-/g, '').slice(0, 8)}`;
      expect(await objectsOf(nsId)).toEqual([
        `ConfigMap ${ns}-1-web-0-day0`,
        `Deployment ${ns}-1-web-0`,
        `Ingress ${ns}-1-web-0-intranet`,
        'NetworkPolicy mano-default-deny',
        `NetworkPolicy vl-${ns}-mgmtnet`,
        `Service ${ns}-1-web-0`,
      ]);
      // a zone becomes a node selector only when nodes carry it (issue 26: zone-less clusters are the common case)
      const k8s = await import('@kubernetes/client-node');
      const kc = new k8s.KubeConfig();
      kc.loadFromString(JSON.stringify(kubeconfig));
      const nodes = await kc.makeApiClient(k8s.CoreV1Api).listNode();
      const zones = new Set(nodes.items.map((n) => n.metadata?.labels?.['topology.kubernetes.io/zone']));
      const deployment = await kc.makeApiClient(k8s.AppsV1Api).readNamespacedDeployment({ name: `${ns}-1-web-0`, namespace: ns });
      const selected = deployment.spec?.template.spec?.nodeSelector?.['topology.kubernetes.io/zone'];
      if (selected !== undefined) expect(zones.has(selected)).toBe(true);
      await terminate(nsId);
    });

    // the SME applications (README "SME applications"): real images, day-1 in their pods; the grader grades in an
    // evaluation pod it creates through the API. Without exec only the one with no day-1 (object detection) runs.
    const sme: [string, string, string[]][] = [
      ['registry', 'registry_ns', ['StatefulSet', 'PersistentVolumeClaim', 'Ingress']],
      ['object detection', 'object_detection_ns', ['Deployment', 'HorizontalPodAutoscaler']],
      ['code grader', 'code_grader_ns', ['Role', 'RoleBinding', 'ServiceAccount']],
      ['crypto service', 'crypto_service_ns', ['StatefulSet', 'Secret', 'HorizontalPodAutoscaler']],
    ];
    for (const [what, nsd, kinds] of sme)
      (withExec || nsd === 'object_detection_ns' ? it : it.skip)(
        `deploys the ${what} package with no parameters, its day-1 in the pod, and removes it`,
        async () => {
          const folder = nsd.replace(/_ns$/, '');
          await onboardFolder(t, admin, `${folder}_vnf`, 'vnf');
          const { nsId, op } = await run(await onboardFolder(t, admin, `${folder}_ns`, 'ns'));
          expect([op.operationState, op.errorMessage]).toEqual(['COMPLETED', null]);
          const found = await objectsOf(nsId);
          for (const kind of kinds) expect(found.some((o) => o.startsWith(`${kind} `))).toBe(true);
          if (nsd === 'code_grader_ns') {
            const res = await asJson(t.http.post(`/osm/nslcm/v1/ns_instances/${nsId}/action`), admin)
              .send({
                member_vnf_index: '1',
                primitive: 'grade',
                primitive_params: {
                  language: 'c',
                  source: '#include <stdio.h>\nint main(void){int n; scanf("%d",&n); printf("%d\\n", 2*n); return 0;}',
                  tests: JSON.stringify([{ input: '21', output: '42' }]),
                },
              })
              .expect(202);
            const graded = await pollOp(t, admin, res.body.id, (o) => o.operationState !== 'PROCESSING', 180_000);
            expect(graded.operationState).toBe('COMPLETED');
            expect(String(graded.detailedStatus)).toContain('"summary": "passed"');
          }
          await terminate(nsId);
        },
      );
  });
});
