import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { supportsExec, VimError } from '../../contract/src';
import { memoryStore } from '../../contract/test/memory-store';
import { openstackFactory } from '../../openstack/src';
import { fakeOpenstack } from '../../openstack/test/fake-openstack';
import { HOST_KEY_KIND, HostKeyPin, pinOnFirstUse } from '../src/host-keys';
import { sshExec } from '../src/ssh-exec';
import { startSshd } from './sshd';

const skip = process.env.MANO_IT_SSH === '0';
if (skip) console.log('SSH host key tests skipped (MANO_IT_SSH=0)');

/** Resolves once nothing listens on the port any more (the stopped sshd has exited). */
async function portFree(port: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const open = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1')
        .once('connect', () => (s.destroy(), resolve(true)))
        .once('error', () => resolve(false));
    });
    if (!open) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`port ${port} still in use`);
}

/** Pinning on first use against real OpenSSH servers: the same address, then another machine's key there. */
(skip ? describe.skip : describe)('SSH host keys (real OpenSSH)', () => {
  const stops: (() => void)[] = [];
  const scratch = mkdtempSync(join(tmpdir(), 'mano-hostkey-'));
  afterAll(() => {
    for (const s of stops) s();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('pins the first key, accepts it again, refuses another machine on the same address before running anything', async () => {
    const store = memoryStore();
    const first = await startSshd();
    stops.push(first.stop);
    const port = first.target.port!;
    const verify = (instance: string) => pinOnFirstUse(store, 'vm-1', instance, `compute vm-1 at 127.0.0.1:${port}`);

    const ran = await sshExec({ ...first.target, verifyHostKey: verify('server-1') }, { command: ['echo', 'hi'] });
    expect(ran.stdout).toBe('hi\n');
    const pin = await store.read((r) => r.get<HostKeyPin>(HOST_KEY_KIND, 'vm-1'));
    expect(pin).toMatchObject({ instance: 'server-1', sha256: first.hostKeySha256 });
    expect((await sshExec({ ...first.target, verifyHostKey: verify('server-1') }, { command: ['true'] })).exitCode).toBe(0);

    // another machine (its own host key) answers on the same address and accepts the same login
    first.stop();
    await portFree(port);
    const impostor = await startSshd('127.0.0.1', { port, clientKey: first.target.privateKey });
    stops.push(impostor.stop);
    expect(impostor.hostKeySha256).not.toBe(first.hostKeySha256);
    const marker = join(scratch, 'ran');
    const refused = await sshExec(
      { ...impostor.target, verifyHostKey: verify('server-1') },
      { command: ['touch', marker] },
    ).catch((e: unknown) => e as VimError);
    expect(refused).toMatchObject({ name: 'VimError', code: 'VIM.AUTH_FAILED', retryable: false });
    expect((refused as VimError).message).toBe(
      `ssh: the host key of compute vm-1 at 127.0.0.1:${port} changed: pinned ${first.hostKeySha256}, offered ${impostor.hostKeySha256}; refusing to connect (a man-in-the-middle, or the machine was replaced outside the orchestrator)`,
    );
    expect(existsSync(marker)).toBe(false);
    expect(await store.read((r) => r.get<HostKeyPin>(HOST_KEY_KIND, 'vm-1'))).toEqual(pin);

    // a server built anew under the same name (another VIM id) has a key of its own: pinned anew
    await sshExec({ ...impostor.target, verifyHostKey: verify('server-2') }, { command: ['true'] });
    expect(await store.read((r) => r.get<HostKeyPin>(HOST_KEY_KIND, 'vm-1'))).toMatchObject({
      instance: 'server-2',
      sha256: impostor.hostKeySha256,
    });
    // a fingerprint given up front is checked the same way
    const fixed = await sshExec(
      { ...impostor.target, hostKeySha256: first.hostKeySha256, label: 'compute vm-1' },
      { command: ['true'] },
    ).catch((e: unknown) => e as VimError);
    expect(fixed).toMatchObject({
      code: 'VIM.AUTH_FAILED',
      retryable: false,
      message: expect.stringContaining('compute vm-1 (127.0.0.1:'),
    });
  });

  it('the OpenStack adapter pins per server in the account store and refuses a changed key on its next exec', async () => {
    const first = await startSshd();
    stops.push(first.stop);
    const port = first.target.port!;
    const name = 'mano-ns1-1-vm-0';
    const cloud = await fakeOpenstack({
      'GET /compute/servers/detail': () => ({
        status: 200,
        body: { servers: [{ id: 'nova-1', name, status: 'ACTIVE', metadata: {} }] },
      }),
      'GET /network/v2.0/ports': () => ({
        status: 200,
        body: { ports: [{ id: 'p1', name: `${name}-eth0`, fixed_ips: [{ ip_address: '127.0.0.1' }], network_id: 'n1' }] },
      }),
      'GET /network/v2.0/floatingips': () => ({ status: 200, body: { floatingips: [] } }),
    });
    stops.push(() => void cloud.close());
    const store = memoryStore();
    const account = {
      id: 'a',
      name: 'os',
      vimType: 'openstack',
      url: `${cloud.url}/v3`,
      user: 'u',
      password: 'p',
      tenant: 't',
      config: { private_key: first.target.privateKey, ssh_user: first.target.username, ssh_port: port },
    };
    const adapter = await openstackFactory.connect(openstackFactory.parseAccount(account), {
      store,
      workDir: '/x',
      log: () => undefined,
    });
    if (!supportsExec(adapter)) throw new Error('the OpenStack adapter runs commands');
    const exec = () => adapter.exec({ kind: 'compute', name, labels: {} }, { command: ['echo', 'ok'] });
    expect((await exec()).stdout).toBe('ok\n');
    expect(await store.read((r) => r.get<HostKeyPin>(HOST_KEY_KIND, name))).toMatchObject({
      instance: 'nova-1',
      sha256: first.hostKeySha256,
    });

    first.stop();
    await portFree(port);
    const impostor = await startSshd('127.0.0.1', { port, clientKey: first.target.privateKey });
    stops.push(impostor.stop);
    const refused = await exec().catch((e: unknown) => e as VimError);
    expect(refused).toMatchObject({ code: 'VIM.AUTH_FAILED', retryable: false });
    expect((refused as VimError).message).toContain(
      `host key of compute ${name} at 127.0.0.1:${port} changed: pinned ${first.hostKeySha256}, offered ${impostor.hostKeySha256}`,
    );
  });
});
