import { remoteText, type Condition } from '../../contract/src';

/** The subset of OpenStack's JSON the adapter reads. */
export interface NeutronNetwork {
  id: string;
  name: string;
  status: string;
  subnets: string[];
  description?: string;
  tags?: string[];
  'router:external'?: boolean;
  shared?: boolean;
}
export interface NeutronSubnet {
  id: string;
  name: string;
  network_id: string;
  cidr: string;
  ip_version: number;
  gateway_ip: string | null;
}
export interface NeutronPort {
  id: string;
  name: string;
  network_id: string;
  mac_address: string;
  status: string;
  device_id: string;
  fixed_ips: { subnet_id: string; ip_address: string }[];
  tags?: string[];
}
export interface FloatingIp {
  id: string;
  floating_ip_address: string;
  port_id: string | null;
}
export interface NovaServer {
  id: string;
  name: string;
  status: string;
  metadata?: Record<string, string>;
  fault?: { message?: string; details?: string; code?: number };
  'OS-EXT-AZ:availability_zone'?: string;
  'OS-EXT-STS:task_state'?: string | null;
  flavor?: { original_name?: string; vcpus?: number; ram?: number; disk?: number };
}
export interface NovaFlavor {
  id: string;
  name: string;
  vcpus: number;
  ram: number;
  disk: number;
  'os-flavor-access:is_public'?: boolean;
  extra_specs?: Record<string, string>;
}
export interface CinderVolume {
  id: string;
  name: string;
  status: string;
  size: number;
  availability_zone?: string;
  metadata?: Record<string, string>;
  attachments?: { server_id: string }[];
}
export interface ServerGroup {
  id: string;
  name: string;
  members: string[];
}

/** Marks what is ours in Neutron (tags) and Nova/Cinder (metadata). */
export const OWNER_TAG = 'mano';
/** Set at creation, before tags can be: marks a network as ours even if a crash came before its tags. */
export const OWNER_DESCRIPTION = 'OpenCloudEdge MANO';

/** Labels as Neutron tags (`key=value`), and back. */
export const labelTags = (labels: Record<string, string>): string[] => [
  OWNER_TAG,
  ...Object.entries(labels).map(([k, v]) => `${k}=${v}`),
];
export function tagLabels(tags: string[] | undefined): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const t of tags ?? []) {
    const i = t.indexOf('=');
    if (i > 0) labels[t.slice(0, i)] = t.slice(i + 1);
  }
  return labels;
}
/** Nova/Cinder metadata values are ≤ 255 characters; labels fit (ids and short names). */
export const labelMetadata = (labels: Record<string, string>): Record<string, string> => ({
  ...Object.fromEntries(Object.entries(labels).map(([k, v]) => [k.slice(0, 255), v.slice(0, 255)])),
  [OWNER_TAG]: 'true',
});
/** Server metadata naming the port day-1/2 logs in through. */
export const MGMT_PORT = 'mano.mgmt-port';
export const metadataLabels = (metadata: Record<string, string> | undefined): Record<string, string> =>
  Object.fromEntries(Object.entries(metadata ?? {}).filter(([k]) => k !== OWNER_TAG && k !== MGMT_PORT));

/** What a server's status means to the engine: Ready once ACTIVE; Failed (with Nova's fault) on ERROR. */
export function serverConditions(server: NovaServer): Condition[] {
  const ready: Condition = {
    type: 'Ready',
    status: server.status === 'ACTIVE' ? 'True' : 'False',
    reason: server.status,
    message: server['OS-EXT-STS:task_state'] ? `task ${server['OS-EXT-STS:task_state']}` : undefined,
  };
  if (server.status !== 'ERROR') return [ready];
  return [
    ready,
    {
      type: 'Failed',
      status: 'True',
      reason: 'ServerError',
      message: server.fault?.message
        ? `Nova: ${remoteText(server.fault.message)}${server.fault.code ? ` (code ${server.fault.code})` : ''}`
        : 'Nova put the server in ERROR without a fault message',
    },
  ];
}

/** IPv4 helpers for fixed-IP checks and default CIDRs. */
export function ipToInt(ip: string): number {
  return ip.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
}
export function inCidr(ip: string, cidr: string): boolean {
  const [base, bits] = cidr.split('/');
  if (!/^\d+\.\d+\.\d+\.\d+$/.test(ip) || !base.includes('.')) return false;
  const size = 2 ** (32 - Number(bits));
  const start = Math.floor(ipToInt(base) / size) * size;
  return ipToInt(ip) >= start && ipToInt(ip) < start + size;
}
/** A /24 of the pool chosen by the network's name: stable across retries, spread across networks. */
export function defaultCidr(pool: string, name: string): string {
  const [base, bits] = pool.split('/');
  const slots = 2 ** (24 - Number(bits));
  let h = 0;
  for (const ch of name) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  const n = ipToInt(base) + (h % slots) * 256;
  return `${[n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, 0].join('.')}/24`;
}
