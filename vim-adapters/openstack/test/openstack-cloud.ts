import type { VimAccount } from '../../contract/src';
import { parseOpenstackAccount } from '../src/account';
import { OpenstackSession } from '../src/session';

/**
 * The real OpenStack the integration tests run against (`../shared/openstack`, or any cloud): its OS_* variables,
 * as a VIM account and as an operator's session for setting up and checking what is left behind.
 */
export const cloudAccount = (extra: Partial<VimAccount> = {}): VimAccount => ({
  id: 'it',
  name: 'it',
  vimType: 'openstack',
  url: process.env.OS_AUTH_URL ?? 'http://127.0.0.1:5000/v3',
  user: process.env.OS_USERNAME ?? 'admin',
  password: process.env.OS_PASSWORD ?? 'admin',
  tenant: process.env.OS_PROJECT_NAME ?? 'admin',
  config: { region_name: process.env.OS_REGION_NAME ?? 'RegionOne' },
  ...extra,
});

export const skipOpenstack = process.env.MANO_IT_OPENSTACK === '0';
if (skipOpenstack) console.log('MANO_IT_OPENSTACK=0: the OpenStack integration suite is skipped');

export function operatorSession(): OpenstackSession {
  const config = parseOpenstackAccount(cloudAccount());
  return new OpenstackSession({ ...config, timeoutMs: 30_000 });
}

type Listed = { id: string; name: string; description?: string };

/**
 * Cinder schedules volumes only once its volume service has reported a backend to the scheduler, up to a minute or two
 * after a fresh start: until then every volume goes to `error` ("No valid backend"). The suites wait for it.
 */
export async function volumeBackendReady(s: OpenstackSession, timeoutMs = 240_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const pools = await s.list<{ name: string }>('volume', '/scheduler-stats/get_pools', 'pools').catch(() => []);
    if (pools.length) return;
    if (Date.now() > deadline) throw new Error('Cinder reports no volume backend (scheduler-stats/get_pools is empty)');
    await new Promise((r) => setTimeout(r, 2000));
  }
}

/** What the operator prepares before deploying hackfest_multivdu (as in OSM's hackfest): osm-ext and an ubuntu20.04 image. */
export async function prepareCloud(s: OpenstackSession): Promise<void> {
  await volumeBackendReady(s);
  const { body: nets } = await s.call<{ networks: Listed[] }>({
    service: 'network',
    method: 'GET',
    path: '/v2.0/networks',
    query: { name: 'osm-ext' },
  });
  if (!nets.networks.length) {
    const { body } = await s.call<{ network: Listed }>({
      service: 'network',
      method: 'POST',
      path: '/v2.0/networks',
      body: { network: { name: 'osm-ext', shared: true } },
    });
    await s.call({
      service: 'network',
      method: 'POST',
      path: '/v2.0/subnets',
      body: { subnet: { name: 'osm-ext', network_id: body.network.id, ip_version: 4, cidr: '172.21.18.0/24' } },
    });
  }
  for (const name of ['ubuntu20.04']) {
    const { body: images } = await s.call<{ images: Listed[] }>({
      service: 'image',
      method: 'GET',
      path: '/v2/images',
      query: { name },
    });
    if (images.images.length) continue;
    const { body: image } = await s.call<Listed>({
      service: 'image',
      method: 'POST',
      path: '/v2/images',
      body: { name, disk_format: 'raw', container_format: 'bare', visibility: 'public' },
    });
    await s.call({
      service: 'image',
      method: 'PUT',
      path: `/v2/images/${image.id}/file`,
      body: Buffer.alloc(4096),
      headers: { 'Content-Type': 'application/octet-stream' },
    });
  }
}

/** Every server, port, network, volume and flavor whose name says it is ours (`mano-…`). */
export async function leftovers(s: OpenstackSession, prefix = 'mano-'): Promise<string[]> {
  const [servers, ports, networks, volumes, flavors, fips] = await Promise.all([
    s.list<Listed>('compute', '/servers', 'servers'),
    s.list<Listed>('network', '/v2.0/ports', 'ports'),
    s.list<Listed>('network', '/v2.0/networks', 'networks'),
    s.list<Listed>('volume', '/volumes', 'volumes'),
    s.list<Listed>('compute', '/flavors', 'flavors', { is_public: 'None' }),
    s.list<Listed>('network', '/v2.0/floatingips', 'floatingips'),
  ]);
  return [
    ...servers.map((x) => `server ${x.name}`),
    ...ports.filter((x) => x.description?.startsWith('mano-')).map((x) => `port ${x.name}`),
    ...networks.map((x) => `network ${x.name}`),
    ...volumes.map((x) => `volume ${x.name}`),
    ...flavors.map((x) => `flavor ${x.name}`),
    // a floating IP's description names its server (`mano-compute=<server>`)
    ...fips.map((x) => `floatingip ${x.description?.replace(/^mano-compute=/, '') ?? ''}`),
  ].filter((x) => x.split(' ')[1].startsWith(prefix));
}
