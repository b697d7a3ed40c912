import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { AccountOperations } from '../../src/vims/account-operations';
import { POD_WORK_DIR } from '../../vim-adapters/kubernetes/src/exec-protocol';
import { fakeApiServer, FakeApiServer, StoredObject } from '../../vim-adapters/kubernetes/test/fake-apiserver';
import { kubernetesValidator } from '../utils/kubernetes-schema';
import { DESCRIPTORS, onboardFolder, pollOp } from '../utils/lcm';
import { asJson, TestApp, useTestApp } from '../utils/test-app';

type Obj = Record<string, unknown>;
type Step = { key: string; kind: string; state: string; skipped?: string; result?: { exitCode: number; stdout: string } };

const PG_ADMIN_URL = process.env.MANO_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/**
 * The SME applications on a Kubernetes VIM, against the in-process API server: each package instantiated with no
 * parameters, its objects valid against the 1.32 schema, day-1 and every day-2 primitive run by pod exec — which the
 * fake runs with the local shell, so the scripts really run here: the registry's htpasswd file, the detector's
 * configuration, the grader's verdicts, the crypto service's schema, backup and restore on a throw-away PostgreSQL
 * database (MANO_TEST_PG_URL, as the PostgreSQL suite) — or fail with their precise reason where the service itself
 * is needed (a registry process, the YOLO model); terminate leaves nothing. An image that does not exist ends the
 * instantiation FAILED_TEMP with the kubelet's reason within the readiness timeout.
 */
// eight packages onboarded and a PostgreSQL dump on a shared 2-core machine: more than the default 30 s
jest.setTimeout(180_000);

