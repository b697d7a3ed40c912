/**
 * PostgreSQL stopped and started again in the middle of 50 instantiations, on a private cluster this script makes
 * with initdb/pg_ctl on a port of its own (never the shared server on 5432). The real service (built: `npm run
 * build` first) must answer 503 on /readyz and on requests while the database is down, and afterwards complete
 * every operation exactly once: all 50 NSs READY, the emulator holding exactly their computes. Needs root (the
 * cluster runs as the `postgres` user) and Debian's PostgreSQL server binaries.
 */
import { execFileSync } from 'node:child_process';
import { chownSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { benchNsd, startService } from '../bench/harness';
import { folderEntries, makeTarGz } from '../utils/packages';
import { MULTIVDU } from '../utils/lcm';

const BIN = join('/usr/lib/postgresql', readdirSync('/usr/lib/postgresql').sort().pop()!, 'bin');
const NS_COUNT = 50;
const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'mano-pg-'));
  const uid = Number(execFileSync('id', ['-u', 'postgres']).toString());
  const gid = Number(execFileSync('id', ['-g', 'postgres']).toString());
  chownSync(dir, uid, gid);
  const port = await freePort();
  const asPostgres = (cmd: string, ...args: string[]) =>
    execFileSync('runuser', ['-u', 'postgres', '--', join(BIN, cmd), ...args], { stdio: 'pipe' }).toString();
  asPostgres('initdb', '-D', join(dir, 'data'), '-U', 'postgres', '--auth=trust', '-E', 'UTF8');
  const pg = (action: 'start' | 'stop') =>
    action === 'start'
      ? asPostgres(
          'pg_ctl',
          '-D',
          join(dir, 'data'),
          '-l',
          join(dir, 'log'),
          '-w',
          '-o',
          `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=${dir}`,
          'start',
        )
      : asPostgres('pg_ctl', '-D', join(dir, 'data'), '-m', 'fast', '-w', 'stop');
  pg('start');
  const failures: string[] = [];
  const service = await startService({ MANO_DB_URL: `postgres://postgres@127.0.0.1:${port}/postgres` });
  try {
    const call = async (method: string, path: string, token = '', body?: unknown, type = 'application/json') => {
      const res = await fetch(`${service.url}${path}`, {
        method,
        headers: { Accept: 'application/json', 'Content-Type': type, ...(token ? { Authorization: `Bearer ${token}` } : {}) },
        body: body === undefined ? undefined : Buffer.isBuffer(body) || typeof body === 'string' ? body : JSON.stringify(body),
      }).catch((e: Error) => ({ status: 0, text: async () => JSON.stringify({ detail: e.message }) }));
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : undefined };
    };
    const token = (
      await call('POST', '/osm/admin/v1/tokens', '', { username: 'admin', password: process.env.MANO_ADMIN_PASSWORD ?? 'admin' })
    ).body.id as string;
    const pkg = await makeTarGz(
      folderEntries(join(MULTIVDU, 'hackfest_multivdu_vnf'), 'hackfest_multivdu_vnf').filter(
        (e) => !e.name.endsWith('checksums.txt'),
      ),
    );
    await call('POST', '/osm/vnfpkgm/v1/vnf_packages_content', token, pkg, 'application/gzip');
    const nsd = (await call('POST', '/osm/nsd/v1/ns_descriptors_content', token, benchNsd('pg-restart', 1), 'text/plain')).body
      .id as string;
    // a VIM whose computes take 2 s to boot, so the operations are in flight when the database goes
    const vimRes = await call('POST', '/osm/admin/v1/vim_accounts', token, {
      name: 'slow',
      vim_type: 'emulator',
      vim_url: 'emulator://slow',
      vim_user: 'x',
      vim_password: 'x',
      vim_tenant_name: 'x',
      config: { boot_delay: { container: 2, vm: 2 } },
    });
    const vim = vimRes.body.id as string;
    for (let i = 0; i < 100; i++) {
      if ((await call('GET', `/osm/admin/v1/vim_accounts/${vim}`, token)).body?._admin?.operationalState === 'ENABLED') break;
      await sleep(100);
    }
    const created = await Promise.all(
      Array.from({ length: NS_COUNT }, (_, i) =>
        call('POST', '/osm/nslcm/v1/ns_instances_content', token, { nsName: `pg-${i}`, nsdId: nsd, vimAccountId: vim }),
      ),
    );
    const ops = created.map((r) => r.body.nslcmop_id as string);
    if (created.some((r) => r.status !== 201)) failures.push(`create: ${created.map((r) => r.status).join(',')}`);

    await sleep(500);
    const stoppedAt = Date.now();
    pg('stop');
    const ready = await call('GET', '/readyz');
    const read = await call('GET', '/osm/nslcm/v1/ns_instances', token);
    console.log(`database down: /readyz ${ready.status}, GET ns_instances ${read.status} (${read.body?.reason ?? ''})`);
    if (ready.status !== 503) failures.push(`/readyz answered ${ready.status} with the database down`);
    if (read.status !== 503) failures.push(`a request answered ${read.status} with the database down`);
    // longer than the engine's retries of a VIM call (0.1 + 0.4 + 1.6 s) and than a lease renewal period
    await sleep(15_000);
    pg('start');
    console.log(`database back after ${Date.now() - stoppedAt} ms`);

    const until = Date.now() + 180_000;
    let states: string[] = [];
    for (;;) {
      states = await Promise.all(
        ops.map(async (id) => (await call('GET', `/osm/nslcm/v1/ns_lcm_op_occs/${id}`, token)).body?.operationState as string),
      );
      if (states.every((s) => s && s !== 'PROCESSING') || Date.now() > until) break;
      await sleep(500);
    }
    const completed = states.filter((s) => s === 'COMPLETED').length;
    const inventory = (await call('GET', `/mano/v1/emulator/${vim}/inventory`, token)).body;
    const computes = inventory.computes.length as number;
    const names = new Set((inventory.computes as { name: string }[]).map((c) => c.name));
    console.log(
      `after restart: ${completed}/${NS_COUNT} instantiations COMPLETED (${[...new Set(states)].join(', ')}); emulator computes ${computes} (expected ${2 * NS_COUNT}), distinct ${names.size}`,
    );
    if (completed !== NS_COUNT) {
      const failed = (await call('GET', `/osm/nslcm/v1/ns_lcm_op_occs/${ops[states.findIndex((x) => x !== 'COMPLETED')]}`, token))
        .body;
      failures.push(
        `${NS_COUNT - completed} operations did not complete, e.g. ${failed?.operationState}: ${failed?.errorMessage}`,
      );
    }
    if (computes !== 2 * NS_COUNT || names.size !== computes)
      failures.push(`emulator holds ${computes} computes (${names.size} distinct), expected ${2 * NS_COUNT}`);
  } finally {
    await service.stop();
    try {
      pg('stop');
    } catch {
      // already stopped
    }
    rmSync(dir, { recursive: true, force: true });
  }
  if (failures.length) {
    console.log(`postgresql restart: 0 passed, 1 failed\n  ${failures.join('\n  ')}`);
    process.exit(1);
  }
  console.log('postgresql restart: 1 passed, 0 failed');
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
