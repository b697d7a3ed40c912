import { DesiredKdu } from '../../contract/src';
import { checkKduObjects, DEFAULT_KDU_POLICY, parseKduPolicy } from '../src/kdu-policy';
import { DEFAULT_MAPPING, kduManifests } from '../src/manifests';

type Obj = Record<string, unknown>;
const deployment = (podSpec: Obj, name = 'web'): Obj => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name },
  spec: { selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: podSpec } },
});
const container = (extra: Obj = {}) => ({ name: 'main', image: 'nginx', ...extra });
const problems = (objects: Obj[], config: Obj = {}) =>
  checkKduObjects(objects, parseKduPolicy(config)).map((p) => `${p.object}: ${p.field}`);

describe('KDU policy: an allow-list of namespaced kinds, pod security checked in every pod template', () => {
  it('accepts the base kinds and refuses anything else by kind, naming how to allow it', () => {
    const base = [
      deployment({ containers: [container()] }),
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 's' } },
      { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' } },
      { apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'c' } },
      { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'p' } },
      { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'h' } },
    ];
    expect(problems(base)).toEqual([]);
    const refused = checkKduObjects(
      [
        { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'root' } },
        { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'r' } },
        { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'eval' } },
        { apiVersion: 'cert-manager.io/v1', kind: 'Certificate', metadata: { name: 'tls' } },
        { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'x' } },
        // a kind with the name of a base kind in another group is not that kind
        { apiVersion: 'evil.io/v1', kind: 'Deployment', metadata: { name: 'd' } },
      ],
      DEFAULT_KDU_POLICY,
    );
    expect(refused.map((p) => `${p.object}: ${p.message}`)).toEqual([
      expect.stringMatching(
        /^ClusterRole root: ClusterRole.rbac.authorization.k8s.io is cluster-wide: refused unless the account's allowed_kinds/,
      ),
      expect.stringMatching(/^Role r: .*allow_rbac: true/),
      expect.stringMatching(/^Namespace eval: .*allow_namespaces: true/),
      expect.stringMatching(/^Certificate tls: .*add it to the account's allowed_kinds \(cert-manager.io\/Certificate\)/),
      expect.stringMatching(/^CustomResourceDefinition x: .*cluster-wide/),
      expect.stringMatching(/^Deployment d: Deployment.evil.io is not among the kinds/),
    ]);
  });

  it('widens by the account: allowed_kinds (either spelling), allow_rbac, allow_namespaces; ClusterRole bindings only when named', () => {
    const objects = [
      { apiVersion: 'cert-manager.io/v1', kind: 'Certificate', metadata: { name: 'tls' } },
      { apiVersion: 'cert-manager.io/v1', kind: 'Issuer', metadata: { name: 'ca' } },
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'r' } },
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        metadata: { name: 'rb' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
      },
      {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name: 'eval', labels: { 'pod-security.kubernetes.io/enforce': 'privileged' } },
      },
    ];
    const config = {
      allowed_kinds: ['cert-manager.io/v1/Certificate', 'Issuer.cert-manager.io'],
      allow_rbac: true,
      allow_namespaces: true,
    };
    expect(problems(objects, config)).toEqual([
      'RoleBinding rb: roleRef.kind',
      'Namespace eval: metadata.labels.pod-security.kubernetes.io/enforce',
    ]);
    expect(
      problems(objects, {
        ...config,
        allowed_kinds: [...config.allowed_kinds, 'rbac.authorization.k8s.io/v1/ClusterRole'],
        allow_privileged: true,
      }),
    ).toEqual([]);
    expect(() => parseKduPolicy({ allowed_kinds: ['not a kind'] })).toThrow(
      expect.objectContaining({ path: 'config.allowed_kinds[0]' }),
    );
    expect(() => parseKduPolicy({ allow_rbac: 'yes' })).toThrow(expect.objectContaining({ path: 'config.allow_rbac' }));
  });

  it('refuses privileged pods, host namespaces and paths, added capabilities, escalation and uid 0 in any pod template', () => {
    const risky = [
      deployment({
        hostNetwork: true,
        hostPID: true,
        securityContext: { runAsUser: 0 },
        volumes: [{ name: 'root', hostPath: { path: '/' } }],
        initContainers: [container({ securityContext: { privileged: true } })],
        containers: [
          container({
            ports: [{ containerPort: 80, hostPort: 80 }],
            securityContext: { allowPrivilegeEscalation: true, runAsUser: 0, capabilities: { add: ['NET_ADMIN', 'SYS_ADMIN'] } },
          }),
        ],
      }),
      {
        apiVersion: 'batch/v1',
        kind: 'CronJob',
        metadata: { name: 'nightly' },
        spec: { jobTemplate: { spec: { template: { spec: { hostIPC: true, containers: [container()] } } } } },
      },
      {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'p' },
        spec: { containers: [container({ securityContext: { privileged: true } })] },
      },
      // a custom resource that carries a pod template is checked as well
      {
        apiVersion: 'argoproj.io/v1alpha1',
        kind: 'Rollout',
        metadata: { name: 'r' },
        spec: { template: { spec: { containers: [container()], volumes: [{ name: 'h', hostPath: { path: '/var/run' } }] } } },
      },
    ];
    const t = 'spec.template.spec';
    expect(problems(risky, { allowed_kinds: ['Rollout.argoproj.io'] })).toEqual([
      `Deployment web: ${t}.hostNetwork`,
      `Deployment web: ${t}.hostPID`,
      `Deployment web: ${t}.volumes[0].hostPath`,
      `Deployment web: ${t}.securityContext.runAsUser`,
      `Deployment web: ${t}.initContainers[0].securityContext.privileged`,
      `Deployment web: ${t}.containers[0].ports[0].hostPort`,
      `Deployment web: ${t}.containers[0].securityContext.allowPrivilegeEscalation`,
      `Deployment web: ${t}.containers[0].securityContext.runAsUser`,
      `Deployment web: ${t}.containers[0].securityContext.capabilities.add`,
      'CronJob nightly: spec.jobTemplate.spec.template.spec.hostIPC',
      'Pod p: spec.containers[0].securityContext.privileged',
      `Rollout r: ${t}.volumes[0].hostPath`,
    ]);
    // each key lifts its own checks; a capability list allows exactly those
    const all = {
      allowed_kinds: ['argoproj.io/v1alpha1/Rollout'],
      allow_privileged: true,
      allow_host_path: true,
      allow_host_namespaces: true,
      allow_run_as_root: true,
    };
    expect(problems(risky, { ...all, allow_capabilities: ['net_admin'] })).toEqual([
      `Deployment web: ${t}.containers[0].securityContext.capabilities.add`,
    ]);
    expect(checkKduObjects(risky, parseKduPolicy({ ...all, allow_capabilities: ['NET_ADMIN'] }))[0].message).toMatch(
      /^adds SYS_ADMIN:/,
    );
    expect(problems(risky, { ...all, allow_capabilities: true })).toEqual([]);
  });

  it('expresses the code grader: its own evaluation namespace, renamed per NS, with a Role bound to its ServiceAccount', () => {
    const objects: Obj[] = [
      { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'grader' } },
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'Role',
        metadata: { name: 'runner', namespace: 'eval' },
        rules: [{ apiGroups: [''], resources: ['pods', 'pods/log'], verbs: ['create', 'get', 'delete'] }],
      },
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        metadata: { name: 'grader-runner', namespace: 'eval' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'runner' },
        subjects: [{ kind: 'ServiceAccount', name: 'grader' }],
      },
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'eval' } },
      deployment({ serviceAccountName: 'grader', containers: [container()] }, 'grader'),
      // a namespace the KDU does not declare is not reachable: the object stays in the NS namespace
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'kube-system' } },
    ];
    expect(problems(objects)).toEqual(['Role runner: kind', 'RoleBinding grader-runner: kind', 'Namespace eval: kind']);
    expect(problems(objects, { allow_rbac: true, allow_namespaces: true })).toEqual([]);
    const d: DesiredKdu = {
      ref: {
        kind: 'kdu',
        name: 'mano-0f1e2d3c-1-grader',
        labels: { 'mano.ns-instance': '0f1e2d3c-aaaa-bbbb-cccc-000000000001' },
      },
      objects,
    };
    const { index, objects: out } = kduManifests(d, DEFAULT_MAPPING);
    expect(
      out.map((o) => `${String(o.kind)} ${String((o.metadata as Obj).namespace ?? '')}/${String((o.metadata as Obj).name)}`),
    ).toEqual([
      'Namespace /mano-0f1e2d3c-eval',
      'ServiceAccount mano-0f1e2d3c/grader',
      'Role mano-0f1e2d3c-eval/runner',
      'RoleBinding mano-0f1e2d3c-eval/grader-runner',
      'Deployment mano-0f1e2d3c/grader',
      'ConfigMap mano-0f1e2d3c/c',
    ]);
    expect(out[3].subjects).toEqual([{ kind: 'ServiceAccount', name: 'grader', namespace: 'mano-0f1e2d3c' }]);
    expect(JSON.parse(String((index.data as Obj).objects))[0]).toEqual({
      apiVersion: 'v1',
      kind: 'Namespace',
      name: 'mano-0f1e2d3c-eval',
      namespace: '',
    });
    // with one account namespace, NS instances still get their own
    expect((kduManifests(d, { ...DEFAULT_MAPPING, namespace: 'telco' }).objects[0].metadata as Obj).name).toBe(
      'telco-0f1e2d3c-eval',
    );
  });
});
