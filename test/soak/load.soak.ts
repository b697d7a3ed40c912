/**
 * Load: 200 concurrent clients for LOAD_SECONDS (default 60) on a mixed workload against the real service
 * (built: `npm run build` first), on SQLite or, with BENCH_DB=postgres, on a throw-away PostgreSQL database.
 * 140 connections read (NS list, one NS, VNF packages, operations), 40 instantiate and terminate NSs on the
 * emulator, 20 upload VNF packages — 70 / 20 / 10 % of the clients. Asserted: no 5xx, no operation lost or
 * duplicated (every 201/202 the clients saw is exactly one operation, each ends COMPLETED). Reported: requests/s,
 * latency percentiles per kind, peak RSS of the service. Exits non-zero when an assertion fails.
 */
import autocannon from 'autocannon';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { benchNsd, benchDatabase, startService } from '../bench/harness';
import { folderEntries, makeTarGz } from '../utils/packages';
import { MULTIVDU } from '../utils/lcm';

const SECONDS = Number(process.env.LOAD_SECONDS ?? 60);
/** total clients, split 70 / 20 / 10 % */
const CLIENTS = Number(process.env.LOAD_CLIENTS ?? 200);
const SPLIT = [
  Math.round(CLIENTS * 0.7),
  Math.round(CLIENTS * 0.2),
  CLIENTS - Math.round(CLIENTS * 0.7) - Math.round(CLIENTS * 0.2),
];
type Result = autocannon.Result;

const peakRssMb = (pid: number): number =>
  Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;

