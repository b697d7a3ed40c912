import Ajv, { ErrorObject, ValidateFunction } from 'ajv';
import { FieldProblem } from '../../common/errors/domain-error';
import nsdSchema from './schemas/nsd.schema.json';
import nstSchema from './schemas/nst.schema.json';
import vnfdSchema from './schemas/vnfd.schema.json';

export type DescriptorKind = 'vnfd' | 'nsd' | 'nst';
export type Descriptor = Record<string, unknown>;

const port = { type: 'integer', minimum: 1, maximum: 65535 };
const probe = {
  type: 'object',
  additionalProperties: false,
  properties: {
    'http-get': {
      type: 'object',
      additionalProperties: false,
      properties: { path: { type: 'string' }, port },
      required: ['port'],
    },
    'tcp-socket': { type: 'object', additionalProperties: false, properties: { port }, required: ['port'] },
    exec: {
      type: 'object',
      additionalProperties: false,
      properties: { command: { type: 'array', items: { type: 'string' }, minItems: 1 } },
    },
    'initial-delay-seconds': { type: 'integer', minimum: 0 },
    'period-seconds': { type: 'integer', minimum: 1 },
    'failure-threshold': { type: 'integer', minimum: 1 },
  },
};
const strings = { type: 'array', items: { type: 'string' }, minItems: 1 };
/** A whole number, or a `{{ param }}` template rendering to one at instantiation (checked then). */
const templated = (min: number, max?: number) => ({
  anyOf: [
    { type: 'integer', minimum: min, ...(max === undefined ? {} : { maximum: max }) },
    { type: 'string', pattern: '^\\s*\\{\\{[^}]+\\}\\}\\s*$' },
  ],
});
const gpu = {
  type: 'object',
  additionalProperties: false,
  required: ['count'],
  properties: { count: { type: 'integer', minimum: 1 }, vendor: { enum: ['nvidia', 'amd'] } },
};
/** `vdu[].kubernetes`: what a container VDU needs on Kubernetes beyond SOL006 (see vim-adapters/kubernetes/README.md). */
const KUBERNETES_VDU = {
  type: 'object',
  additionalProperties: false,
  properties: {
    ports: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['cpd', 'port'],
        properties: {
          cpd: { type: 'string', minLength: 1 },
          port,
          'target-port': port,
          protocol: { enum: ['TCP', 'UDP', 'SCTP'] },
          expose: { enum: ['ClusterIP', 'NodePort', 'LoadBalancer'] },
          http: {
            type: 'object',
            additionalProperties: false,
            required: ['host'],
            properties: {
              host: { type: 'string', minLength: 1 },
              path: { type: 'string' },
              public: { type: 'boolean' },
              tls: { type: 'boolean' },
            },
          },
        },
      },
    },
    probes: { type: 'object', additionalProperties: false, properties: { readiness: probe, liveness: probe } },
    gpu,
    'api-access': {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['resources', 'verbs'],
        properties: { 'api-groups': { type: 'array', items: { type: 'string' } }, resources: strings, verbs: strings },
      },
    },
    // container environment: a value (with {{ param }}), or a key of the VNF's generated Secret
    env: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name'],
        properties: {
          name: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*$' },
          value: { type: 'string' },
          'secret-key': { type: 'string', pattern: '^[A-Za-z0-9_.-]+$' },
        },
      },
    },
    // the container's entrypoint and arguments (default: the image's)
    command: { type: 'array', items: { type: 'string' }, minItems: 1 },
    args: { type: 'array', items: { type: 'string' } },
    // pods this workload starts with this label set to "true" reach nothing and nobody reaches them (NetworkPolicy)
    'isolated-pods': {
      type: 'object',
      additionalProperties: false,
      required: ['label'],
      properties: { label: { type: 'string', pattern: '^([a-z0-9.-]+/)?[A-Za-z0-9_.-]+$' } },
    },
    // a Secret of random values made once per VNF instance by this VDU (never in any record), keys by name
    'generated-secret': {
      type: 'object',
      additionalProperties: false,
      required: ['keys'],
      properties: { keys: { type: 'array', items: { type: 'string', pattern: '^[A-Za-z0-9_.-]+$' }, minItems: 1 } },
    },
    autoscaling: {
      type: 'object',
      additionalProperties: false,
      required: ['max-replicas'],
      properties: {
        'min-replicas': templated(1),
        'max-replicas': templated(1),
        'cpu-utilization': templated(1, 100),
        'memory-utilization': templated(1, 100),
      },
    },
  },
};

/**
 * Our extensions of OSM's model: an execution environment may be a `script` shipped in the package's `scripts/`
 * folder (see src/lcm/day-n.ts), next to OSM's `juju` and `helm-chart`; a VDU may carry a `kubernetes` block; a KDU
 * may be a `manifest-file`; a df may declare GPUs, instantiation parameters and OSM's newer `healing-aspect`.
 */
