import { DomainError, FieldProblem } from '../common/errors/domain-error';
import type { OpStep } from '../records/ns.entities';
import { Obj, list, str } from '../common/values';

/**
 * Day-0/1/2 from the VNFD's `day1-2` configuration, worked out before anything runs. Pure.
 *
 * Script execution environments are our documented extension of OSM's `execution-environment-list`:
 * `{id, script: {file, timeout-seconds?}}` names a file under the package's `scripts/` folder. A primitive
 * runs it as `sh scripts/<file> <primitive>` with the parameters as JSON on stdin and as environment variables
 * (`PARAM_<NAME>`). Juju and Helm environments onboard but cannot run here: a day-1 that needs one is refused at
 * instantiate unless the VNF's `skip-day1` parameter is set, and their day-2 primitives answer 422.
 * `script.vim-types` lists the VIM types its primitives need: on another VIM a day-1 step is SKIPPED with the
 * reason, a day-2 action answers 422.
 */

export interface ScriptEnv {
  kind: 'script' | 'juju' | 'helm' | 'none';
  /** the execution environment's id, to name it in messages */
  id?: string;
  file?: string;
  timeoutSeconds: number;
  /** Our `script.vim-types`: the VIM types its primitives need (they configure the real service); any when absent. */
  vimTypes?: string[];
}

/** The `day1-2` entry for the VNF itself (id = VNFD id) or for one of its VDUs (id = vdu id). */
export function day12(vnfd: Obj, id: string): Obj | undefined {
  const df = list(vnfd.df)[0] ?? {};
  const op = ((df['lcm-operations-configuration'] as Obj | undefined)?.['operate-vnf-op-config'] as Obj | undefined) ?? {};
  return list(op['day1-2']).find((c) => str(c.id) === id);
}

export function executionEnvironment(config: Obj, ref: unknown): ScriptEnv {
  const envs = list(config['execution-environment-list']);
  const ee = envs.find((e) => str(e.id) === str(ref)) ?? (ref === undefined ? envs[0] : undefined);
  const script = ee?.script as Obj | undefined;
  const id = ee ? str(ee.id) : undefined;
  if (script)
    return {
      kind: 'script',
      id,
      file: String(script.file),
      timeoutSeconds: Number(script['timeout-seconds'] ?? 60),
      ...(Array.isArray(script['vim-types']) ? { vimTypes: script['vim-types'].map(String) } : {}),
    };
  if (ee?.juju) return { kind: 'juju', id, timeoutSeconds: 0 };
  if (ee?.['helm-chart']) return { kind: 'helm', id, timeoutSeconds: 0 };
  return { kind: 'none', timeoutSeconds: 0 };
}

/**
 * OSM's `{{ name }}` substitution (Jinja-style) in cloud-init, with Jinja's `default('…')` filter; a name
 * without a value (and no default) is a problem.
 */
export function renderTemplate(text: string, params: Obj, path: string, problems: FieldProblem[], what = 'cloud-init'): string {
  const pattern = /\{\{\s*([A-Za-z_][\w.-]*)\s*(?:\|\s*default\(\s*(?:'([^']*)'|"([^"]*)")\s*\)\s*)?\}\}/g;
  return text.replace(pattern, (whole, name: string, single?: string, double?: string) => {
    const value = params[name] ?? single ?? double;
    if (value === undefined || value === null) {
      problems.push({ path, message: `${what} needs parameter '${name}', which is not given` });
      return whole;
    }
    return String(value);
  });
}

/** `<name>` placeholders in primitive parameter values take instantiation parameters (as OSM does). */
export function resolveValue(v: unknown, params: Obj): unknown {
  if (typeof v !== 'string') return v;
  const m = /^<\s*([\w.-]+)\s*>$/.exec(v);
  return m && params[m[1]] !== undefined ? params[m[1]] : v;
}

export interface PrimitiveTarget {
  vimAccountId: string;
  computeName: string;
}

export interface PrimitiveRun {
  primitive: string;
  params: Obj;
  env: ScriptEnv;
  /** script file name → its content (shipped to the compute with the run) */
  files: Record<string, string>;
  memberVnfIndex: string;
  vduId?: string;
}

/** One step per compute a primitive runs on. */
export function primitiveSteps(run: PrimitiveRun, targets: PrimitiveTarget[], phase: 'day1' | 'day2' | 'terminate'): OpStep[] {
  const label = { day1: 'day-1', day2: 'day-2', terminate: 'terminate primitive' }[phase];
  return targets.map((t) => ({
    key: `${label} ${run.primitive} on ${t.computeName}`,
    kind: 'primitive',
    state: 'PENDING',
    attempts: 0,
    vimAccountId: t.vimAccountId,
    ref: { kind: 'compute', name: t.computeName, labels: {} },
    data: { ...run, phase },
  }));
}

/** Our parameter extensions: `allowed-values` (one of them) and `range: {min, max}` (an INTEGER within). */
function outOfRange(p: Obj, v: unknown): string[] {
  const allowed = Array.isArray(p['allowed-values']) ? p['allowed-values'].map(String) : undefined;
  if (allowed && !allowed.includes(String(v))) return [`must be one of ${allowed.join(', ')}`];
  const range = p.range as { min?: number; max?: number } | undefined;
  const n = Number(v);
  if (range && ((range.min !== undefined && n < range.min) || (range.max !== undefined && n > range.max)))
    return [`must be within ${range.min ?? '-∞'}..${range.max ?? '∞'}`];
  return [];
}

/**
 * Day-2 parameters against the primitive's declared ones: unknown or missing mandatory ones, and values of the
 * wrong `data-type`, are named (422); defaults fill the rest.
 */
export function checkPrimitiveParams(declared: Obj[], given: Obj): Obj {
  const problems: FieldProblem[] = [];
  const out: Obj = {};
  const names = new Set(declared.map((p) => String(p.name)));
  for (const k of Object.keys(given))
    if (!names.has(k)) problems.push({ path: `primitive_params.${k}`, message: 'is not a parameter of this primitive' });
  for (const p of declared) {
    const name = String(p.name);
    const v = given[name] ?? p['default-value'];
    if (v === undefined || v === null) {
      if (p.mandatory === true || p.mandatory === 'true')
        problems.push({ path: `primitive_params.${name}`, message: 'is mandatory' });
      continue;
    }
    const type = String(p['data-type'] ?? 'STRING');
    const ok =
      type === 'INTEGER'
        ? Number.isInteger(typeof v === 'string' ? Number(v) : v) && String(v).trim() !== ''
        : type === 'BOOLEAN'
          ? typeof v === 'boolean' || v === 'true' || v === 'false'
          : typeof v !== 'object';
    if (!ok) problems.push({ path: `primitive_params.${name}`, message: `must be of data-type ${type}` });
    else outOfRange(p, v).forEach((message) => problems.push({ path: `primitive_params.${name}`, message }));
    out[name] = v;
  }
  if (problems.length) throw DomainError.invalidFields('NS_ACTION.INVALID_PARAMS', problems);
  return out;
}

/** Why a script primitive cannot run on a VIM of this type (its `vim-types` leave it out), or undefined when it can. */
export function vimTypeMismatch(run: Pick<PrimitiveRun, 'primitive' | 'env'>, vimType: string | undefined): string | undefined {
  const wanted = run.env.vimTypes;
  if (!wanted?.length || (vimType !== undefined && wanted.includes(vimType))) return undefined;
  return `primitive '${run.primitive}' needs the real service, on a VIM of type ${wanted.join(' or ')}; this VIM is ${vimType ?? 'unknown'}`;
}
