import { DesiredCompute, DesiredNetwork, Observed, ResourceRef, VimError } from '../../contract/src';
import { OpenstackContext, invalid, isUuid, portDescription } from './context';
import {
  defaultCidr,
  FloatingIp,
  inCidr,
  labelTags,
  NeutronNetwork,
  NeutronPort,
  NeutronSubnet,
  OWNER_DESCRIPTION,
  OWNER_TAG,
  tagLabels,
} from './resources';

/** Neutron: our networks and subnets, the operator's networks (vim-network-name), ports, floating IPs, security groups. */

export async function findNetwork(
  ctx: OpenstackContext,
  name: string,
  signal?: AbortSignal,
): Promise<NeutronNetwork | undefined> {
  const networks = await ctx.session.list<NeutronNetwork>('network', '/v2.0/networks', 'networks', { name }, signal);
  return networks[0];
}

/** A network the operator made (OSM `vim-network-name`): by name, or id; absent is an error naming it, as OSM. */
export async function existingNetwork(ctx: OpenstackContext, nameOrId: string, signal?: AbortSignal): Promise<NeutronNetwork> {
  const byName = await findNetwork(ctx, nameOrId, signal);
  if (byName) return byName;
  if (isUuid(nameOrId)) {
    const { status, body } = await ctx.session.call<{ network: NeutronNetwork }>({
      service: 'network',
      method: 'GET',
      path: `/v2.0/networks/${nameOrId}`,
      accept: [404],
      signal,
    });
    if (status === 200) return body.network;
  }
  throw invalid(`network '${nameOrId}' (vim-network-name) not found in OpenStack`, 'vim-network-name');
}

export async function subnetsOf(ctx: OpenstackContext, networkId: string, signal?: AbortSignal): Promise<NeutronSubnet[]> {
  return ctx.session.list<NeutronSubnet>('network', '/v2.0/subnets', 'subnets', { network_id: networkId }, signal);
}

export async function observedNetwork(
  ctx: OpenstackContext,
  ref: ResourceRef,
  net: NeutronNetwork,
  existing = false,
): Promise<Observed> {
  const subnets = await subnetsOf(ctx, net.id);
  return {
    ref: { ...ref, labels: existing ? ref.labels : tagLabels(net.tags) },
    providerId: net.id,
    provisioned: net.status === 'ACTIVE',
    upToDate: true,
    addresses: [],
    conditions: [{ type: 'Ready', status: net.status === 'ACTIVE' ? 'True' : 'False', reason: net.status }],
    details: { name: net.name, cidr: subnets[0]?.cidr, gateway: subnets[0]?.gateway_ip, existing },
  };
}

export async function applyNetwork(ctx: OpenstackContext, desired: DesiredNetwork, signal?: AbortSignal): Promise<Observed> {
  if (desired.existingNetworkName)
    return observedNetwork(ctx, desired.ref, await existingNetwork(ctx, desired.existingNetworkName, signal), true);
  let net =
    (await findNetwork(ctx, desired.ref.name, signal)) ??
    (
      await ctx.session.call<{ network: NeutronNetwork }>({
        service: 'network',
        method: 'POST',
        path: '/v2.0/networks',
        body: {
          network: {
            name: desired.ref.name,
            admin_state_up: true,
            description: OWNER_DESCRIPTION,
            ...providerAttributes(desired),
          },
        },
        signal,
      })
    ).body.network;
  // tags cannot be given at creation; set (again) until they are there
  const tags = labelTags(desired.ref.labels);
  if (!tags.every((t) => net.tags?.includes(t))) {
    const { body } = await ctx.session.call<{ tags: string[] }>({
      service: 'network',
      method: 'PUT',
      path: `/v2.0/networks/${net.id}/tags`,
      body: { tags },
      signal,
    });
    net = { ...net, tags: body.tags };
  }
  if ((await subnetsOf(ctx, net.id, signal)).length === 0) {
    const p = desired.ipProfile ?? {};
    await ctx.session.call({
      service: 'network',
      method: 'POST',
      path: '/v2.0/subnets',
      body: {
        subnet: {
          name: desired.ref.name,
          network_id: net.id,
          ip_version: 4,
          cidr: p.cidr ?? defaultCidr(ctx.config.networkPool, desired.ref.name),
          ...(p.gatewayIp ? { gateway_ip: p.gatewayIp } : {}),
          enable_dhcp: p.dhcp ?? true,
          ...(p.dnsServers?.length ? { dns_nameservers: p.dnsServers } : {}),
        },
      },
      signal,
    });
  }
  return observedNetwork(ctx, desired.ref, net);
}

