import { DesiredCompute, Flavor } from '../../contract/src';
import { OpenstackContext, invalid, isUuid } from './context';
import { NovaFlavor, ServerGroup } from './resources';

/** What a server boots with besides its ports and volumes: Glance image, Nova flavor (EPA → extra specs), server group. */

/** EPA hints of the planner → Nova flavor extra specs. */
const EXTRA_SPECS: Record<string, (v: string | number | boolean) => [string, string]> = {
  cpuPolicy: (v) => ['hw:cpu_policy', v === 'dedicated' || v === 'static' ? 'dedicated' : 'shared'],
  cpuThreadPolicy: (v) => ['hw:cpu_thread_policy', String(v).toLowerCase()],
  memPageSize: (v) => ['hw:mem_page_size', String(v)],
  numaNodes: (v) => ['hw:numa_nodes', String(v)],
  pciPassthroughAlias: (v) => ['pci_passthrough:alias', String(v)],
};

/** Image by name (Glance) or id; one that is not active cannot boot. */
export async function imageId(ctx: OpenstackContext, nameOrId: string, signal?: AbortSignal): Promise<string> {
  const images = await ctx.session.list<{ id: string; status: string }>(
    'image',
    '/v2/images',
    'images',
    isUuid(nameOrId) ? { id: nameOrId } : { name: nameOrId },
    signal,
  );
  const image = images.find((i) => i.status === 'active') ?? images[0];
  if (!image) throw invalid(`image '${nameOrId}' not found in Glance`, 'image');
  if (image.status !== 'active') throw invalid(`image '${nameOrId}' is ${image.status} in Glance, not active`, 'image');
  return image.id;
}

/**
 * A flavor with exactly the vCPU/RAM/disk (and no extra specs when no EPA is asked); else one of our own named
 * after the compute (removed with it) when the account allows creating flavors; else the smallest that fits.
 */
export async function flavorFor(ctx: OpenstackContext, computeName: string, f: Flavor, signal?: AbortSignal): Promise<string> {
  const ram = Math.round(f.memoryGiB * 1024);
  const disk = Math.ceil(f.storageGiB);
  const specs = Object.fromEntries(
    Object.entries(f.epa ?? {})
      .filter(([k]) => EXTRA_SPECS[k])
      .map(([k, v]) => EXTRA_SPECS[k](v)),
  );
  const own = `mano-flavor-${computeName}`.slice(0, 255);
  const flavors = await listFlavors(ctx, signal);
  const mine = flavors.find((x) => x.name === own);
  if (mine) return mine.id;
  const hasSpecs = Object.keys(specs).length > 0;
  if (!hasSpecs) {
    const exact = flavors.find((x) => x.vcpus === f.vcpu && x.ram === ram && x.disk === disk && !x.name.startsWith('mano-'));
    if (exact) return exact.id;
  }
  if (ctx.config.flavorCreation) {
    const { body: created } = await ctx.session.call<{ flavor: NovaFlavor }>({
      service: 'compute',
      method: 'POST',
      path: '/flavors',
      body: { flavor: { name: own, vcpus: f.vcpu, ram, disk, 'os-flavor-access:is_public': true } },
      signal,
    });
    if (hasSpecs)
      await ctx.session.call({
        service: 'compute',
        method: 'POST',
        path: `/flavors/${created.flavor.id}/os-extra_specs`,
        body: { extra_specs: specs },
        signal,
      });
    return created.flavor.id;
  }
  if (hasSpecs)
    throw invalid(
      `the VDU asks for EPA (${Object.keys(specs).join(', ')}) and the account does not allow creating flavors (config.flavor_creation)`,
      'flavor.epa',
    );
  const fits = flavors
    .filter((x) => x.vcpus >= f.vcpu && x.ram >= ram && x.disk >= disk && !x.name.startsWith('mano-'))
    .sort((a, b) => a.vcpus - b.vcpus || a.ram - b.ram || a.disk - b.disk)[0];
  if (!fits)
    throw invalid(`no flavor has ${f.vcpu} vCPU, ${ram} MiB RAM and ${disk} GB disk, and creating flavors is off`, 'flavor');
  return fits.id;
}

export async function serverGroup(
  ctx: OpenstackContext,
  desired: DesiredCompute,
  signal?: AbortSignal,
): Promise<string | undefined> {
  const group = desired.placement?.antiAffinityGroup ?? desired.placement?.affinityGroup;
  if (!group) return undefined;
  const policy = desired.placement?.antiAffinityGroup ? 'anti-affinity' : 'affinity';
  const name = `mano-${group}`;
  const found = (await listServerGroups(ctx, signal)).find((g) => g.name === name);
  if (found) return found.id;
  const { body } = await ctx.session.call<{ server_group: ServerGroup }>({
    service: 'compute',
    method: 'POST',
    path: '/os-server-groups',
    body: { server_group: { name, policies: [policy] } },
    signal,
  });
  return body.server_group.id;
}

export async function listServerGroups(ctx: OpenstackContext, signal?: AbortSignal): Promise<ServerGroup[]> {
  return ctx.session.list<ServerGroup>('compute', '/os-server-groups', 'server_groups', undefined, signal);
}

/** Every flavor the project can use, private ones included. */
export async function listFlavors(ctx: OpenstackContext, signal?: AbortSignal): Promise<NovaFlavor[]> {
  return ctx.session.list<NovaFlavor>('compute', '/flavors/detail', 'flavors', { is_public: 'None' }, signal);
}

export async function serverGroupsOf(ctx: OpenstackContext, serverId: string, signal?: AbortSignal): Promise<ServerGroup[]> {
  return (await listServerGroups(ctx, signal)).filter((g) => g.name.startsWith('mano-') && g.members.includes(serverId));
}
