import { randomUUID } from 'node:crypto';
import { DesiredCompute, DesiredNetwork, InventoryReader, InventoryTx, Observed, VimError } from '../../contract/src';
import { EmulatorContext, K, NetworkDoc, observedNetwork, PortDoc } from './inventory';
import { Cidr, cidrToString, firstFreeHost, inCidr, intToIp, macFor, nthSubnet, parseCidr } from './ip';

/** Networks: subnets from the pool or the ip-profile, provider networks (vim-network-name), port addresses. */

export async function applyNetwork(ctx: EmulatorContext, tx: InventoryTx, desired: DesiredNetwork): Promise<Observed> {
  const existing = await tx.get<NetworkDoc>(K.network, desired.ref.name);
  if (existing) {
    existing.labels = desired.ref.labels;
    await tx.put(K.network, existing.name, existing);
    return observedNetwork(existing);
  }
  let addressing: { cidr: string; gateway: string };
  if (desired.existingNetworkName) {
    // OSM vim-network-name: a network made on this VIM under that name (a slice VLD; OpenStack finds it by name too),
    // else a provider network, created on first use
    addressing =
      (await attachedDoc(ctx, tx, desired.existingNetworkName))?.doc ??
      (await providerNetwork(ctx, tx, desired.existingNetworkName, desired.ipProfile?.cidr));
  } else {
    addressing = await allocateSubnet(ctx, tx, desired, 'ipProfile');
  }
  const doc: NetworkDoc = {
    name: desired.ref.name,
    providerId: randomUUID(),
    labels: desired.ref.labels,
    cidr: addressing.cidr,
    gateway: addressing.gateway,
    used: [],
    attachedTo: desired.existingNetworkName,
    management: desired.management,
    createdAt: new Date().toISOString(),
  };
  await tx.put(K.network, doc.name, doc);
  return observedNetwork(doc);
}

export async function providerNetwork(
  ctx: EmulatorContext,
  tx: InventoryTx,
  name: string,
  cidr?: string,
): Promise<{ cidr: string; gateway: string }> {
  const existing = await tx.get<NetworkDoc>(K.provider, name);
  if (existing) return existing;
  const declared = ctx.config.providerNetworks.get(name) ?? cidr;
  const addressing = await allocateSubnet(
    ctx,
    tx,
    { ipProfile: declared ? { cidr: declared } : undefined },
    'existingNetworkName',
  );
  const doc: NetworkDoc = {
    name,
    providerId: randomUUID(),
    labels: {},
    ...addressing,
    used: [],
    createdAt: new Date().toISOString(),
  };
  await tx.put(K.provider, name, doc);
  return doc;
}

export async function allocateSubnet(
  ctx: EmulatorContext,
  tx: InventoryTx,
  desired: Pick<DesiredNetwork, 'ipProfile'>,
  field: string,
): Promise<{ cidr: string; gateway: string }> {
  let subnet: Cidr | null;
  if (desired.ipProfile?.cidr) {
    subnet = parseCidr(desired.ipProfile.cidr);
    if (!subnet)
      throw new VimError(
        'VIM.INVALID_REQUEST',
        `ipProfile.cidr '${desired.ipProfile.cidr}' is not an IPv4 CIDR from /8 to /30`,
        false,
        'ipProfile.cidr',
      );
  } else {
    const state = (await tx.get<{ nextSubnet: number }>(K.state, 'main')) ?? { nextSubnet: 0 };
    subnet = nthSubnet(parseCidr(ctx.config.networkPool)!, state.nextSubnet);
    if (!subnet)
      throw new VimError('VIM.QUOTA_EXCEEDED', `emulator: network pool ${ctx.config.networkPool} is exhausted`, false, field);
    await tx.put(K.state, 'main', { nextSubnet: state.nextSubnet + 1 });
  }
  const gateway = desired.ipProfile?.gatewayIp ?? intToIp(subnet.base + 1);
  if (!inCidr(gateway, subnet)) {
    throw new VimError(
      'VIM.INVALID_REQUEST',
      `gateway ${gateway} is outside ${cidrToString(subnet)}`,
      false,
      'ipProfile.gatewayIp',
    );
  }
  return { cidr: cidrToString(subnet), gateway };
}

