import type { IncomingMessage } from 'node:http';
import { DesiredCompute, VimAccount, VimError } from '../../contract/src';
import { memoryStore } from '../../contract/test/memory-store';
import { openstackFactory } from '../src';
import { withAuthorizedKeys } from '../src/cloud-init';
import { defaultCidr, inCidr } from '../src/resources';
import { fakeOpenstack, Handler, openstackAccount } from './fake-openstack';

const account = openstackAccount;
const connect = (a: VimAccount) =>
  openstackFactory.connect(openstackFactory.parseAccount(a), {
    store: memoryStore(),
    workDir: '/nonexistent',
    log: () => undefined,
  });
const failure = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: unknown) => e as VimError,
  );

const labels = { 'mano.ns-instance': 'ns1' };
const compute: DesiredCompute = {
  ref: { kind: 'compute', name: 'mano-x-1-vm-0', labels },
  deploymentType: 'vm',
  image: 'cirros',
  flavor: { vcpu: 1, memoryGiB: 0.5, storageGiB: 1 },
  ports: [{ name: 'eth0', network: 'mano-x-net' }],
};
/** A cloud where everything a compute needs exists; `extra` scripts the rest. */
const cloud = (extra: Record<string, Handler>) => ({
  'GET /compute/servers/detail': () => ({ status: 200, body: { servers: [] } }),
  'GET /image/v2/images': () => ({ status: 200, body: { images: [{ id: 'img', name: 'cirros', status: 'active' }] } }),
  'GET /network/v2.0/networks': () => ({
    status: 200,
    body: { networks: [{ id: 'n1', name: 'mano-x-net', status: 'ACTIVE', subnets: ['s1'] }] },
  }),
  'GET /network/v2.0/subnets': () => ({ status: 200, body: { subnets: [{ id: 's1', cidr: '10.0.0.0/24' }] } }),
  'GET /network/v2.0/ports': () => ({ status: 200, body: { ports: [] } }),
  'GET /network/v2.0/floatingips': () => ({ status: 200, body: { floatingips: [] } }),
  'POST /network/v2.0/ports': () => ({
    status: 201,
    body: { port: { id: 'p1', name: 'mano-x-1-vm-0-eth0', fixed_ips: [{ ip_address: '10.0.0.5' }], network_id: 'n1' } },
  }),
  'GET /compute/flavors/detail': () => ({
    status: 200,
    body: { flavors: [{ id: 'f1', name: 'm1.tiny', vcpus: 1, ram: 512, disk: 1 }] },
  }),
  ...extra,
});

