import Ajv, { ValidateFunction } from 'ajv';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

type Obj = Record<string, unknown>;
const SWAGGER = join(__dirname, '..', '..', '..', 'shared', 'kubernetes-openapi', 'swagger.json');

/**
 * The real Kubernetes 1.32 API schema, made strict: an object with declared properties accepts no others (the API
 * server would drop or refuse them), int-or-string accepts both.
 */
export function kubernetesValidator(): (obj: Obj) => string[] {
  const { definitions } = JSON.parse(readFileSync(SWAGGER, 'utf8')) as { definitions: Record<string, Obj> };
  for (const def of Object.values(definitions)) {
    if (def.format === 'int-or-string') {
      delete def.type;
      def.anyOf = [{ type: 'string' }, { type: 'integer' }];
    }
    const walk = (s: Obj) => {
      if (s.properties && s.additionalProperties === undefined) s.additionalProperties = false;
      for (const p of Object.values((s.properties as Record<string, Obj> | undefined) ?? {})) walk(p);
      if (s.items) walk(s.items as Obj);
    };
    walk(def);
  }
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
  ajv.addSchema({ $id: 'k8s', definitions });
  const cache = new Map<string, ValidateFunction>();
  return (obj) => {
    const [group, version] = String(obj.apiVersion).includes('/')
      ? String(obj.apiVersion).split('/')
      : ['core', String(obj.apiVersion)];
    const id = `io.k8s.api.${group.split('.')[0]}.${version}.${String(obj.kind)}`;
    if (!definitions[id]) return [`no definition ${id} in the Kubernetes schema`];
    if (!cache.has(id)) cache.set(id, ajv.getSchema(`k8s#/definitions/${id}`)!);
    const validate = cache.get(id)!;
    return validate(obj)
      ? []
      : (validate.errors ?? []).map((e) => `${id}${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`);
  };
}
