import { ComputeMetrics, LoadProfile, profileStep, SettableMetrics } from '../../contract/src';
import type { ComputeDoc } from './inventory';

/** A load profile as stored: with the time it was set, from which its steps count. */
export interface StoredProfile extends LoadProfile {
  setAt: number;
}

const matches = (labels: Record<string, string>, wanted: Record<string, string>) =>
  Object.entries(wanted).every(([k, v]) => labels[k] === v);

/**
 * The emulated metrics of a compute: its own set values win, then the newest matching load profile's current step,
 * then the quiet defaults (5 % CPU, a quarter of the memory, no traffic). Replicas share the load.
 */
export function emulatedMetrics(doc: ComputeDoc, profiles: StoredProfile[], now: number): ComputeMetrics {
  const profile = [...profiles].reverse().find((p) => matches(doc.labels, p.labels));
  const step: SettableMetrics = (profile && profileStep(profile, (now - profile.setAt) / 1000)) ?? {};
  const own = (doc.metrics ?? {}) as SettableMetrics;
  const allocated = doc.flavor.memoryGiB * 2 ** 30 * Math.max(1, doc.replicas);
  const utilization = own.memoryUtilization ?? step.memoryUtilization;
  const memoryBytes = own.memoryBytes ?? step.memoryBytes ?? Math.round(allocated * (utilization ?? 0.25));
  const pick = (k: 'packetsIn' | 'packetsOut' | 'bytesIn' | 'bytesOut') => own[k] ?? step[k] ?? 0;
  const custom = { ...step.custom, ...own.custom };
  return {
    cpu: own.cpu ?? step.cpu ?? 0.05,
    memoryBytes,
    memoryUtilization: utilization ?? (allocated > 0 ? Math.min(1, memoryBytes / allocated) : undefined),
    packetsIn: pick('packetsIn'),
    packetsOut: pick('packetsOut'),
    bytesIn: pick('bytesIn'),
    bytesOut: pick('bytesOut'),
    ...(Object.keys(custom).length ? { custom } : {}),
    at: new Date(now).toISOString(),
  };
}

/** Profiles after setting one: a profile for the same labels replaces the older one; no steps removes it. */
export function withProfile(profiles: StoredProfile[], profile: LoadProfile, now: number): StoredProfile[] {
  const key = JSON.stringify(Object.entries(profile.labels).sort());
  const rest = profiles.filter((p) => JSON.stringify(Object.entries(p.labels).sort()) !== key);
  return profile.steps.length ? [...rest, { ...profile, setAt: now }].slice(-100) : rest;
}
