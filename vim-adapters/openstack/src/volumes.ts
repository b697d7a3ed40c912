import { DesiredVolume, Observed, ResourceRef, VimError } from '../../contract/src';
import { OpenstackContext, invalid, sleep, untilGone } from './context';
import { CinderVolume, labelMetadata, metadataLabels } from './resources';

/** Cinder volumes: found by name, created with our labels as metadata, removed once detached. */

export async function findVolume(
  ctx: OpenstackContext,
  name: string,
  signal?: AbortSignal,
  { deleting = false } = {},
): Promise<CinderVolume | undefined> {
  const volumes = await ctx.session.list<CinderVolume>('volume', '/volumes/detail', 'volumes', { name }, signal);
  return volumes.find((v) => v.name === name && (deleting || v.status !== 'deleting'));
}

export async function applyVolume(ctx: OpenstackContext, desired: DesiredVolume, signal?: AbortSignal): Promise<Observed> {
  const existing = await findVolume(ctx, desired.ref.name, signal);
  if (existing) return observedVolume(desired.ref, existing);
  const zone = desired.zone ?? ctx.config.availabilityZone;
  const { body } = await ctx.session.call<{ volume: CinderVolume }>({
    service: 'volume',
    method: 'POST',
    path: '/volumes',
    body: {
      volume: {
        name: desired.ref.name,
        size: Math.max(1, Math.ceil(desired.sizeGiB)),
        ...(zone && zone !== 'nova' ? { availability_zone: zone } : {}),
        ...(desired.storageClass ? { volume_type: desired.storageClass } : {}),
        metadata: labelMetadata(desired.ref.labels),
      },
    },
    signal,
  });
  return observedVolume(desired.ref, body.volume);
}

export async function removeVolume(ctx: OpenstackContext, name: string, signal?: AbortSignal): Promise<'deleted' | 'absent'> {
  const vol = await findVolume(ctx, name, signal);
  if (!vol) return 'absent';
  if (['in-use', 'attaching', 'detaching', 'reserved'].includes(vol.status))
    throw new VimError('VIM.CONFLICT', `volume ${name} is still ${vol.status}; it can go once its server has`, true);
  await ctx.session.call({ service: 'volume', method: 'DELETE', path: `/volumes/${vol.id}`, accept: [404], signal });
  // gone means gone: a volume still `deleting` in Cinder is not yet removed (nor can its quota be reused)
  await untilGone(
    ctx,
    async () => {
      const left = await findVolume(ctx, name, signal, { deleting: true });
      if (left?.status === 'error_deleting') throw invalid(`Cinder could not delete volume ${name} (error_deleting)`);
      return left;
    },
    `volume ${name}`,
    signal,
  );
  return 'deleted';
}

/** Volumes to attach at boot: they must exist and be available (a fresh one may still be creating). */
export async function attachableVolumes(ctx: OpenstackContext, names: string[], signal?: AbortSignal): Promise<string[]> {
  const ids: string[] = [];
  for (const name of names) {
    const deadline = Date.now() + 30_000;
    let vol = await findVolume(ctx, name, signal);
    while (vol && vol.status === 'creating' && Date.now() < deadline) {
      await sleep(500, signal);
      vol = await findVolume(ctx, name, signal);
    }
    if (!vol) throw new VimError('VIM.NOT_FOUND', `volume ${name} does not exist (yet)`, true);
    if (vol.status === 'error') throw invalid(`volume ${name} is in error in Cinder`);
    if (vol.status !== 'available' && vol.status !== 'in-use')
      throw new VimError('VIM.CONFLICT', `volume ${name} is ${vol.status}, not available yet`, true);
    ids.push(vol.id);
  }
  return ids;
}

export function observedVolume(ref: ResourceRef, vol: CinderVolume): Observed {
  const ready = vol.status === 'available' || vol.status === 'in-use';
  return {
    ref: { ...ref, labels: metadataLabels(vol.metadata) },
    providerId: vol.id,
    provisioned: ready,
    upToDate: true,
    addresses: [],
    conditions: [
      { type: 'Ready', status: ready ? 'True' : 'False', reason: vol.status },
      ...(vol.status === 'error'
        ? [{ type: 'Failed', status: 'True' as const, reason: 'VolumeError', message: `Cinder: volume ${vol.name} is in error` }]
        : []),
    ],
    zone: vol.availability_zone,
    details: { status: vol.status, sizeGiB: vol.size },
  };
}
