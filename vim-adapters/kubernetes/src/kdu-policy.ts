import { configInvalid } from '../../contract/src';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * What the objects of a KDU may be and do on one cluster: an allow-list of namespaced kinds, widened only by the
 * account's config (README "KDU policy"). The same check runs at instantiate (422 before anything is made) and in
 * the adapter before it applies anything.
 */
export interface KduPolicy {
  /** Extra kinds, as `group/Kind` (`cert-manager.io/Certificate`); core kinds as `/Kind`. */
  allowedKinds: Set<string>;
  allowRbac: boolean;
  allowNamespaces: boolean;
  allowPrivileged: boolean;
  /** `true`: any added capability; a list: those (upper case, without `CAP_`). */
  allowCapabilities: boolean | Set<string>;
  allowHostPath: boolean;
  allowHostNamespaces: boolean;
  allowRunAsRoot: boolean;
}

export const DEFAULT_KDU_POLICY: KduPolicy = {
  allowedKinds: new Set(),
  allowRbac: false,
  allowNamespaces: false,
  allowPrivileged: false,
  allowCapabilities: false,
  allowHostPath: false,
  allowHostNamespaces: false,
  allowRunAsRoot: false,
};

/** Namespaced kinds every KDU may carry, by API group ('' = core). */
export const BASE_KINDS: Record<string, string[]> = {
  '': ['ConfigMap', 'Secret', 'Service', 'PersistentVolumeClaim', 'ServiceAccount', 'Pod'],
  apps: ['Deployment', 'StatefulSet', 'DaemonSet'],
  batch: ['Job', 'CronJob'],
  'networking.k8s.io': ['Ingress', 'NetworkPolicy'],
  autoscaling: ['HorizontalPodAutoscaler'],
  policy: ['PodDisruptionBudget'],
};
const RBAC = 'rbac.authorization.k8s.io';
/** Kinds outside any namespace: never given a namespace, deleted by name. */
export const CLUSTER_SCOPED_KINDS = new Set([
  '/Namespace',
  '/Node',
  '/PersistentVolume',
  'storage.k8s.io/StorageClass',
  `${RBAC}/ClusterRole`,
  `${RBAC}/ClusterRoleBinding`,
  'apiextensions.k8s.io/CustomResourceDefinition',
  'admissionregistration.k8s.io/MutatingWebhookConfiguration',
  'admissionregistration.k8s.io/ValidatingWebhookConfiguration',
  'scheduling.k8s.io/PriorityClass',
  'apiregistration.k8s.io/APIService',
  'networking.k8s.io/IngressClass',
  'node.k8s.io/RuntimeClass',
]);

/** `apps/v1` + `Deployment` → `apps/Deployment`; `v1` + `Pod` → `/Pod`. */
export const kindKey = (apiVersion: string, kind: string): string =>
  `${apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.lastIndexOf('/')) : ''}/${kind}`;

/** `cert-manager.io/v1/Certificate`, `cert-manager.io/Certificate`, `Certificate.cert-manager.io`, `v1/Pod` or `Pod`. */
function parseKindName(s: string): string | undefined {
  const dotted = /^([A-Z][A-Za-z0-9]*)\.([a-z0-9.-]+)$/.exec(s);
  if (dotted) return `${dotted[2]}/${dotted[1]}`;
  const parts = s.split('/');
  const kind = parts.pop()!;
  if (!/^[A-Z][A-Za-z0-9]*$/.test(kind) || parts.length > 2) return undefined;
  if (parts.length === 0) return `/${kind}`;
  if (parts.length === 1) return /^v\d/.test(parts[0]) ? `/${kind}` : `${parts[0]}/${kind}`;
  return `${parts[0]}/${kind}`;
}

const bool = (c: Obj, key: string): boolean => {
  const v = c[key];
  if (v === undefined) return false;
  if (typeof v !== 'boolean') throw configInvalid(`config.${key}`, 'must be true or false');
  return v;
};

