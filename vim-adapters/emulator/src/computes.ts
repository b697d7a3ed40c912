import { randomUUID } from 'node:crypto';
import { DesiredCompute, DesiredVolume, InventoryTx, Observed, ResourceRef, VimError } from '../../contract/src';
import { choosePop, popNamed, reserve } from './capacity';
import type { PopConfig } from './config';
import {
  add,
  ComputeDoc,
  computeUsage,
  EmulatorContext,
  K,
  NetworkDoc,
  NONE,
  observedCompute,
  observedVolume,
  Usage,
  VolumeDoc,
} from './inventory';
import { assignPorts, releaseIp } from './networks';

/** Computes and volumes: placed in a PoP with room, reserved against its capacity, removed with their addresses. */

export async function applyCompute(ctx: EmulatorContext, tx: InventoryTx, desired: DesiredCompute): Promise<Observed> {
  const { flavor } = desired;
  for (const key of ['vcpu', 'memoryGiB', 'storageGiB'] as const) {
    if (!(flavor[key] >= 0))
      throw new VimError('VIM.INVALID_REQUEST', `flavor.${key} must be a number ≥ 0`, false, `flavor.${key}`);
  }
  if (!desired.image) throw new VimError('VIM.INVALID_REQUEST', 'image is required', false, 'image');
  const names = new Set<string>();
  for (const p of desired.ports) {
    if (names.has(p.name)) throw new VimError('VIM.INVALID_REQUEST', `port '${p.name}' is given twice`, false, 'ports');
    names.add(p.name);
  }
  for (const v of desired.volumes ?? []) {
    if (!(await tx.get(K.volume, v)))
      throw new VimError('VIM.NOT_FOUND', `volume '${v}' does not exist on this VIM`, false, 'volumes');
  }
  // an autoscaled compute starts at its minimum, as an HPA would scale it
  const replicas = desired.replicas ?? desired.autoscaling?.minReplicas ?? 1;
  const existing = await tx.get<ComputeDoc>(K.compute, desired.ref.name);
  const wanted = computeUsage({ flavor, replicas });
  if (existing && desired.placement?.zone && desired.placement.zone !== existing.pop) {
    throw new VimError(
      'VIM.CONFLICT',
      `compute ${existing.name} runs in PoP ${existing.pop}; it cannot move to ${desired.placement.zone}`,
      false,
      'placement.zone',
    );
  }
  const pop = await place(ctx, tx, existing, desired.placement?.zone, wanted, () => add(wanted, computeUsage(existing!), -1));
  const ports = await assignPorts(ctx, tx, desired, existing?.ports ?? []);
  const delay = ctx.config.bootDelay[desired.deploymentType] * 1000;
  const doc: ComputeDoc = {
    ...identity(desired.ref, existing, pop),
    type: desired.deploymentType,
    image: desired.image,
    flavor,
    replicas,
    ports,
    userData: desired.userData,
    volumes: desired.volumes ?? [],
    env: desired.env,
    ...(desired.autoscaling ? { autoscaling: desired.autoscaling } : {}),
    readyAt: existing?.readyAt ?? Date.now() + delay,
    metrics: existing?.metrics,
  };
  await tx.put(K.compute, doc.name, doc);
  if (!existing) ctx.sandbox(doc.name).ensure();
  return observedCompute(doc);
}

export async function applyVolume(ctx: EmulatorContext, tx: InventoryTx, desired: DesiredVolume): Promise<Observed> {
  if (!(desired.sizeGiB > 0)) throw new VimError('VIM.INVALID_REQUEST', 'sizeGiB must be > 0', false, 'sizeGiB');
  const existing = await tx.get<VolumeDoc>(K.volume, desired.ref.name);
  const wanted = { ...NONE, storageGiB: desired.sizeGiB };
  if (existing && desired.sizeGiB < existing.sizeGiB)
    throw new VimError('VIM.INVALID_REQUEST', `volume ${existing.name} cannot shrink`, false, 'sizeGiB');
  const pop = await place(ctx, tx, existing, desired.zone, wanted, () => ({
    ...NONE,
    storageGiB: desired.sizeGiB - existing!.sizeGiB,
  }));
  const doc: VolumeDoc = { ...identity(desired.ref, existing, pop), sizeGiB: desired.sizeGiB };
  await tx.put(K.volume, doc.name, doc);
  return observedVolume(doc);
}

export async function removeIn(ctx: EmulatorContext, tx: InventoryTx, ref: ResourceRef): Promise<'deleted' | 'absent'> {
  if (ref.kind === 'compute') {
    const doc = await tx.get<ComputeDoc>(K.compute, ref.name);
    if (!doc) return 'absent';
    for (const p of doc.ports) await releaseIp(ctx, tx, p.network, p.ip);
    await reserve(ctx, tx, popNamed(ctx, doc.pop), add(NONE, computeUsage(doc), -1));
    await tx.delete(K.compute, ref.name);
    ctx.sandbox(ref.name).destroy();
    return 'deleted';
  }
  if (ref.kind === 'network') {
    const doc = await tx.get<NetworkDoc>(K.network, ref.name);
    if (!doc) return 'absent';
    const user = (await tx.list<ComputeDoc>(K.compute)).find((c) => c.ports.some((p) => p.network === ref.name));
    if (user) throw new VimError('VIM.CONFLICT', `network ${ref.name} is still used by compute ${user.name}`, true);
    await tx.delete(K.network, ref.name);
    return 'deleted';
  }
  const doc = await tx.get<VolumeDoc>(K.volume, ref.name);
  if (!doc) return 'absent';
  const user = (await tx.list<ComputeDoc>(K.compute)).find((c) => c.volumes.includes(ref.name));
  if (user) throw new VimError('VIM.CONFLICT', `volume ${ref.name} is still attached to compute ${user.name}`, true);
  await reserve(ctx, tx, popNamed(ctx, doc.pop), { ...NONE, storageGiB: -doc.sizeGiB });
  await tx.delete(K.volume, ref.name);
  return 'deleted';
}

/**
 * The PoP of a compute or volume with its usage reserved there: an existing one stays in its PoP and reserves the
 * difference (`change`); a new one goes to the zone asked for, else the first PoP with room for `wanted`.
 */
async function place(
  ctx: EmulatorContext,
  tx: InventoryTx,
  existing: { pop: string } | undefined,
  zone: string | undefined,
  wanted: Usage,
  change: () => Usage,
): Promise<PopConfig> {
  const pop = existing ? popNamed(ctx, existing.pop) : await choosePop(ctx, tx, zone, wanted);
  await reserve(ctx, tx, pop, existing ? change() : wanted);
  return pop;
}

/** The fields every compute and volume document has: a re-apply keeps its provider id and creation time. */
const identity = (ref: ResourceRef, existing: { providerId: string; createdAt: string } | undefined, pop: PopConfig) => ({
  name: ref.name,
  providerId: existing?.providerId ?? randomUUID(),
  labels: ref.labels,
  pop: pop.name,
  createdAt: existing?.createdAt ?? new Date().toISOString(),
});