async function main(): Promise<void> {
  const db = await benchDatabase('mano_load');
  const onPg = db.onPg;
  const env = db.env;
  const service = await startService(env);
  const failures: string[] = [];
  try {
    const json = async (method: string, path: string, token: string, body?: unknown, type = 'application/json') => {
      const res = await fetch(`${service.url}${path}`, {
        method,
        headers: { Accept: 'application/json', 'Content-Type': type, ...(token ? { Authorization: `Bearer ${token}` } : {}) },
        body: body === undefined ? undefined : Buffer.isBuffer(body) || typeof body === 'string' ? body : JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : undefined };
    };
    const login = await json('POST', '/osm/admin/v1/tokens', '', {
      username: 'admin',
      password: process.env.MANO_ADMIN_PASSWORD ?? 'admin',
    });
    const token = login.body.id as string;
    const auth = { Authorization: `Bearer ${token}`, Accept: 'application/json' };
    const pkg = await makeTarGz(
      folderEntries(join(MULTIVDU, 'hackfest_multivdu_vnf'), 'hackfest_multivdu_vnf').filter(
        (e) => !e.name.endsWith('checksums.txt'),
      ),
    );
    await json('POST', '/osm/vnfpkgm/v1/vnf_packages_content', token, pkg, 'application/gzip');
    const nsd = await json('POST', '/osm/nsd/v1/ns_descriptors_content', token, benchNsd('load-ns', 1), 'text/plain');
    const vim = (await json('GET', '/osm/admin/v1/vim_accounts?name=emulator', token)).body[0]._id as string;
    // a few NSs for the readers to read
    const seed = await json('POST', '/osm/nslcm/v1/ns_instances_content', token, {
      nsName: 'seed',
      nsdId: nsd.body.id,
      vimAccountId: vim,
    });
    const seedId = seed.body.id as string;

    const accepted = { instantiate: 0, terminate: 0 };
    let uploads = 0;
    const common = { url: service.url, duration: SECONDS, timeout: 30 };
    const readers = autocannon({
      ...common,
      connections: SPLIT[0],
      headers: auth,
      requests: [
        { method: 'GET', path: '/osm/nslcm/v1/ns_instances' },
        { method: 'GET', path: `/osm/nslcm/v1/ns_instances/${seedId}` },
        { method: 'GET', path: '/osm/vnfpkgm/v1/vnf_packages' },
        { method: 'GET', path: `/osm/nslcm/v1/ns_lcm_op_occs?nsInstanceId=${seedId}` },
      ],
    });
    // writers are plain loops, so that every request they send is answered before the run ends: the accounting of
    // operations below is then exact (autocannon drops the answers still in flight when its time is up)
    const until = Date.now() + SECONDS * 1000;
    const writerStats = () => ({ latencies: [] as number[], codes: new Map<number, number>(), errors: 0 });
    const lifecycleStats = writerStats();
    const uploadStats = writerStats();
    const timed = async (stats: ReturnType<typeof writerStats>, method: string, path: string, body: unknown, type?: string) => {
      const started = performance.now();
      try {
        const res = await json(method, path, token, body, type);
        stats.latencies.push(performance.now() - started);
        stats.codes.set(res.status, (stats.codes.get(res.status) ?? 0) + 1);
        return res;
      } catch {
        stats.errors++;
        return { status: 0, body: undefined };
      }
    };
    let n = 0;
    const lifecycleClient = async () => {
      while (Date.now() < until) {
        const created = await timed(lifecycleStats, 'POST', '/osm/nslcm/v1/ns_instances_content', {
          nsName: `load-${n++}`,
          nsdId: nsd.body.id,
          vimAccountId: vim,
        });
        if (created.status !== 201) continue;
        accepted.instantiate++;
        if (Date.now() >= until) break;
        const terminated = await timed(lifecycleStats, 'POST', `/osm/nslcm/v1/ns_instances/${created.body.id}/terminate`, {});
        if (terminated.status === 202) accepted.terminate++;
      }
    };
    let u = 0;
    const uploadClient = async () => {
      while (Date.now() < until) {
        const res = await timed(
          uploadStats,
          'POST',
          `/osm/vnfpkgm/v1/vnf_packages_content?id=load-vnf-${u++}`,
          pkg,
          'application/gzip',
        );
        if (res.status === 201) uploads++;
      }
    };
    const writers = Promise.all([
      ...Array.from({ length: SPLIT[1] }, lifecycleClient),
      ...Array.from({ length: SPLIT[2] }, uploadClient),
    ]);
    const read = (await readers) as unknown as Result;
    await writers;
    const peak = peakRssMb(service.pid!);

    // the engine finishes what was accepted; then every accepted request is exactly one final operation
    for (let i = 0; i < 600; i++) {
      const running = await json('GET', '/osm/nslcm/v1/ns_lcm_op_occs?operationState=PROCESSING', token);
      if (running.body.length === 0) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    const ops = (await json('GET', '/osm/nslcm/v1/ns_lcm_op_occs', token)).body as {
      lcmOperationType: string;
      operationState: string;
    }[];
    const count = (type: string) => ops.filter((o) => o.lcmOperationType === type).length;
    // the seed NS's instantiate is one more than the clients saw
    if (count('instantiate') !== accepted.instantiate + 1)
      failures.push(`instantiate: ${accepted.instantiate + 1} accepted, ${count('instantiate')} operations`);
    if (count('terminate') !== accepted.terminate)
      failures.push(`terminate: ${accepted.terminate} accepted, ${count('terminate')} operations`);
    const notDone = ops.filter((o) => o.operationState !== 'COMPLETED');
    if (notDone.length) failures.push(`${notDone.length} operations not COMPLETED: ${JSON.stringify(notDone.slice(0, 3))}`);
    const packages = (await json('GET', '/osm/vnfpkgm/v1/vnf_packages', token)).body.length;
    if (packages !== uploads + 1) failures.push(`uploads: ${uploads} accepted, ${packages - 1} stored`);

    const readCodes = Object.entries(read.statusCodeStats ?? {}).map(([code, st]) => [
      Number(code),
      Number((st as { count: number }).count),
    ]);
    let fivexx = readCodes.filter(([code]) => code >= 500).reduce((a, [, c]) => a + c, 0);
    console.log(
      `load, ${onPg ? 'PostgreSQL' : 'SQLite'}: ${CLIENTS} clients for ${SECONDS} s (${SPLIT[0]} read, ${SPLIT[1]} instantiate/terminate, ${SPLIT[2]} upload)`,
    );
    console.log(
      `  read: ${read.requests.total} requests, ${(read.requests.total / SECONDS).toFixed(0)}/s, latency p50 ${read.latency.p50} ms, ` +
        `p99 ${read.latency.p99} ms, max ${read.latency.max} ms; ${readCodes.map(([c, k]) => `${c}×${k}`).join(' ')}; ` +
        `${read.errors} connection errors, ${read.timeouts} timeouts`,
    );
    if (read.errors || read.timeouts) failures.push(`read: ${read.errors} connection errors, ${read.timeouts} timeouts`);
    for (const [name, st] of [
      ['instantiate/terminate', lifecycleStats],
      ['upload', uploadStats],
    ] as const) {
      const codes = [...st.codes].map(([c, k]) => `${c}×${k}`).join(' ');
      fivexx += [...st.codes].filter(([c]) => c >= 500).reduce((a, [, k]) => a + k, 0);
      const sorted = [...st.latencies].sort((a, b) => a - b);
      const pct = (p: number) =>
        sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)].toFixed(0) : '-';
      console.log(
        `  ${name}: ${sorted.length} requests, latency p50 ${pct(0.5)} ms, p99 ${pct(0.99)} ms; ${codes}; ${st.errors} connection errors`,
      );
      if (st.errors) failures.push(`${name}: ${st.errors} connection errors`);
    }
    const total = read.requests.total + lifecycleStats.latencies.length + uploadStats.latencies.length;
    if (fivexx) failures.push(`${fivexx} responses 5xx`);
    console.log(
      `  total ${total} requests (${(total / SECONDS).toFixed(0)}/s), ${fivexx} 5xx; operations: ${accepted.instantiate + 1} instantiate + ` +
        `${accepted.terminate} terminate accepted = ${count('instantiate') + count('terminate')} recorded, all COMPLETED: ${notDone.length === 0}; ` +
        `${uploads} uploads stored; peak RSS ${peak.toFixed(0)} MB`,
    );
  } finally {
    await service.stop();
    await db.drop();
  }
  if (failures.length) {
    console.log(`load: 0 passed, 1 failed\n  ${failures.join('\n  ')}`);
    process.exit(1);
  }
  console.log('load: 1 passed, 0 failed');
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
