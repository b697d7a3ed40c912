import {
  ComputeMetrics,
  DesiredCompute,
  DesiredNetwork,
  DesiredResource,
  DesiredVolume,
  ExecRequest,
  ExecResult,
  InventoryStore,
  kduUnsupported,
  Observed,
  ResourceRef,
  SupportsExec,
  SupportsMetrics,
  VimAdapter,
  VimCapacity,
  VimError,
  VimHealth,
} from '../../contract/src';
import { pinOnFirstUse } from '../../ssh/src/host-keys';
import { sshExec } from '../../ssh/src/ssh-exec';
import type { OpenstackConfig } from './account';
import { applyCompute, diagnosticsMetrics, findServer, NovaDiagnostics, observedServer, removeCompute } from './computes';
import { OpenstackContext } from './context';
import { applyNetwork, findNetwork, floatingIps, observedNetwork, portsOf, removeNetwork } from './networks';
import { MGMT_PORT } from './resources';
import { OpenstackSession } from './session';
import { applyVolume, findVolume, observedVolume, removeVolume } from './volumes';

/**
 * OpenStack through its REST APIs: Neutron networks/subnets/ports, Nova servers/flavors/server groups,
 * Glance images, Cinder volumes. Our objects are found by their deterministic names and carry the labels
 * (Neutron tags, Nova/Cinder metadata), so observe/remove find exactly ours after any crash. The work per kind is
 * in networks.ts, volumes.ts, computes.ts and flavors.ts; this class dispatches and runs day-1/2 over SSH.
 */
export class OpenstackAdapter implements VimAdapter, SupportsExec, SupportsMetrics {
  private readonly ctx: OpenstackContext;

  constructor(
    readonly session: OpenstackSession,
    private readonly config: OpenstackConfig,
    /** Durable per-account documents: the SSH host keys pinned per server. */
    store?: InventoryStore,
  ) {
    this.ctx = { session, config, store };
  }

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
        const net = await findNetwork(this.ctx, ref.name);
        return net ? observedNetwork(this.ctx, ref, net) : null;
      }
      case 'volume': {
        const vol = await findVolume(this.ctx, ref.name);
        return vol ? observedVolume(ref, vol) : null;
      }
      case 'compute': {
        const server = await findServer(this.ctx, ref.name);
        return server ? observedServer(this.ctx, ref, server) : null;
      }
      case 'kdu':
        return null;
    }
  }

  async apply(desired: DesiredResource, signal?: AbortSignal): Promise<Observed> {
    switch (desired.ref.kind) {
      case 'network':
        return applyNetwork(this.ctx, desired as DesiredNetwork, signal);
      case 'volume':
        return applyVolume(this.ctx, desired as DesiredVolume, signal);
      case 'compute':
        return applyCompute(this.ctx, desired as DesiredCompute, signal);
      case 'kdu':
        throw kduUnsupported('OpenStack');
    }
  }

  async remove(ref: ResourceRef, signal?: AbortSignal): Promise<'deleted' | 'absent'> {
    switch (ref.kind) {
      case 'network':
        return removeNetwork(this.ctx, ref.name, signal);
      case 'volume':
        return removeVolume(this.ctx, ref.name, signal);
      case 'compute':
        return removeCompute(this.ctx, ref.name, signal);
      case 'kdu':
        return 'absent';
    }
  }

  async close(): Promise<void> {}

  /** Nova server diagnostics (no Gnocchi needed); null when the policy refuses them (admin-only by default) or the server is gone. */
  async metrics(ref: ResourceRef<'compute'>): Promise<ComputeMetrics | null> {
    const server = await findServer(this.ctx, ref.name);
    if (!server) return null;
    const { status, body } = await this.session.call<NovaDiagnostics>({
      service: 'compute',
      method: 'GET',
      path: `/servers/${server.id}/diagnostics`,
      accept: [403, 404, 409, 501],
    });
    return status === 200 ? diagnosticsMetrics(body) : null;
  }

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
    const server = await findServer(this.ctx, ref.name, signal);
    if (!server) throw new VimError('VIM.NOT_FOUND', `server ${ref.name} does not exist`, false);
    const ports = await portsOf(this.ctx, ref.name, signal);
    const mgmt = ports.find((p) => p.name === `${ref.name}-${server.metadata?.[MGMT_PORT]}`) ?? ports[0];
    if (!mgmt?.fixed_ips[0]) throw new VimError('VIM.INVALID_REQUEST', `server ${ref.name} has no address to log in to`, false);
    const host = (await floatingIps(this.ctx, mgmt.id, signal))[0]?.floating_ip_address ?? mgmt.fixed_ips[0].ip_address;
    const label = `compute ${ref.name} at ${host}:${ssh.port}`;
    return sshExec(
      {
        host,
        port: ssh.port,
        username: ssh.user,
        privateKey: ssh.privateKey,
        label: `compute ${ref.name}`,
        // pinned per Nova server id: a server built anew under the same name (retry) has a new key of its own
        verifyHostKey: this.ctx.store ? pinOnFirstUse(this.ctx.store, ref.name, server.id, label) : undefined,
      },
      request,
      signal,
    );
  }
}
