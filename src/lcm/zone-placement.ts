import type { VimCapacity } from '../../vim-adapters/contract/src';

export interface Demand {
  vcpu: number;
  memoryGiB: number;
  storageGiB: number;
  gpu: number;
}

export interface PlacementDecision {
  zone?: string;
  /** Why, for the NS record (explainable placement). */
  reason: string;
}

/** Chooses where a VNF runs inside a VIM. Strategies are pure; the engine feeds them the VIM's capacity. */
export interface PlacementStrategy {
  readonly name: string;
  place(demand: Demand, capacity: VimCapacity, wanted?: { zone?: string; labels?: Record<string, string> }): PlacementDecision;
}

const free = (total: number | null, used: number): number => (total === null ? Number.POSITIVE_INFINITY : total - used);

/**
 * First version: capacity-aware. Among the zones that fit the VNF (and carry the wanted labels),
 * the one with the most free vCPU after placing it; a pinned zone is taken as given.
 */
export const capacityAware: PlacementStrategy = {
  name: 'capacity-aware',
  place(demand, capacity, wanted) {
    if (wanted?.zone) return { zone: wanted.zone, reason: `zone ${wanted.zone} requested` };
    if (capacity.zones.length === 0) return { reason: 'the VIM reports no zones: its scheduler decides' };
    const candidates = capacity.zones
      .filter((z) => Object.entries(wanted?.labels ?? {}).every(([k, v]) => z.labels[k] === v))
      .map((z) => ({
        z,
        vcpu: free(z.total.vcpu, z.used.vcpu) - demand.vcpu,
        mem: free(z.total.memoryGiB, z.used.memoryGiB) - demand.memoryGiB,
        disk: free(z.total.storageGiB, z.used.storageGiB) - demand.storageGiB,
        gpu: free(z.total.gpu, z.used.gpu) - demand.gpu,
      }))
      .filter((c) => c.vcpu >= 0 && c.mem >= 0 && c.disk >= 0 && c.gpu >= 0)
      .sort((a, b) => b.vcpu - a.vcpu || a.z.name.localeCompare(b.z.name));
    if (!candidates.length) {
      return {
        reason: `no zone has room for ${demand.vcpu} vCPU, ${demand.memoryGiB} GiB memory, ${demand.storageGiB} GiB storage, ${demand.gpu} GPU`,
      };
    }
    const best = candidates[0];
    return {
      zone: best.z.name,
      reason: `${best.z.name}: fits, most free vCPU left (${best.vcpu === Number.POSITIVE_INFINITY ? 'unlimited' : best.vcpu}) of ${candidates.length} fitting zone(s)`,
    };
  },
};
