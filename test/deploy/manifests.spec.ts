import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ConfigError, loadConfig } from '../../src/config/env';
import { kubernetesValidator } from '../utils/kubernetes-schema';
import { applyJson6902, Build, kustomize, Obj, parseEnv, podContainers } from './kustomize';

/**
 * deploy/kubernetes: each overlay built as kustomize would, every object valid against the Kubernetes 1.32 schema,
 * and the properties the orchestrator depends on: three replicas on one PostgreSQL, the probes, the restricted Pod
 * Security Standard, a writable data folder on a read-only root, and only settings the service knows.
 */
const REPO = join(__dirname, '..', '..');
const ROOT = join(REPO, 'deploy', 'kubernetes');
const OVERLAYS = readdirSync(join(ROOT, 'overlays'));
const KNOWN_ENV = new Set(
  readFileSync(join(REPO, 'src', 'config', 'env.ts'), 'utf8')
    .match(/'MANO_[A-Z0-9_]+'/g)!
    .map((s) => s.slice(1, -1)),
);
const VERSION = (JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string }).version;

/** Always the committed example, never a user's git-ignored `*.env`: its secrets must not reach a test's output. */
const envFile = (path: string) => `${path}.example`;
const builds = new Map<string, Build>(OVERLAYS.map((o) => [o, kustomize(join(ROOT, 'overlays', o), envFile)]));

type Container = {
  name: string;
  image: string;
  ports?: { name?: string; containerPort: number }[];
  env?: { name: string; value?: string; valueFrom?: { secretKeyRef?: KeyRef; configMapKeyRef?: KeyRef } }[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  securityContext?: Obj;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  volumeMounts?: { name: string; mountPath: string }[];
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  startupProbe?: Probe;
};
type KeyRef = { name: string; key: string; optional?: boolean };
type Probe = { httpGet?: { path: string; port: string | number; scheme?: string } };
type PodSpec = { containers: Container[]; securityContext?: Obj; volumes?: (Obj & { name: string })[] } & Obj;

const find = (b: Build, kind: string, name: string) => {
  const o = b.objects.find((x) => x.kind === kind && (x.metadata as Obj).name === name);
  if (!o) throw new Error(`no ${kind} ${name}`);
  return o as Obj & { spec: Obj; metadata: Obj };
};
const podSpec = (o: Obj) => ((o.spec as Obj).template as Obj).spec as PodSpec;
const podLabels = (o: Obj) => (((o.spec as Obj).template as Obj).metadata as Obj).labels as Record<string, string>;
const selects = (selector: Record<string, string>, labels: Record<string, string>) =>
  Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels[k] === v);
const secretData = (b: Build, name: string) =>
  Object.fromEntries(
    Object.entries((find(b, 'Secret', name).data as Record<string, string>) ?? {}).map(([k, v]) => [
      k,
      Buffer.from(v, 'base64').toString(),
    ]),
  );
/** Environment of a container as the kubelet builds it: envFrom first, then env in order. */
function environment(b: Build, c: Container): { names: string[]; problems: string[] } {
  const names: string[] = [];
  const problems: string[] = [];
  for (const from of c.envFrom ?? []) {
    if (from.configMapRef) names.push(...Object.keys(find(b, 'ConfigMap', from.configMapRef.name).data as Obj));
    if (from.secretRef) names.push(...Object.keys(secretData(b, from.secretRef.name)));
  }
  for (const e of c.env ?? []) {
    for (const [, ref] of (e.value ?? '').matchAll(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g))
      if (!names.includes(ref)) problems.push(`${c.name}: ${e.name} uses $(${ref}), not defined before it`);
    const secret = e.valueFrom?.secretKeyRef;
    if (secret && !(secret.key in secretData(b, secret.name)))
      problems.push(`${c.name}: ${e.name}: Secret ${secret.name} has no key ${secret.key}`);
    const cm = e.valueFrom?.configMapKeyRef;
    if (cm && !(cm.key in (find(b, 'ConfigMap', cm.name).data as Obj)))
      problems.push(`${c.name}: ${e.name}: ConfigMap ${cm.name} has no key ${cm.key}`);
    names.push(e.name);
  }
  return { names, problems };
}

