/** IPv4 helpers for the emulator's networks. */
export interface Cidr {
  base: number;
  prefix: number;
}

export function ipToInt(ip: string): number | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ip);
  if (!m) return null;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return null;
  return ((parts[0] << 24) | (parts[1] << 16) | (parts[2] << 8) | parts[3]) >>> 0;
}

export const intToIp = (n: number): string => [24, 16, 8, 0].map((s) => (n >>> s) & 255).join('.');

export function parseCidr(cidr: string): Cidr | null {
  const [ip, len] = cidr.split('/');
  const base = ipToInt(ip ?? '');
  const prefix = Number(len);
  if (base === null || !Number.isInteger(prefix) || prefix < 8 || prefix > 30) return null;
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  return { base: (base & mask) >>> 0, prefix };
}

export const cidrSize = (c: Cidr): number => 2 ** (32 - c.prefix);
export const cidrToString = (c: Cidr): string => `${intToIp(c.base)}/${c.prefix}`;

export function inCidr(ip: string, c: Cidr): boolean {
  const n = ipToInt(ip);
  return n !== null && n >= c.base && n < c.base + cidrSize(c);
}

/** The n-th /24 inside a pool. */
export function nthSubnet(pool: Cidr, n: number): Cidr | null {
  const count = cidrSize(pool) / 256;
  return n < count ? { base: pool.base + n * 256, prefix: 24 } : null;
}

/** Usable host addresses: not the network address, the gateway or broadcast. */
export function firstFreeHost(c: Cidr, used: Set<string>, gateway: string): string | null {
  for (let i = 1; i < cidrSize(c) - 1; i++) {
    const ip = intToIp(c.base + i);
    if (ip !== gateway && !used.has(ip)) return ip;
  }
  return null;
}

export function macFor(seed: string): string {
  let h = 2166136261;
  for (const ch of seed) h = Math.imul(h ^ ch.charCodeAt(0), 16777619) >>> 0;
  const bytes = [0xfa, 0x16, 0x3e, (h >>> 16) & 255, (h >>> 8) & 255, h & 255];
  return bytes.map((b) => b.toString(16).padStart(2, '0')).join(':');
}
