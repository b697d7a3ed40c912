import {
  DesiredCompute,
  DesiredNetwork,
  DesiredResource,
  DesiredVolume,
  ExecRequest,
  ExecResult,
  Flavor,
  InventoryStore,
  kduUnsupported,
  Observed,
  ResourceRef,
  SupportsExec,
  VimAdapter,
  VimCapacity,
  VimError,
  VimHealth,
} from '../../contract/src';
import { forgetHostKey, pinOnFirstUse } from '../../ssh/src/host-keys';
import { sshExec } from '../../ssh/src/ssh-exec';
import type { OpenstackConfig } from './account';
import { withAuthorizedKeys } from './cloud-init';
import {
  CinderVolume,
  defaultCidr,
  FloatingIp,
  inCidr,
  labelMetadata,
  labelTags,
  metadataLabels,
  MGMT_PORT,
  NeutronNetwork,
  NeutronPort,
  NeutronSubnet,
  NovaFlavor,
  NovaServer,
  OWNER_DESCRIPTION,
  OWNER_TAG,
  serverConditions,
  ServerGroup,
  tagLabels,
} from './resources';
import { OpenstackSession } from './session';

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(t), reject(signal.reason as Error)), { once: true });
  });
const invalid = (message: string, path?: string) => new VimError('VIM.INVALID_REQUEST', message, false, path);
const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const portDescription = (computeName: string) => `mano-compute=${computeName}`;
const isUuid = (s: string) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(s);

/** EPA hints of the planner → Nova flavor extra specs. */
const EXTRA_SPECS: Record<string, (v: string | number | boolean) => [string, string]> = {
  cpuPolicy: (v) => ['hw:cpu_policy', v === 'dedicated' || v === 'static' ? 'dedicated' : 'shared'],
  cpuThreadPolicy: (v) => ['hw:cpu_thread_policy', String(v).toLowerCase()],
  memPageSize: (v) => ['hw:mem_page_size', String(v)],
  numaNodes: (v) => ['hw:numa_nodes', String(v)],
  pciPassthroughAlias: (v) => ['pci_passthrough:alias', String(v)],
};

/**
 * OpenStack through its REST APIs: Neutron networks/subnets/ports, Nova servers/flavors/server groups,
 * Glance images, Cinder volumes. Our objects are found by their deterministic names and carry the labels
 * (Neutron tags, Nova/Cinder metadata), so observe/remove find exactly ours after any crash.
 */
export class OpenstackAdapter implements VimAdapter, SupportsExec {
  constructor(
    readonly session: OpenstackSession,
    private readonly config: OpenstackConfig,
    /** Durable per-account documents: the SSH host keys pinned per server. */
    private readonly store?: InventoryStore,
  ) {}

  async ping(signal?: AbortSignal): Promise<VimHealth> {
    const catalog = await this.session.catalog(signal);
    // the token alone proves the credentials; Nova's answer proves the cloud works for us
    const { body } = await this.session.call<{ version?: { id?: string; version?: string } }>({
      service: 'compute',
      method: 'GET',
      path: '/',
      signal,
    });
    const services = [...new Set(catalog.map((s) => s.type))].sort();
    return {
      ok: true,
      detail: `Keystone v3 at ${this.config.credentials.authUrl}: token issued for project ${this.config.credentials.projectName}; services: ${services.join(', ')}; Nova API ${body.version?.id ?? '?'} (max microversion ${body.version?.version ?? '?'})`,
      version: body.version?.version,
    };
  }