describe('deploy/kubernetes', () => {
  const validate = kubernetesValidator();

  it('has the two overlays, each building from the one base', () => {
    expect(OVERLAYS.sort()).toEqual(['bundled-postgres', 'external-postgres']);
  });

  it.each(OVERLAYS)('%s: every object is valid against the Kubernetes 1.32 schema, once, in the namespace', (overlay) => {
    const b = builds.get(overlay)!;
    const problems = b.objects.flatMap((o) =>
      validate(o).map((p) => `${String(o.kind)} ${String((o.metadata as Obj).name)}: ${p}`),
    );
    expect(problems).toEqual([]);
    const ids = b.objects.map((o) => `${String(o.kind)}/${String((o.metadata as Obj).name)}`);
    expect(ids.length).toBe(new Set(ids).size);
    expect(ids).toEqual(
      expect.arrayContaining([
        'Namespace/opencloudedge-mano',
        'Deployment/mano',
        'Service/mano',
        'Ingress/mano',
        'PodDisruptionBudget/mano',
        'NetworkPolicy/mano',
        'Secret/mano-secrets',
        'ConfigMap/mano-config',
      ]),
    );
    for (const o of b.objects.filter((x) => x.kind !== 'Namespace'))
      expect([ids[b.objects.indexOf(o)], (o.metadata as Obj).namespace]).toEqual([
        ids[b.objects.indexOf(o)],
        'opencloudedge-mano',
      ]);
  });

  it('reads every file under deploy/kubernetes in some overlay build (nothing there goes unchecked)', () => {
    const walk = (d: string): string[] =>
      readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(d, e.name)) : [join(d, e.name)]));
    const read = new Set([...builds.values()].flatMap((b) => [...b.files]));
    const unread = walk(ROOT)
      .filter((f) => !f.endsWith('.env') && !read.has(f))
      .map((f) => relative(ROOT, f));
    expect(unread).toEqual([]);
  });

  it.each(OVERLAYS)(
    '%s: the orchestrator runs 3 replicas, spread, probed on /readyz and /healthz over HTTPS, with an image of this version',
    (overlay) => {
      const b = builds.get(overlay)!;
      const deployment = find(b, 'Deployment', 'mano');
      expect(deployment.spec.replicas).toBe(3);
      const spec = podSpec(deployment);
      const [c] = spec.containers;
      expect(c.image).toBe(`opencloudedge-mano:${VERSION}`);
      const port = (p: string | number) => (typeof p === 'number' ? p : c.ports!.find((x) => x.name === p)!.containerPort);
      expect([c.readinessProbe!.httpGet!.path, port(c.readinessProbe!.httpGet!.port), c.readinessProbe!.httpGet!.scheme]).toEqual(
        ['/readyz', 9999, 'HTTPS'],
      );
      expect([c.livenessProbe!.httpGet!.path, port(c.livenessProbe!.httpGet!.port), c.livenessProbe!.httpGet!.scheme]).toEqual([
        '/healthz',
        9999,
        'HTTPS',
      ]);
      expect(c.startupProbe!.httpGet!.path).toBe('/healthz');
      const spread = spec.topologySpreadConstraints as {
        topologyKey: string;
        labelSelector: { matchLabels: Record<string, string> };
      }[];
      expect(spread.map((s) => s.topologyKey).sort()).toEqual(['kubernetes.io/hostname', 'topology.kubernetes.io/zone']);
      for (const s of spread) expect(selects(s.labelSelector.matchLabels, podLabels(deployment))).toBe(true);
    },
  );

  it.each(OVERLAYS)(
    '%s: every pod meets the restricted Pod Security Standard, on a read-only root with writable emptyDir volumes, with resources',
    (overlay) => {
      const b = builds.get(overlay)!;
      const workloads = b.objects.filter((o) => o.kind === 'Deployment' || o.kind === 'StatefulSet');
      expect(workloads.length).toBe(overlay === 'bundled-postgres' ? 2 : 1);
      for (const w of workloads) {
        const spec = podSpec(w);
        const pod = spec.securityContext as { runAsNonRoot?: boolean; runAsUser?: number; seccompProfile?: { type: string } };
        for (const host of ['hostNetwork', 'hostPID', 'hostIPC']) expect(spec[host]).not.toBe(true);
        expect((spec.volumes ?? []).filter((v) => v.hostPath)).toEqual([]);
        expect(spec.automountServiceAccountToken).toBe(false);
        for (const c of spec.containers) {
          const sc = c.securityContext as {
            runAsNonRoot?: boolean;
            runAsUser?: number;
            allowPrivilegeEscalation?: boolean;
            privileged?: boolean;
            readOnlyRootFilesystem?: boolean;
            capabilities?: { drop?: string[]; add?: string[] };
            seccompProfile?: { type: string };
          };
          const where = `${String((w.metadata as Obj).name)}/${c.name}`;
          expect([where, sc.runAsNonRoot ?? pod.runAsNonRoot, (sc.runAsUser ?? pod.runAsUser ?? 0) > 0]).toEqual([
            where,
            true,
            true,
          ]);
          expect([
            where,
            sc.allowPrivilegeEscalation,
            sc.privileged ?? false,
            sc.capabilities?.drop,
            sc.capabilities?.add ?? [],
          ]).toEqual([where, false, false, ['ALL'], []]);
          expect([where, (sc.seccompProfile ?? pod.seccompProfile)?.type]).toEqual([where, 'RuntimeDefault']);
          expect([where, sc.readOnlyRootFilesystem]).toEqual([where, true]);
          expect([where, Object.keys(c.resources?.requests ?? {}).sort(), c.resources?.limits?.memory !== undefined]).toEqual([
            where,
            ['cpu', 'memory'],
            true,
          ]);
          // every mount is a volume that exists; writable places are emptyDirs or the StatefulSet's claims
          const claims =
            ((w.spec as Obj).volumeClaimTemplates as { metadata: { name: string } }[] | undefined)?.map((t) => t.metadata.name) ??
            [];
          for (const m of c.volumeMounts ?? []) {
            const v = (spec.volumes ?? []).find((x) => x.name === m.name);
            expect([where, m.mountPath, v?.emptyDir !== undefined || claims.includes(m.name)]).toEqual([
              where,
              m.mountPath,
              true,
            ]);
          }
        }
      }
      const ns = find(b, 'Namespace', 'opencloudedge-mano');
      expect((ns.metadata.labels as Obj)['pod-security.kubernetes.io/enforce']).toBe('restricted');
      // the orchestrator writes /data (MANO_DATA_DIR) and /tmp
      const mano = podSpec(find(b, 'Deployment', 'mano')).containers[0];
      expect(mano.volumeMounts!.map((m) => m.mountPath).sort()).toEqual(['/data', '/tmp']);
      expect((find(b, 'ConfigMap', 'mano-config').data as Obj).MANO_DATA_DIR).toBe('/data');
    },
  );

  it.each(OVERLAYS)(
    '%s: the orchestrator gets only MANO_* settings src/config/env.ts knows, every reference resolves, and MANO_DB_URL is set',
    (overlay) => {
      const b = builds.get(overlay)!;
      for (const w of b.objects.filter((o) => o.kind === 'Deployment' || o.kind === 'StatefulSet')) {
        for (const c of podSpec(w).containers) {
          const { names, problems } = environment(b, c);
          expect(problems).toEqual([]);
          for (const n of names.filter((x) => x.startsWith('MANO_'))) expect([n, KNOWN_ENV.has(n)]).toEqual([n, true]);
        }
      }
      const mano = podSpec(find(b, 'Deployment', 'mano')).containers[0];
      const { names } = environment(b, mano);
      // without it each replica would run its own SQLite: replicas must share one PostgreSQL
      expect(names).toEqual(expect.arrayContaining(['MANO_DB_URL', 'MANO_SECRET_KEY', 'MANO_ADMIN_PASSWORD', 'MANO_HTTP_HOST']));
    },
  );

  it.each(OVERLAYS)(
    '%s: service links are off, as they must be: the variables the kubelet would derive from the Services are refused at start',
    (overlay) => {
      const b = builds.get(overlay)!;
      // what the kubelet injects for each Service of the namespace when enableServiceLinks is not false
      const links: Record<string, string> = {};
      for (const s of b.objects.filter((o) => o.kind === 'Service')) {
        const n = String((s.metadata as Obj).name)
          .toUpperCase()
          .replace(/-/g, '_');
        const [first, ...rest] = (s as { spec: { ports: { port: number; protocol?: string }[] } }).spec.ports;
        links[`${n}_SERVICE_HOST`] = '10.96.0.10';
        links[`${n}_SERVICE_PORT`] = String(first.port);
        links[`${n}_PORT`] = `tcp://10.96.0.10:${first.port}`;
        for (const p of [first, ...rest]) links[`${n}_PORT_${p.port}_${p.protocol ?? 'TCP'}`] = `tcp://10.96.0.10:${p.port}`;
      }
      expect(() => loadConfig(links)).toThrow(/MANO_SERVICE_HOST is not a known setting/);
      expect(() => loadConfig(links)).toThrow(/MANO_PORT='tcp:\/\/10\.96\.0\.10:9999' must be an integer/);
      for (const w of b.objects.filter((o) => o.kind === 'Deployment' || o.kind === 'StatefulSet'))
        expect([(w.metadata as Obj).name, podSpec(w).enableServiceLinks]).toEqual([(w.metadata as Obj).name, false]);
    },
  );

  it('bundled-postgres: MANO_DB_URL names the PostgreSQL Service, which selects the StatefulSet on its claim', () => {
    const b = builds.get('bundled-postgres')!;
    const mano = podSpec(find(b, 'Deployment', 'mano')).containers[0];
    const url = new URL(mano.env!.find((e) => e.name === 'MANO_DB_URL')!.value!.replace('$(DB_PASSWORD)', 'x'));
    const service = find(b, 'Service', url.hostname);
    const sts = find(b, 'StatefulSet', 'mano-postgres');
    expect(selects(service.spec.selector as Record<string, string>, podLabels(sts))).toBe(true);
    expect((service.spec.ports as { port: number }[]).map((p) => p.port)).toEqual([Number(url.port)]);
    expect(sts.spec.serviceName).toBe(service.metadata.name);
    const pg = podSpec(sts).containers[0];
    expect(url.username).toBe(pg.env!.find((e) => e.name === 'POSTGRES_USER')!.value);
    expect(url.pathname).toBe(`/${pg.env!.find((e) => e.name === 'POSTGRES_DB')!.value}`);
    expect(pg.image).toMatch(/^postgres:\d+\.\d+-\w+$/);
    const data = pg.volumeMounts!.find((m) => m.mountPath === '/var/lib/postgresql/data')!;
    expect((sts.spec.volumeClaimTemplates as { metadata: { name: string } }[]).map((t) => t.metadata.name)).toEqual([data.name]);
    // the same password reaches both: the orchestrator's DB_PASSWORD and PostgreSQL's POSTGRES_PASSWORD
    const ref = (c: Container, n: string) => c.env!.find((e) => e.name === n)!.valueFrom!.secretKeyRef;
    expect(ref(mano, 'DB_PASSWORD')).toEqual(ref(pg, 'POSTGRES_PASSWORD'));
    const policy = find(b, 'NetworkPolicy', 'mano-postgres');
    expect(selects((policy.spec.podSelector as { matchLabels: Record<string, string> }).matchLabels, podLabels(sts))).toBe(true);
    const from = ((policy.spec.ingress as Obj[])[0].from as { podSelector: { matchLabels: Record<string, string> } }[])[0];
    expect(selects(from.podSelector.matchLabels, podLabels(find(b, 'Deployment', 'mano')))).toBe(true);
  });

  it.each(OVERLAYS)(
    '%s: Service (9999, 9998), Ingress (TLS, cert-manager), PodDisruptionBudget and NetworkPolicy select the orchestrator',
    (overlay) => {
      const b = builds.get(overlay)!;
      const deployment = find(b, 'Deployment', 'mano');
      const labels = podLabels(deployment);
      const c = podSpec(deployment).containers[0];
      const service = find(b, 'Service', 'mano');
      expect(selects(service.spec.selector as Record<string, string>, labels)).toBe(true);
      const ports = service.spec.ports as { name: string; port: number; targetPort: string }[];
      expect(ports.map((p) => [p.port, c.ports!.find((x) => x.name === p.targetPort)?.containerPort])).toEqual([
        [9999, 9999],
        [9998, 9998],
      ]);
      const ingress = find(b, 'Ingress', 'mano');
      expect((ingress.metadata.annotations as Obj)['cert-manager.io/cluster-issuer']).toBeDefined();
      expect((ingress.metadata.annotations as Obj)['nginx.ingress.kubernetes.io/backend-protocol']).toBe('HTTPS');
      const tls = ingress.spec.tls as { hosts: string[]; secretName: string }[];
      const rules = ingress.spec.rules as {
        host: string;
        http: { paths: { backend: { service: { name: string; port: { name: string } } } }[] };
      }[];
      expect(tls[0].hosts).toEqual(rules.map((r) => r.host));
      const backend = rules[0].http.paths[0].backend.service;
      expect([backend.name, ports.find((p) => p.name === backend.port.name)?.port]).toEqual(['mano', 9999]);
      expect(
        selects(
          (find(b, 'PodDisruptionBudget', 'mano').spec.selector as { matchLabels: Record<string, string> }).matchLabels,
          labels,
        ),
      ).toBe(true);
      expect(find(b, 'PodDisruptionBudget', 'mano').spec.maxUnavailable).toBe(1);
      const policy = find(b, 'NetworkPolicy', 'mano');
      expect(selects((policy.spec.podSelector as { matchLabels: Record<string, string> }).matchLabels, labels)).toBe(true);
      // plain HTTP (9998) is open to this namespace only; the ingress controller gets HTTPS only
      const rulesIn = policy.spec.ingress as { from: Obj[]; ports: { port: string }[] }[];
      const http = rulesIn.filter((r) => r.ports.some((p) => p.port === 'http'));
      expect(http.map((r) => r.from)).toEqual([[{ podSelector: {} }]]);
    },
  );

  it('an unedited copy of the secret examples cannot start the service: its placeholders are refused', () => {
    const secrets = parseEnv(readFileSync(join(ROOT, 'base', 'secrets.env.example'), 'utf8'), 'secrets.env.example');
    const database = parseEnv(
      readFileSync(join(ROOT, 'overlays', 'external-postgres', 'database.env.example'), 'utf8'),
      'database.env.example',
    );
    const refused = (env: Record<string, string>) => {
      try {
        loadConfig(env);
        return '';
      } catch (e) {
        return e instanceof ConfigError ? e.message : String(e);
      }
    };
    expect(refused({ MANO_SECRET_KEY: secrets.MANO_SECRET_KEY })).toMatch(/MANO_SECRET_KEY must be 32 bytes/);
    expect(refused({ MANO_DB_URL: database.MANO_DB_URL })).toMatch(/MANO_DB_URL must be a postgres/);
    // and the documented way to make them is accepted
    expect(refused({ MANO_SECRET_KEY: 'ab'.repeat(32), MANO_DB_URL: 'postgresql://mano:0123abcd@mano-postgres:5432/mano' })).toBe(
      '',
    );
    // PostgreSQL's image refuses to initialise with an empty password
    expect(
      parseEnv(readFileSync(join(ROOT, 'overlays', 'bundled-postgres', 'postgres.env.example'), 'utf8'), 'x').POSTGRES_PASSWORD,
    ).toBe('');
  });

  it('the checks are not vacuous: a bad patch path, an unsupported field, a broken object and an unknown setting are caught', () => {
    const deployment = find(builds.get('external-postgres')!, 'Deployment', 'mano');
    expect(() => applyJson6902(deployment, [{ op: 'add', path: '/spec/template/spec/container/0/env/-', value: {} }])).toThrow(
      /container does not exist/,
    );
    expect(() => applyJson6902(deployment, [{ op: 'replace', path: '/spec/replica', value: 2 }])).toThrow(
      /replica does not exist/,
    );
    const patched = applyJson6902(deployment, [
      { op: 'replace', path: '/spec/replicas', value: 'three' },
      { op: 'add', path: '/spec/template/spec/containers/0/readinessProbe/httpGet/schema', value: 'HTTPS' },
    ]);
    expect((deployment.spec as Obj).replicas).toBe(3); // applied to a copy
    expect(validate(patched).join('\n')).toMatch(/replicas must be integer[\s\S]*additionalProperty":"schema"/);
    expect(() => kustomize(join(ROOT, 'base'), () => join(ROOT, 'no-such.env'))).toThrow(/no-such\.env/);
    const b = builds.get('external-postgres')!;
    const c = { ...podSpec(deployment).containers[0], env: [{ name: 'MANO_DB_URLS', value: '$(NOPE)' }] };
    expect(environment(b, c).problems).toEqual(['mano: MANO_DB_URLS uses $(NOPE), not defined before it']);
    expect(KNOWN_ENV.has('MANO_DB_URLS')).toBe(false);
    expect(podContainers([patched]).length).toBe(1);
  });
});
