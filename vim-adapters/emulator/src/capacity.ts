import { InventoryReader, InventoryTx, VimCapacity, VimError } from '../../contract/src';
import type { PopConfig } from './config';
import { add, EmulatorContext, K, NONE, round, roundUsage, Usage } from './inventory';

/** PoPs: their usage (one document per PoP), what fits where, reservations, and the links between them. */

export function popNamed(ctx: EmulatorContext, name: string): PopConfig {
  const pop = ctx.config.pops.find((p) => p.name === name);
  if (!pop)
    throw new VimError(
      'VIM.INVALID_REQUEST',
      `PoP '${name}' does not exist in this emulator (has: ${ctx.config.pops.map((p) => p.name).join(', ')})`,
      false,
      'placement.zone',
    );
  return pop;
}

export async function usageMap(ctx: EmulatorContext, r: InventoryReader): Promise<Map<string, Usage>> {
  const rows = await r.list<Usage & { pop: string }>(K.usage);
  return new Map(rows.map((u) => [u.pop, { vcpu: u.vcpu, memoryGiB: u.memoryGiB, storageGiB: u.storageGiB, gpu: u.gpu }]));
}

export function fits(ctx: EmulatorContext, pop: PopConfig, used: Usage, extra: Usage): string | null {
  const checks: [keyof Usage, number | null, string][] = [
    ['vcpu', pop.vcpu, 'vCPU'],
    ['memoryGiB', pop.memoryGiB, 'GiB memory'],
    ['storageGiB', pop.storageGiB, 'GiB storage'],
    ['gpu', pop.gpu, 'GPU'],
  ];
  for (const [key, total, unit] of checks) {
    if (total !== null && extra[key] > 0 && used[key] + extra[key] > total + 1e-9) {
      return `PoP ${pop.name} has ${round(total - used[key])} ${unit} free, ${round(extra[key])} needed`;
    }
  }
  return null;
}

export async function choosePop(
  ctx: EmulatorContext,
  tx: InventoryTx,
  zone: string | undefined,
  wanted: Usage,
): Promise<PopConfig> {
  if (zone) return popNamed(ctx, zone);
  const usage = await usageMap(ctx, tx);
  const pop = ctx.config.pops.find((p) => fits(ctx, p, usage.get(p.name) ?? NONE, wanted) === null);
  if (!pop)
    throw new VimError(
      'VIM.QUOTA_EXCEEDED',
      `emulator: no PoP has room for ${round(wanted.vcpu)} vCPU, ${round(wanted.memoryGiB)} GiB memory, ${round(wanted.storageGiB)} GiB storage, ${wanted.gpu} GPU`,
      false,
    );
  return pop;
}

/** Adds `delta` to the PoP's usage, refusing (quota exceeded) what does not fit. */
export async function reserve(ctx: EmulatorContext, tx: InventoryTx, pop: PopConfig, delta: Usage): Promise<void> {
  const used = (await tx.get<Usage>(K.usage, pop.name)) ?? NONE;
  const problem = fits(ctx, pop, used, delta);
  if (problem) throw new VimError('VIM.QUOTA_EXCEEDED', `emulator: quota exceeded: ${problem}`, false);
  const next = add(used, delta);
  await tx.put(K.usage, pop.name, { pop: pop.name, ...roundUsage(next) });
}

export function links(ctx: EmulatorContext): VimCapacity['links'] {
  const links = [...ctx.config.links];
  const known = new Set(links.flatMap((l) => [`${l.from}>${l.to}`, `${l.to}>${l.from}`]));
  for (const a of ctx.config.pops) {
    for (const b of ctx.config.pops) {
      if (a.name >= b.name || !a.location || !b.location || known.has(`${a.name}>${b.name}`)) continue;
      // light in fibre covers ~200 km per ms, plus a little for equipment
      links.push({ from: a.name, to: b.name, latencyMs: round(haversineKm(a.location, b.location) / 200 + 0.5) });
    }
  }
  return links;
}

function haversineKm(a: { lat: number; lon: number }, b: { lat: number; lon: number }): number {
  const rad = (d: number): number => (d * Math.PI) / 180;
  const h =
    Math.sin(rad(b.lat - a.lat) / 2) ** 2 + Math.cos(rad(a.lat)) * Math.cos(rad(b.lat)) * Math.sin(rad(b.lon - a.lon) / 2) ** 2;
  return 2 * 6371 * Math.asin(Math.sqrt(h));
}
