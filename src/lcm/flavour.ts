import { FieldProblem } from '../common/errors/domain-error';
import { Obj, list, num, str } from '../common/values';

/**
 * Deployment flavours and declared instantiation parameters. Pure.
 *
 * The NS flavour is SOL005's `nsFlavourId` of the instantiate request (the NSD's first `df` when absent); each
 * vnf-profile of it names its VNF flavour (`flavour-id`, the VNFD's first `df` when absent).
 *
 * Our extension `df[].instantiation-parameter[] {name, data-type, default-value, range, allowed-values}` (VNFD) declares
 * the `additionalParamsForVnf[].additionalParams` a flavour takes: defaults fill what the request leaves out (so
 * `{{ param }}` templates render with them and the records show them), a value of the wrong type or out of range is
 * a 422 naming it. Parameters nobody declares still pass (OSM passes them through).
 */

export const nsDf = (nsd: Obj, flavourId?: unknown): Obj =>
  list(nsd.df).find((d) => flavourId !== undefined && str(d.id) === str(flavourId)) ?? list(nsd.df)[0] ?? {};

export const vnfProfiles = (nsd: Obj, flavourId?: unknown): Obj[] => list(nsDf(nsd, flavourId)['vnf-profile']);

export const vnfDf = (vnfd: Obj, flavourId?: unknown): Obj =>
  list(vnfd.df).find((d) => flavourId !== undefined && str(d.id) === str(flavourId)) ?? list(vnfd.df)[0] ?? {};

/** The GPUs a flavour gives a VDU (`df[].vdu-profile[].gpu`, our extension), else none. */
export function flavourGpu(df: Obj, vduId: string): { gpu: number; gpuVendor: 'nvidia' | 'amd' } | undefined {
  const gpu = list(df['vdu-profile']).find((p) => str(p.id) === vduId)?.gpu as Obj | undefined;
  return gpu ? { gpu: num(gpu.count, 1), gpuVendor: str(gpu.vendor) === 'amd' ? 'amd' : 'nvidia' } : undefined;
}

/** Why a value does not fit a declared parameter (data-type, allowed-values, range), or undefined. */
export function badValue(p: Obj, v: unknown): string | undefined {
  const type = String(p['data-type'] ?? 'STRING');
  if (type === 'INTEGER' && !(typeof v === 'number' ? Number.isInteger(v) : typeof v === 'string' && /^-?\d+$/.test(v.trim())))
    return 'must be of data-type INTEGER';
  if (type === 'BOOLEAN' && typeof v !== 'boolean' && v !== 'true' && v !== 'false') return 'must be of data-type BOOLEAN';
  if (type === 'STRING' && (typeof v === 'object' || v === undefined)) return 'must be of data-type STRING';
  const allowed = Array.isArray(p['allowed-values']) ? p['allowed-values'].map(String) : undefined;
  if (allowed && !allowed.includes(String(v))) return `must be one of ${allowed.join(', ')}`;
  const range = p.range as { min?: number; max?: number } | undefined;
  const n = Number(v);
  if (range && ((range.min !== undefined && n < range.min) || (range.max !== undefined && n > range.max)))
    return `must be within ${range.min ?? '-∞'}..${range.max ?? '∞'}`;
  return undefined;
}

type VnfParams = { 'member-vnf-index': string; additionalParams?: Obj };

/**
 * Each VNF's declared parameters against the request: defaults added to (a copy of) `additionalParamsForVnf`, wrong
 * values named by path. `vnfdOf` gives the VNFD of a vnf-profile.
 */
export function withDeclaredParams(
  nsd: Obj,
  nsFlavourId: unknown,
  vnfdOf: (vnfdId: string) => Obj | undefined,
  given: VnfParams[] | undefined,
): { additionalParamsForVnf: VnfParams[] | undefined; problems: FieldProblem[] } {
  const problems: FieldProblem[] = [];
  const out = (given ?? []).map((v) => ({ ...v }));
  for (const vp of vnfProfiles(nsd, nsFlavourId)) {
    const vnfd = vnfdOf(String(vp['vnfd-id']));
    if (!vnfd) continue;
    const declared = list(vnfDf(vnfd, vp['flavour-id'])['instantiation-parameter']);
    if (!declared.length) continue;
    const member = String(vp.id);
    let at = out.findIndex((v) => v['member-vnf-index'] === member);
    if (at < 0) at = out.push({ 'member-vnf-index': member }) - 1;
    const values: Obj = { ...(out[at].additionalParams ?? {}) };
    for (const p of declared) {
      const name = String(p.name);
      if (values[name] === undefined || values[name] === null) {
        if (p['default-value'] !== undefined) values[name] = p['default-value'];
        continue;
      }
      const why = badValue(p, values[name]);
      if (why)
        problems.push({ path: `additionalParamsForVnf[member-vnf-index=${member}].additionalParams.${name}`, message: why });
    }
    out[at] = { ...out[at], additionalParams: values };
  }
  return { additionalParamsForVnf: out.length ? out : given, problems };
}
