import { parse as parseYaml } from 'yaml';
import { checkVimUrl, configInvalid, str, VimAccount } from '../../contract/src';
import { publicKeyLine } from '../../ssh/src/ssh-exec';
import type { KeystoneCredentials } from './keystone';

/** What the adapter needs from an OSM `vim_accounts` record (`vim_type: openstack`), validated. */
export interface OpenstackConfig {
  credentials: KeystoneCredentials;
  regionName?: string;
  endpointInterface: 'public' | 'internal' | 'admin';
  /** Network for management CPs without a VL of their own (OSM `management_network_name`). */
  managementNetworkName?: string;
  /** Security groups every port of ours gets (OSM `security_groups`); none → the project's default. */
  securityGroups: string[];
  /** Zone for computes and volumes when placement names none. */
  availabilityZone?: string;
  /** Create a flavor of our own when none matches (needs admin rights); otherwise the smallest that fits. */
  flavorCreation: boolean;
  /** Management ports get a floating IP (OSM `use_floating_ip`); ports asking for one always do. */
  useFloatingIp: boolean;
  /** External network floating IPs come from (name or id); the first `router:external` one when absent. */
  floatingNetwork?: string;
  /** Where networks without an ip-profile get their /24. */
  networkPool: string;
  /** Nova/Neutron/Cinder/Glance request timeout. */
  timeoutMs: number;
  /**
   * Hosts besides vim_url's that Keystone's catalog may send us to (`config.allow_catalog_hosts`); 'any' with `*`
   * or MANO_VIM_CATALOG_ANY_HOST=true. A catalog is the cloud's answer, not the operator's: followed blindly, it
   * turns the orchestrator into a proxy to wherever it points.
   */
  catalogHosts: string[] | 'any';
  /** Day-1/2 over SSH: the key the orchestrator logs in with (its public half goes into #cloud-config user data). */
  ssh?: { privateKey: string; publicKey: string; user: string; port: number };
}

const bool = (v: unknown, fallback: boolean): boolean =>
  v === undefined || v === null ? fallback : v === true || v === 'true' || v === 'True' || v === 'yes';

/** A `clouds.yaml` entry (text or object, `clouds.<name>` or the entry itself) as account fields. */
function cloudsEntry(raw: unknown, cloudName: string | undefined): Record<string, unknown> {
  let doc: unknown = raw;
  if (typeof raw === 'string') {
    try {
      doc = parseYaml(raw);
    } catch (e) {
      throw configInvalid('config.clouds_yaml', `is not YAML: ${(e as Error).message}`);
    }
  }
  if (typeof doc !== 'object' || doc === null) throw configInvalid('config.clouds_yaml', 'must be a clouds.yaml document');
  const clouds = (doc as { clouds?: Record<string, unknown> }).clouds;
  if (!clouds) return doc as Record<string, unknown>;
  const names = Object.keys(clouds);
  const name = cloudName ?? (names.length === 1 ? names[0] : undefined);
  if (!name || typeof clouds[name] !== 'object' || clouds[name] === null)
    throw configInvalid('config.cloud', `names the clouds.yaml entry to use; it has ${names.join(', ') || 'none'}`);
  return clouds[name] as Record<string, unknown>;
}

