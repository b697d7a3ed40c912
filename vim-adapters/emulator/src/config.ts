import { configInvalid, FaultSpec, isObj, Obj, parseFaultSpec, VimAccount } from '../../contract/src';
import { parseCidr } from './ip';
import { ExecLimits, parseExecLimits } from './isolation';

export interface PopConfig {
  name: string;
  /** null = unlimited */
  vcpu: number | null;
  memoryGiB: number | null;
  storageGiB: number | null;
  gpu: number | null;
  location?: { lat: number; lon: number };
  labels: Record<string, string>;
}

export interface EmulatorConfig {
  pops: PopConfig[];
  links: { from: string; to: string; latencyMs: number; bandwidthMbps?: number }[];
  /** Seconds from apply until a compute is provisioned. */
  bootDelay: { container: number; vm: number };
  faults: FaultSpec;
  /** Where networks without an ip-profile get their /24 from. */
  networkPool: string;
  /** Largest stdout/stderr kept from exec. */
  execOutputLimit: number;
  /** rlimits and /tmp size of day-1/2 scripts (`config.exec_limits`). */
  execLimits: ExecLimits;
  /** Addressing of provider networks (OSM vim-network-name) created on first use, by name. */
  providerNetworks: Map<string, string>;
}

const BOOT_PROFILES: Record<string, { container: number; vm: number }> = {
  none: { container: 0, vm: 0 },
  // typical figures: a container image already on the node, a small cloud VM booting to SSH
  realistic: { container: 2, vm: 30 },
};

function num(v: unknown, path: string, { min = 0, integer = false } = {}): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || (integer && !Number.isInteger(v))) {
    throw configInvalid(path, `must be ${integer ? 'an integer' : 'a number'} ≥ ${min}`);
  }
  return v;
}
const optNum = (v: unknown, path: string, opts?: { min?: number; integer?: boolean }): number | null =>
  v === undefined || v === null ? null : num(v, path, opts);

const DEFAULT_POP: PopConfig = { name: 'default', vcpu: null, memoryGiB: null, storageGiB: null, gpu: null, labels: {} };

/** Validates `config` of an emulator account (OSM `vim_accounts` body); every problem names its path. */
export function parseEmulatorConfig(account: VimAccount): EmulatorConfig {
  const config = account.config ?? {};
  if (!isObj(config)) throw configInvalid('config', 'must be an object');

  const rawPops = config.pops ?? [];
  if (!Array.isArray(rawPops)) throw configInvalid('config.pops', 'must be a list');
  const pops = rawPops.map((p, i): PopConfig => {
    const path = `config.pops[${i}]`;
    if (!isObj(p)) throw configInvalid(path, 'must be an object');
    if (typeof p.name !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/.test(p.name)) {
      throw configInvalid(`${path}.name`, 'is required: letters, digits, . _ - (at most 63)');
    }
    let location: PopConfig['location'];
    if (p.location !== undefined) {
      if (!isObj(p.location)) throw configInvalid(`${path}.location`, 'must be {lat, lon}');
      location = {
        lat: num(p.location.lat, `${path}.location.lat`, { min: -90 }),
        lon: num(p.location.lon, `${path}.location.lon`, { min: -180 }),
      };
    }
    const labels = p.labels ?? {};
    if (Array.isArray(labels)) {
      // a list of words is read as {word: "true"} (e.g. labels: [edge])
      return { ...parsePop(p, path), location, labels: Object.fromEntries(labels.map((l) => [String(l), 'true'])) };
    }
    if (!isObj(labels)) throw configInvalid(`${path}.labels`, 'must be a map or a list');
    return { ...parsePop(p, path), location, labels: Object.fromEntries(Object.entries(labels).map(([k, v]) => [k, String(v)])) };
  });
  const names = new Set<string>();
  pops.forEach((p, i) => {
    if (names.has(p.name)) throw configInvalid(`config.pops[${i}].name`, `'${p.name}' is used twice`);
    names.add(p.name);
  });

  const rawLinks = config.links ?? [];
  if (!Array.isArray(rawLinks)) throw configInvalid('config.links', 'must be a list');
  const links = rawLinks.map((l, i) => {
    const path = `config.links[${i}]`;
    if (!isObj(l)) throw configInvalid(path, 'must be an object');
    for (const end of ['from', 'to'] as const) {
      if (typeof l[end] !== 'string' || !names.has(l[end]))
        throw configInvalid(`${path}.${end}`, 'must name a PoP of config.pops');
    }
    return {
      from: l.from as string,
      to: l.to as string,
      latencyMs: num(l.latency_ms ?? l.latencyMs, `${path}.latency_ms`),
      bandwidthMbps: optNum(l.bandwidth_mbps ?? l.bandwidthMbps, `${path}.bandwidth_mbps`) ?? undefined,
    };
  });

  return {
    pops: pops.length ? pops : [DEFAULT_POP],
    links,
    bootDelay: parseBootDelay(config.boot_delay),
    faults: parseFaultSpec(config.faults, 'config.faults'),
    networkPool: parsePool(config.network_pool),
    providerNetworks: parseProviderNetworks(config.provider_networks),
    execOutputLimit:
      config.exec_output_limit === undefined
        ? 64 * 1024
        : num(config.exec_output_limit, 'config.exec_output_limit', { min: 1024, integer: true }),
    execLimits: parseExecLimits(config.exec_limits),
  };
}

function parsePop(p: Obj, path: string): Omit<PopConfig, 'location' | 'labels'> {
  return {
    name: p.name as string,
    vcpu: optNum(p.vcpu, `${path}.vcpu`),
    memoryGiB: optNum(p.memory, `${path}.memory`),
    storageGiB: optNum(p.storage, `${path}.storage`),
    gpu: optNum(p.gpu, `${path}.gpu`, { integer: true }),
  };
}

function parseBootDelay(v: unknown): EmulatorConfig['bootDelay'] {
  if (v === undefined) return BOOT_PROFILES.none;
  if (typeof v === 'string') {
    const profile = BOOT_PROFILES[v];
    if (!profile)
      throw configInvalid(
        'config.boot_delay',
        `must be ${Object.keys(BOOT_PROFILES).join(' or ')}, or {container, vm} in seconds`,
      );
    return profile;
  }
  if (!isObj(v)) throw configInvalid('config.boot_delay', 'must be a profile name or {container, vm} in seconds');
  return { container: num(v.container ?? 0, 'config.boot_delay.container'), vm: num(v.vm ?? 0, 'config.boot_delay.vm') };
}

function parseProviderNetworks(v: unknown): Map<string, string> {
  const out = new Map<string, string>();
  if (v === undefined) return out;
  if (!Array.isArray(v)) throw configInvalid('config.provider_networks', 'must be a list of {name, cidr}');
  v.forEach((n, i) => {
    const path = `config.provider_networks[${i}]`;
    if (!isObj(n) || typeof n.name !== 'string' || !n.name) throw configInvalid(`${path}.name`, 'is required');
    if (typeof n.cidr !== 'string' || !parseCidr(n.cidr))
      throw configInvalid(`${path}.cidr`, 'must be an IPv4 CIDR from /8 to /30');
    out.set(n.name, n.cidr);
  });
  return out;
}

function parsePool(v: unknown): string {
  if (v === undefined) return '10.128.0.0/9';
  if (typeof v !== 'string' || !parseCidr(v) || parseCidr(v)!.prefix > 22) {
    throw configInvalid('config.network_pool', 'must be an IPv4 CIDR of /22 or larger');
  }
  return v;
}