  async capacity(): Promise<VimCapacity> {
    const [{ body: limits }, { body: zones }] = await Promise.all([
      this.session.call<{ limits: { absolute: Record<string, number> } }>({ service: 'compute', method: 'GET', path: '/limits' }),
      this.session.call<{ availabilityZoneInfo: { zoneName: string; zoneState: { available: boolean } }[] }>({
        service: 'compute',
        method: 'GET',
        path: '/os-availability-zone',
      }),
    ]);
    const a = limits.limits.absolute;
    const max = (v: number | undefined, scale = 1) => (v === undefined || v < 0 ? null : v / scale);
    const available = zones.availabilityZoneInfo.filter((z) => z.zoneState.available).map((z) => z.zoneName);
    // Nova's quota is per project, not per zone: the first zone carries it, so the totals are not counted twice
    return {
      zones: (available.length ? available : ['nova']).map((name, i) => ({
        name,
        labels: {},
        total:
          i === 0
            ? { vcpu: max(a.maxTotalCores), memoryGiB: max(a.maxTotalRAMSize, 1024), storageGiB: null, gpu: null }
            : { vcpu: 0, memoryGiB: 0, storageGiB: null, gpu: null },
        used:
          i === 0
            ? { vcpu: a.totalCoresUsed ?? 0, memoryGiB: (a.totalRAMUsed ?? 0) / 1024, storageGiB: 0, gpu: 0 }
            : { vcpu: 0, memoryGiB: 0, storageGiB: 0, gpu: 0 },
      })),
      links: [],
    };
  }

  async observe(ref: ResourceRef): Promise<Observed | null> {
    switch (ref.kind) {
      case 'network': {
        const net = await this.findNetwork(ref.name);
        return net ? this.observedNetwork(ref, net) : null;
      }
      case 'volume': {
        const vol = await this.findVolume(ref.name);
        return vol ? observedVolume(ref, vol) : null;
      }
      case 'compute': {
        const server = await this.findServer(ref.name);
        return server ? this.observedServer(ref, server) : null;
      }
      case 'kdu':
        return null;
    }
  }

  async apply(desired: DesiredResource, signal?: AbortSignal): Promise<Observed> {
    switch (desired.ref.kind) {
      case 'network':
        return this.applyNetwork(desired as DesiredNetwork, signal);
      case 'volume':
        return this.applyVolume(desired as DesiredVolume, signal);
      case 'compute':
        return this.applyCompute(desired as DesiredCompute, signal);
      case 'kdu':
        throw kduUnsupported('OpenStack');
    }
  }

  async remove(ref: ResourceRef, signal?: AbortSignal): Promise<'deleted' | 'absent'> {
    switch (ref.kind) {
      case 'network':
        return this.removeNetwork(ref.name, signal);
      case 'volume':
        return this.removeVolume(ref.name, signal);
      case 'compute':
        return this.removeCompute(ref.name, signal);
      case 'kdu':
        return 'absent';
    }
  }

  async close(): Promise<void> {}

  /** Day-1/2 on a VM: over SSH to its management address (floating IP when it has one) with the account's key. */
  async exec(ref: ResourceRef<'compute'>, request: ExecRequest, signal?: AbortSignal): Promise<ExecResult> {
    const ssh = this.config.ssh;
    if (!ssh)
      throw new VimError(
        'VIM.UNSUPPORTED',
        'running primitives on OpenStack VMs needs an SSH key: set config.private_key (and config.ssh_user) on the VIM account',
        false,
        'config.private_key',
      );
    const server = await this.findServer(ref.name, signal);
    if (!server) throw new VimError('VIM.NOT_FOUND', `server ${ref.name} does not exist`, false);
    const ports = await this.ports(ref.name, signal);
    const mgmt = ports.find((p) => p.name === `${ref.name}-${server.metadata?.[MGMT_PORT]}`) ?? ports[0];
    if (!mgmt?.fixed_ips[0]) throw new VimError('VIM.INVALID_REQUEST', `server ${ref.name} has no address to log in to`, false);
    const host = (await this.floatingIps(mgmt.id, signal))[0]?.floating_ip_address ?? mgmt.fixed_ips[0].ip_address;
    const label = `compute ${ref.name} at ${host}:${ssh.port}`;
    return sshExec(
      {
        host,
        port: ssh.port,
        username: ssh.user,
        privateKey: ssh.privateKey,
        label: `compute ${ref.name}`,
        // pinned per Nova server id: a server built anew under the same name (retry) has a new key of its own
        verifyHostKey: this.store ? pinOnFirstUse(this.store, ref.name, server.id, label) : undefined,
      },
      request,
      signal,
    );
  }

  // ---- networks ----

  private async findNetwork(name: string, signal?: AbortSignal): Promise<NeutronNetwork | undefined> {
    const networks = await this.session.list<NeutronNetwork>('network', '/v2.0/networks', 'networks', { name }, signal);
    return networks[0];
  }

