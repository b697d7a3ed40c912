import type { ComputeMetrics } from '../../vim-adapters/contract/src';
import type { AlarmState } from '../records/monitoring.entities';
import type { PolicyDef, Relation } from './descriptor-loops';

/** A parameter's value: a number, or null when the VIM could not measure it ("unavailable" on the record). */
export type Value = number | null;

/**
 * The value of an OSM `performance-metric` in a VIM's measurement, in OSM's units (utilisations in %,
 * counters as counted); null when the VIM did not measure it — never a made-up 0.
 */
export function metricValue(metric: string, m: ComputeMetrics | null): Value {
  if (!m) return null;
  const defined = (v: number | undefined): Value => (v === undefined || !Number.isFinite(v) ? null : v);
  switch (metric) {
    case 'cpu_utilization':
      return defined(m.cpu * 100);
    case 'average_memory_utilization':
    case 'memory_utilization':
      return m.memoryUtilization === undefined ? null : defined(m.memoryUtilization * 100);
    case 'memory_usage':
    case 'memory_bytes':
      return defined(m.memoryBytes);
    case 'packets_in':
    case 'packets_received':
      return defined(m.packetsIn);
    case 'packets_out':
    case 'packets_sent':
      return defined(m.packetsOut);
    case 'bytes_in':
    case 'bytes_received':
      return defined(m.bytesIn);
    case 'bytes_out':
    case 'bytes_sent':
      return defined(m.bytesOut);
    default:
      return defined(m.custom?.[metric]);
  }
}

/** The mean of the known values (the instances of a VDU); null when none is known. */
export function mean(values: Value[]): Value {
  const known = values.filter((v): v is number => v !== null);
  return known.length ? known.reduce((a, b) => a + b, 0) / known.length : null;
}

export function compare(value: number, op: Relation, threshold: number): boolean {
  switch (op) {
    case 'GT':
      return value > threshold;
    case 'GE':
      return value >= threshold;
    case 'LT':
      return value < threshold;
    case 'LE':
      return value <= threshold;
    case 'EQ':
      return value === threshold;
  }
}

/** An alarm's state for a value: INSUFFICIENT_DATA without one. */
export function alarmState(value: Value, op: Relation, threshold: number): AlarmState {
  if (value === null) return 'INSUFFICIENT_DATA';
  return compare(value, op, threshold) ? 'ALARM' : 'OK';
}

/** The persisted state of one scaling policy of one VNF (in the NS's `closed_loops`, shown in `_admin`). */
export interface PolicyState {
  member: string;
  aspect: string;
  policy: string;
  /** Since when (epoch s) the scale-out / scale-in condition holds without a break; null: it does not. */
  outSince: number | null;
  inSince: number | null;
  /** No automatic decision before this time (epoch s). */
  cooldownUntil: number | null;
  /** The automatic operation started last and not yet seen finished. */
  pendingOpId: string | null;
  lastDecision: Decision | null;
  /** What the evaluator concluded at its last round (holding, waiting, why nothing happened). */
  status: string;
}

export interface Decision {
  at: number;
  action: 'SCALE_OUT' | 'SCALE_IN' | 'NONE';
  reason: string;
  opId?: string;
  error?: string;
  /** The final state of the operation it started, once seen. */
  outcome?: string;
}

export interface PolicyInput {
  policy: PolicyDef;
  state: PolicyState;
  /** The policy's parameters by id (VDU means). */
  values: Map<string, Value>;
  /** The aspect's current scaling level. */
  level: number;
  /** Another operation of the NS is unfinished (manual or automatic): the loop never fights it. */
  busy: boolean;
  now: number;
}

const fmt = (v: Value) => (v === null ? 'unavailable' : String(Math.round(v * 100) / 100));

/** Whether the criteria of one side hold, combined with the side's AND / OR; and a description. */
function side(input: PolicyInput, out: boolean): { holds: boolean; text: string } {
  const parts: string[] = [];
  const results: boolean[] = [];
  for (const c of input.policy.criteria) {
    const threshold = out ? c.outThreshold : c.inThreshold;
    if (threshold === undefined) continue;
    const op = out ? c.outOp : c.inOp;
    const v = input.values.get(c.metric) ?? null;
    results.push(v !== null && compare(v, op, threshold));
    parts.push(`${c.metric} ${fmt(v)} ${op} ${threshold}`);
  }
  const how = out ? input.policy.scaleOutOperation : input.policy.scaleInOperation;
  const holds = results.length > 0 && (how === 'AND' ? results.every(Boolean) : results.some(Boolean));
  return { holds, text: parts.join(how === 'AND' ? ' and ' : ' or ') };
}

/**
 * One evaluation of an automatic scaling policy (pure): a side whose criteria held for `threshold-time` scales one
 * step, within 0..max-scale-level, outside the cooldown, and only when no other operation of the NS runs. The new
 * state records since when each side holds, so a restart continues where it was instead of firing again.
 */
export function evaluatePolicy(input: PolicyInput): {
  state: PolicyState;
  action: 'SCALE_OUT' | 'SCALE_IN' | null;
  reason: string;
} {
  const { policy, now } = input;
  const out = side(input, true);
  const inn = side(input, false);
  const state: PolicyState = {
    ...input.state,
    outSince: out.holds ? (input.state.outSince ?? now) : null,
    inSince: inn.holds ? (input.state.inSince ?? now) : null,
  };
  const heldFor = (since: number | null) => (since === null ? 0 : now - since);
  const shown = (since: number | null) => Math.round(heldFor(since) * 10) / 10;
  let action: 'SCALE_OUT' | 'SCALE_IN' | null = null;
  let reason: string;
  if (out.holds && heldFor(state.outSince) >= policy.thresholdTimeS) {
    if (input.level >= policy.maxLevel)
      reason = `scale-out condition holds (${out.text}) but ${policy.aspect} is at max-scale-level ${policy.maxLevel}`;
    else {
      action = 'SCALE_OUT';
      reason = `${out.text} for ${shown(state.outSince)} s (threshold-time ${policy.thresholdTimeS} s)`;
    }
  } else if (inn.holds && heldFor(state.inSince) >= policy.thresholdTimeS) {
    if (input.level <= 0) reason = `scale-in condition holds (${inn.text}) but ${policy.aspect} is at its minimum level 0`;
    else {
      action = 'SCALE_IN';
      reason = `${inn.text} for ${shown(state.inSince)} s (threshold-time ${policy.thresholdTimeS} s)`;
    }
  } else if (out.holds)
    reason = `scale-out condition holds (${out.text}) for ${shown(state.outSince)} s of ${policy.thresholdTimeS} s`;
  else if (inn.holds)
    reason = `scale-in condition holds (${inn.text}) for ${shown(state.inSince)} s of ${policy.thresholdTimeS} s`;
  else reason = `no condition holds (out: ${out.text || 'none'}; in: ${inn.text || 'none'})`;

  if (action && input.busy) {
    reason = `${action} due (${reason}) but another operation of the NS runs`;
    action = null;
  } else if (action && state.cooldownUntil !== null && now < state.cooldownUntil) {
    reason = `${action} due (${reason}) but cooling down until ${new Date(state.cooldownUntil * 1000).toISOString()}`;
    action = null;
  }
  state.status = reason;
  return { state, action, reason };
}

export const freshPolicyState = (member: string, aspect: string, policy: string): PolicyState => ({
  member,
  aspect,
  policy,
  outSince: null,
  inSince: null,
  cooldownUntil: null,
  pendingOpId: null,
  lastDecision: null,
  status: 'not evaluated yet',
});