export async function removeNetwork(ctx: OpenstackContext, name: string, signal?: AbortSignal): Promise<'deleted' | 'absent'> {
  const net = await findNetwork(ctx, name, signal);
  // only what we made (tagged, or described as ours when a crash came before the tags): never an operator's
  if (!net || !(net.tags?.includes(OWNER_TAG) || net.description === OWNER_DESCRIPTION)) return 'absent';
  // 409 while ports are still on it: retryable, the servers are on their way out
  await ctx.session.call({ service: 'network', method: 'DELETE', path: `/v2.0/networks/${net.id}`, accept: [404], signal });
  return 'deleted';
}

export async function portsOf(ctx: OpenstackContext, computeName: string, signal?: AbortSignal): Promise<NeutronPort[]> {
  return ctx.session.list<NeutronPort>('network', '/v2.0/ports', 'ports', { description: portDescription(computeName) }, signal);
}

export async function floatingIps(ctx: OpenstackContext, portId: string, signal?: AbortSignal): Promise<FloatingIp[]> {
  return ctx.session.list<FloatingIp>('network', '/v2.0/floatingips', 'floatingips', { port_id: portId }, signal);
}

/**
 * A floating IP on the port, from `config.floating_network` or the first external network. Neutron refuses it when
 * no router joins the port's subnet to that network: that error (naming both) reaches the operation as it is.
 */
export async function ensureFloatingIp(
  ctx: OpenstackContext,
  port: NeutronPort,
  computeName: string,
  signal?: AbortSignal,
): Promise<void> {
  if ((await floatingIps(ctx, port.id, signal)).length) return;
  const wanted = ctx.config.floatingNetwork;
  const networks = await ctx.session.list<NeutronNetwork>(
    'network',
    '/v2.0/networks',
    'networks',
    { 'router:external': 'true' },
    signal,
  );
  const external = wanted ? networks.find((n) => n.name === wanted || n.id === wanted) : networks[0];
  if (!external)
    throw invalid(
      wanted ? `floating network '${wanted}' is not an external network` : 'no external network to take floating IPs from',
      'config.floating_network',
    );
  await ctx.session.call({
    service: 'network',
    method: 'POST',
    path: '/v2.0/floatingips',
    body: { floatingip: { floating_network_id: external.id, port_id: port.id, description: portDescription(computeName) } },
    signal,
  });
}

/** The Neutron network of every port; a fixed IP must lie in one of its subnets. */
export async function portNetworks(
  ctx: OpenstackContext,
  desired: DesiredCompute,
  signal?: AbortSignal,
): Promise<Map<string, NeutronNetwork>> {
  const byPort = new Map<string, NeutronNetwork>();
  for (const [i, spec] of desired.ports.entries()) {
    const net = spec.existingNetworkName
      ? await existingNetwork(ctx, spec.existingNetworkName, signal)
      : await findNetwork(ctx, spec.network, signal);
    if (!net) throw new VimError('VIM.NOT_FOUND', `network ${spec.network} of port ${spec.name} does not exist (yet)`, true);
    if (spec.fixedIp) {
      const cidrs = (await subnetsOf(ctx, net.id, signal)).map((s) => s.cidr);
      if (!cidrs.some((c) => inCidr(spec.fixedIp!, c)))
        throw invalid(
          `port ${spec.name}: fixed IP ${spec.fixedIp} is not in network ${net.name} (${cidrs.join(', ') || 'no subnet'})`,
          `ports[${i}].fixedIp`,
        );
    }
    byPort.set(spec.name, net);
  }
  return byPort;
}

export async function securityGroupIds(ctx: OpenstackContext, signal?: AbortSignal): Promise<string[]> {
  const ids: string[] = [];
  for (const g of ctx.config.securityGroups) {
    if (isUuid(g)) {
      ids.push(g);
      continue;
    }
    const [group] = await ctx.session.list<{ id: string }>(
      'network',
      '/v2.0/security-groups',
      'security_groups',
      { name: g, project_id: await ctx.session.projectId(signal) },
      signal,
    );
    if (!group) throw invalid(`security group '${g}' not found`, 'config.security_groups');
    ids.push(group.id);
  }
  return ids;
}

/** Neutron's provider extension (admin only): VLAN when a segmentation id is given, else flat, on the physical network. */
function providerAttributes(d: DesiredNetwork): Record<string, unknown> {
  const p = d.provider;
  if (!p) return {};
  return {
    'provider:network_type': p.networkType ?? (p.segmentationId !== undefined ? 'vlan' : 'flat'),
    ...(p.physicalNetwork ? { 'provider:physical_network': p.physicalNetwork } : {}),
    ...(p.segmentationId !== undefined ? { 'provider:segmentation_id': p.segmentationId } : {}),
  };
}
