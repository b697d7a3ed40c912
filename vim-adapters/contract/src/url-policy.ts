import { lookup as dnsLookup, LookupAddress, LookupOptions } from 'node:dns';
import { Agent as HttpAgent, AgentOptions } from 'node:http';
import { Agent as HttpsAgent, AgentOptions as HttpsAgentOptions } from 'node:https';
import { isIP, Socket } from 'node:net';
import { configInvalid, VimError } from './errors';

/**
 * Where an adapter may send requests: VIM URLs are user input, and a request to the cloud's metadata service or to
 * a link-local address would hand its answer (or our credentials) to whoever registered the account. Checked twice:
 * on the URL (scheme, literal address, host name — at registration) and on every address DNS gives at connect time
 * (the agents below resolve, check every address, and connect to the checked one, so DNS rebinding gains nothing).
 */

/** Denied unless MANO_VIM_URL_DENY says otherwise: link-local (IPv4 and IPv6) and the clouds' metadata services. */
export const DEFAULT_VIM_URL_DENY = [
  '169.254.0.0/16',
  'fe80::/10',
  '169.254.169.254',
  'fd00:ec2::254',
  'metadata.google.internal',
] as const;

interface AddressRule {
  text: string;
  family: 4 | 6;
  net: bigint;
  prefix: number;
}
interface Rules {
  /** The variable the rules come from, for messages. */
  source: string;
  addresses: AddressRule[];
  /** Exact host names, or suffixes written `.example.com` / `*.example.com`. */
  hosts: string[];
}
export interface VimUrlPolicy {
  deny: Rules;
  /** When set, only these hosts and networks. */
  allow?: Rules;
}

function ipv4ToBig(a: string): bigint {
  return a.split('.').reduce((n, part) => (n << 8n) | BigInt(Number(part)), 0n);
}