export function parseOpenstackAccount(account: VimAccount): OpenstackConfig {
  const c = account.config ?? {};
  const cloud = c.clouds_yaml !== undefined ? cloudsEntry(c.clouds_yaml, str(c.cloud)) : {};
  const auth = (cloud.auth ?? {}) as Record<string, unknown>;
  const url = str(auth.auth_url) ?? str(account.url);
  const urlField = str(auth.auth_url) ? 'config.clouds_yaml' : 'vim_url';
  if (!url) throw configInvalid(urlField, 'must be the Keystone v3 URL, e.g. http://controller:5000/v3');
  checkVimUrl(url, urlField);
  if (!/^https?:\/\/[^\s/]+/.test(url))
    throw configInvalid(urlField, 'must be the Keystone v3 URL, e.g. http://controller:5000/v3');
  const authUrl = /\/v3\/?$/.test(url) ? url : `${url.replace(/\/+$/, '')}/v3`;
  const username = str(auth.username) ?? str(account.user);
  const password = str(auth.password) ?? account.password;
  const projectName = str(auth.project_name) ?? str(account.tenant);
  if (!username) throw configInvalid('vim_user', 'is required');
  if (password === undefined) throw configInvalid('vim_password', 'is required');
  if (!projectName) throw configInvalid('vim_tenant_name', 'is required');

  const endpointInterface = (str(cloud.interface) ?? str(c.endpoint_type) ?? 'public').replace(/URL$/, '');
  if (!['public', 'internal', 'admin'].includes(endpointInterface))
    throw configInvalid('config.endpoint_type', 'must be public, internal or admin (publicURL… also accepted)');
  const groups = c.security_groups;
  const securityGroups = Array.isArray(groups)
    ? groups.map(String)
    : typeof groups === 'string'
      ? groups
          .split(',')
          .map((g) => g.trim())
          .filter(Boolean)
      : [];
  if (groups !== undefined && !Array.isArray(groups) && typeof groups !== 'string')
    throw configInvalid('config.security_groups', 'must be a list or a comma-separated string');
  const zone = Array.isArray(c.availability_zone) ? str(c.availability_zone[0]) : str(c.availability_zone);
  const pool = str(c.network_pool) ?? '192.168.0.0/16';
  if (!/^\d+\.\d+\.\d+\.\d+\/(\d|1\d|2[0-4])$/.test(pool))
    throw configInvalid('config.network_pool', 'must be an IPv4 CIDR of /24 or larger, e.g. 192.168.0.0/16');
  const timeout = c.request_timeout_s === undefined ? 30 : Number(c.request_timeout_s);
  if (!Number.isFinite(timeout) || timeout <= 0) throw configInvalid('config.request_timeout_s', 'must be a positive number');

  const catalogHosts = parseCatalogHosts(c.allow_catalog_hosts);

  const privateKey = str(c.private_key);
  const sshPort = c.ssh_port === undefined ? 22 : Number(c.ssh_port);
  if (!Number.isInteger(sshPort) || sshPort < 1 || sshPort > 65535) throw configInvalid('config.ssh_port', 'must be a TCP port');

  return {
    credentials: {
      authUrl,
      username,
      password,
      projectName,
      projectDomainName: str(auth.project_domain_name) ?? str(c.project_domain_name) ?? str(c.project_domain_id) ?? 'Default',
      userDomainName: str(auth.user_domain_name) ?? str(c.user_domain_name) ?? str(c.user_domain_id) ?? 'Default',
      insecure: bool(c.insecure, false) || cloud.verify === false,
      caCert: str(c.ca_cert_content),
    },
    regionName: str(cloud.region_name) ?? str(c.region_name),
    endpointInterface: endpointInterface as OpenstackConfig['endpointInterface'],
    managementNetworkName: str(c.management_network_name),
    securityGroups,
    availabilityZone: zone,
    flavorCreation: bool(c.flavor_creation, true),
    useFloatingIp: bool(c.use_floating_ip, false),
    floatingNetwork: str(c.floating_network) ?? str(c.floating_network_name),
    networkPool: pool,
    timeoutMs: timeout * 1000,
    catalogHosts,
    ssh: privateKey
      ? { privateKey, publicKey: publicKeyLine(privateKey), user: str(c.ssh_user) ?? 'ubuntu', port: sshPort }
      : undefined,
  };
}

function parseCatalogHosts(raw: unknown): string[] | 'any' {
  if (/^(1|true|yes)$/i.test(process.env.MANO_VIM_CATALOG_ANY_HOST ?? '')) return 'any';
  if (raw === undefined || raw === null) return [];
  const list = typeof raw === 'string' ? raw.split(',') : Array.isArray(raw) ? raw : undefined;
  if (!list || list.some((h) => typeof h !== 'string'))
    throw configInvalid('config.allow_catalog_hosts', 'must be a list of host names (or "*")');
  const hosts = (list as string[])
    .map((h) =>
      h
        .trim()
        .toLowerCase()
        .replace(/^\[|\]$/g, ''),
    )
    .filter(Boolean);
  if (hosts.includes('*')) return 'any';
  const bad = hosts.find((h) => !/^[a-z0-9.:-]+$/.test(h));
  if (bad) throw configInvalid('config.allow_catalog_hosts', `'${bad}' is not a host name or address`);
  return hosts;
}