describe('OpenStack adapter: what a real cloud cannot be made to do on demand', () => {
  const servers: { close(): Promise<void> }[] = [];
  afterAll(() => Promise.all(servers.map((s) => s.close())));
  const start = async (routes: Record<string, Handler>) => {
    const s = await fakeOpenstack(routes);
    servers.push(s);
    return s;
  };

  it('Keystone down: ping fails retryably naming the endpoint; Keystone 5xx too; a refused password is not retryable', async () => {
    const down = await failure((await connect(account('http://127.0.0.1:1'))).ping());
    expect(down).toMatchObject({ code: 'VIM.UNREACHABLE', retryable: true });
    expect(down?.message).toContain('connection refused');

    const outage = await start({
      'POST /v3/auth/tokens': () => ({ status: 503, body: { error: { message: 'Service Unavailable' } } }),
    });
    expect(await failure((await connect(account(outage.url))).ping())).toMatchObject({
      code: 'VIM.UNREACHABLE',
      retryable: true,
      message: expect.stringContaining('HTTP 503: Service Unavailable'),
    });

    const refusing = await start({
      'POST /v3/auth/tokens': () => ({
        status: 401,
        body: { error: { message: 'The request you have made requires authentication.' } },
      }),
    });
    expect(await failure((await connect(account(refusing.url))).ping())).toMatchObject({
      code: 'VIM.AUTH_FAILED',
      retryable: false,
    });
  });

  it('quota exceeded in Nova (403) and Cinder (413) is VIM.QUOTA_EXCEEDED, not retryable, with the cloud’s message', async () => {
    const s = await start(
      cloud({
        'POST /compute/servers': () => ({
          status: 403,
          body: { forbidden: { code: 403, message: 'Quota exceeded for cores: Requested 1, but already used 20 of 20 cores' } },
        }),
        'GET /volumev3/volumes/detail': () => ({ status: 200, body: { volumes: [] } }),
        'POST /volumev3/volumes': () => ({
          status: 413,
          body: {
            overLimit: {
              code: 413,
              message: 'VolumeSizeExceedsAvailableQuota: Requested volume or snapshot exceeds allowed gigabytes quota.',
            },
          },
        }),
      }),
    );
    const adapter = await connect(account(s.url));
    const nova = await failure(adapter.apply(compute));
    expect(nova).toMatchObject({ code: 'VIM.QUOTA_EXCEEDED', retryable: false });
    expect(nova?.message).toContain('Quota exceeded for cores: Requested 1, but already used 20 of 20 cores');
    const cinder = await failure(adapter.apply({ ref: { kind: 'volume', name: 'mano-x-vol', labels }, sizeGiB: 500 }));
    expect(cinder).toMatchObject({
      code: 'VIM.QUOTA_EXCEEDED',
      retryable: false,
      message: expect.stringContaining('gigabytes quota'),
    });
  });

  it('a server Nova put in ERROR is observed Failed with Nova’s fault message (the engine stops waiting on it)', async () => {
    const s = await start(
      cloud({
        'GET /compute/servers/detail': () => ({
          status: 200,
          body: {
            servers: [
              {
                id: 'srv',
                name: compute.ref.name,
                status: 'ERROR',
                metadata: { ...labels, mano: 'true' },
                fault: { code: 500, message: 'No valid host was found. There are not enough hosts available.' },
              },
            ],
          },
        }),
      }),
    );
    const observed = await (await connect(account(s.url))).observe(compute.ref);
    expect(observed).toMatchObject({ providerId: 'srv', provisioned: false, ref: { labels } });
    expect(observed?.conditions).toContainEqual({
      type: 'Failed',
      status: 'True',
      reason: 'ServerError',
      message: 'Nova: No valid host was found. There are not enough hosts available. (code 500)',
    });
  });

  it('applying a server Nova left in ERROR deletes it and builds it again (what a retry does), keeping its ports', async () => {
    let server: { id: string; status: string } | undefined = { id: 'broken', status: 'ERROR' };
    const s = await start(
      cloud({
        'GET /compute/servers/detail': () => ({
          status: 200,
          body: {
            servers: server
              ? [{ ...server, name: compute.ref.name, metadata: { mano: 'true' }, fault: { message: 'No valid host' } }]
              : [],
          },
        }),
        'DELETE /compute/servers/broken': () => {
          server = undefined;
          return { status: 204 };
        },
        'GET /network/v2.0/ports': () => ({
          status: 200,
          body: {
            ports: [{ id: 'p1', name: `${compute.ref.name}-eth0`, fixed_ips: [{ ip_address: '10.0.0.5' }], network_id: 'n1' }],
          },
        }),
        'POST /compute/servers': () => {
          server = { id: 'rebuilt', status: 'BUILD' };
          return { status: 202, body: { server: { id: 'rebuilt' } } };
        },
      }),
    );
    const observed = await (await connect(account(s.url))).apply(compute);
    expect(observed).toMatchObject({ providerId: 'rebuilt', provisioned: false });
    expect(s.calls.filter((c) => /^(DELETE|POST) \/(compute|network)/.test(c))).toEqual([
      'DELETE /compute/servers/broken',
      'POST /compute/servers',
    ]);
  });

  it('authenticates again once when a token is refused (expired or revoked), and retries a GET whose connection was reset', async () => {
    let gets = 0;
    const s = await start({
      'GET /network/v2.0/networks': (req: IncomingMessage) => {
        gets++;
        if (gets === 1) return { status: 401, body: { error: { message: 'token expired' } } };
        if (gets === 2) {
          req.socket.destroy();
          return { status: 200 };
        }
        return { status: 200, body: { networks: [] } };
      },
    });
    const adapter = await connect(account(s.url));
    expect(await adapter.observe({ kind: 'network', name: 'mano-x-net', labels })).toBeNull();
    expect(s.calls.filter((c) => c === 'POST /v3/auth/tokens')).toHaveLength(2);
    expect(gets).toBe(3);
  });

  it('refuses a fixed IP outside the network before creating anything', async () => {
    const s = await start(cloud({}));
    const error = await failure(
      (await connect(account(s.url))).apply({
        ...compute,
        ports: [{ name: 'eth0', network: 'mano-x-net', fixedIp: '10.9.9.9' }],
      }),
    );
    expect(error).toMatchObject({ code: 'VIM.INVALID_REQUEST', retryable: false, path: 'ports[0].fixedIp' });
    expect(error?.message).toBe('port eth0: fixed IP 10.9.9.9 is not in network mano-x-net (10.0.0.0/24)');
    expect(s.calls.some((c) => c.startsWith('POST /network') || c.startsWith('POST /compute'))).toBe(false);
  });
});

