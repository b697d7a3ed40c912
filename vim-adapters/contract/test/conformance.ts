import { DesiredCompute, DesiredNetwork, DesiredVolume, VimAdapter, VimError } from '../src';

export interface ConformanceOptions {
  /** A fresh adapter on an empty (or dedicated) VIM account, and its teardown. */
  setup(): Promise<{ adapter: VimAdapter; teardown(): Promise<void> }>;
  /** A unique prefix for resource names, so runs against a shared real VIM do not collide. */
  prefix: string;
  image: string;
  /** Whether capacity() reports usage (real clouds may report quotas only). Default true. */
  reportsUsage?: boolean;
  /** Longest wait for a compute to become provisioned. */
  provisionTimeoutMs?: number;
  /** Accept "provisioned: false" as end state (e.g. Kubernetes without kubelet). */
  provisioningOptional?: boolean;
  /** Whether the VIM can give a port the address asked for (Kubernetes cannot: it refuses them). Default true. */
  fixedIps?: boolean;
}

/**
 * The rules of README.md, as tests every adapter runs (unstorage's testDriver idea):
 * apply is idempotent, remove of an absent resource succeeds, observe never mutates, labels
 * round-trip, errors are VimError with an honest retryable flag, capacity follows what was applied.
 */
export function describeVimAdapterConformance(name: string, opts: ConformanceOptions): void {
  describe(`VIM adapter contract: ${name}`, () => {
    let adapter: VimAdapter;
    let teardown: () => Promise<void>;
    const labels = { 'mano.ns-instance': `${opts.prefix}-ns`, 'mano.test': 'conformance' };
    const network: DesiredNetwork = {
      ref: { kind: 'network', name: `${opts.prefix}-net`, labels },
      ipProfile: { cidr: '192.168.77.0/24' },
    };
    const volume: DesiredVolume = { ref: { kind: 'volume', name: `${opts.prefix}-vol`, labels }, sizeGiB: 1 };
    const compute: DesiredCompute = {
      ref: { kind: 'compute', name: `${opts.prefix}-vm`, labels },
      deploymentType: 'vm',
      image: opts.image,
      flavor: { vcpu: 1, memoryGiB: 0.5, storageGiB: 1 },
      ports: [{ name: 'eth0', network: network.ref.name, fixedIp: opts.fixedIps === false ? undefined : '192.168.77.10' }],
    };

    beforeAll(async () => {
      ({ adapter, teardown } = await opts.setup());
    });
    afterAll(async () => {
      for (const r of [compute.ref, volume.ref, network.ref]) await adapter.remove(r).catch(() => undefined);
      await adapter.close();
      await teardown();
    });

    it('answers ping', async () => {
      const health = await adapter.ping();
      expect(health.ok).toBe(true);
      expect(health.detail.length).toBeGreaterThan(0);
    });

    it('observes an absent resource as null', async () => {
      expect(await adapter.observe(network.ref)).toBeNull();
      expect(await adapter.observe(compute.ref)).toBeNull();
    });

    it('applies twice with the same provider id, and labels round-trip', async () => {
      const first = await adapter.apply(network);
      const second = await adapter.apply(network);
      expect(second.providerId).toBe(first.providerId);
      expect(second.ref.labels).toMatchObject(labels);
      const observed = await adapter.observe(network.ref);
      expect(observed?.providerId).toBe(first.providerId);
      expect(observed?.ref.labels).toMatchObject(labels);
    });

    it('creates a compute with its fixed IP, idempotently, and reports it provisioned', async () => {
      const before = await adapter.capacity();
      const first = await adapter.apply(compute);
      const second = await adapter.apply(compute);
      expect(second.providerId).toBe(first.providerId);
      expect(second.addresses).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ port: 'eth0', ip: opts.fixedIps === false ? expect.any(String) : '192.168.77.10' }),
        ]),
      );
      const deadline = Date.now() + (opts.provisionTimeoutMs ?? 60_000);
      let observed = await adapter.observe(compute.ref);
      while (!observed?.provisioned && !opts.provisioningOptional && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 500));
        observed = await adapter.observe(compute.ref);
      }
      if (!opts.provisioningOptional) expect(observed?.provisioned).toBe(true);
      expect(observed?.ref.labels).toMatchObject(labels);
      if (opts.reportsUsage !== false) {
        const after = await adapter.capacity();
        const used = (c: typeof before) => c.zones.reduce((s, z) => s + z.used.vcpu, 0);
        expect(used(after)).toBe(used(before) + 1);
      }
    });

    it('never mutates on observe', async () => {
      const a = await adapter.observe(compute.ref);
      const capacity = await adapter.capacity();
      const b = await adapter.observe(compute.ref);
      expect(b?.providerId).toBe(a?.providerId);
      expect(b?.addresses).toEqual(a?.addresses);
      expect(await adapter.capacity()).toEqual(capacity);
    });

    it('applies a volume idempotently', async () => {
      const first = await adapter.apply(volume);
      expect((await adapter.apply(volume)).providerId).toBe(first.providerId);
    });

    it('throws VimError, not retryable, for a request that can never succeed', async () => {
      const bad: DesiredCompute = {
        ...compute,
        ref: { ...compute.ref, name: `${opts.prefix}-bad` },
        ports: [{ name: 'eth0', network: network.ref.name, fixedIp: '10.99.99.99' }],
      };
      const error = await adapter.apply(bad).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(VimError.isVimError(error)).toBe(true);
      expect((error as VimError).retryable).toBe(false);
      await adapter.remove(bad.ref);
    });

    it('removes, and a second remove answers absent', async () => {
      const before = await adapter.capacity();
      expect(await adapter.remove(compute.ref)).toBe('deleted');
      expect(await adapter.remove(compute.ref)).toBe('absent');
      expect(await adapter.observe(compute.ref)).toBeNull();
      expect(await adapter.remove(volume.ref)).toBe('deleted');
      expect(await adapter.remove(network.ref)).toBe('deleted');
      expect(await adapter.remove(network.ref)).toBe('absent');
      if (opts.reportsUsage !== false) {
        const used = (c: typeof before) => c.zones.reduce((s, z) => s + z.used.vcpu, 0);
        expect(used(await adapter.capacity())).toBe(used(before) - 1);
      }
    });
  });
}