/** The account's KDU policy keys, checked at registration. */
export function parseKduPolicy(c: Obj): KduPolicy {
  const kinds = c.allowed_kinds ?? [];
  if (!Array.isArray(kinds))
    throw configInvalid('config.allowed_kinds', 'must be a list of kinds (group/version/Kind or Kind.group)');
  const allowedKinds = new Set<string>();
  kinds.forEach((k: unknown, i) => {
    const parsed = typeof k === 'string' ? parseKindName(k) : undefined;
    if (!parsed) throw configInvalid(`config.allowed_kinds[${i}]`, 'must be group/version/Kind, group/Kind or Kind.group');
    allowedKinds.add(parsed);
  });
  const caps = c.allow_capabilities;
  let allowCapabilities: KduPolicy['allowCapabilities'] = false;
  if (Array.isArray(caps)) {
    if (caps.some((x) => typeof x !== 'string'))
      throw configInvalid('config.allow_capabilities', 'must be true or a list of capability names');
    allowCapabilities = new Set(caps.map((x: string) => normCap(x)));
  } else if (caps !== undefined) allowCapabilities = bool(c, 'allow_capabilities');
  return {
    allowedKinds,
    allowRbac: bool(c, 'allow_rbac'),
    allowNamespaces: bool(c, 'allow_namespaces'),
    allowPrivileged: bool(c, 'allow_privileged'),
    allowCapabilities,
    allowHostPath: bool(c, 'allow_host_path'),
    allowHostNamespaces: bool(c, 'allow_host_namespaces'),
    allowRunAsRoot: bool(c, 'allow_run_as_root'),
  };
}

const normCap = (s: string) => s.toUpperCase().replace(/^CAP_/, '');

export interface KduProblem {
  /** `Deployment web` */
  object: string;
  /** Field inside the object (`spec.template.spec.hostNetwork`), or `kind`. */
  field: string;
  message: string;
}

/** Whether the policy lets a KDU carry this kind. */
export function kindAllowed(key: string, p: KduPolicy): boolean {
  const [group, kind] = [key.slice(0, key.indexOf('/')), key.slice(key.indexOf('/') + 1)];
  if (BASE_KINDS[group]?.includes(kind)) return true;
  if (p.allowedKinds.has(key)) return true;
  if (group === RBAC && (kind === 'Role' || kind === 'RoleBinding')) return p.allowRbac;
  if (key === '/Namespace') return p.allowNamespaces;
  return false;
}

/** Every problem of a KDU's objects under the policy (empty: it may be applied). */
export function checkKduObjects(objects: Obj[], p: KduPolicy): KduProblem[] {
  const problems: KduProblem[] = [];
  for (const o of objects) {
    const kind = String(o.kind);
    const object = `${kind} ${String((o.metadata as Obj | undefined)?.name)}`;
    const key = kindKey(String(o.apiVersion), kind);
    if (!kindAllowed(key, p)) {
      problems.push({ object, field: 'kind', message: kindHint(key) });
      continue;
    }
    const add = (field: string, message: string) => problems.push({ object, field, message });
    if (key === `${RBAC}/RoleBinding`) {
      const ref = isObj(o.roleRef) ? o.roleRef : {};
      if (ref.kind === 'ClusterRole' && !p.allowedKinds.has(`${RBAC}/ClusterRole`))
        add(
          'roleRef.kind',
          "binds a ClusterRole: refused unless the account's allowed_kinds names rbac.authorization.k8s.io/ClusterRole",
        );
    }
    if (key === '/Namespace' && !p.allowPrivileged) {
      const labels = (o.metadata as Obj | undefined)?.labels;
      for (const l of Object.keys(isObj(labels) ? labels : {}))
        if (l.startsWith('pod-security.kubernetes.io/'))
          add(`metadata.labels.${l}`, 'would change Pod Security admission: refused unless the account sets allow_privileged');
    }
    walkPodSpecs(o, '', (spec, at) => checkPodSpec(spec, at, p, add));
  }
  return problems;
}