  /** A network the operator made (OSM `vim-network-name`): by name, or id; absent is an error naming it, as OSM. */
  private async existingNetwork(nameOrId: string, signal?: AbortSignal): Promise<NeutronNetwork> {
    const byName = await this.findNetwork(nameOrId, signal);
    if (byName) return byName;
    if (isUuid(nameOrId)) {
      const { status, body } = await this.session.call<{ network: NeutronNetwork }>({
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

  private async subnets(networkId: string, signal?: AbortSignal): Promise<NeutronSubnet[]> {
    return this.session.list<NeutronSubnet>('network', '/v2.0/subnets', 'subnets', { network_id: networkId }, signal);
  }

  private async observedNetwork(ref: ResourceRef, net: NeutronNetwork, existing = false): Promise<Observed> {
    const subnets = await this.subnets(net.id);
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

  private async applyNetwork(desired: DesiredNetwork, signal?: AbortSignal): Promise<Observed> {
    if (desired.existingNetworkName)
      return this.observedNetwork(desired.ref, await this.existingNetwork(desired.existingNetworkName, signal), true);
    let net =
      (await this.findNetwork(desired.ref.name, signal)) ??
      (
        await this.session.call<{ network: NeutronNetwork }>({
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
      const { body } = await this.session.call<{ tags: string[] }>({
        service: 'network',
        method: 'PUT',
        path: `/v2.0/networks/${net.id}/tags`,
        body: { tags },
        signal,
      });
      net = { ...net, tags: body.tags };
    }
    if ((await this.subnets(net.id, signal)).length === 0) {
      const p = desired.ipProfile ?? {};
      await this.session.call({
        service: 'network',
        method: 'POST',
        path: '/v2.0/subnets',
        body: {
          subnet: {
            name: desired.ref.name,
            network_id: net.id,
            ip_version: 4,
            cidr: p.cidr ?? defaultCidr(this.config.networkPool, desired.ref.name),
            ...(p.gatewayIp ? { gateway_ip: p.gatewayIp } : {}),
            enable_dhcp: p.dhcp ?? true,
            ...(p.dnsServers?.length ? { dns_nameservers: p.dnsServers } : {}),
          },
        },
        signal,
      });
    }
    return this.observedNetwork(desired.ref, net);
  }

  private async removeNetwork(name: string, signal?: AbortSignal): Promise<'deleted' | 'absent'> {
    const net = await this.findNetwork(name, signal);
    // only what we made (tagged, or described as ours when a crash came before the tags): never an operator's
    if (!net || !(net.tags?.includes(OWNER_TAG) || net.description === OWNER_DESCRIPTION)) return 'absent';
    // 409 while ports are still on it: retryable, the servers are on their way out
    await this.session.call({ service: 'network', method: 'DELETE', path: `/v2.0/networks/${net.id}`, accept: [404], signal });
    return 'deleted';
  }

  // ---- volumes ----

  private async findVolume(name: string, signal?: AbortSignal): Promise<CinderVolume | undefined> {
    const volumes = await this.session.list<CinderVolume>('volume', '/volumes/detail', 'volumes', { name }, signal);
    return volumes.find((v) => v.name === name && v.status !== 'deleting');
  }

  private async applyVolume(desired: DesiredVolume, signal?: AbortSignal): Promise<Observed> {
    const existing = await this.findVolume(desired.ref.name, signal);
    if (existing) return observedVolume(desired.ref, existing);
    const zone = desired.zone ?? this.config.availabilityZone;
    const { body } = await this.session.call<{ volume: CinderVolume }>({
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

  private async removeVolume(name: string, signal?: AbortSignal): Promise<'deleted' | 'absent'> {
    const vol = await this.findVolume(name, signal);
    if (!vol) return 'absent';
    if (['in-use', 'attaching', 'detaching', 'reserved'].includes(vol.status))
      throw new VimError('VIM.CONFLICT', `volume ${name} is still ${vol.status}; it can go once its server has`, true);
    await this.session.call({ service: 'volume', method: 'DELETE', path: `/volumes/${vol.id}`, accept: [404], signal });
    await this.untilGone(() => this.findVolume(name, signal), `volume ${name}`, signal);
    return 'deleted';
  }

  // ---- computes ----

  private async findServer(name: string, signal?: AbortSignal): Promise<NovaServer | undefined> {
    const servers = await this.session.list<NovaServer>(
      'compute',
      '/servers/detail',
      'servers',
      { name: `^${escapeRegex(name)}$` },
      signal,
    );
    return servers.find((s) => s.name === name && s.status !== 'DELETED');
  }

  private async ports(computeName: string, signal?: AbortSignal): Promise<NeutronPort[]> {
    return this.session.list<NeutronPort>(
      'network',
      '/v2.0/ports',
      'ports',
      { description: portDescription(computeName) },
      signal,
    );
  }

  private async observedServer(ref: ResourceRef, found: NovaServer): Promise<Observed> {
    const ports = await this.ports(ref.name);
    const floating = await this.session.list<FloatingIp>('network', '/v2.0/floatingips', 'floatingips', {
      description: portDescription(ref.name),
    });
    // a listing may come before Nova has recorded the fault of a failed build; the server itself has it
    const server =
      found.status === 'ERROR' && !found.fault
        ? (await this.session.call<{ server: NovaServer }>({ service: 'compute', method: 'GET', path: `/servers/${found.id}` }))
            .body.server
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

  private async applyCompute(desired: DesiredCompute, signal?: AbortSignal): Promise<Observed> {
    const existing = await this.findServer(desired.ref.name, signal);
    if (existing && existing.status !== 'ERROR') return this.observedServer(desired.ref, existing);
    if (existing) {
      // a build that failed (no valid host, a hypervisor error) is not repaired in place: the server goes, its ports
      // stay, and it is built again
      await this.session.call({ service: 'compute', method: 'DELETE', path: `/servers/${existing.id}`, accept: [404], signal });
      await this.untilGone(() => this.findServer(desired.ref.name, signal), `server ${desired.ref.name}`, signal);
    }
    // everything that can be refused is checked before anything is created
    const image = await this.image(desired.alternativeImages?.openstack ?? desired.image, signal);
    const networks = await this.portNetworks(desired, signal);
    const volumes = await this.attachableVolumes(desired.volumes ?? [], signal);
    const flavorId = await this.flavor(desired.ref.name, desired.flavor, signal);
    const groupId = await this.serverGroup(desired, signal);
    const securityGroups = await this.securityGroupIds(signal);

    const portIds: string[] = [];
    const current = await this.ports(desired.ref.name, signal);
    for (const spec of desired.ports) {
      const name = `${desired.ref.name}-${spec.name}`;
      let port = current.find((p) => p.name === name);
      if (!port) {
        const net = networks.get(spec.name)!;
        const { body } = await this.session.call<{ port: NeutronPort }>({
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
      if (spec.floatingIp || (spec.management && this.config.useFloatingIp))
        await this.ensureFloatingIp(port, desired.ref.name, signal);
      portIds.push(port.id);
    }
    const zone = desired.placement?.zone ?? this.config.availabilityZone;
    const mgmtPort = desired.ports.find((p) => p.management) ?? desired.ports[0];
    const userData = withAuthorizedKeys(desired.userData, this.config.ssh ? [this.config.ssh.publicKey] : []);
    await this.session.call({
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
    const created = await this.findServer(desired.ref.name, signal);
    if (!created) throw new VimError('VIM.INTERNAL', `Nova accepted server ${desired.ref.name} but does not list it`, true);
    return this.observedServer(desired.ref, created);
  }

  private async floatingIps(portId: string, signal?: AbortSignal): Promise<FloatingIp[]> {
    return this.session.list<FloatingIp>('network', '/v2.0/floatingips', 'floatingips', { port_id: portId }, signal);
  }

  /**
   * A floating IP on the port, from `config.floating_network` or the first external network. Neutron refuses it when
   * no router joins the port's subnet to that network: that error (naming both) reaches the operation as it is.
   */
  private async ensureFloatingIp(port: NeutronPort, computeName: string, signal?: AbortSignal): Promise<void> {
    if ((await this.floatingIps(port.id, signal)).length) return;
    const wanted = this.config.floatingNetwork;
    const networks = await this.session.list<NeutronNetwork>(
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
    await this.session.call({
      service: 'network',
      method: 'POST',
      path: '/v2.0/floatingips',
      body: { floatingip: { floating_network_id: external.id, port_id: port.id, description: portDescription(computeName) } },
      signal,
    });
  }

  /** Image by name (Glance) or id; one that is not active cannot boot. */
  private async image(nameOrId: string, signal?: AbortSignal): Promise<string> {
    const images = await this.session.list<{ id: string; status: string }>(
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

  /** The Neutron network of every port; a fixed IP must lie in one of its subnets. */
  private async portNetworks(desired: DesiredCompute, signal?: AbortSignal): Promise<Map<string, NeutronNetwork>> {
    const byPort = new Map<string, NeutronNetwork>();
    for (const [i, spec] of desired.ports.entries()) {
      const net = spec.existingNetworkName
        ? await this.existingNetwork(spec.existingNetworkName, signal)
        : await this.findNetwork(spec.network, signal);
      if (!net) throw new VimError('VIM.NOT_FOUND', `network ${spec.network} of port ${spec.name} does not exist (yet)`, true);
      if (spec.fixedIp) {
        const cidrs = (await this.subnets(net.id, signal)).map((s) => s.cidr);
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

  /** Volumes to attach at boot: they must exist and be available (a fresh one may still be creating). */
  private async attachableVolumes(names: string[], signal?: AbortSignal): Promise<string[]> {
    const ids: string[] = [];
    for (const name of names) {
      const deadline = Date.now() + 30_000;
      let vol = await this.findVolume(name, signal);
      while (vol && vol.status === 'creating' && Date.now() < deadline) {
        await sleep(500, signal);
        vol = await this.findVolume(name, signal);
      }
      if (!vol) throw new VimError('VIM.NOT_FOUND', `volume ${name} does not exist (yet)`, true);
      if (vol.status === 'error') throw invalid(`volume ${name} is in error in Cinder`);
      if (vol.status !== 'available' && vol.status !== 'in-use')
        throw new VimError('VIM.CONFLICT', `volume ${name} is ${vol.status}, not available yet`, true);
      ids.push(vol.id);
    }
    return ids;
  }

  /**
   * A flavor with exactly the vCPU/RAM/disk (and no extra specs when no EPA is asked); else one of our own named
   * after the compute (removed with it) when the account allows creating flavors; else the smallest that fits.
   */
  private async flavor(computeName: string, f: Flavor, signal?: AbortSignal): Promise<string> {
    const ram = Math.round(f.memoryGiB * 1024);
    const disk = Math.ceil(f.storageGiB);
    const specs = Object.fromEntries(
      Object.entries(f.epa ?? {})
        .filter(([k]) => EXTRA_SPECS[k])
        .map(([k, v]) => EXTRA_SPECS[k](v)),
    );
    const own = `mano-flavor-${computeName}`.slice(0, 255);
    const flavors = await this.flavors(signal);
    const mine = flavors.find((x) => x.name === own);
    if (mine) return mine.id;
    const hasSpecs = Object.keys(specs).length > 0;
    if (!hasSpecs) {
      const exact = flavors.find((x) => x.vcpus === f.vcpu && x.ram === ram && x.disk === disk && !x.name.startsWith('mano-'));
      if (exact) return exact.id;
    }
    if (this.config.flavorCreation) {
      const { body: created } = await this.session.call<{ flavor: NovaFlavor }>({
        service: 'compute',
        method: 'POST',
        path: '/flavors',
        body: { flavor: { name: own, vcpus: f.vcpu, ram, disk, 'os-flavor-access:is_public': true } },
        signal,
      });
      if (hasSpecs)
        await this.session.call({
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

  private async serverGroup(desired: DesiredCompute, signal?: AbortSignal): Promise<string | undefined> {
    const group = desired.placement?.antiAffinityGroup ?? desired.placement?.affinityGroup;
    if (!group) return undefined;
    const policy = desired.placement?.antiAffinityGroup ? 'anti-affinity' : 'affinity';
    const name = `mano-${group}`;
    const found = (await this.serverGroups(signal)).find((g) => g.name === name);
    if (found) return found.id;
    const { body } = await this.session.call<{ server_group: ServerGroup }>({
      service: 'compute',
      method: 'POST',
      path: '/os-server-groups',
      body: { server_group: { name, policies: [policy] } },
      signal,
    });
    return body.server_group.id;
  }

  private async serverGroups(signal?: AbortSignal): Promise<ServerGroup[]> {
    return this.session.list<ServerGroup>('compute', '/os-server-groups', 'server_groups', undefined, signal);
  }

  /** Every flavor the project can use, private ones included. */
  private async flavors(signal?: AbortSignal): Promise<NovaFlavor[]> {
    return this.session.list<NovaFlavor>('compute', '/flavors/detail', 'flavors', { is_public: 'None' }, signal);
  }

  private async securityGroupIds(signal?: AbortSignal): Promise<string[]> {
    const ids: string[] = [];
    for (const g of this.config.securityGroups) {
      if (isUuid(g)) {
        ids.push(g);
        continue;
      }
      const [group] = await this.session.list<{ id: string }>(
        'network',
        '/v2.0/security-groups',
        'security_groups',
        { name: g, project_id: await this.session.projectId(signal) },
        signal,
      );
      if (!group) throw invalid(`security group '${g}' not found`, 'config.security_groups');
      ids.push(group.id);
    }
    return ids;
  }

  /** Server, then its ports, its own flavor and an emptied server group; waits until Nova has let it go. */
  private async removeCompute(name: string, signal?: AbortSignal): Promise<'deleted' | 'absent'> {
    const server = await this.findServer(name, signal);
    const groups = server ? await this.serverGroupsOf(server.id, signal) : [];
    if (server) {
      await this.session.call({ service: 'compute', method: 'DELETE', path: `/servers/${server.id}`, accept: [404], signal });
      await this.untilGone(() => this.findServer(name, signal), `server ${name}`, signal);
    }
    if (this.store) await forgetHostKey(this.store, name);
    const ports = await this.ports(name, signal);
    for (const p of ports) {
      for (const fip of await this.floatingIps(p.id, signal))
        await this.session.call({
          service: 'network',
          method: 'DELETE',
          path: `/v2.0/floatingips/${fip.id}`,
          accept: [404],
          signal,
        });
      await this.session.call({ service: 'network', method: 'DELETE', path: `/v2.0/ports/${p.id}`, accept: [404], signal });
    }
    const flavor = (await this.flavors(signal)).find((f) => f.name === `mano-flavor-${name}`.slice(0, 255));
    if (flavor)
      await this.session.call({ service: 'compute', method: 'DELETE', path: `/flavors/${flavor.id}`, accept: [404], signal });
    for (const g of groups) {
      const { status, body: current } = await this.session.call<{ server_group: ServerGroup }>({
        service: 'compute',
        method: 'GET',
        path: `/os-server-groups/${g.id}`,
        accept: [404],
        signal,
      });
      if (status === 200 && current.server_group.members.length === 0)
        await this.session.call({
          service: 'compute',
          method: 'DELETE',
          path: `/os-server-groups/${g.id}`,
          accept: [404],
          signal,
        });
    }
    return server || ports.length || flavor ? 'deleted' : 'absent';
  }

  private async serverGroupsOf(serverId: string, signal?: AbortSignal): Promise<ServerGroup[]> {
    return (await this.serverGroups(signal)).filter((g) => g.name.startsWith('mano-') && g.members.includes(serverId));
  }

  /** Deletion is asynchronous in Nova and Cinder: "removed" means gone, so the next step finds it so. */
  private async untilGone(find: () => Promise<unknown>, what: string, signal?: AbortSignal): Promise<void> {
    const deadline = Date.now() + this.config.timeoutMs * 4;
    for (let delay = 200; await find(); delay = Math.min(delay * 2, 2000)) {
      if (Date.now() > deadline) throw new VimError('VIM.TIMEOUT', `${what} is still being deleted`, true);
      await sleep(delay, signal);
    }
  }
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

function observedVolume(ref: ResourceRef, vol: CinderVolume): Observed {
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
