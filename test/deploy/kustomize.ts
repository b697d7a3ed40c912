import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';

/**
 * The part of kustomize our manifests use, to build each overlay in a test without the kustomize binary:
 * `resources` (files and folders holding a kustomization), `namespace`, `secretGenerator` (`envs`, `literals`) with
 * `generatorOptions.disableNameSuffixHash`, `images`, and `patches` holding JSON 6902 operations with a target.
 * Any other field is an error, so a kustomization never uses a feature this builder would silently skip.
 */

export type Obj = Record<string, unknown>;

const SUPPORTED = new Set([
  'apiVersion',
  'kind',
  'namespace',
  'resources',
  'secretGenerator',
  'generatorOptions',
  'images',
  'patches',
]);
const CLUSTER_SCOPED = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'PersistentVolume', 'StorageClass']);

export interface Build {
  objects: Obj[];
  /** Every file the build read (kustomizations, resources, patches, env files), for "nothing left out" checks. */
  files: Set<string>;
}

/**
 * Builds the kustomization in `dir`. `envFile(path)` says which file to read for a generator's env file: a test
 * passes the committed `*.env.example` when the (git-ignored) `*.env` is absent.
 */
export function kustomize(dir: string, envFile: (path: string) => string = (p) => p): Build {
  const file = join(dir, 'kustomization.yaml');
  const k = loadOne(file) as {
    namespace?: string;
    resources?: string[];
    secretGenerator?: { name: string; envs?: string[]; literals?: string[]; type?: string }[];
    generatorOptions?: { disableNameSuffixHash?: boolean };
    images?: { name: string; newName?: string; newTag?: string; digest?: string }[];
    patches?: { path?: string; patch?: string; target?: Obj }[];
  } & Obj;
  for (const key of Object.keys(k)) if (!SUPPORTED.has(key)) throw new Error(`${file}: ${key} is not supported here`);
  const files = new Set([file]);
  let objects: Obj[] = [];

  for (const res of k.resources ?? []) {
    const path = join(dir, res);
    if (statSync(path).isDirectory()) {
      const sub = kustomize(path, envFile);
      objects.push(...sub.objects);
      sub.files.forEach((f) => files.add(f));
    } else {
      files.add(path);
      objects.push(...loadAll(path));
    }
  }

  for (const gen of k.secretGenerator ?? []) {
    if (!k.generatorOptions?.disableNameSuffixHash)
      throw new Error(`${file}: generated names with a hash suffix are not supported here`);
    const data: Record<string, string> = {};
    for (const env of gen.envs ?? []) {
      const path = envFile(join(dir, env));
      files.add(path);
      Object.assign(data, parseEnv(readFileSync(path, 'utf8'), path));
    }
    Object.assign(data, parseEnv((gen.literals ?? []).join('\n'), `${file} literals`));
    objects.push({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: gen.name },
      type: gen.type ?? 'Opaque',
      data: Object.fromEntries(Object.entries(data).map(([n, v]) => [n, Buffer.from(v).toString('base64')])),
    });
  }

  for (const p of k.patches ?? []) {
    if (!p.target) throw new Error(`${file}: a patch without a target (strategic merge) is not supported here`);
    const text = p.path ? readFileSync(join(dir, p.path), 'utf8') : p.patch!;
    if (p.path) files.add(join(dir, p.path));
    const ops = parseAllDocuments(text)[0].toJS() as unknown;
    if (!Array.isArray(ops)) throw new Error(`${file}: patch ${p.path ?? ''} is not a JSON 6902 list of operations`);
    const targets = objects.filter((o) => matches(o, p.target!));
    if (targets.length === 0) throw new Error(`${file}: patch target ${JSON.stringify(p.target)} matches nothing`);
    objects = objects.map((o) => (targets.includes(o) ? applyJson6902(o, ops as Json6902Op[]) : o));
  }

  for (const img of k.images ?? []) {
    for (const container of podContainers(objects)) {
      const [name, tag] = splitImage(String(container.image));
      if (name !== img.name) continue;
      container.image =
        (img.newName ?? name) + (img.digest ? `@${img.digest}` : img.newTag ? `:${img.newTag}` : tag ? `:${tag}` : '');
    }
  }

  if (k.namespace) {
    for (const o of objects) {
      if (CLUSTER_SCOPED.has(String(o.kind))) continue;
      (o.metadata as Obj).namespace = k.namespace;
    }
  }
  return { objects, files };
}