function withExtensions(schema: object): object {
  const copy = structuredClone(schema) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  copy.properties.vdu.items.properties.kubernetes = KUBERNETES_VDU;
  // a storage size may be a `{{ param }}` (e.g. a registry's PVC size as an instantiation parameter)
  const storage = copy.properties['virtual-storage-desc'].items.properties;
  storage['size-of-storage'] = { anyOf: [storage['size-of-storage'], templated(0).anyOf[1]] };
  // a flavour may give a VDU GPUs, and declare the instantiation parameters it takes (see src/lcm/flavour.ts)
  const df = copy.properties.df.items.properties;
  df['vdu-profile'].items.properties.gpu = gpu;
  df['instantiation-parameter'] = {
    type: 'array',
    items: {
      type: 'object',
      additionalProperties: false,
      required: ['name'],
      properties: {
        name: { type: 'string', pattern: '^[A-Za-z_][\\w.-]*$' },
        description: { type: 'string' },
        'data-type': { enum: ['STRING', 'INTEGER', 'BOOLEAN'] },
        'default-value': { type: ['string', 'number', 'boolean'] },
        'allowed-values': { type: 'array', items: { type: ['string', 'number'] }, minItems: 1 },
        range: {
          type: 'object',
          additionalProperties: false,
          properties: { min: { type: 'integer' }, max: { type: 'integer' } },
        },
      },
    },
  };
  // OSM's healing-aspect (R10+ augment, not in the R9 YANG): automatic healing policies of the VDUs (src/lcm/healing.ts)
  df['healing-aspect'] = {
    type: 'array',
    items: {
      type: 'object',
      additionalProperties: false,
      required: ['id'],
      properties: {
        id: { type: ['string', 'number'] },
        'healing-policy': {
          type: 'array',
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['vdu-id'],
            properties: {
              'vdu-id': { type: ['string', 'number'] },
              'event-name': { type: ['string', 'number'] },
              'recovery-type': { enum: ['automatic', 'manual'] },
              'action-on-recovery': { type: 'string' },
              'cooldown-time': { type: ['integer', 'string'], minimum: 0, pattern: '^[0-9]+$' },
              day1: { type: ['boolean', 'string'] },
            },
          },
        },
      },
    },
  };
  // a KDU made of plain Kubernetes manifests shipped in the package's manifests/ folder
  copy.properties.kdu.items.properties['manifest-file'] = { type: 'string', minLength: 1 };
  const day12 =
    copy.properties.df.items.properties['lcm-operations-configuration'].properties['operate-vnf-op-config'].properties['day1-2'];
  day12.items.properties['execution-environment-list'].items.properties.script = {
    type: 'object',
    properties: {
      file: { type: 'string', minLength: 1 },
      'timeout-seconds': { type: 'integer', minimum: 1, maximum: 3600 },
      // the VIM types its primitives need (the real service): elsewhere day-1 skips them and day-2 answers 422
      'vim-types': { type: 'array', items: { type: 'string', minLength: 1 }, minItems: 1, uniqueItems: true },
    },
    required: ['file'],
    additionalProperties: false,
  };
  // a day-2 parameter may say which values it takes: one of `allowed-values`, or an INTEGER within `range` (else 422)
  const parameter = day12.items.properties['config-primitive'].items.properties.parameter.items.properties;
  parameter['allowed-values'] = { type: 'array', items: { type: ['string', 'number'] }, minItems: 1 };
  parameter.range = {
    type: 'object',
    additionalProperties: false,
    properties: { min: { type: 'integer' }, max: { type: 'integer' } },
  };
  return copy;
}
const schemas: Record<DescriptorKind, object> = { vnfd: withExtensions(vnfdSchema), nsd: nsdSchema, nst: nstSchema };

// Compiled on first use: the three generated validators are large, and an idle service need not hold them.
let ajv: Ajv | undefined;
const validators: Partial<Record<DescriptorKind, ValidateFunction>> = {};

function validatorFor(kind: DescriptorKind): ValidateFunction {
  ajv ??= new Ajv({ allErrors: true, strict: false, allowUnionTypes: true });
  return (validators[kind] ??= ajv.compile(schemas[kind]));
}

/** `/vdu/1/int-cpd/0` → `vnfd.vdu[1].int-cpd[0]` */
export function fieldPath(kind: string, pointer: string): string {
  return pointer
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((acc, part) => (/^\d+$/.test(part) ? `${acc}[${part}]` : `${acc}.${part}`), kind);
}

function problem(kind: string, e: ErrorObject): FieldProblem {
  const base = fieldPath(kind, e.instancePath);
  if (e.keyword === 'additionalProperties') {
    return {
      path: `${base}.${String(e.params.additionalProperty)}`,
      message: 'is not a field of the OSM information model (misspelled?)',
    };
  }
  if (e.keyword === 'required') return { path: `${base}.${String(e.params.missingProperty)}`, message: 'is required (list key)' };
  if (e.keyword === 'enum') return { path: base, message: `must be one of ${(e.params.allowedValues as unknown[]).join(', ')}` };
  return { path: base, message: e.message ?? 'is invalid' };
}

/** The longest text a descriptor field may hold (inline cloud-init included): a descriptor is not a file store. */
export const MAX_DESCRIPTOR_STRING = 1024 * 1024;

/** Strings over MAX_DESCRIPTOR_STRING, by path (the schema derived from YANG has no lengths). */
function oversizedStrings(value: unknown, path: string, out: FieldProblem[]): void {
  if (typeof value === 'string') {
    if (value.length > MAX_DESCRIPTOR_STRING) out.push({ path, message: `is longer than ${MAX_DESCRIPTOR_STRING} characters` });
  } else if (Array.isArray(value)) value.forEach((v, i) => oversizedStrings(v, `${path}[${i}]`, out));
  else if (value && typeof value === 'object')
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) oversizedStrings(v, `${path}.${k}`, out);
}

/** JSON Schema check against OSM's Release 9 model (derived from its YANG); every problem with its path. */
export function schemaProblems(kind: DescriptorKind, descriptor: Descriptor): FieldProblem[] {
  const validate = validatorFor(kind);
  const out: FieldProblem[] = [];
  oversizedStrings(descriptor, kind, out);
  if (validate(descriptor)) return out;
  const seen = new Set<string>();
  // anyOf/type noise: keep the most specific message per path
  for (const e of validate.errors ?? []) {
    if (e.keyword === 'anyOf' && (validate.errors ?? []).some((o) => o !== e && o.instancePath === e.instancePath)) continue;
    const p = problem(kind, e);
    const key = `${p.path}|${p.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(p);
  }
  return out;
}
