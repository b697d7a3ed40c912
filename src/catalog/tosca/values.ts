import { isObj, Obj } from '../../common/values';

/** `requirements` of a node template: a list of one-key maps (`- virtual_link: VL1` or `{node: VL1}`). */
export function requirementTargets(node: Obj, name: string): string[] {
  const out: string[] = [];
  for (const r of Array.isArray(node.requirements) ? node.requirements : []) {
    if (!isObj(r) || !(name in r)) continue;
    const v = r[name];
    if (typeof v === 'string') out.push(v);
    else if (isObj(v) && typeof v.node === 'string') out.push(v.node);
  }
  return out;
}

const UNIT_TO_GIB: Record<string, number> = {
  b: 1 / 1024 ** 3,
  kb: 1 / 1024 ** 2,
  kib: 1 / 1024 ** 2,
  mb: 1 / 1024,
  mib: 1 / 1024,
  gb: 1,
  gib: 1,
  tb: 1024,
  tib: 1024,
};

/**
 * A scalar-unit.size in GB as SOL006 counts them and OpenStack flavors are built (1 GB = 1024 MB, as Tacker's
 * Heat translation does): "512 MB" → 0.5. Undefined when the value is not a size.
 */
export function gib(v: unknown): number | undefined {
  const m = /^\s*([0-9]+(?:\.[0-9]+)?)\s*([A-Za-z]+)\s*$/.exec(String(v ?? ''));
  const factor = m ? UNIT_TO_GIB[m[2].toLowerCase()] : undefined;
  return factor === undefined ? undefined : Math.round(Number(m![1]) * factor * 1000) / 1000;
}

/** Whole GB (SOL006 storage and image sizes are integers), rounded up so nothing is made smaller. */
export const wholeGib = (v: unknown): number | undefined => {
  const g = gib(v);
  return g === undefined ? undefined : Math.ceil(g);
};

/** Drops undefined members so the translation carries only what the TOSCA said. */
export function compact<T extends Obj>(o: T): T {
  for (const k of Object.keys(o)) {
    const v = o[k];
    if (v === undefined || (Array.isArray(v) && v.length === 0)) delete o[k];
  }
  return o;
}

/**
 * Resolves `get_input` in a value: the input's default, else what `fallback` knows (the abstract VNF's
 * properties for a Tacker flavour file, whose inputs are those properties). Unresolvable ones are reported.
 */
export function resolveInputs(
  value: unknown,
  inputs: Obj,
  fallback: (name: string) => unknown,
  unresolved: (name: string) => void,
): unknown {
  if (Array.isArray(value)) return value.map((v) => resolveInputs(v, inputs, fallback, unresolved));
  if (!isObj(value)) return value;
  const keys = Object.keys(value);
  if (keys.length === 1 && keys[0] === 'get_input') {
    const name = Array.isArray(value.get_input) ? String(value.get_input[0]) : String(value.get_input);
    const input = inputs[name];
    if (isObj(input) && input.default !== undefined) return input.default;
    const fb = fallback(name);
    if (fb === undefined) unresolved(name);
    return fb;
  }
  return Object.fromEntries(keys.map((k) => [k, resolveInputs(value[k], inputs, fallback, unresolved)]));
}