describe('SME applications on Kubernetes (in-process API server)', () => {
  let t: TestApp;
  let admin: string;
  let api: FakeApiServer;
  let vim: string;
  const valid = kubernetesValidator();

  useTestApp(async (app, token) => {
    t = app;
    admin = token;
    api = await fakeApiServer();
    const res = await call('post', '/osm/admin/v1/vim_accounts', {
      name: 'k8s',
      vim_type: 'kubernetes',
      vim_url: api.url,
      vim_user: 'k8s',
      vim_password: 'unused',
      vim_tenant_name: 'k8s',
      config: { kubeconfig: api.kubeconfig, storage_class: 'ceph-rbd', readiness_timeout_s: 2 },
    }).expect(202);
    await t.app.get(AccountOperations).idle();
    vim = res.body.id;
    for (const p of ['registry', 'object_detection', 'code_grader', 'crypto_service']) {
      await onboardFolder(t, admin, `${p}_vnf`, 'vnf');
      await onboardFolder(t, admin, `${p}_ns`, 'ns');
    }
  });
  afterAll(() => api?.close());

  const call = (method: 'get' | 'post' | 'delete', path: string, body?: object) => {
    const req = asJson(t.http[method](path), admin);
    return body ? req.send(body) : req;
  };
  const settle = (opId: string) => pollOp(t, admin, opId, (o) => o.operationState !== 'PROCESSING', 60_000);
  const ours = () => api.objects().filter((o) => o.metadata.labels?.['app.kubernetes.io/managed-by'] === 'opencloudedge-mano');
  const applied = (ns: string) => ours().filter((o) => o.kind !== 'Pod' && o.metadata.namespace === ns);
  const kinds = (objs: StoredObject[]) => objs.map((o) => o.kind).sort();

  const instantiate = async (nsdId: string, extra: Obj = {}) => {
    const created = await call('post', '/osm/nslcm/v1/ns_instances_content', {
      nsName: nsdId,
      nsdId,
      vimAccountId: vim,
      ...extra,
    }).expect(201);
    const id = created.body.id as string;
    return { id, ns: `mano-${id.replace(/-/g, '').slice(0, 8)}`, op: await settle(created.body.nslcmop_id) };
  };
  const action = async (id: string, body: Obj) => {
    const res = await call('post', `/osm/nslcm/v1/ns_instances/${id}/action`, body).expect(202);
    return settle(res.body.id);
  };
  /** A failed primitive leaves its operation FAILED_TEMP (blocking the next): settled as failed. */
  const failed = async (op: Obj) => {
    expect(op.operationState).toBe('FAILED_TEMP');
    await call('post', `/osm/nslcm/v1/ns_lcm_op_occs/${String(op._id ?? op.id)}/fail`).expect(200);
    return String(op.errorMessage);
  };
  const terminate = async (id: string, ns: string) => {
    const term = await call('post', `/osm/nslcm/v1/ns_instances/${id}/terminate`, {}).expect(202);
    expect((await settle(term.body.id)).operationState).toBe('COMPLETED');
    await call('delete', `/osm/nslcm/v1/ns_instances/${id}`).expect(204);
    expect(api.objects().filter((o) => o.metadata.namespace === ns || o.metadata.name === ns)).toEqual([]);
  };
  const schemaValid = (ns: string) => {
    for (const obj of applied(ns)) {
      const { uid: _uid, creationTimestamp: _created, ...metadata } = obj.metadata;
      const { status: _status, ...rest } = obj;
      expect([obj.kind, valid({ ...rest, metadata })]).toEqual([obj.kind, []]);
    }
  };
  const day1 = (op: Obj) => (op.steps as Step[]).filter((s) => s.kind === 'primitive');

  it('registry: PVC, LoadBalancer Service, TLS Ingress; day-1 create-first-user and add-user/remove-user edit the htpasswd file in the pod; garbage-collect needs the registry process', async () => {
    rmSync(`${POD_WORK_DIR}/registry-files`, { recursive: true, force: true });
    const { id, ns, op } = await instantiate('registry_ns');
    expect([op.operationState, op.errorMessage]).toEqual(['COMPLETED', null]);
    expect(kinds(applied(ns))).toEqual(
      expect.arrayContaining(['ConfigMap', 'Ingress', 'PersistentVolumeClaim', 'Service', 'StatefulSet']),
    );
    const service = applied(ns).find((o) => o.kind === 'Service')!;
    expect((service.spec as Obj).type).toBe('LoadBalancer');
    const pvc = applied(ns).find((o) => o.kind === 'PersistentVolumeClaim')!;
    expect(pvc.spec).toMatchObject({ storageClassName: 'ceph-rbd', resources: { requests: { storage: '20Gi' } } });
    schemaValid(ns);
    const [first] = day1(op);
    expect(first).toMatchObject({ state: 'DONE', result: { exitCode: 0 } });
    expect(first.result!.stdout).toContain('user admin created');
    const htpasswd = () => readFileSync(`${POD_WORK_DIR}/registry-files/auth/htpasswd`, 'utf8');
    expect(htpasswd()).toMatch(/^admin:\$2[aby]\$/m);
    // the generated password stays on the volume, never in the operation's output
    const password = readFileSync(`${POD_WORK_DIR}/registry-files/auth/admin.password`, 'utf8').trim();
    expect(JSON.stringify(op)).not.toContain(password);

    const add = await action(id, {
      member_vnf_index: '1',
      primitive: 'add-user',
      primitive_params: { username: 'alice', password: 'secret-pass' },
    });
    expect([add.operationState, add.detailedStatus]).toEqual([
      'COMPLETED',
      expect.stringContaining('user alice added (2 user(s))'),
    ]);
    expect(htpasswd()).toMatch(/^alice:\$2[aby]\$/m);
    const remove = await action(id, { member_vnf_index: '1', primitive: 'remove-user', primitive_params: { username: 'alice' } });
    expect(remove.detailedStatus).toContain('user alice removed (1 user(s) left)');
    expect(htpasswd()).not.toContain('alice:');
    // a password the script refuses: its reason
    const short = await action(id, {
      member_vnf_index: '1',
      primitive: 'add-user',
      primitive_params: { username: 'bob', password: 'short' },
    });
    expect(await failed(short)).toContain('password must have at least 8 characters');
    // the registry's garbage collector is the registry binary itself: not in a pod the fake runs locally
    const gc = await action(id, { member_vnf_index: '1', primitive: 'garbage-collect' });
    expect(await failed(gc)).toContain('no registry here to collect garbage of');
    await terminate(id, ns);
  });

  it('object detection: Deployment and HPA (1..4 at 70 % CPU) from the scaling policy; set-threshold runs; set-model and detect need the service', async () => {
    const { id, ns, op } = await instantiate('object_detection_ns');
    expect([op.operationState, op.errorMessage]).toEqual(['COMPLETED', null]);
    expect(day1(op)).toEqual([]);
    const hpa = applied(ns).find((o) => o.kind === 'HorizontalPodAutoscaler')!;
    expect(hpa.spec).toMatchObject({
      minReplicas: 1,
      maxReplicas: 4,
      metrics: [{ resource: { name: 'cpu', target: { averageUtilization: 70 } } }],
    });
    schemaValid(ns);
    const threshold = await action(id, {
      member_vnf_index: '1',
      primitive: 'set-threshold',
      primitive_params: { threshold: 40 },
    });
    expect([threshold.operationState, threshold.detailedStatus]).toEqual([
      'COMPLETED',
      expect.stringContaining('"threshold": 40'),
    ]);
    const model = await action(id, { member_vnf_index: '1', primitive: 'set-model', primitive_params: { model: 'yolov8s.pt' } });
    expect(await failed(model)).toContain('set-model needs the ultralytics package');
    // an image URL that cannot be fetched (nothing listens on loopback port 9): named, before the service is asked
    const detect = await action(id, {
      member_vnf_index: '1',
      primitive: 'detect',
      primitive_params: { url: 'http://127.0.0.1:9/cat.jpg' },
    });
    expect(await failed(detect)).toContain('cannot fetch the image http://127.0.0.1:9/cat.jpg');
    await terminate(id, ns);
  });

  describe('crypto service: schema, backup and restore on a real PostgreSQL', () => {
    const db = `crypto_k8s_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
    const pgEnv = (): Record<string, string> => {
      const u = new URL(PG_ADMIN_URL);
      return {
        PGHOST: u.hostname,
        PGPORT: u.port || '5432',
        PGUSER: decodeURIComponent(u.username || 'postgres'),
        ...(u.password ? { PGPASSWORD: decodeURIComponent(u.password) } : {}),
        POSTGRES_DB: db,
        POSTGRES_USER: decodeURIComponent(u.username || 'postgres'),
      };
    };
    const query = async (sql: string) => {
      const u = new URL(PG_ADMIN_URL);
      u.pathname = `/${db}`;
      const c = new Client({ connectionString: u.toString() });
      await c.connect();
      try {
        return (await c.query(sql)).rows as Obj[];
      } finally {
        await c.end();
      }
    };
    beforeAll(async () => {
      const c = new Client({ connectionString: PG_ADMIN_URL });
      await c.connect();
      await c.query(`CREATE DATABASE ${db}`);
      await c.end();
      // the fake runs pod commands here, with the container's env: libpq's variables name the test database
      api.execEnv = pgEnv();
      rmSync(`${POD_WORK_DIR}/crypto-backups`, { recursive: true, force: true });
    });
    afterAll(async () => {
      api.execEnv = {};
      const c = new Client({ connectionString: PG_ADMIN_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
      await c.end();
    });

    it('StatefulSet on a PVC, generated Secret never in a record, web HPA; day-1 create-schema; backup, restore; rotate-credentials is for VMs', async () => {
      const { id, ns, op } = await instantiate('crypto_service_ns');
      expect([op.operationState, op.errorMessage]).toEqual(['COMPLETED', null]);
      expect(kinds(applied(ns))).toEqual(
        expect.arrayContaining(['Deployment', 'HorizontalPodAutoscaler', 'PersistentVolumeClaim', 'Secret', 'StatefulSet']),
      );
      schemaValid(ns);
      const secret = applied(ns).find((o) => o.kind === 'Secret') as unknown as { stringData?: Obj; data?: Obj };
      const password = String(Object.values(secret.stringData ?? secret.data ?? {})[0]);
      expect(password.length).toBeGreaterThan(8);
      const nsr = (await call('get', `/osm/nslcm/v1/ns_instances/${id}`).expect(200)).body;
      const vnfrs = (await call('get', `/osm/nslcm/v1/vnfrs?nsr-id-ref=${id}`).expect(200)).body;
      expect(JSON.stringify([nsr, vnfrs, op])).not.toContain(password);

      expect(day1(op)).toEqual([expect.objectContaining({ state: 'DONE', key: expect.stringContaining('create-schema') })]);
      expect(day1(op)[0].result!.stdout).toContain('schema ready: table validations');
      await query(`INSERT INTO validations (algorithm, valid, message_sha256) VALUES ('sha256', true, 'abc')`);

      const backup = await action(id, { member_vnf_index: '1', vdu_id: 'db', primitive: 'backup' });
      expect(backup.operationState).toBe('COMPLETED');
      const out = JSON.parse(/\{.*\}/.exec(String(backup.detailedStatus))![0]) as {
        backup: string;
        bytes: number;
        sha256: string;
      };
      const dump = readFileSync(out.backup);
      expect(out).toEqual({
        backup: `${POD_WORK_DIR}/crypto-backups/latest.dump`,
        bytes: dump.length,
        sha256: createHash('sha256').update(dump).digest('hex'),
      });

      await query('DELETE FROM validations');
      const restore = await action(id, { member_vnf_index: '1', vdu_id: 'db', primitive: 'restore' });
      expect([restore.operationState, restore.detailedStatus]).toEqual(['COMPLETED', expect.stringContaining('restored latest')]);
      expect(await query('SELECT algorithm, message_sha256 FROM validations')).toEqual([
        { algorithm: 'sha256', message_sha256: 'abc' },
      ]);
      const missing = await action(id, {
        member_vnf_index: '1',
        vdu_id: 'db',
        primitive: 'restore',
        primitive_params: { name: 'never-made' },
      });
      expect(await failed(missing)).toContain('no backup never-made');

      const rotate = await call('post', `/osm/nslcm/v1/ns_instances/${id}/action`, {
        member_vnf_index: '1',
        vdu_id: 'db',
        primitive: 'rotate-credentials',
      }).expect(422);
      expect(rotate.body.detail).toContain("primitive 'rotate-credentials' needs the real service, on a VIM of type openstack");
      await terminate(id, ns);
    });
  });

  it('code grader: Role on pods in its namespace, isolated-pods NetworkPolicy; day-1 health-check in the pod; grade in a throw-away evaluation pod made through the API', async () => {
    const { id, ns, op } = await instantiate('code_grader_ns');
    expect([op.operationState, op.errorMessage]).toEqual(['COMPLETED', null]);
    expect(kinds(applied(ns))).toEqual(
      expect.arrayContaining(['Ingress', 'NetworkPolicy', 'PersistentVolumeClaim', 'Role', 'RoleBinding', 'ServiceAccount']),
    );
    const isolated = applied(ns).find((o) => o.kind === 'NetworkPolicy' && o.metadata.name.endsWith('-isolated'))!;
    expect(isolated.spec).toEqual({
      podSelector: { matchLabels: { 'grader.mano.io/eval': 'true' } },
      policyTypes: ['Ingress', 'Egress'],
    });
    schemaValid(ns);
    expect(day1(op)[0].result!.stdout).toMatch(/^grader ready: Python 3/);
    // the web pod's ServiceAccount token, CA and namespace, as a kubelet mounts them; the API server is this one
    const sa = mkdtempSync(join(tmpdir(), 'grader-sa-'));
    writeFileSync(join(sa, 'token'), api.token);
    writeFileSync(join(sa, 'namespace'), ns);
    const cluster = (api.kubeconfig.clusters as { cluster: Record<string, string> }[])[0].cluster;
    writeFileSync(join(sa, 'ca.crt'), Buffer.from(cluster['certificate-authority-data'], 'base64'));
    const port = new URL(api.url).port;
    api.execEnv = { GRADER_SA_DIR: sa, KUBERNETES_SERVICE_HOST: '127.0.0.1', KUBERNETES_SERVICE_PORT: port };
    const tests = JSON.stringify([
      { input: '2\n', output: '4' },
      { input: '5\n', output: '10' },
    ]);
    const grade = async (language: string, source: string) => {
      const res = await action(id, {
        member_vnf_index: '1',
        primitive: 'grade',
        primitive_params: { language, source, tests, 'time-limit': 1 },
      });
      expect(res.operationState).toBe('COMPLETED');
      return (res.steps as Step[])[0]
        .result!.stdout.trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Obj);
    };
    expect((await grade('python3', 'print(int(input()) * 2)')).pop()).toEqual({ summary: 'passed', passed: 2, tests: 2 });
    expect((await grade('c', 'int main(void){ for(;;); }'))[0]).toEqual({ test: 1, verdict: 'timeout', seconds: 1 });
    expect((await grade('c', 'int main(void) { return missing; }'))[0]).toMatchObject({ verdict: 'compile-error' });
    // each submission in its own evaluation pod, created and deleted by the web pod through the API
    const evalPods = api.writes.filter((w) => w.startsWith('CREATE Pod'));
    expect(evalPods).toHaveLength(3);
    for (const w of evalPods) {
      expect(w).toMatch(new RegExp(`^CREATE Pod ${ns}/grade-[0-9a-f]{10}$`));
      expect(api.writes).toContain(w.replace('CREATE', 'DELETE'));
    }
    expect(api.objects().filter((o) => o.metadata.name.startsWith('grade-'))).toEqual([]);
    // the pod it makes: non-root, no token, CPU and memory limits, a deadline, isolated by its label; schema-valid
    const manifest = spawnSync('sh', [join(DESCRIPTORS, 'code_grader_vnf', 'scripts', 'grader.sh'), 'pod-manifest'], {
      input: JSON.stringify({ params: { language: 'c', source: 'x', tests, 'memory-limit': 128 } }),
      env: { ...process.env, ...api.execEnv, GRADER_IMAGE: 'docker.io/library/python:3.12.7-bookworm' },
      encoding: 'utf8',
    });
    const pod = JSON.parse(manifest.stdout) as StoredObject & { spec: Obj };
    expect(valid(pod)).toEqual([]);
    expect(pod.metadata.labels).toEqual({ 'grader.mano.io/eval': 'true', 'app.kubernetes.io/part-of': 'code-grader' });
    expect(pod.spec).toMatchObject({
      restartPolicy: 'Never',
      automountServiceAccountToken: false,
      activeDeadlineSeconds: 66,
      securityContext: { runAsNonRoot: true, runAsUser: 65534 },
      containers: [{ resources: { limits: { cpu: '1', memory: '192Mi' } } }],
    });
    api.execEnv = {};
    rmSync(sa, { recursive: true, force: true });
    await terminate(id, ns);
  });

  it('an image that does not exist: FAILED_TEMP within the readiness timeout, with the kubelet’s ErrImagePull; terminate leaves nothing', async () => {
    const started = Date.now();
    const { id, ns, op } = await instantiate('registry_ns', {
      additionalParamsForVnf: [
        { 'member-vnf-index': '1', additionalParams: { image_registry: 'registry.does-not-exist.example' } },
      ],
    });
    expect(op.operationState).toBe('FAILED_TEMP');
    expect(String(op.errorMessage)).toMatch(
      /not ready \d+ s after it was applied \(readiness_timeout_s 2\): .*container \S+ waiting \(ErrImagePull: .*registry\.does-not-exist\.example\/library\/registry:2\.8\.3/,
    );
    expect(Date.now() - started).toBeLessThan(30_000);
    await terminate(id, ns);
  });
});
