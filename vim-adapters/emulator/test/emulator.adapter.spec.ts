import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AdapterContext, DesiredCompute, DesiredNetwork, parseFaultSpec, VimAccount, VimError } from '../../contract/src';
import { describeVimAdapterConformance } from '../../contract/test/conformance';
import { memoryStore } from '../../contract/test/memory-store';
import { emulatorFactory } from '../src';
import { EmulatorAdapter } from '../src/emulator.adapter';
import { uidRange } from '../src/isolation';

const account = (config: Record<string, unknown>): VimAccount => ({ id: 'acc', name: 'emu', vimType: 'emulator', config });

function context(): AdapterContext & { dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'emu-'));
  return { store: memoryStore(), workDir: dir, dir, log: () => undefined };
}

async function connect(config: Record<string, unknown> = {}, ctx = context()) {
  const adapter = (await emulatorFactory.connect(emulatorFactory.parseAccount(account(config)), ctx)) as EmulatorAdapter;
  return { adapter, ctx };
}

const labels = { 'mano.ns-instance': 'ns1' };
const net = (name: string, extra: Partial<DesiredNetwork> = {}): DesiredNetwork => ({
  ref: { kind: 'network', name, labels },
  ...extra,
});
const vm = (name: string, extra: Partial<DesiredCompute> = {}): DesiredCompute => ({
  ref: { kind: 'compute', name, labels },
  deploymentType: 'vm',
  image: 'ubuntu20.04',
  flavor: { vcpu: 2, memoryGiB: 4, storageGiB: 10 },
  ports: [],
  ...extra,
});

describeVimAdapterConformance('emulator', {
  prefix: 'conf',
  image: 'cirros',
  setup: async () => {
    const { adapter, ctx } = await connect({ pops: [{ name: 'a', vcpu: 10 }] });
    return { adapter, teardown: async () => rmSync(ctx.dir, { recursive: true, force: true }) };
  },
});