function loadAll(path: string): Obj[] {
  return parseAllDocuments(readFileSync(path, 'utf8'))
    .map((d) => {
      if (d.errors.length > 0) throw new Error(`${path}: ${d.errors[0].message}`);
      return d.toJS() as Obj | null;
    })
    .filter((o): o is Obj => o !== null);
}

function loadOne(path: string): Obj {
  if (!existsSync(path)) throw new Error(`${path} does not exist`);
  const [doc] = loadAll(path);
  return doc;
}

/** KEY=VALUE lines, `#` comments and blank lines skipped, the value kept as written (kustomize's env files). */
export function parseEnv(text: string, where: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const l = line.trim();
    if (l === '' || l.startsWith('#')) continue;
    const eq = l.indexOf('=');
    if (eq <= 0) throw new Error(`${where}: '${l}' is not KEY=VALUE`);
    out[l.slice(0, eq)] = l.slice(eq + 1);
  }
  return out;
}

function matches(o: Obj, target: Obj): boolean {
  const [group, version] = String(o.apiVersion).includes('/') ? String(o.apiVersion).split('/') : ['', String(o.apiVersion)];
  const meta = o.metadata as Obj;
  return (
    (target.kind === undefined || target.kind === o.kind) &&
    (target.name === undefined || target.name === meta.name) &&
    (target.group === undefined || target.group === group) &&
    (target.version === undefined || target.version === version)
  );
}

function splitImage(image: string): [string, string | undefined] {
  const at = image.lastIndexOf(':');
  return at > image.lastIndexOf('/') ? [image.slice(0, at), image.slice(at + 1)] : [image, undefined];
}

/** The containers (init containers included) of every workload's pod template. */
export function podContainers(objects: Obj[]): Obj[] {
  return objects.flatMap((o) => {
    const spec = (((o.spec as Obj | undefined)?.template as Obj | undefined)?.spec as Obj | undefined) ?? undefined;
    if (!spec) return [];
    return [...((spec.initContainers as Obj[] | undefined) ?? []), ...((spec.containers as Obj[] | undefined) ?? [])];
  });
}

export interface Json6902Op {
  op: 'add' | 'remove' | 'replace' | 'test';
  path: string;
  value?: unknown;
}

/** RFC 6902 add/remove/replace/test on a copy of `doc` (RFC 6901 pointers, `-` appends to an array). */
export function applyJson6902(doc: Obj, ops: Json6902Op[]): Obj {
  const root = structuredClone(doc);
  for (const op of ops) {
    const tokens = op.path
      .split('/')
      .slice(1)
      .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
    if (op.path !== '' && !op.path.startsWith('/')) throw new Error(`${op.path}: a JSON pointer starts with /`);
    const last = tokens.pop()!;
    let parent: unknown = root;
    for (const t of tokens) {
      parent = Array.isArray(parent) ? parent[index(parent, t, false)] : (parent as Obj | undefined)?.[t];
      if (parent === undefined || parent === null || typeof parent !== 'object')
        throw new Error(`${op.op} ${op.path}: ${t} does not exist`);
    }
    if (Array.isArray(parent)) {
      const i = index(parent, last, op.op === 'add');
      if (op.op === 'add') parent.splice(i, 0, structuredClone(op.value));
      else if (op.op === 'remove') parent.splice(i, 1);
      else if (op.op === 'replace') parent[i] = structuredClone(op.value);
      else if (JSON.stringify(parent[i]) !== JSON.stringify(op.value)) throw new Error(`test ${op.path} failed`);
    } else {
      const o = parent as Obj;
      if (op.op !== 'add' && !(last in o)) throw new Error(`${op.op} ${op.path}: ${last} does not exist`);
      if (op.op === 'add' || op.op === 'replace') o[last] = structuredClone(op.value);
      else if (op.op === 'remove') delete o[last];
      else if (JSON.stringify(o[last]) !== JSON.stringify(op.value)) throw new Error(`test ${op.path} failed`);
    }
  }
  return root;
}

function index(arr: unknown[], token: string, forAdd: boolean): number {
  if (token === '-' && forAdd) return arr.length;
  if (!/^(0|[1-9]\d*)$/.test(token)) throw new Error(`'${token}' is not an array index`);
  const i = Number(token);
  if (i > arr.length || (!forAdd && i === arr.length)) throw new Error(`index ${i} is out of range`);
  return i;
}
