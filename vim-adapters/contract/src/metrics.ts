import { configInvalid } from './errors';
import { isObj } from './values';
import type { LoadProfile, SettableMetrics } from './vim-adapter';

const FRACTIONS = ['cpu', 'memoryUtilization'] as const;
const COUNTS = ['memoryBytes', 'packetsIn', 'packetsOut', 'bytesIn', 'bytesOut'] as const;

function number(v: unknown, path: string, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > max)
    throw configInvalid(path, max === 1 ? 'must be a number from 0 to 1' : 'must be a number ≥ 0');
  return v;
}

/** Metric values to set on an emulated compute, naming the bad field; unknown keys are refused. */
export function parseSettableMetrics(v: unknown, path: string, extra: string[] = []): SettableMetrics {
  if (!isObj(v)) throw configInvalid(path, 'must be an object');
  const out: SettableMetrics = {};
  for (const key of Object.keys(v)) {
    if (extra.includes(key)) continue;
    if ((FRACTIONS as readonly string[]).includes(key))
      out[key as (typeof FRACTIONS)[number]] = number(v[key], `${path}.${key}`, 1);
    else if ((COUNTS as readonly string[]).includes(key)) out[key as (typeof COUNTS)[number]] = number(v[key], `${path}.${key}`);
    else if (key === 'custom') {
      const custom = v.custom;
      if (!isObj(custom)) throw configInvalid(`${path}.custom`, 'must be an object of numbers');
      out.custom = {};
      for (const [name, value] of Object.entries(custom)) {
        if (!/^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(name)) throw configInvalid(`${path}.custom.${name}`, 'is not a metric name');
        if (typeof value !== 'number' || !Number.isFinite(value))
          throw configInvalid(`${path}.custom.${name}`, 'must be a number');
        out.custom[name] = value;
      }
    } else throw configInvalid(`${path}.${key}`, `is not a settable metric (${[...FRACTIONS, ...COUNTS, 'custom'].join(', ')})`);
  }
  return out;
}

/** A load profile (see LoadProfile), naming the bad field. */
export function parseLoadProfile(v: unknown, path: string): LoadProfile {
  if (!isObj(v)) throw configInvalid(path, 'must be an object');
  const labels = v.labels ?? {};
  if (!isObj(labels) || Object.values(labels).some((x) => typeof x !== 'string'))
    throw configInvalid(`${path}.labels`, 'must be an object of strings (e.g. {"mano.ns-instance": "<NS id>"})');
  if (!Array.isArray(v.steps)) throw configInvalid(`${path}.steps`, 'must be a list of metric values');
  if (v.steps.length > 100) throw configInvalid(`${path}.steps`, 'must have at most 100 steps');
  const steps = v.steps.map((s: unknown, i: number) => {
    const at = `${path}.steps[${i}]`;
    const metrics = parseSettableMetrics(s, at, ['durationS']);
    const d = (s as Record<string, unknown>).durationS;
    return d === undefined ? metrics : { ...metrics, durationS: number(d, `${at}.durationS`) };
  });
  if (v.repeat !== undefined && typeof v.repeat !== 'boolean') throw configInvalid(`${path}.repeat`, 'must be true or false');
  return { labels: labels as Record<string, string>, steps, repeat: v.repeat as boolean | undefined };
}

/** The step of a profile in force `elapsedS` seconds after it was set. */
export function profileStep(profile: LoadProfile, elapsedS: number): SettableMetrics | undefined {
  const steps = profile.steps;
  if (!steps.length) return undefined;
  const total = steps.reduce((n, s) => n + (s.durationS ?? 0), 0);
  let t = profile.repeat && total > 0 ? elapsedS % total : elapsedS;
  for (const s of steps.slice(0, -1)) {
    if (t < (s.durationS ?? 0)) return s;
    t -= s.durationS ?? 0;
  }
  return steps[steps.length - 1];
}

/** `{status: "ERROR", message?}` or `{status: "ACTIVE"}` for an emulated compute: the error message, or null. */
export function parseComputeStatus(v: unknown, path: string): string | null {
  if (!isObj(v)) throw configInvalid(path, 'must be an object');
  for (const key of Object.keys(v))
    if (key !== 'status' && key !== 'message') throw configInvalid(`${path}.${key}`, 'is not a field (status, message)');
  if (v.status !== 'ERROR' && v.status !== 'ACTIVE') throw configInvalid(`${path}.status`, 'must be ERROR or ACTIVE');
  if (v.message !== undefined && (typeof v.message !== 'string' || v.message.length > 500))
    throw configInvalid(`${path}.message`, 'must be a string of at most 500 characters');
  if (v.status === 'ACTIVE') {
    if (v.message !== undefined) throw configInvalid(`${path}.message`, 'is only for status ERROR');
    return null;
  }
  return (v.message as string | undefined) ?? 'put in ERROR through the emulator API';
}
