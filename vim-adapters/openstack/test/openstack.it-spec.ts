import { DesiredCompute, VimAdapter } from '../../contract/src';
import { describeVimAdapterConformance } from '../../contract/test/conformance';
import { memoryStore } from '../../contract/test/memory-store';
import { openstackFactory } from '../src';
import { cloudAccount, leftovers, operatorSession, prepareCloud, skipOpenstack, volumeBackendReady } from './openstack-cloud';

const prefix = `mano-it${Date.now().toString(36)}`;
const connect = (config: Record<string, unknown> = {}) => {
  const account = cloudAccount();
  return openstackFactory.connect(openstackFactory.parseAccount({ ...account, config: { ...account.config, ...config } }), {
    store: memoryStore(),
    workDir: '/nonexistent',
    log: () => undefined,
  });
};

(skipOpenstack ? describe.skip : describe)('OpenStack adapter against a real OpenStack', () => {
  beforeAll(() => volumeBackendReady(operatorSession()), 300_000);

  describeVimAdapterConformance('openstack', {
    prefix: `${prefix}-conf`,
    image: 'cirros',
    provisionTimeoutMs: 120_000,
    setup: async () => ({ adapter: await connect(), teardown: async () => undefined }),
  });

  describe('mapping', () => {
    const os = operatorSession();
    let adapter: VimAdapter;
    const labels = { 'mano.ns-instance': `${prefix}-ns` };
    const vm: DesiredCompute = {
      ref: { kind: 'compute', name: `${prefix}-epa`, labels },
      deploymentType: 'vm',
      image: 'cirros',
      flavor: { vcpu: 2, memoryGiB: 1, storageGiB: 2, epa: { cpuPolicy: 'dedicated', memPageSize: 'large', numaNodes: 1 } },
      ports: [{ name: 'eth0', network: `${prefix}-net` }],
      volumes: [`${prefix}-data`],
      placement: { antiAffinityGroup: `${prefix}-group` },
    };
    beforeAll(async () => {
      await prepareCloud(os);
      adapter = await connect();
    });
    afterAll(async () => {
      for (const ref of [
        vm.ref,
        { kind: 'volume' as const, name: `${prefix}-data`, labels },
        { kind: 'network' as const, name: `${prefix}-net`, labels },
      ])
        await adapter.remove(ref).catch(() => undefined);
    });

    it('EPA → a flavor of our own with extra specs, a Cinder volume attached at boot, an anti-affinity server group; all removed with the server', async () => {
      await adapter.apply({ ref: { kind: 'network', name: `${prefix}-net`, labels } });
      await adapter.apply({ ref: { kind: 'volume', name: `${prefix}-data`, labels }, sizeGiB: 1 });
      const applied = await adapter.apply(vm);
      for (let i = 0; i < 120 && !(await adapter.observe(vm.ref))?.provisioned; i++) await new Promise((r) => setTimeout(r, 500));

      const { body: server } = await os.call<{
        server: { flavor: { extra_specs: Record<string, string>; vcpus: number; ram: number } };
      }>({
        service: 'compute',
        method: 'GET',
        path: `/servers/${applied.providerId}`,
      });
      expect(server.server.flavor).toMatchObject({
        vcpus: 2,
        ram: 1024,
        extra_specs: { 'hw:cpu_policy': 'dedicated', 'hw:mem_page_size': 'large', 'hw:numa_nodes': '1' },
      });
      const { body: vols } = await os.call<{ volumes: { name: string; status: string; attachments: { server_id: string }[] }[] }>(
        {
          service: 'volume',
          method: 'GET',
          path: '/volumes/detail',
          query: { name: `${prefix}-data` },
        },
      );
      expect(vols.volumes[0].attachments.map((a) => a.server_id)).toEqual([applied.providerId]);
      const { body: groups } = await os.call<{ server_groups: { name: string; members: string[]; policies: string[] }[] }>({
        service: 'compute',
        method: 'GET',
        path: '/os-server-groups',
      });
      expect(groups.server_groups.find((g) => g.name === `mano-${prefix}-group`)).toMatchObject({
        members: [applied.providerId],
        policies: ['anti-affinity'],
      });

      expect(await adapter.remove(vm.ref)).toBe('deleted');
      expect(await adapter.remove({ kind: 'volume', name: `${prefix}-data`, labels })).toBe('deleted');
      expect(await adapter.remove({ kind: 'network', name: `${prefix}-net`, labels })).toBe('deleted');
      const { body: after } = await os.call<{ server_groups: { name: string }[] }>({
        service: 'compute',
        method: 'GET',
        path: '/os-server-groups',
      });
      expect(after.server_groups.filter((g) => g.name.includes(prefix))).toEqual([]);
    });

    it('gives a management port a floating IP (use_floating_ip) through the operator’s router; it goes with the server', async () => {
      const fipAdapter = await connect({ use_floating_ip: true, floating_network: 'public' });
      const net = { kind: 'network' as const, name: `${prefix}-fipnet`, labels };
      const applied = await fipAdapter.apply({ ref: net, ipProfile: { cidr: '192.168.99.0/24' } });
      // what an operator has: a router from the tenant network to the external one
      const { body: subnets } = await os.call<{ subnets: { id: string }[] }>({
        service: 'network',
        method: 'GET',
        path: '/v2.0/subnets',
        query: { network_id: applied.providerId },
      });
      const { body: publicNets } = await os.call<{ networks: { id: string }[] }>({
        service: 'network',
        method: 'GET',
        path: '/v2.0/networks',
        query: { name: 'public' },
      });
      const { body: router } = await os.call<{ router: { id: string } }>({
        service: 'network',
        method: 'POST',
        path: '/v2.0/routers',
        body: { router: { name: `${prefix}-router`, external_gateway_info: { network_id: publicNets.networks[0].id } } },
      });
      const routerPath = `/v2.0/routers/${router.router.id}`;
      const subnetId = { subnet_id: subnets.subnets[0].id };
      await os.call({ service: 'network', method: 'PUT', path: `${routerPath}/add_router_interface`, body: subnetId });
      try {
        const vm: DesiredCompute = {
          ref: { kind: 'compute', name: `${prefix}-fip`, labels },
          deploymentType: 'vm',
          image: 'cirros',
          flavor: { vcpu: 1, memoryGiB: 0.5, storageGiB: 1 },
          ports: [{ name: 'eth0', network: net.name, management: true }],
        };
        await fipAdapter.apply(vm);
        expect((await fipAdapter.observe(vm.ref))?.details?.floatingIps).toEqual([expect.stringMatching(/^172\.24\.4\./)]);
        expect(await fipAdapter.remove(vm.ref)).toBe('deleted');
        const { body: left } = await os.call<{ floatingips: unknown[] }>({
          service: 'network',
          method: 'GET',
          path: '/v2.0/floatingips',
          query: { description: `mano-compute=${vm.ref.name}` },
        });
        expect(left.floatingips).toEqual([]);
      } finally {
        await os.call({ service: 'network', method: 'PUT', path: `${routerPath}/remove_router_interface`, body: subnetId });
        await os.call({ service: 'network', method: 'DELETE', path: routerPath });
        await fipAdapter.remove(net);
      }
    });

    it('creates a provider network (NSD provider-network) on the physical network and VLAN asked for', async () => {
      const ref = { kind: 'network' as const, name: `${prefix}-vlan`, labels };
      const applied = await adapter.apply({ ref, provider: { physicalNetwork: 'physnet1', segmentationId: 108 } });
      const { body } = await os.call<{ network: Record<string, unknown> }>({
        service: 'network',
        method: 'GET',
        path: `/v2.0/networks/${applied.providerId}`,
      });
      expect(body.network).toMatchObject({
        'provider:network_type': 'vlan',
        'provider:physical_network': 'physnet1',
        'provider:segmentation_id': 108,
      });
      expect(await adapter.remove(ref)).toBe('deleted');
    });

    it('names a vim-network-name that does not exist, and an unknown image, without creating anything', async () => {
      await expect(
        adapter.apply({ ref: { kind: 'network', name: `${prefix}-ext`, labels }, existingNetworkName: 'no-such-net' }),
      ).rejects.toMatchObject({
        code: 'VIM.INVALID_REQUEST',
        message: "network 'no-such-net' (vim-network-name) not found in OpenStack",
      });
      await expect(
        adapter.apply({ ...vm, ref: { ...vm.ref, name: `${prefix}-noimg` }, image: 'no-such-image' }),
      ).rejects.toMatchObject({
        code: 'VIM.INVALID_REQUEST',
        message: "image 'no-such-image' not found in Glance",
      });
    });
  });

  it('leaves nothing behind', async () => {
    expect(await leftovers(operatorSession(), prefix)).toEqual([]);
  });
});