describe('OpenStack account parsing', () => {
  const parse = (a: VimAccount) => openstackFactory.parseAccount(a);
  it('names the offending field', () => {
    expect(() => parse(account('http://x', {}, { url: 'ftp://x' }))).toThrow(expect.objectContaining({ path: 'vim_url' }));
    expect(() => parse(account('http://x', { endpoint_type: 'weird' }))).toThrow(
      expect.objectContaining({ path: 'config.endpoint_type' }),
    );
    expect(() => parse(account('http://x', { private_key: 'not a key' }))).toThrow(
      expect.objectContaining({ path: 'config.private_key' }),
    );
    expect(() => parse(account('http://x', { ssh_port: 70000 }))).toThrow(expect.objectContaining({ path: 'config.ssh_port' }));
  });
  it('takes a clouds.yaml entry, and adds /v3 to a bare Keystone URL', () => {
    const parsed = parse(
      account('http://ignored', {
        clouds_yaml:
          'clouds:\n  lab:\n    auth: {auth_url: "http://k:5000", username: u, password: p, project_name: pr}\n    region_name: R2\n    interface: internal\n',
      }),
    );
    expect(parsed).toMatchObject({
      credentials: { authUrl: 'http://k:5000/v3', username: 'u', password: 'p', projectName: 'pr' },
      regionName: 'R2',
      endpointInterface: 'internal',
    });
  });
});

describe('OpenStack helpers', () => {
  it('checks IPv4 membership and picks a stable default /24 within the pool', () => {
    expect(inCidr('172.21.18.81', '172.21.18.0/24')).toBe(true);
    expect(inCidr('172.21.19.1', '172.21.18.0/24')).toBe(false);
    const cidr = defaultCidr('192.168.0.0/16', 'mano-abc-1-internal');
    expect(cidr).toMatch(/^192\.168\.\d+\.0\/24$/);
    expect(defaultCidr('192.168.0.0/16', 'mano-abc-1-internal')).toBe(cidr);
  });
  it('adds the orchestrator’s key to #cloud-config user data, and leaves scripts alone', () => {
    expect(withAuthorizedKeys('#cloud-config\nhostname: a\n', ['ssh-ed25519 AAAA k'])).toBe(
      '#cloud-config\nhostname: a\nssh_authorized_keys:\n  - ssh-ed25519 AAAA k\n',
    );
    expect(withAuthorizedKeys(undefined, ['k'])).toBe('#cloud-config\nssh_authorized_keys:\n  - k\n');
    expect(withAuthorizedKeys('#!/bin/sh\necho hi\n', ['k'])).toBe('#!/bin/sh\necho hi\n');
  });
});
