import { ComputeMetrics, DesiredCompute, Observed, ResourceRef, VimError } from '../../contract/src';
import { forgetHostKey } from '../../ssh/src/host-keys';
import { withAuthorizedKeys } from './cloud-init';
import { OpenstackContext, escapeRegex, portDescription, untilGone } from './context';
import { flavorFor, imageId, listFlavors, serverGroup, serverGroupsOf } from './flavors';
import { ensureFloatingIp, floatingIps, portNetworks, portsOf, securityGroupIds } from './networks';
import {
  FloatingIp,
  labelMetadata,
  metadataLabels,
  MGMT_PORT,
  NeutronPort,
  NovaServer,
  serverConditions,
  ServerGroup,
} from './resources';
import { attachableVolumes } from './volumes';

/** Nova servers: built from checked prerequisites (ports first, found again by description after a crash), observed, removed with what was theirs. */

export async function findServer(ctx: OpenstackContext, name: string, signal?: AbortSignal): Promise<NovaServer | undefined> {
  const servers = await ctx.session.list<NovaServer>(
    'compute',
    '/servers/detail',
    'servers',
    { name: `^${escapeRegex(name)}$` },
    signal,
  );
  return servers.find((s) => s.name === name && s.status !== 'DELETED');
}

export async function observedServer(ctx: OpenstackContext, ref: ResourceRef, found: NovaServer): Promise<Observed> {
  const ports = await portsOf(ctx, ref.name);
  const floating = await ctx.session.list<FloatingIp>('network', '/v2.0/floatingips', 'floatingips', {
    description: portDescription(ref.name),
  });
  // a listing may come before Nova has recorded the fault of a failed build; the server itself has it
  const server =
    found.status === 'ERROR' && !found.fault
      ? (await ctx.session.call<{ server: NovaServer }>({ service: 'compute', method: 'GET', path: `/servers/${found.id}` })).body
          .server
      : found;
  return {
    ref: { ...ref, labels: metadataLabels(server.metadata) },
    providerId: server.id,
    provisioned: server.status === 'ACTIVE',
    upToDate: true,
    addresses: ports.flatMap((p) =>
      p.fixed_ips.slice(0, 1).map((ip) => ({
        port: p.name.slice(ref.name.length + 1),
        network: p.network_id,
        ip: ip.ip_address,
        mac: p.mac_address,
      })),
    ),
    conditions: serverConditions(server),
    zone: server['OS-EXT-AZ:availability_zone'],
    details: {
      status: server.status,
      flavor: server.flavor?.original_name,
      floatingIps: floating.map((f) => f.floating_ip_address),
    },
  };
}

export async function applyCompute(ctx: OpenstackContext, desired: DesiredCompute, signal?: AbortSignal): Promise<Observed> {
  const existing = await findServer(ctx, desired.ref.name, signal);
  if (existing && existing.status !== 'ERROR') return observedServer(ctx, desired.ref, existing);
  if (existing) {
    // a build that failed (no valid host, a hypervisor error) is not repaired in place: the server goes, its ports
    // stay, and it is built again
    await ctx.session.call({ service: 'compute', method: 'DELETE', path: `/servers/${existing.id}`, accept: [404], signal });
    await untilGone(ctx, () => findServer(ctx, desired.ref.name, signal), `server ${desired.ref.name}`, signal);
  }
  // everything that can be refused is checked before anything is created
  const image = await imageId(ctx, desired.alternativeImages?.openstack ?? desired.image, signal);
  const networks = await portNetworks(ctx, desired, signal);
  const volumes = await attachableVolumes(ctx, desired.volumes ?? [], signal);
  const flavorId = await flavorFor(ctx, desired.ref.name, desired.flavor, signal);
  const groupId = await serverGroup(ctx, desired, signal);
  const securityGroups = await securityGroupIds(ctx, signal);

  const portIds: string[] = [];
  const current = await portsOf(ctx, desired.ref.name, signal);
  for (const spec of desired.ports) {
    const name = `${desired.ref.name}-${spec.name}`;
    let port = current.find((p) => p.name === name);
    if (!port) {
      const net = networks.get(spec.name)!;
      const { body } = await ctx.session.call<{ port: NeutronPort }>({
        service: 'network',
        method: 'POST',
        path: '/v2.0/ports',
        body: {
          port: {
            name,
            // found again by it after a crash, even before the server exists
            description: portDescription(desired.ref.name),
            network_id: net.id,
            ...(spec.fixedIp ? { fixed_ips: [{ ip_address: spec.fixedIp }] } : {}),
            ...(spec.macAddress ? { mac_address: spec.macAddress } : {}),
            ...(spec.portSecurity === false
              ? { port_security_enabled: false }
              : securityGroups.length
                ? { security_groups: securityGroups }
                : {}),
            ...(spec.vnicType ? { 'binding:vnic_type': spec.vnicType } : {}),
          },
        },
        signal,
      });
      port = body.port;
    }
    if (spec.floatingIp || (spec.management && ctx.config.useFloatingIp))
      await ensureFloatingIp(ctx, port, desired.ref.name, signal);
    portIds.push(port.id);
  }
  const zone = desired.placement?.zone ?? ctx.config.availabilityZone;
  const mgmtPort = desired.ports.find((p) => p.management) ?? desired.ports[0];
  const userData = withAuthorizedKeys(desired.userData, ctx.config.ssh ? [ctx.config.ssh.publicKey] : []);
  await ctx.session.call({
    service: 'compute',
    method: 'POST',
    path: '/servers',
    body: {
      server: {
        name: desired.ref.name,
        flavorRef: flavorId,
        networks: portIds.length ? portIds.map((port) => ({ port })) : 'none',
        block_device_mapping_v2: [
          { boot_index: 0, uuid: image, source_type: 'image', destination_type: 'local', delete_on_termination: true },
          ...volumes.map((v) => ({
            boot_index: -1,
            uuid: v,
            source_type: 'volume',
            destination_type: 'volume',
            delete_on_termination: false,
          })),
        ],
        imageRef: image,
        metadata: { ...labelMetadata(desired.ref.labels), ...(mgmtPort ? { [MGMT_PORT]: mgmtPort.name } : {}) },
        ...(userData ? { user_data: Buffer.from(userData).toString('base64') } : {}),
        ...(zone && zone !== 'nova' ? { availability_zone: zone } : {}),
      },
      ...(groupId ? { 'os:scheduler_hints': { group: groupId } } : {}),
    },
    signal,
  });
  const created = await findServer(ctx, desired.ref.name, signal);
  if (!created) throw new VimError('VIM.INTERNAL', `Nova accepted server ${desired.ref.name} but does not list it`, true);
  return observedServer(ctx, desired.ref, created);
}

