/**
 * Benchmarks run against the real service, started here from the build (`npm run build` first)
 * on a fresh data directory — or against MANO_BENCH_URL when given (an already running service).
 */
import { ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Client as PgClient } from 'pg';
import { parse, stringify } from 'yaml';
import { MULTIVDU } from '../utils/lcm';
import { Floor, measureFloor } from './floor';
import { newestProfile, PROFILE_DIR, profileFlags, summarise } from './profile';

export interface Service {
  url: string;
  /** this machine's floor, measured before the service started (floor.ts) */
  floor: Floor;
  startToReadyMs?: number;
  pid?: number;
  stop(): Promise<void>;
}

/** The Node flags `npm start` uses (package.json), so the figures are those of the real service. */
const NODE_FLAGS: string[] = (
  /^node((?: --[\w-]+=?\S*)*) /.exec(
    JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')).scripts.start,
  )?.[1] ?? ''
)
  .split(' ')
  .filter(Boolean);

/** A port nothing listens on now (the kernel picks it). */
const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });

export async function startService(
  env: Record<string, string> = {},
  nodeFlags: string[] = [],
  // a further replica of a run whose floor is already measured
  measured?: Floor,
): Promise<Service> {
  // first, alone: the floor this run's figures are compared with
  const floor = measured ?? (await measureFloor(env.MANO_DB_URL));
  if (!measured) console.log(floor.describe());
  if (process.env.MANO_BENCH_URL) return { url: process.env.MANO_BENCH_URL, floor, stop: async () => undefined };
  const dataDir = mkdtempSync(join(tmpdir(), 'mano-bench-'));
  const port = await freePort();
  const started = performance.now();
  // BENCH_NODE_FLAGS adds Node flags to the service, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` to profile it
  const extra = [...(process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean), ...profileFlags(), ...nodeFlags];
  mkdirSync(PROFILE_DIR, { recursive: true });
  const startedAt = Date.now();
  const child: ChildProcess = spawn(
    process.execPath,
    // BENCH_SERVICE_MAIN: another build's main.js (e.g. an older commit's, to compare)
    [...NODE_FLAGS, ...extra, process.env.BENCH_SERVICE_MAIN ?? join(__dirname, '..', '..', 'dist', 'src', 'main.js')],
    {
      env: {
        ...process.env,
        MANO_DATA_DIR: dataDir,
        MANO_PORT: String(await freePort()),
        MANO_HTTP_PORT: String(port),
        MANO_LOG_LEVEL: 'warn',
        // given explicitly, so the first login is not a forced password change (the clients log in with it)
        MANO_ADMIN_PASSWORD: process.env.MANO_ADMIN_PASSWORD ?? 'admin',
        ...env,
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  const url = `http://127.0.0.1:${port}`;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`service exited with ${child.exitCode}`);
    const ok = await fetch(`${url}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    await new Promise((r) => setTimeout(r, 5));
  }
  const startToReadyMs = performance.now() - started;
  return {
    url,
    floor,
    startToReadyMs,
    pid: child.pid,
    stop: async () => {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      rmSync(dataDir, { recursive: true, force: true });
      const profile = profileFlags().length ? newestProfile(startedAt) : undefined;
      if (profileFlags().length)
        console.log(profile ? summarise(profile) : `BENCH_PROFILE: no profile written in ${PROFILE_DIR}`);
    },
  };
}

export class Client {
  constructor(
    readonly url: string,
    private token = '',
  ) {}

  async login(username = 'admin', password = process.env.MANO_ADMIN_PASSWORD ?? 'admin'): Promise<void> {
    const res = await this.call('POST', '/osm/admin/v1/tokens', { username, password });
    this.token = (res.body as { id: string }).id;
  }

  async call(method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }> {
    const res = await fetch(`${this.url}${path}`, {
      method,
      headers: {
        Accept: 'application/json',
        'Content-Type': 'application/json',
        ...(this.token ? { Authorization: `Bearer ${this.token}` } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  }
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

export const ms = (n: number): string => `${n.toFixed(n < 10 ? 2 : 0)} ms`;

/** The corpus NSD without its fixed addresses (thousands of copies cannot share them), with 1 or 2 VNFs. */
export function benchNsd(id: string, members: number): string {
  const doc = parse(readFileSync(join(MULTIVDU, 'hackfest_multivdu_ns', 'hackfest_multivdu_nsd.yaml'), 'utf8'));
  const nsd = doc.nsd.nsd[0];
  nsd.id = id;
  nsd.name = id;
  // and on networks of its own (a shared provider /24 holds only ~250 addresses)
  for (const vld of nsd['virtual-link-desc']) delete vld['vim-network-name'];
  const profile = nsd.df[0]['vnf-profile'][0];
  for (const vlc of profile['virtual-link-connectivity']) for (const cc of vlc['constituent-cpd-id']) delete cc['ip-address'];
  nsd.df[0]['vnf-profile'] = Array.from({ length: members }, (_, i) => {
    const p = structuredClone(profile);
    p.id = String(i + 1);
    for (const vlc of p['virtual-link-connectivity'])
      for (const cc of vlc['constituent-cpd-id']) cc['constituent-base-element-id'] = String(i + 1);
    return p;
  });
  return stringify(doc);
}

/**
 * The database a bench or soak run uses: with BENCH_DB=postgres a throw-away PostgreSQL database (from
 * MANO_TEST_PG_URL), given to the service as MANO_DB_URL and dropped by `drop()`; otherwise the service's own SQLite.
 */
export async function benchDatabase(
  prefix: string,
): Promise<{ onPg: boolean; env: Record<string, string>; drop(): Promise<void> }> {
  const admin = process.env.MANO_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  if (process.env.BENCH_DB !== 'postgres') return { onPg: false, env: {}, drop: async () => undefined };
  const name = `${prefix}_${Date.now()}`;
  const sql = async (statement: string) => {
    const c = new PgClient({ connectionString: admin });
    await c.connect();
    await c.query(statement);
    await c.end();
  };
  await sql(`CREATE DATABASE ${name}`);
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return { onPg: true, env: { MANO_DB_URL: url.toString() }, drop: () => sql(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}