function ipv6ToBig(a: string): bigint {
  let s = a;
  const dotted = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (dotted) {
    const v4 = ipv4ToBig(dotted[2]);
    s = `${dotted[1]}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const [head, tail] = s.includes('::') ? s.split('::') : [s, undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  return groups.reduce((n, g) => (n << 16n) | BigInt(parseInt(g, 16)), 0n);
}

/** An address without brackets or zone, with its family; undefined when it is not an IP address. */
function parseAddress(raw: string): { family: 4 | 6; value: bigint } | undefined {
  const a = raw.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  const family = isIP(a);
  if (family === 4) return { family, value: ipv4ToBig(a) };
  if (family === 6) return { family, value: ipv6ToBig(a) };
  return undefined;
}

/** IPv4 addresses an IPv6 address carries and may reach: mapped (::ffff:a.b.c.d), compatible (::a.b.c.d), NAT64. */
function embeddedIpv4(v6: bigint): bigint[] {
  const low = v6 & 0xffffffffn;
  const high = v6 >> 32n;
  const out: bigint[] = [];
  if (high === 0xffffn || (high === 0n && low > 1n) || high === 0x0064ff9b0000000000000000n) out.push(low);
  return out;
}

const inRule = (family: 4 | 6, value: bigint, r: AddressRule): boolean => {
  if (family !== r.family) return false;
  const shift = BigInt((family === 4 ? 32 : 128) - r.prefix);
  return value >> shift === r.net >> shift;
};

const normalHost = (h: string) =>
  h
    .toLowerCase()
    .replace(/^\[|\]$/g, '')
    .replace(/\.$/, '');

function parseRules(text: string, source: string): Rules {
  const rules: Rules = { source, addresses: [], hosts: [] };
  for (const entry of text
    .split(/[\s,]+/)
    .map((e) => e.trim())
    .filter(Boolean)) {
    if (entry === 'default') {
      const d = parseRules(DEFAULT_VIM_URL_DENY.join(','), source);
      rules.addresses.push(...d.addresses);
      rules.hosts.push(...d.hosts);
      continue;
    }
    if (entry === 'none') continue;
    const [addr, prefixText, extra] = entry.split('/');
    const parsed = parseAddress(addr);
    if (parsed && extra === undefined) {
      const max = parsed.family === 4 ? 32 : 128;
      const prefix = prefixText === undefined ? max : Number(prefixText);
      if (!/^\d+$/.test(prefixText ?? String(max)) || prefix > max)
        throw configInvalid(source, `'${entry}' has a bad prefix length (0..${max})`);
      rules.addresses.push({ text: entry, family: parsed.family, net: parsed.value, prefix });
    } else if (/^(\*?\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*\.?$/i.test(entry)) {
      rules.hosts.push(normalHost(entry.replace(/^\*/, '')));
    } else {
      throw configInvalid(source, `'${entry}' is neither an address, a CIDR nor a host name`);
    }
  }
  return rules;
}

const cache = new Map<string, VimUrlPolicy>();

/**
 * The policy from the environment: `MANO_VIM_URL_DENY` (addresses, CIDRs, host names, `.suffix`; `default` stands
 * for DEFAULT_VIM_URL_DENY, `none` for nothing; unset = the default) and `MANO_VIM_URL_ALLOW` (unset = anywhere not
 * denied). Denial wins over allowance.
 */
export function vimUrlPolicy(env: NodeJS.ProcessEnv = process.env): VimUrlPolicy {
  const deny = env.MANO_VIM_URL_DENY?.trim() || 'default';
  const allow = env.MANO_VIM_URL_ALLOW?.trim() || undefined;
  const key = `${deny}\u0000${allow ?? ''}`;
  let policy = cache.get(key);
  if (!policy) {
    policy = {
      deny: parseRules(deny, 'MANO_VIM_URL_DENY'),
      allow: allow === undefined ? undefined : parseRules(allow, 'MANO_VIM_URL_ALLOW'),
    };
    cache.set(key, policy);
  }
  return policy;
}

const hostMatches = (host: string, rules: Rules): string | undefined =>
  rules.hosts.find((h) => (h.startsWith('.') ? host.endsWith(h) || host === h.slice(1) : host === h));

const addressMatches = (address: string, rules: Rules): string | undefined => {
  const parsed = parseAddress(address);
  if (!parsed) return undefined;
  const candidates: { family: 4 | 6; value: bigint }[] = [parsed];
  if (parsed.family === 6) for (const v4 of embeddedIpv4(parsed.value)) candidates.push({ family: 4, value: v4 });
  for (const c of candidates) {
    const rule = rules.addresses.find((r) => inRule(c.family, c.value, r));
    if (rule) return rule.text;
  }
  return undefined;
};

/** Why a host name is refused before any lookup, or undefined. */
export function hostRefusal(hostname: string, policy: VimUrlPolicy = vimUrlPolicy()): string | undefined {
  const host = normalHost(hostname);
  if (isIP(host)) return addressRefusal(host, host, policy);
  const denied = hostMatches(host, policy.deny);
  return denied ? `${host} is denied by ${policy.deny.source} (${denied})` : undefined;
}

/** Why connecting to `address` (what `hostname` resolved to) is refused, or undefined. */
export function addressRefusal(address: string, hostname: string, policy: VimUrlPolicy = vimUrlPolicy()): string | undefined {
  const host = normalHost(hostname);
  const what = host === normalHost(address) ? host : `${host} (${address})`;
  const denied = hostMatches(host, policy.deny) ?? addressMatches(address, policy.deny);
  if (denied) return `${what} is denied by ${policy.deny.source} (${denied})`;
  if (policy.allow && !hostMatches(host, policy.allow) && !addressMatches(address, policy.allow))
    return `${what} is not in ${policy.allow.source}`;
  return undefined;
}

/**
 * A VIM URL checked before use: a parseable http(s) URL whose host is not refused. Numeric forms
 * (http://2852039166/, octal, hex, ::ffff:…) are normalised by the URL parser first. Throws
 * VIM.CONFIG_INVALID naming `field`.
 */
export function checkVimUrl(raw: string, field: string, policy: VimUrlPolicy = vimUrlPolicy()): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw configInvalid(field, 'is not a URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw configInvalid(field, `must be an http:// or https:// URL, not ${url.protocol}`);
  const why = hostRefusal(url.hostname, policy);
  if (why) throw configInvalid(field, why);
  return url;
}

export const URL_DENIED = 'EVIMURLDENIED';

/** The error a refused connection fails with (a VimError, carried through the HTTP client as the cause). */
export const urlDenied = (why: string): VimError & { code: string } => {
  const e = new VimError('VIM.CONFIG_INVALID', `refused to connect: ${why}`, false) as VimError & { code: string };
  // a mark that survives HTTP clients wrapping the error (they keep it as `cause`)
  Object.defineProperty(e, 'errno', { value: URL_DENIED });
  return e;
};

/** Whether a transport error is (or wraps) a refusal by this policy; answers the refusal. */
export function deniedCause(e: unknown): VimError | undefined {
  for (let c: unknown = e, i = 0; c && i < 5; c = (c as { cause?: unknown }).cause, i++)
    if ((c as { errno?: unknown }).errno === URL_DENIED && VimError.isVimError(c)) return c;
  return undefined;
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;
export type Lookup = (hostname: string, options: LookupOptions, callback: LookupCallback) => void;

/**
 * A `lookup` for sockets and agents: resolves with `base`, refuses when any address is refused (so a name with one
 * good and one bad address never reaches the bad one), and answers only checked addresses — the socket connects to
 * exactly what was checked.
 */
export function guardedLookup(policy: VimUrlPolicy = vimUrlPolicy(), base: Lookup = dnsLookup as unknown as Lookup): Lookup {
  return (hostname, options, callback) => {
    const opts = typeof options === 'object' && options !== null ? options : {};
    base(hostname, { ...opts, all: true }, (err, addresses) => {
      if (err) return callback(err, '');
      const list = addresses as LookupAddress[];
      for (const a of list) {
        const why = addressRefusal(a.address, hostname, policy);
        if (why) return callback(urlDenied(why) as unknown as NodeJS.ErrnoException, '');
      }
      if (!list.length) return callback(Object.assign(new Error(`${hostname}: no address`), { code: 'ENOTFOUND' }), '');
      if (opts.all) callback(null, list);
      else callback(null, list[0].address, list[0].family);
    });
  };
}

type CreateConnection = (options: { host?: string }, cb: (err: Error | null, s?: Socket) => void) => Socket | undefined;

/**
 * Makes an existing http(s) agent (e.g. one a client library created) connect only where the policy allows: names
 * through guardedLookup, and literal addresses — which never go through `lookup` — checked where the agent opens
 * the connection. Answers the same agent.
 */
export function guardAgent<A extends HttpAgent>(agent: A, policy: VimUrlPolicy = vimUrlPolicy(), base?: Lookup): A {
  // the agent merges its `options` into every connection it opens
  const options = (agent as unknown as { options: Record<string, unknown> }).options;
  options.lookup = guardedLookup(policy, base);
  const original = (agent as unknown as { createConnection: CreateConnection }).createConnection.bind(agent);
  (agent as unknown as { createConnection: CreateConnection }).createConnection = (opts, cb) => {
    const host = opts.host ?? '';
    const why = isIP(normalHost(host)) ? addressRefusal(normalHost(host), host, policy) : undefined;
    if (why) {
      process.nextTick(() => cb(urlDenied(why)));
      return undefined;
    }
    return original(opts, cb);
  };
  return agent;
}

/** HTTP and HTTPS agents that connect only where the policy allows; what every adapter's HTTP client should use. */
export function guardedAgents(
  options: { http?: AgentOptions; https?: HttpsAgentOptions } = {},
  policy: VimUrlPolicy = vimUrlPolicy(),
  base?: Lookup,
): { httpAgent: HttpAgent; httpsAgent: HttpsAgent } {
  return {
    httpAgent: guardAgent(new HttpAgent(options.http), policy, base),
    httpsAgent: guardAgent(new HttpsAgent(options.https), policy, base),
  };
}