function kindHint(key: string): string {
  const [group, kind] = [key.slice(0, key.indexOf('/')), key.slice(key.indexOf('/') + 1)];
  const name = group ? `${kind}.${group}` : kind;
  if (group === RBAC && (kind === 'Role' || kind === 'RoleBinding'))
    return `${name} is refused unless the account sets allow_rbac: true`;
  if (key === '/Namespace') return `${name} is refused unless the account sets allow_namespaces: true`;
  if (CLUSTER_SCOPED_KINDS.has(key))
    return `${name} is cluster-wide: refused unless the account's allowed_kinds names it (${group || 'v1'}/${kind})`;
  return `${name} is not among the kinds a KDU may carry: add it to the account's allowed_kinds (${group || 'v1'}/${kind})`;
}

/** Every pod spec inside an object (a Pod, a workload's template, a CronJob's job template, a custom resource's). */
function walkPodSpecs(v: unknown, at: string, visit: (spec: Obj, at: string) => void): void {
  if (Array.isArray(v)) return v.forEach((x, i) => walkPodSpecs(x, `${at}[${i}]`, visit));
  if (!isObj(v)) return;
  if (Array.isArray(v.containers)) visit(v, at);
  for (const [k, x] of Object.entries(v)) if (typeof x === 'object') walkPodSpecs(x, at ? `${at}.${k}` : k, visit);
}

function checkPodSpec(spec: Obj, at: string, p: KduPolicy, add: (field: string, message: string) => void): void {
  const f = (s: string) => (at ? `${at}.${s}` : s);
  if (!p.allowHostNamespaces)
    for (const k of ['hostNetwork', 'hostPID', 'hostIPC'])
      if (spec[k] === true) add(f(k), 'shares the node’s namespaces: refused unless the account sets allow_host_namespaces');
  if (!p.allowHostPath)
    (Array.isArray(spec.volumes) ? spec.volumes : []).forEach((v: unknown, i) => {
      if (isObj(v) && v.hostPath !== undefined)
        add(f(`volumes[${i}].hostPath`), 'mounts a node directory: refused unless the account sets allow_host_path');
    });
  const podSc = isObj(spec.securityContext) ? spec.securityContext : {};
  if (!p.allowRunAsRoot && podSc.runAsUser === 0)
    add(f('securityContext.runAsUser'), 'runs as root (uid 0): refused unless the account sets allow_run_as_root');
  for (const list of ['initContainers', 'containers', 'ephemeralContainers'])
    (Array.isArray(spec[list]) ? (spec[list] as unknown[]) : []).forEach((c, i) => {
      if (!isObj(c)) return;
      const cf = (s: string) => f(`${list}[${i}].${s}`);
      if (!p.allowHostNamespaces)
        (Array.isArray(c.ports) ? c.ports : []).forEach((port: unknown, j) => {
          if (isObj(port) && port.hostPort !== undefined && port.hostPort !== 0)
            add(cf(`ports[${j}].hostPort`), 'binds a node port: refused unless the account sets allow_host_namespaces');
        });
      const sc = isObj(c.securityContext) ? c.securityContext : {};
      if (!p.allowPrivileged) {
        if (sc.privileged === true) add(cf('securityContext.privileged'), 'is refused unless the account sets allow_privileged');
        if (sc.allowPrivilegeEscalation === true)
          add(cf('securityContext.allowPrivilegeEscalation'), 'is refused unless the account sets allow_privileged');
        if (sc.procMount === 'Unmasked')
          add(cf('securityContext.procMount'), 'Unmasked is refused unless the account sets allow_privileged');
      }
      if (!p.allowRunAsRoot && sc.runAsUser === 0)
        add(cf('securityContext.runAsUser'), 'runs as root (uid 0): refused unless the account sets allow_run_as_root');
      const added = isObj(sc.capabilities) && Array.isArray(sc.capabilities.add) ? sc.capabilities.add : [];
      const refused = added
        .map((x: unknown) => normCap(String(x)))
        .filter((x) => p.allowCapabilities !== true && !(p.allowCapabilities instanceof Set && p.allowCapabilities.has(x)));
      if (refused.length)
        add(
          cf('securityContext.capabilities.add'),
          `adds ${refused.join(', ')}: refused unless the account's allow_capabilities lists ${refused.length > 1 ? 'them' : 'it'}`,
        );
    });
}
