import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { folderEntries, makeTarGz } from './packages';
import { DESCRIPTORS } from './lcm';

type Obj = Record<string, unknown>;
/** Parsed JSON answers, read freely by the tests. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;
const ROOT = join(__dirname, '..', '..');

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

const BUILT_MAIN = join(ROOT, 'dist', 'src', 'main.js');

/** Newest modification time of the TypeScript sources under a folder. */
function newestSource(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory() && e.name !== 'node_modules') newest = Math.max(newest, newestSource(p));
    else if (e.name.endsWith('.ts')) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

/** `dist/` as `npm run build` makes it, rebuilt (and said so) when missing or older than the sources. */
export function ensureBuilt(): void {
  const built = existsSync(BUILT_MAIN) ? statSync(BUILT_MAIN).mtimeMs : 0;
  const newest = Math.max(newestSource(join(ROOT, 'src')), newestSource(join(ROOT, 'vim-adapters')));
  if (built >= newest) return;
  console.log(`dist/ is ${built ? 'older than the sources' : 'missing'}: building it (npm run build)`);
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json'], {
    cwd: ROOT,
    stdio: 'inherit',
  });
}

/**
 * The real service in its own process (from the sources, or with `built` from dist/ as `npm start` runs it, which
 * starts in a second instead of compiling), talked to over HTTP: what a crash test must kill with SIGKILL.
 */
export class ChildService {
  private child?: ChildProcess;
  private token?: string;
  output = '';

  constructor(
    private readonly env: Record<string, string>,
    readonly port: number,
    private readonly built = false,
  ) {}

  static async start(env: Record<string, string>, opts: { built?: boolean } = {}): Promise<ChildService> {
    const s = new ChildService(env, await freePort(), opts.built);
    await s.spawn();
    return s;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Sends a signal; resolves with the exit code (null when a signal ended it) and when the process exited. */
  signal(sig: NodeJS.Signals): Promise<{ code: number | null; at: number }> {
    const child = this.child!;
    return new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve({ code: child.exitCode, at: Date.now() });
      child.once('exit', (code) => resolve({ code, at: Date.now() }));
      child.kill(sig);
    });
  }

  async spawn(): Promise<void> {
    const args = this.built ? [BUILT_MAIN] : ['-r', 'ts-node/register/transpile-only', 'src/main.ts'];
    const child = spawn(process.execPath, args, {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        MANO_HTTP_PORT: String(this.port),
        MANO_PORT: String(await freePort()),
        MANO_BIND_ADDRESS: '127.0.0.1',
        MANO_LOG_LEVEL: 'warn',
        ...this.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    child.stdout!.on('data', (d: Buffer) => (this.output += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (this.output += d.toString()));
    // generous: ts-node compiles the whole service at start, slow on a machine shared with other jobs
    const until = Date.now() + 180_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`the service exited (${child.exitCode}):\n${this.output}`);
      if ((await fetch(`http://127.0.0.1:${this.port}/readyz`).catch(() => undefined))?.ok) return;
      if (Date.now() > until) throw new Error(`the service did not get ready:\n${this.output}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** SIGKILL: no shutdown hook runs, leases stay held, steps stop wherever they are. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
  }

  async request(
    method: string,
    path: string,
    body?: unknown,
    contentType = 'application/json',
  ): Promise<{ status: number; body: Json }> {
    if (!this.token && path !== '/osm/admin/v1/tokens') {
      const login = await this.request('POST', '/osm/admin/v1/tokens', {
        username: 'admin',
        password: this.env.MANO_ADMIN_PASSWORD,
      });
      this.token = login.body.id as string;
    }
    const res = await fetch(`http://127.0.0.1:${this.port}${path}`, {
      method,
      headers: {
        Accept: 'application/json',
        ...(body !== undefined ? { 'Content-Type': contentType } : {}),
        ...(this.token ? { Authorization: `Bearer ${this.token}` } : {}),
      },
      body: body === undefined ? undefined : Buffer.isBuffer(body) || typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as unknown) : null };
  }

  async expect(status: number, method: string, path: string, body?: unknown, contentType?: string): Promise<Json> {
    const res = await this.request(method, path, body, contentType);
    if (res.status !== status)
      throw new Error(`${method} ${path}: expected ${status}, got ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  }

  /** Onboards a package folder of descriptors/. */
  async onboard(folder: string, kind: 'vnf' | 'ns'): Promise<string> {
    const url = kind === 'vnf' ? '/osm/vnfpkgm/v1/vnf_packages_content' : '/osm/nsd/v1/ns_descriptors_content';
    const tgz = await makeTarGz(folderEntries(join(DESCRIPTORS, folder), folder));
    return ((await this.expect(201, 'POST', url, tgz, 'application/gzip')) as Obj).id as string;
  }
}
