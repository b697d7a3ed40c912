import { join } from 'node:path';
import { AccountOperations } from '../../src/vims/account-operations';
import { fakeApiServer, FakeApiServer } from '../../vim-adapters/kubernetes/test/fake-apiserver';
import { kubernetesValidator } from '../utils/kubernetes-schema';
import { DESCRIPTORS, onboardFolder, onboardWebserver, pollOp } from '../utils/lcm';
import { folderEntries, makeTarGz } from '../utils/packages';
import { asJson, TestApp, useTestApp } from '../utils/test-app';

type Obj = Record<string, unknown>;

/**
 * The example web server on a Kubernetes VIM, through the NBI, against an in-process API server that plays the
 * cluster (pods become Ready, exec runs the command here): the documented objects and nothing else, each valid
 * against the Kubernetes 1.32 schema; day-1 and day-2 through pod exec; terminate leaves nothing of ours.
 */
describe('Kubernetes VIM through the NBI (in-process API server)', () => {
  let t: TestApp;
  let admin: string;
  let api: FakeApiServer;
  let vim: string;
  const valid = kubernetesValidator();

  useTestApp(async (app, token) => {
    t = app;
    admin = token;
    api = await fakeApiServer();
  });
  afterAll(() => api?.close());

  const call = (method: 'get' | 'post' | 'delete', path: string, body?: object) => {
    const req = asJson(t.http[method](path), admin);
    return body ? req.send(body) : req;
  };
  /** `osm k8scluster-add`: the fake cluster for a VIM account, checked until ENABLED. */
  const addCluster = async (name: string, vimAccount: string): Promise<string> => {
    const cluster = await call('post', '/osm/admin/v1/k8sclusters', {
      name,
      credentials: api.kubeconfig,
      vim_account: vimAccount,
      k8s_version: '1.32',
      nets: { mgmtnet: null },
    }).expect(202);
    await t.app.get(AccountOperations).idle();
    const shown = (await call('get', `/osm/admin/v1/k8sclusters/${cluster.body.id}`).expect(200)).body;
    expect(shown._admin.operationalState).toBe('ENABLED');
    return cluster.body.id as string;
  };
  const ours = () => api.objects().filter((o) => o.metadata.labels?.['app.kubernetes.io/managed-by'] === 'opencloudedge-mano');

  it('registers the cluster as a VIM account (vim_type kubernetes) and as an OSM k8scluster: ENABLED with its version', async () => {
    const res = await call('post', '/osm/admin/v1/vim_accounts', {
      name: 'k8s',
      vim_type: 'kubernetes',
      vim_url: api.url,
      vim_user: 'k8s',
      vim_password: 'unused',
      vim_tenant_name: 'k8s',
      config: { kubeconfig: api.kubeconfig, storage_class: 'ceph-rbd' },
    }).expect(202);
    await t.app.get(AccountOperations).idle();
    const shown = (await call('get', `/osm/admin/v1/vim_accounts/${res.body.id}`).expect(200)).body;
    expect(shown._admin).toMatchObject({
      operationalState: 'ENABLED',
      'detailed-status': `Kubernetes v1.32.0-fake at ${api.url}`,
    });
    expect(JSON.stringify(shown)).not.toContain(api.token);
    vim = res.body.id;

    await addCluster('cluster1', vim);
  });

  it('instantiates the web server: exactly the documented objects, schema-valid; day-1 and day-2 run in the pod; terminate leaves nothing', async () => {
    const nsdId = await onboardWebserver(t, admin);
    const created = await call('post', '/osm/nslcm/v1/ns_instances_content', {
      nsName: 'web-k8s',
      nsdId,
      vimAccountId: vim,
      additionalParamsForVnf: [{ 'member-vnf-index': '1', additionalParams: { greeting: 'Hello from Kubernetes' } }],
    }).expect(201);
    const op = await pollOp(t, admin, created.body.nslcmop_id, (o) => o.operationState !== 'PROCESSING', 30_000);
    expect(op).toMatchObject({ operationState: 'COMPLETED' });
    const configure = (op.steps as Obj[]).find((s) => String(s.key).includes('configure')) as { result: Obj } | undefined;
    expect(configure?.result).toMatchObject({ exitCode: 0, stdout: expect.stringContaining('configured') });

    const ns8 = String(created.body.id).replace(/-/g, '').slice(0, 8);
    const ns = `mano-${ns8}`;
    expect(
      ours()
        // pods are the cluster's doing (they carry the template's labels), not objects we apply
        .filter((o) => o.kind !== 'Pod')
        .map((o) => `${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}`)
        .sort(),
    ).toEqual([
      `ConfigMap ${ns}/${ns}-1-web-0-day0`,
      `Deployment ${ns}/${ns}-1-web-0`,
      `Ingress ${ns}/${ns}-1-web-0-intranet`,
      `Namespace /${ns}`,
      `NetworkPolicy ${ns}/mano-default-deny`,
      `NetworkPolicy ${ns}/vl-${ns}-mgmtnet`,
      `Service ${ns}/${ns}-1-web-0`,
    ]);
    for (const obj of ours().filter((o) => o.kind !== 'Pod')) {
      const { uid: _uid, creationTimestamp: _created, ...metadata } = obj.metadata;
      const { status: _status, ...applied } = obj;
      expect(valid({ ...applied, metadata })).toEqual([]);
    }
    const deployment = ours().find((o) => o.kind === 'Deployment') as unknown as {
      metadata: { labels: Record<string, string> };
      spec: { template: { spec: { containers: { image: string; resources: Obj }[] } } };
    };
    expect(deployment.spec.template.spec.containers[0]).toMatchObject({
      image: 'docker.io/library/nginx:1.27-alpine',
      resources: { requests: { cpu: '1000m', memory: '512Mi' }, limits: { cpu: '1000m', memory: '512Mi' } },
    });
    // the fake cluster's one node has no zone label: placement's zone "default" is no selector, and the pod is placed
    expect((deployment.spec.template.spec as Obj).nodeSelector).toBeUndefined();
    expect(
      ours()
        .filter((o) => o.kind === 'Pod')
        .map((o) => (o.spec as Obj).nodeName),
    ).toEqual(['fake-node-1']);
    expect(deployment.metadata.labels).toMatchObject({
      'mano.io/ns-instance': created.body.id,
      'mano.io/vdu': 'web',
      'mano.io/member-vnf-index': '1',
    });
    const day0 = ours().find((o) => o.kind === 'ConfigMap') as unknown as { data: Record<string, string> };
    expect(day0.data['user-data']).toContain('<h1>Hello from Kubernetes</h1>');

    const vnfrs = (await call('get', `/osm/nslcm/v1/vnfrs?nsr-id-ref=${created.body.id}`).expect(200)).body as Obj[];
    expect(vnfrs[0]['ip-address']).toEqual(expect.stringMatching(/^10\.96\./)); // the Service's cluster IP

    const action = await call('post', `/osm/nslcm/v1/ns_instances/${created.body.id}/action`, {
      member_vnf_index: '1',
      primitive: 'set-greeting',
      primitive_params: { greeting: 'from a pod' },
    }).expect(202);
    expect(await pollOp(t, admin, action.body.id, (o) => o.operationState !== 'PROCESSING', 30_000)).toMatchObject({
      operationState: 'COMPLETED',
      detailedStatus: expect.stringContaining('greeting set to: from a pod'),
    });

    const term = await call('post', `/osm/nslcm/v1/ns_instances/${created.body.id}/terminate`, {}).expect(202);
    expect((await pollOp(t, admin, term.body.id, (o) => o.operationState !== 'PROCESSING', 30_000)).operationState).toBe(
      'COMPLETED',
    );
    expect(ours()).toEqual([]);
    expect(api.objects().filter((o) => o.metadata.namespace === ns)).toEqual([]);
  });

  it('pods that never become ready end the operation FAILED_TEMP at the readiness timeout, with the pods’ conditions; retry completes once they can', async () => {
    const res = await call('post', '/osm/admin/v1/vim_accounts', {
      name: 'k8s-no-kubelet',
      vim_type: 'kubernetes',
      vim_url: api.url,
      vim_user: 'k8s',
      vim_password: 'unused',
      vim_tenant_name: 'k8s',
      config: { kubeconfig: api.kubeconfig, readiness_timeout_s: 1 },
    }).expect(202);
    await t.app.get(AccountOperations).idle();
    api.podsBecomeReady = false;
    const nsds = (await call('get', '/osm/nsd/v1/ns_descriptors?id=webserver_ns').expect(200)).body as Obj[];
    const created = await call('post', '/osm/nslcm/v1/ns_instances_content', {
      nsName: 'stuck',
      nsdId: nsds[0]._id,
      vimAccountId: res.body.id,
    }).expect(201);
    const op = await pollOp(t, admin, created.body.nslcmop_id, (o) => o.operationState !== 'PROCESSING', 30_000);
    expect(op.operationState).toBe('FAILED_TEMP');
    expect(String(op.errorMessage)).toMatch(
      /failed in the VIM: not ready \d+ s after it was applied .*PodScheduled=False \(Unschedulable/,
    );
    // the cluster gets its nodes: retry applies the workload again (it was observed Failed), which waits anew
    api.podsBecomeReady = true;
    await call('post', `/osm/nslcm/v1/ns_lcm_op_occs/${created.body.nslcmop_id}/retry`).expect(202);
    expect(
      (await pollOp(t, admin, created.body.nslcmop_id, (o) => o.operationState !== 'PROCESSING', 30_000)).operationState,
    ).toBe('COMPLETED');
    const term = await call('post', `/osm/nslcm/v1/ns_instances/${created.body.id}/terminate`, {}).expect(202);
    expect((await pollOp(t, admin, term.body.id, (o) => o.operationState !== 'PROCESSING', 30_000)).operationState).toBe(
      'COMPLETED',
    );
    expect(ours()).toEqual([]);
  });

  it('checks the vdu kubernetes extension at onboarding: a port on an unknown connection point, an unknown field', async () => {
    const upload = async (edit: (vnfd: string) => string) => {
      const entries = folderEntries(join(DESCRIPTORS, 'webserver_vnf'), 'webserver_vnf').map((e) =>
        e.name.endsWith('vnfd.yaml')
          ? { ...e, content: edit(String(e.content)).replace(/id: webserver_vnf/, 'id: k8s_ext_vnf') }
          : e,
      );
      const body = await makeTarGz(entries);
      // the answer itself (a supertest request is a thenable: it would be sent by the async function's return)
      return (await asJson(t.http.post('/osm/vnfpkgm/v1/vnf_packages_content'), admin)
        .set('Content-Type', 'application/gzip')
        .send(body)
        .expect(422)) as { body: { detail: string } };
    };
    const unknownCpd = await upload((v) => v.replace('- cpd: web-eth0-int', '- cpd: web-eth9-int'));
    expect(unknownCpd.body.detail).toContain(
      "vnfd.vdu[0].kubernetes.ports[0].cpd: 'web-eth9-int' is not an int-cpd id of this VDU",
    );
    const unknownField = await upload((v) => v.replace('tls: true', 'tls: true\n              wildcard: true'));
    expect(unknownField.body.detail).toContain('vnfd.vdu[0].kubernetes.ports[0].http.wildcard');
  });

  describe('KDUs (manifest-file)', () => {
    let nsdId: string;
    beforeAll(async () => {
      await onboardFolder(t, admin, 'hello_knf', 'vnf');
      nsdId = await onboardFolder(t, admin, 'hello_ns', 'ns');
    });
    const instantiate = (vimAccountId: string, extra: Obj = {}) =>
      call('post', '/osm/nslcm/v1/ns_instances_content', { nsName: 'hello', nsdId, vimAccountId, ...extra });

    it('deploys the hello KDU with its parameters into the NS namespace, records it in kdur, and removes it on terminate', async () => {
      const created = await instantiate(vim, {
        additionalParamsForVnf: [
          {
            'member-vnf-index': '1',
            additionalParamsForKdu: [{ kdu_name: 'hello', additionalParams: { message: 'Hi KDU', replicas: 2 } }],
          },
        ],
      }).expect(201);
      const op = await pollOp(t, admin, created.body.nslcmop_id, (o) => o.operationState !== 'PROCESSING', 30_000);
      expect(op).toMatchObject({ operationState: 'COMPLETED' });
      const ns = `mano-${String(created.body.id).replace(/-/g, '').slice(0, 8)}`;
      const kduObjects = ours().filter((o) => o.metadata.labels?.['mano.io/kdu'] === 'hello' && o.kind !== 'Pod');
      expect(kduObjects.map((o) => `${o.kind} ${o.metadata.namespace}/${o.metadata.name}`).sort()).toEqual([
        `ConfigMap ${ns}/hello-page`,
        `ConfigMap ${ns}/${ns}-1-hello-kdu`,
        `Deployment ${ns}/hello`,
        `Service ${ns}/hello`,
      ]);
      for (const obj of kduObjects) {
        const { uid: _uid, creationTimestamp: _created, ...metadata } = obj.metadata;
        const { status: _status, ...applied } = obj;
        expect(valid({ ...applied, metadata })).toEqual([]);
      }
      expect((kduObjects.find((o) => o.metadata.name === 'hello-page') as unknown as { data: Obj }).data['index.html']).toContain(
        '<h1>Hi KDU</h1>',
      );
      expect((kduObjects.find((o) => o.kind === 'Deployment') as unknown as { spec: Obj }).spec.replicas).toBe(2);
      const vnfrs = (await call('get', `/osm/nslcm/v1/vnfrs?nsr-id-ref=${created.body.id}`).expect(200)).body as Obj[];
      expect(vnfrs[0].kdur).toEqual([
        expect.objectContaining({ 'kdu-name': 'hello', 'k8s-cluster': { id: vim }, 'k8s-namespace': ns, status: 'READY' }),
      ]);

      const term = await call('post', `/osm/nslcm/v1/ns_instances/${created.body.id}/terminate`, {}).expect(202);
      expect((await pollOp(t, admin, term.body.id, (o) => o.operationState !== 'PROCESSING', 30_000)).operationState).toBe(
        'COMPLETED',
      );
      expect(ours()).toEqual([]);
    });

    it('on a VIM without Kubernetes: 422 until a cluster is registered for it (osm k8scluster-add --vim), then deployed there', async () => {
      const emulator = (await call('get', '/osm/admin/v1/vim_accounts?name=emulator').expect(200)).body[0]._id as string;
      const refused = await instantiate(emulator).expect(422);
      expect(refused.body.detail).toMatch(/has KDUs, and VIM .* is not a Kubernetes VIM nor has a Kubernetes cluster/);

      const cluster = await addCluster('edge-cluster', emulator);
      const created = await instantiate(emulator).expect(201);
      const op = await pollOp(t, admin, created.body.nslcmop_id, (o) => o.operationState !== 'PROCESSING', 30_000);
      expect(op).toMatchObject({ operationState: 'COMPLETED' });
      expect(ours().some((o) => o.kind === 'Deployment' && o.metadata.name === 'hello')).toBe(true);
      const vnfrs = (await call('get', `/osm/nslcm/v1/vnfrs?nsr-id-ref=${created.body.id}`).expect(200)).body as Obj[];
      expect((vnfrs[0].kdur as Obj[])[0]['k8s-cluster']).toEqual({ id: cluster });
      // its KDU lives there: the cluster cannot go before the NS
      const inUse = await call('delete', `/osm/admin/v1/k8sclusters/${cluster}`).expect(409);
      expect(inUse.body.detail).toMatch(/Kubernetes cluster 'edge-cluster' is used by NS instance 'hello'/);
      const term = await call('post', `/osm/nslcm/v1/ns_instances/${created.body.id}/terminate`, {}).expect(202);
      expect((await pollOp(t, admin, term.body.id, (o) => o.operationState !== 'PROCESSING', 30_000)).operationState).toBe(
        'COMPLETED',
      );
      expect(ours()).toEqual([]);
    });

    it('onboards a Helm KNF, and refuses it at instantiate without helm on PATH, naming the KDU and how to install helm', async () => {
      const { readFileSync } = await import('node:fs');
      const corpus = join(__dirname, '..', '..', '..', 'shared', 'corpus', 'osm-indiv-duchuyset');
      await asJson(t.http.post('/osm/vnfpkgm/v1/vnf_packages_content'), admin)
        .set('Content-Type', 'text/plain')
        .send(readFileSync(join(corpus, 'openldap_knf', 'openldap_vnfd.yaml')))
        .expect(201);
      const nsd = await asJson(t.http.post('/osm/nsd/v1/ns_descriptors_content'), admin)
        .set('Content-Type', 'text/plain')
        .send(readFileSync(join(corpus, 'openldap_ns', 'openldap_nsd.yaml')))
        .expect(201);
      const instantiate = () =>
        call('post', '/osm/nslcm/v1/ns_instances_content', { nsName: 'ldap', nsdId: nsd.body.id, vimAccountId: vim });
      const noRepo = await instantiate().expect(422);
      expect(noRepo.body.detail).toContain(
        "vnfd openldap_knf kdu 'ldap': helm-chart stable/openldap: there is no Helm repository 'stable' (register it: osm repo-add",
      );
      await call('post', '/osm/admin/v1/k8srepos', {
        name: 'stable',
        type: 'helm-chart',
        url: 'http://127.0.0.1:9/charts',
      }).expect(202);
      const saved = process.env.PATH;
      process.env.PATH = '/nonexistent';
      try {
        const refused = await instantiate().expect(422);
        expect(refused.body.detail).toContain(
          'KDU ldap (helm-chart stable/openldap) needs the Helm 3 CLI, and there is no helm on PATH here',
        );
        expect(refused.body.detail).toContain('https://helm.sh/docs/intro/install/');
      } finally {
        process.env.PATH = saved;
      }
      const left = (await call('get', '/osm/nslcm/v1/ns_instances').expect(200)).body as Obj[];
      expect(left.filter((n) => n.name === 'ldap')).toEqual([]);
    });
  });

  describe('kubeconfig allow-list and KDU policy', () => {
    const vimBody = (name: string, config: Obj) => ({
      name,
      vim_type: 'kubernetes',
      vim_url: api.url,
      vim_user: 'k8s',
      vim_password: 'unused',
      vim_tenant_name: 'k8s',
      config,
    });

    it('refuses a kubeconfig naming host files or commands with 422 naming the field, before any connection (vim_accounts and k8sclusters)', async () => {
      const { createServer } = await import('node:http');
      const seen: string[] = [];
      const attacker = createServer((req, res) => {
        seen.push(`${req.method} ${req.url} ${req.headers.authorization ?? ''}`);
        res.end('{}');
      });
      await new Promise<void>((r) => attacker.listen(0, '127.0.0.1', r));
      const server = `http://127.0.0.1:${(attacker.address() as { port: number }).port}`;
      try {
        const stealing = {
          ...api.kubeconfig,
          clusters: [{ name: 'fake', cluster: { server } }],
          users: [{ name: 'mano', user: { 'token-file': '/etc/hostname' } }],
        };
        const before = (await call('get', '/osm/admin/v1/vim_accounts').expect(200)).body.length as number;
        const refused = await call('post', '/osm/admin/v1/vim_accounts', vimBody('thief', { kubeconfig: stealing })).expect(422);
        expect(refused.body.detail).toMatch(/^config\.kubeconfig\.users\[0\]\.user\.token-file: is refused: it names a file/);
        const asCluster = await call('post', '/osm/admin/v1/k8sclusters', {
          name: 'thief',
          credentials: { ...stealing, users: [{ name: 'mano', user: { exec: { command: '/bin/sh' } } }] },
          vim_account: vim,
          k8s_version: '1.32',
          nets: { mgmtnet: null },
        }).expect(422);
        expect(asCluster.body.detail).toMatch(/^credentials\.users\[0\]\.user\.exec: is refused: it would run a command/);
        const unknown = await call(
          'post',
          '/osm/admin/v1/vim_accounts',
          vimBody('thief', { kubeconfig: { ...api.kubeconfig, users: [{ name: 'mano', user: { token: 'x', as: 'admin' } }] } }),
        ).expect(422);
        expect(unknown.body.detail).toContain('config.kubeconfig.users[0].user.as: is not an accepted kubeconfig field');
        await t.app.get(AccountOperations).idle();
        // nothing stored, nothing sent, and the file's content (or whether it exists) nowhere
        expect((await call('get', '/osm/admin/v1/vim_accounts').expect(200)).body).toHaveLength(before);
        expect(seen).toEqual([]);
        const hostname = (await import('node:fs')).readFileSync('/etc/hostname', 'utf8').trim();
        expect(JSON.stringify([refused.body, asCluster.body])).not.toContain(hostname);
      } finally {
        await new Promise<void>((r) => attacker.close(() => r()));
      }
    });

    it('checks the KDU policy keys of k8sclusters config at registration', async () => {
      const bad = await call('post', '/osm/admin/v1/k8sclusters', {
        name: 'policy',
        credentials: api.kubeconfig,
        vim_account: vim,
        k8s_version: '1.32',
        nets: { mgmtnet: null },
        config: { allow_rbac: 'yes' },
      }).expect(422);
      expect(bad.body.detail).toContain('config.allow_rbac: must be true or false');
    });

    /** The hello KNF with its manifest edited, under new ids. */
    const onboardVariant = async (id: string, edit: (manifest: string) => string): Promise<string> => {
      const entries = (folder: string, ext: string) =>
        folderEntries(join(DESCRIPTORS, folder), folder).map((e) => ({
          ...e,
          content: e.name.endsWith('hello.yaml')
            ? edit(String(e.content))
            : e.name.endsWith(ext)
              ? String(e.content)
                  .replace(/hello_knf/g, `${id}_knf`)
                  .replace(/hello_ns/g, `${id}_ns`)
              : e.content,
        }));
      for (const [folder, url] of [
        ['hello_knf', '/osm/vnfpkgm/v1/vnf_packages_content'],
        ['hello_ns', '/osm/nsd/v1/ns_descriptors_content'],
      ])
        await asJson(t.http.post(url), admin)
          .set('Content-Type', 'application/gzip')
          .send(await makeTarGz(entries(folder, '.yaml')))
          .expect(201);
      return (await call('get', `/osm/nsd/v1/ns_descriptors?id=${id}_ns`).expect(200)).body[0]._id as string;
    };

    it('refuses a privileged KDU at instantiate with 422 naming the KDU, the object and the field, before anything is created', async () => {
      const nsdId = await onboardVariant('hostile', (m) =>
        m
          .replace('automountServiceAccountToken: false', 'automountServiceAccountToken: false\n      hostNetwork: true')
          .replace(
            '- name: page\n          configMap:',
            '- name: root\n          hostPath: { path: / }\n        - name: page\n          configMap:',
          ),
      );
      const writes = api.writes.length;
      const refused = await call('post', '/osm/nslcm/v1/ns_instances_content', {
        nsName: 'hostile',
        nsdId,
        vimAccountId: vim,
      }).expect(422);
      expect(refused.body.detail).toContain(
        'vnf[1].kdu[hello].Deployment/hello.spec.template.spec.hostNetwork: shares the node’s namespaces: refused unless the account sets allow_host_namespaces',
      );
      expect(refused.body.detail).toContain('vnf[1].kdu[hello].Deployment/hello.spec.template.spec.volumes[0].hostPath');
      expect(api.writes.length).toBe(writes);
      expect((await call('get', '/osm/nslcm/v1/ns_instances?name=hostile').expect(200)).body).toEqual([]);
    });

    it('deploys a grader-like KDU (own evaluation namespace, Role, RoleBinding) where the account allows RBAC and namespaces; terminate removes it all', async () => {
      const grader = `---
apiVersion: v1
kind: Namespace
metadata:
  name: eval
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: grader
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: runner
  namespace: eval
rules:
  - apiGroups: ['']
    resources: [pods, pods/log]
    verbs: [create, get, list, delete]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: grader-runner
  namespace: eval
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: Role, name: runner }
subjects: [{ kind: ServiceAccount, name: grader }]
`;
      const nsdId = await onboardVariant('grader', (m) => m + grader);
      const refused = await call('post', '/osm/nslcm/v1/ns_instances_content', {
        nsName: 'grader',
        nsdId,
        vimAccountId: vim,
      }).expect(422);
      expect(refused.body.detail).toContain(
        'vnf[1].kdu[hello].Namespace/eval.kind: Namespace is refused unless the account sets allow_namespaces: true',
      );
      expect(refused.body.detail).toContain(
        'vnf[1].kdu[hello].Role/runner.kind: Role.rbac.authorization.k8s.io is refused unless the account sets allow_rbac: true',
      );

      const account = await call(
        'post',
        '/osm/admin/v1/vim_accounts',
        vimBody('k8s-grader', { kubeconfig: api.kubeconfig, allow_rbac: true, allow_namespaces: true }),
      ).expect(202);
      await t.app.get(AccountOperations).idle();
      const created = await call('post', '/osm/nslcm/v1/ns_instances_content', {
        nsName: 'grader',
        nsdId,
        vimAccountId: account.body.id,
      }).expect(201);
      const op = await pollOp(t, admin, created.body.nslcmop_id, (o) => o.operationState !== 'PROCESSING', 30_000);
      expect(op).toMatchObject({ operationState: 'COMPLETED' });
      const ns = `mano-${String(created.body.id).replace(/-/g, '').slice(0, 8)}`;
      const mine = ours()
        .filter((o) => o.kind !== 'Pod')
        .map((o) => `${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}`);
      expect(mine).toEqual(
        expect.arrayContaining([
          `Namespace /${ns}-eval`,
          `ServiceAccount ${ns}/grader`,
          `Role ${ns}-eval/runner`,
          `RoleBinding ${ns}-eval/grader-runner`,
        ]),
      );
      const binding = ours().find((o) => o.kind === 'RoleBinding') as unknown as { subjects: Obj[] };
      expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'grader', namespace: ns }]);
      for (const obj of ours().filter((o) => o.kind !== 'Pod')) {
        const { uid: _uid, creationTimestamp: _created, ...metadata } = obj.metadata;
        const { status: _status, ...applied } = obj;
        expect(valid({ ...applied, metadata })).toEqual([]);
      }
      const term = await call('post', `/osm/nslcm/v1/ns_instances/${created.body.id}/terminate`, {}).expect(202);
      expect((await pollOp(t, admin, term.body.id, (o) => o.operationState !== 'PROCESSING', 30_000)).operationState).toBe(
        'COMPLETED',
      );
      expect(ours()).toEqual([]);
    });
  });
});
