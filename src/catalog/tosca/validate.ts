import { FieldProblem } from '../../common/errors/domain-error';
import { isObj, Obj } from '../../common/values';
import { ToscaPackage } from './reader';
import { PropertyDef, TypeRegistry, TypeSection } from './types';

/** TOSCA intrinsic functions: their value is known at deployment, not checked here. */
const FUNCTIONS = new Set([
  'get_input',
  'get_property',
  'get_attribute',
  'get_artifact',
  'get_operation_output',
  'concat',
  'token',
]);
export const isFunction = (v: unknown): boolean => isObj(v) && Object.keys(v).length === 1 && FUNCTIONS.has(Object.keys(v)[0]);

const SCALAR_UNITS: Record<string, RegExp> = {
  'scalar-unit.size': /^(b|kb|kib|mb|mib|gb|gib|tb|tib)$/i,
  'scalar-unit.time': /^(d|h|m|s|ms|us|ns)$/i,
  'scalar-unit.frequency': /^(hz|khz|mhz|ghz)$/i,
  'scalar-unit.bitrate': /^(bps|kbps|kibps|mbps|mibps|gbps|gibps|tbps|tibps)$/i,
};

const entryType = (d: PropertyDef): string | undefined =>
  typeof d.entry_schema === 'string' ? d.entry_schema : isObj(d.entry_schema) ? String(d.entry_schema.type) : undefined;

/**
 * Checks a value against a TOSCA type: primitive kinds, scalar units, lists and maps with their entry schema,
 * and data types property by property (an unknown property is a problem; data types that declare no property
 * at all in their chain are SOL001's empty base types and accept any content).
 */
function checkValue(
  types: TypeRegistry,
  value: unknown,
  type: string,
  entry: string | undefined,
  path: string,
  out: FieldProblem[],
): void {
  if (value === null || value === undefined || isFunction(value)) return;
  const bad = (message: string): void => void out.push({ path, message });
  switch (type) {
    case 'string':
      if (typeof value === 'object') bad('must be a string');
      return;
    case 'integer':
      if (!Number.isInteger(value)) bad('must be an integer');
      return;
    case 'float':
      if (typeof value !== 'number') bad('must be a number');
      return;
    case 'boolean':
      if (typeof value !== 'boolean') bad('must be a boolean');
      return;
    case 'timestamp':
    case 'version':
      if (typeof value === 'object') bad(`must be a ${type}`);
      return;
    case 'range':
      if (!Array.isArray(value) || value.length !== 2) bad('must be a [min, max] range');
      return;
    case 'list':
      if (!Array.isArray(value)) return bad('must be a list');
      if (entry) value.forEach((v, i) => checkValue(types, v, entry, undefined, `${path}[${i}]`, out));
      return;
    case 'map':
      if (!isObj(value)) return bad('must be a map');
      if (entry) for (const [k, v] of Object.entries(value)) checkValue(types, v, entry, undefined, `${path}.${k}`, out);
      return;
  }
  if (SCALAR_UNITS[type]) {
    const m = /^\s*[0-9]+(?:\.[0-9]+)?\s*([A-Za-z]+)\s*$/.exec(String(value));
    if (typeof value === 'object' || !m || !SCALAR_UNITS[type].test(m[1])) bad(`must be a ${type} ("<number> <unit>")`);
    return;
  }
  const props = types.properties('data_types', type);
  if (!props) return bad(`data type '${type}' is not defined`);
  if (!isObj(value)) return bad(`must be a map (${type})`);
  checkProperties(types, value, props, path, out, props.size === 0);
}

function checkProperties(
  types: TypeRegistry,
  values: Obj,
  defs: Map<string, PropertyDef>,
  path: string,
  out: FieldProblem[],
  open = false,
): void {
  for (const [name, value] of Object.entries(values)) {
    const def = defs.get(name);
    if (!def) {
      if (!open) out.push({ path: `${path}.${name}`, message: 'unknown property (not defined by its type)' });
      continue;
    }
    checkValue(types, value, String(def.type), entryType(def), `${path}.${name}`, out);
  }
}

/** Every node template, group and policy of every file: type defined, properties (and capability properties) valid. */
export function validateTemplates(pkg: ToscaPackage): FieldProblem[] {
  const out: FieldProblem[] = [];
  const { types } = pkg;
  const typed = (section: TypeSection, what: string, type: unknown, at: string): Map<string, PropertyDef> | undefined => {
    if (typeof type !== 'string') {
      out.push({ path: `${at}.type`, message: `a ${what} needs a type` });
      return undefined;
    }
    const props = types.properties(section, type);
    if (!props) out.push({ path: `${at}.type`, message: `${what} type '${type}' is not defined (nor one it derives from)` });
    return props;
  };
  for (const file of pkg.files) {
    const tpl = file.doc.topology_template;
    if (!isObj(tpl)) continue;
    const base = `${file.path}: topology_template`;
    for (const [name, node] of Object.entries(isObj(tpl.node_templates) ? tpl.node_templates : {})) {
      const at = `${base}.node_templates.${name}`;
      if (!isObj(node)) {
        out.push({ path: at, message: 'must be a mapping' });
        continue;
      }
      const props = typed('node_types', 'node', node.type, at);
      if (!props) continue;
      if (node.properties !== undefined && !isObj(node.properties))
        out.push({ path: `${at}.properties`, message: 'must be a map' });
      else if (node.properties) checkProperties(types, node.properties, props, `${at}.properties`, out);
      const caps = types.capabilities(String(node.type));
      for (const [cap, body] of Object.entries(isObj(node.capabilities) ? node.capabilities : {})) {
        const capType = caps.get(cap);
        if (!capType) {
          out.push({ path: `${at}.capabilities.${cap}`, message: `unknown capability of ${String(node.type)}` });
          continue;
        }
        const capProps = types.properties('capability_types', capType);
        if (!capProps) out.push({ path: `${at}.capabilities.${cap}`, message: `capability type '${capType}' is not defined` });
        else if (isObj(body) && isObj(body.properties))
          checkProperties(types, body.properties, capProps, `${at}.capabilities.${cap}.properties`, out);
      }
    }
    for (const [name, group] of Object.entries(isObj(tpl.groups) ? tpl.groups : {})) {
      const at = `${base}.groups.${name}`;
      const props = isObj(group) ? typed('group_types', 'group', group.type, at) : undefined;
      if (props && isObj(group) && isObj(group.properties))
        checkProperties(types, group.properties, props, `${at}.properties`, out);
    }
    const policies = Array.isArray(tpl.policies) ? tpl.policies : isObj(tpl.policies) ? [tpl.policies] : [];
    for (const entry of policies) {
      for (const [name, policy] of Object.entries(isObj(entry) ? entry : {})) {
        const at = `${base}.policies.${name}`;
        const props = isObj(policy) ? typed('policy_types', 'policy', policy.type, at) : undefined;
        if (props && isObj(policy) && isObj(policy.properties))
          checkProperties(types, policy.properties, props, `${at}.properties`, out);
      }
    }
  }
  return out;
}