/** Keeps a port's address when it stays on the same network (and its fixed IP, if any, is unchanged). */
export async function assignPorts(
  ctx: EmulatorContext,
  tx: InventoryTx,
  desired: DesiredCompute,
  previous: PortDoc[],
): Promise<PortDoc[]> {
  const result: PortDoc[] = [];
  const kept = new Set<string>();
  for (const [i, p] of desired.ports.entries()) {
    const old = previous.find((o) => o.name === p.name && o.network === p.network && (!p.fixedIp || p.fixedIp === o.ip));
    if (old) {
      kept.add(old.name);
      result.push({ ...old, management: p.management });
      continue;
    }
    const ip = await allocateIp(ctx, tx, p.network, p.fixedIp, `ports[${i}]`);
    result.push({
      name: p.name,
      network: p.network,
      ip,
      mac: p.macAddress ?? macFor(`${desired.ref.name}/${p.name}/${ip}`),
      management: p.management,
    });
  }
  for (const old of previous) if (!kept.has(old.name)) await releaseIp(ctx, tx, old.network, old.ip);
  return result;
}

export async function addressDoc(
  ctx: EmulatorContext,
  tx: InventoryReader,
  network: string,
  path: string,
): Promise<{ kind: string; doc: NetworkDoc }> {
  const net = await tx.get<NetworkDoc>(K.network, network);
  if (!net) throw new VimError('VIM.NOT_FOUND', `network '${network}' does not exist on this VIM`, false, `${path}.network`);
  if (!net.attachedTo) return { kind: K.network, doc: net };
  const attached = await attachedDoc(ctx, tx, net.attachedTo);
  if (!attached) throw new VimError('VIM.NOT_FOUND', `network '${net.attachedTo}' is gone`, false, `${path}.network`);
  return attached;
}

/** What `vim-network-name` names: a network of this VIM's own (not itself attached), else a provider network. */
export async function attachedDoc(
  ctx: EmulatorContext,
  tx: InventoryReader,
  name: string,
): Promise<{ kind: string; doc: NetworkDoc } | null> {
  const own = await tx.get<NetworkDoc>(K.network, name);
  if (own && !own.attachedTo) return { kind: K.network, doc: own };
  const provider = await tx.get<NetworkDoc>(K.provider, name);
  return provider ? { kind: K.provider, doc: provider } : null;
}

export async function allocateIp(
  ctx: EmulatorContext,
  tx: InventoryTx,
  network: string,
  fixedIp: string | undefined,
  path: string,
): Promise<string> {
  const { kind, doc } = await addressDoc(ctx, tx, network, path);
  const subnet = parseCidr(doc.cidr)!;
  const used = new Set(doc.used);
  let ip: string | null;
  if (fixedIp) {
    if (!inCidr(fixedIp, subnet) || fixedIp === doc.gateway || fixedIp === intToIp(subnet.base)) {
      throw new VimError(
        'VIM.INVALID_REQUEST',
        `fixed IP ${fixedIp} is not a host address of ${doc.cidr} (network '${network}')`,
        false,
        `${path}.fixedIp`,
      );
    }
    if (used.has(fixedIp))
      throw new VimError(
        'VIM.CONFLICT',
        `fixed IP ${fixedIp} is already in use on network '${network}'`,
        false,
        `${path}.fixedIp`,
      );
    ip = fixedIp;
  } else {
    ip = firstFreeHost(subnet, used, doc.gateway);
    if (!ip)
      throw new VimError(
        'VIM.QUOTA_EXCEEDED',
        `network '${network}' (${doc.cidr}) has no free address`,
        false,
        `${path}.network`,
      );
  }
  doc.used.push(ip);
  await tx.put(kind, doc.name, doc);
  return ip;
}

export async function releaseIp(ctx: EmulatorContext, tx: InventoryTx, network: string, ip: string): Promise<void> {
  const net = await tx.get<NetworkDoc>(K.network, network);
  const attached = net?.attachedTo ? await attachedDoc(ctx, tx, net.attachedTo) : null;
  const kind = attached?.kind ?? K.network;
  const doc = net?.attachedTo ? attached?.doc : net;
  if (!doc) return;
  doc.used = doc.used.filter((u) => u !== ip);
  await tx.put(kind, doc.name, doc);
}