describe('emulator account config', () => {
  it('reads PoPs, labels, links and profiles', () => {
    const c = emulatorFactory.parseAccount(
      account({
        pops: [
          { name: 'core', vcpu: 100, memory: 256, location: { lat: 48.1, lon: 11.6 } },
          { name: 'edge1', labels: ['edge'], gpu: 2 },
        ],
        links: [{ from: 'core', to: 'edge1', latency_ms: 5, bandwidth_mbps: 1000 }],
        boot_delay: 'realistic',
      }),
    );
    expect(c.pops[0]).toMatchObject({ name: 'core', vcpu: 100, memoryGiB: 256, storageGiB: null });
    expect(c.pops[1].labels).toEqual({ edge: 'true' });
    expect(c.links).toEqual([{ from: 'core', to: 'edge1', latencyMs: 5, bandwidthMbps: 1000 }]);
    expect(c.bootDelay.vm).toBeGreaterThan(0);
  });

  it.each([
    [{ pops: [{ vcpu: 1 }] }, 'config.pops[0].name'],
    [{ pops: [{ name: 'a', vcpu: -1 }] }, 'config.pops[0].vcpu'],
    [{ pops: [{ name: 'a' }, { name: 'a' }] }, 'config.pops[1].name'],
    [{ pops: [{ name: 'a' }], links: [{ from: 'a', to: 'b', latency_ms: 1 }] }, 'config.links[0].to'],
    [{ boot_delay: 'slow' }, 'config.boot_delay'],
    [{ faults: { failureRate: 2 } }, 'config.faults.failureRate'],
  ])('refuses %j naming %s', (config, path) => {
    let error: unknown;
    try {
      emulatorFactory.parseAccount(account(config));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(VimError);
    expect((error as VimError).code).toBe('VIM.CONFIG_INVALID');
    expect((error as VimError).path).toBe(path);
  });
});

describe('emulator behaviour', () => {
  it('allocates addresses, honours fixed IPs inside the subnet and refuses others', async () => {
    const { adapter } = await connect();
    const n = await adapter.apply(net('data', { ipProfile: { cidr: '192.168.28.0/24' } }));
    expect(n.details?.cidr).toBe('192.168.28.0/24');
    const a = await adapter.apply(
      vm('a', {
        ports: [
          { name: 'eth0', network: 'data', fixedIp: '192.168.28.20' },
          { name: 'eth1', network: 'data' },
        ],
      }),
    );
    expect(a.addresses.map((x) => x.ip)).toEqual(['192.168.28.20', '192.168.28.2']);
    const outside = adapter.apply(vm('b', { ports: [{ name: 'eth0', network: 'data', fixedIp: '10.0.0.5' }] }));
    await expect(outside).rejects.toMatchObject({ code: 'VIM.INVALID_REQUEST', retryable: false });
    const taken = adapter.apply(vm('c', { ports: [{ name: 'eth0', network: 'data', fixedIp: '192.168.28.20' }] }));
    await expect(taken).rejects.toMatchObject({ code: 'VIM.CONFLICT' });
    const unknownNet = adapter.apply(vm('d', { ports: [{ name: 'eth0', network: 'nope' }] }));
    await expect(unknownNet).rejects.toMatchObject({ code: 'VIM.NOT_FOUND' });
  });

  it('gives networks without ip-profile distinct /24s, and attaches vim-network-name to a provider network created on first use', async () => {
    const { adapter } = await connect();
    const n1 = await adapter.apply(net('n1'));
    const n2 = await adapter.apply(net('n2'));
    expect(n1.details?.cidr).not.toBe(n2.details?.cidr);
    const m1 = await adapter.apply(net('ns1-mgmt', { existingNetworkName: 'mgmtnet' }));
    const m2 = await adapter.apply(net('ns2-mgmt', { existingNetworkName: 'mgmtnet' }));
    expect(m1.details?.cidr).toBe(m2.details?.cidr);
    const a = await adapter.apply(vm('a', { ports: [{ name: 'mgmt', network: 'ns1-mgmt' }] }));
    const b = await adapter.apply(vm('b', { ports: [{ name: 'mgmt', network: 'ns2-mgmt' }] }));
    expect(a.addresses[0].ip).not.toBe(b.addresses[0].ip);
    await adapter.remove(a.ref);
    await adapter.remove(b.ref);
    await adapter.remove(m1.ref);
    await adapter.remove(m2.ref);
    const inv = await adapter.inventory();
    expect((inv.providerNetworks as unknown[]).length).toBe(1);
  });

  it('enforces PoP capacity with a quota error and places on PoPs with room', async () => {
    const { adapter } = await connect({
      pops: [
        { name: 'small', vcpu: 4, memory: 8, gpu: 0 },
        { name: 'big', vcpu: 8, gpu: 1 },
      ],
    });
    expect((await adapter.apply(vm('a'))).zone).toBe('small');
    expect((await adapter.apply(vm('b'))).zone).toBe('small');
    expect((await adapter.apply(vm('c'))).zone).toBe('big');
    await expect(adapter.apply(vm('d', { placement: { zone: 'small' } }))).rejects.toMatchObject({
      code: 'VIM.QUOTA_EXCEEDED',
      retryable: false,
    });
    await expect(adapter.apply(vm('g', { flavor: { vcpu: 1, memoryGiB: 1, storageGiB: 1, gpu: 2 } }))).rejects.toMatchObject({
      code: 'VIM.QUOTA_EXCEEDED',
    });
    await expect(adapter.apply(vm('x', { placement: { zone: 'mars' } }))).rejects.toMatchObject({ code: 'VIM.INVALID_REQUEST' });
    const cap = await adapter.capacity();
    expect(cap.zones.find((z) => z.name === 'small')?.used).toMatchObject({ vcpu: 4, memoryGiB: 8 });
    await adapter.remove(vm('a').ref);
    expect((await adapter.apply(vm('d', { placement: { zone: 'small' } }))).zone).toBe('small');
    await adapter.scale(vm('d').ref, 2).then(
      () => fail('scale beyond capacity must fail'),
      (e: VimError) => expect(e.code).toBe('VIM.QUOTA_EXCEEDED'),
    );
  });

  it('models boot delays: not provisioned until the delay is over', async () => {
    const { adapter } = await connect({ boot_delay: { vm: 0.3, container: 0 } });
    expect((await adapter.apply(vm('slow'))).provisioned).toBe(false);
    expect((await adapter.apply(vm('fast', { deploymentType: 'container' }))).provisioned).toBe(true);
    await new Promise((r) => setTimeout(r, 350));
    expect((await adapter.observe(vm('slow').ref))?.provisioned).toBe(true);
  });

  it('fails exactly the N-th call when told, then works again', async () => {
    const { adapter } = await connect({ faults: { failCalls: [3] } });
    await adapter.apply(net('n'));
    await adapter.observe(net('n').ref);
    await expect(adapter.apply(vm('a'))).rejects.toMatchObject({ code: 'VIM.UNREACHABLE', retryable: false });
    expect(await adapter.observe(vm('a').ref)).toBeNull();
    await adapter.apply(vm('a'));
  });

  it('draws failures from a seeded rate reproducibly, and faults can be set at run time', async () => {
    const outcomes = async (): Promise<boolean[]> => {
      const { adapter } = await connect({ faults: { failureRate: 0.5, seed: 7 } });
      const result: boolean[] = [];
      for (let i = 0; i < 20; i++)
        result.push(
          await adapter.observe(net('x').ref).then(
            () => true,
            () => false,
          ),
        );
      return result;
    };
    const first = await outcomes();
    expect(await outcomes()).toEqual(first);
    expect(first.filter((ok) => !ok).length).toBeGreaterThan(3);
    expect(first.filter((ok) => ok).length).toBeGreaterThan(3);

    const { adapter } = await connect();
    await adapter.setFaults({ failCalls: [1], errorCode: 'VIM.QUOTA_EXCEEDED' });
    await expect(adapter.apply(net('y'))).rejects.toMatchObject({ code: 'VIM.QUOTA_EXCEEDED' });
    await adapter.apply(net('y'));
  });

  it('counts and fails only the call types named in `operations`', async () => {
    const { adapter } = await connect({ faults: { failCalls: [1, 2], operations: ['remove'] } });
    await adapter.apply(net('o'));
    await adapter.observe(net('o').ref);
    await expect(adapter.remove(net('o').ref)).rejects.toMatchObject({ code: 'VIM.UNREACHABLE' });
    await expect(adapter.remove(net('o').ref)).rejects.toMatchObject({ code: 'VIM.UNREACHABLE' });
    await adapter.remove(net('o').ref);
    expect(() => parseFaultSpec({ operations: ['delete'] }, 'faults')).toThrow(/faults\.operations\[0\].*must be one of apply/);
  });

  it('hangs a call until the caller gives up', async () => {
    const { adapter } = await connect({ faults: { hangCalls: [1] } });
    const started = Date.now();
    await expect(adapter.apply(net('h'), AbortSignal.timeout(200))).rejects.toMatchObject({
      code: 'VIM.TIMEOUT',
      retryable: true,
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
  });

  it('runs commands in the compute sandbox with stdin, env, files and a timeout', async () => {
    const { adapter, ctx } = await connect();
    await adapter.apply(vm('srv', { deploymentType: 'container' }));
    const ok = await adapter.exec(vm('srv').ref, {
      command: ['/bin/sh', 'configure.sh'],
      files: { 'configure.sh': 'read line; echo "got $line $GREETING"; echo configured > state.txt; echo warn >&2; exit 3' },
      stdin: '{"greeting":"hi"}\n',
      env: { GREETING: 'hello' },
    });
    expect(ok).toMatchObject({ exitCode: 3, stdout: 'got {"greeting":"hi"} hello\n', stderr: 'warn\n', timedOut: false });
    expect(readFileSync(join(ctx.dir, 'sandboxes', 'srv', 'state.txt'), 'utf8')).toBe('configured\n');
    const inv = await adapter.inventory();
    expect((inv.computes as { sandbox: { files: string[] } }[])[0].sandbox.files).toContain('state.txt');

    const env = await adapter.exec(vm('srv').ref, { command: ['/bin/sh', '-c', 'env; id -u'] });
    expect(env.stdout).not.toContain('MANO_');
    // never root: as root a uid of MANO_EMULATOR_EXEC_UIDS that owns the sandbox; otherwise 65534 in a user namespace
    const uid = Number(env.stdout.trim().split('\n').pop());
    if (process.getuid?.() === 0) {
      const { first, size } = uidRange();
      expect(uid >= first && uid < first + size).toBe(true);
      expect(statSync(join(ctx.dir, 'sandboxes', 'srv')).uid).toBe(uid);
    } else expect(uid).toBe(65534);
    const slow = await adapter.exec(vm('srv').ref, { command: ['/bin/sh', '-c', 'sleep 5'], timeoutMs: 200 });
    expect(slow).toMatchObject({ exitCode: null, timedOut: true });
    const missing = await adapter.exec(vm('srv').ref, { command: ['/nonexistent'] });
    expect(missing.exitCode).not.toBe(0);
    expect(missing.stderr).toContain('/nonexistent');
  });

  it('keeps emulated metrics, settable for tests', async () => {
    const { adapter } = await connect();
    await adapter.apply(vm('m'));
    expect((await adapter.metrics(vm('m').ref))?.cpu).toBeLessThan(0.5);
    await adapter.setMetrics(vm('m').ref, { cpu: 0.93 });
    expect((await adapter.metrics(vm('m').ref))?.cpu).toBe(0.93);
  });

  it('puts a compute in ERROR and back, as a broken server reports itself (Failed)', async () => {
    const { adapter } = await connect();
    await adapter.apply(vm('e'));
    await adapter.setComputeError(vm('e').ref, 'disk gone');
    const broken = (await adapter.observe(vm('e').ref))!;
    expect(broken.conditions).toContainEqual(
      expect.objectContaining({ type: 'Failed', status: 'True', message: 'emulator: disk gone' }),
    );
    expect(broken.details).toMatchObject({ status: 'ERROR' });
    await adapter.setComputeError(vm('e').ref, null);
    const fixed = (await adapter.observe(vm('e').ref))!;
    expect(fixed.conditions.some((c) => c.type === 'Failed')).toBe(false);
    await expect(adapter.setComputeError(vm('nope').ref, 'x')).rejects.toMatchObject({ code: 'VIM.NOT_FOUND' });
  });

  it('applies load profiles by labels, step by step, to present and later computes; own values win', async () => {
    const { adapter } = await connect();
    const a = vm('pa');
    a.ref.labels = { 'mano.vdu': 'worker' };
    await adapter.apply(a);
    await adapter.setLoadProfile({
      labels: { 'mano.vdu': 'worker' },
      steps: [{ cpu: 0.9, packetsIn: 5, durationS: 3600 }, { cpu: 0.1 }],
    });
    const b = vm('pb');
    b.ref.labels = { 'mano.vdu': 'worker' };
    await adapter.apply(b);
    await adapter.apply(vm('other'));
    const got = await adapter.metricsOf([a.ref, b.ref, vm('other').ref, vm('gone').ref]);
    expect(got.get('pa')).toMatchObject({ cpu: 0.9, packetsIn: 5 });
    expect(got.get('pb')).toMatchObject({ cpu: 0.9 });
    expect(got.get('other')).toMatchObject({ cpu: 0.05, packetsIn: 0 });
    expect(got.get('gone')).toBeNull();
    await adapter.setMetrics(b.ref, { cpu: 0.2 });
    expect((await adapter.metrics(b.ref))?.cpu).toBe(0.2);
    await adapter.setLoadProfile({ labels: { 'mano.vdu': 'worker' }, steps: [] });
    expect((await adapter.metrics(a.ref))?.cpu).toBe(0.05);
  });

  it('derives latency between PoPs from coordinates when no link is given', async () => {
    const { adapter } = await connect({
      pops: [
        { name: 'madrid', location: { lat: 40.4, lon: -3.7 } },
        { name: 'berlin', location: { lat: 52.5, lon: 13.4 } },
      ],
    });
    const links = (await adapter.capacity()).links;
    expect(links).toHaveLength(1);
    expect(links[0].latencyMs).toBeGreaterThan(9);
    expect(links[0].latencyMs).toBeLessThan(12);
  });
});