/** Server, then its ports, its own flavor and an emptied server group; waits until Nova has let it go. */
export async function removeCompute(ctx: OpenstackContext, name: string, signal?: AbortSignal): Promise<'deleted' | 'absent'> {
  const server = await findServer(ctx, name, signal);
  const groups = server ? await serverGroupsOf(ctx, server.id, signal) : [];
  if (server) {
    await ctx.session.call({ service: 'compute', method: 'DELETE', path: `/servers/${server.id}`, accept: [404], signal });
    await untilGone(ctx, () => findServer(ctx, name, signal), `server ${name}`, signal);
  }
  if (ctx.store) await forgetHostKey(ctx.store, name);
  const ports = await portsOf(ctx, name, signal);
  for (const p of ports) {
    for (const fip of await floatingIps(ctx, p.id, signal))
      await ctx.session.call({
        service: 'network',
        method: 'DELETE',
        path: `/v2.0/floatingips/${fip.id}`,
        accept: [404],
        signal,
      });
    await ctx.session.call({ service: 'network', method: 'DELETE', path: `/v2.0/ports/${p.id}`, accept: [404], signal });
  }
  const flavor = (await listFlavors(ctx, signal)).find((f) => f.name === `mano-flavor-${name}`.slice(0, 255));
  if (flavor)
    await ctx.session.call({ service: 'compute', method: 'DELETE', path: `/flavors/${flavor.id}`, accept: [404], signal });
  for (const g of groups) {
    const { status, body: current } = await ctx.session.call<{ server_group: ServerGroup }>({
      service: 'compute',
      method: 'GET',
      path: `/os-server-groups/${g.id}`,
      accept: [404],
      signal,
    });
    if (status === 200 && current.server_group.members.length === 0)
      await ctx.session.call({
        service: 'compute',
        method: 'DELETE',
        path: `/os-server-groups/${g.id}`,
        accept: [404],
        signal,
      });
  }
  return server || ports.length || flavor ? 'deleted' : 'absent';
}

/** Nova's standardised server diagnostics (microversion 2.48+): CPU % per vCPU, memory in MiB, NIC counters. */
export interface NovaDiagnostics {
  cpu_details?: { utilisation?: number | null }[];
  memory_details?: { maximum?: number | null; used?: number | null };
  nic_details?: {
    rx_octets?: number | null;
    tx_octets?: number | null;
    rx_packets?: number | null;
    tx_packets?: number | null;
  }[];
}

/** Diagnostics as the contract's metrics: null without a CPU utilisation (what the drivers cannot tell is left out). */
export function diagnosticsMetrics(d: NovaDiagnostics): ComputeMetrics | null {
  const cpus = (d.cpu_details ?? []).map((c) => c.utilisation).filter((u): u is number => typeof u === 'number');
  if (!cpus.length) return null;
  const sum = (key: 'rx_octets' | 'tx_octets' | 'rx_packets' | 'tx_packets') => {
    const values = (d.nic_details ?? []).map((n) => n[key]).filter((v): v is number => typeof v === 'number');
    return values.length ? values.reduce((a, b) => a + b, 0) : undefined;
  };
  const used = d.memory_details?.used;
  const max = d.memory_details?.maximum;
  const counters = {
    packetsIn: sum('rx_packets'),
    packetsOut: sum('tx_packets'),
    bytesIn: sum('rx_octets'),
    bytesOut: sum('tx_octets'),
  };
  return {
    cpu: cpus.reduce((a, b) => a + b, 0) / cpus.length / 100,
    memoryBytes: typeof used === 'number' ? used * 2 ** 20 : 0,
    ...(typeof used === 'number' && typeof max === 'number' && max > 0 ? { memoryUtilization: used / max } : {}),
    ...Object.fromEntries(Object.entries(counters).filter(([, v]) => v !== undefined)),
    at: new Date().toISOString(),
  };
}
