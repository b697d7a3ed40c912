/**
 * Lifecycle benchmarks over HTTP against the started service, emulator boot delay 0 (orchestration
 * overhead only). BENCH_DB=postgres runs on PostgreSQL (a throw-away database), else file-backed SQLite.
 *   npm run build && npx ts-node --transpile-only test/bench/lcm.bench.ts
 * Targets (issue 6): NS create → READY p50 ≤ 50 ms, p99 ≤ 200 ms; with 1,000 NS running ≤ +20 %;
 * ≥ 100 instantiations/s on SQLite (≥ 50/s PostgreSQL); list of 10,000 NS ≤ 50 ms; idle RSS ≤ 150 MB;
 * start → ready ≤ 2 s. OSM (Peuster et al. 2019, on vim-emu): NS create 10.3 s p50, 19.7 s with 41–63 NS running.
 */
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { Client as PgClient } from 'pg';
import { Client, ms, percentile, benchDatabase, Service, startService } from './harness';
import { LcmBench, lcmFor, prepareLcm } from './lcm-client';

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)![1]) / 1024;
}

/** How often a latency run asks whether its operation is done: often enough to see it, rarely enough not to load the service. */
const LATENCY_POLL_MS = Number(process.env.BENCH_POLL_MS ?? 5);
/** The list figure's size (BENCH_LIST_NS=0 skips it: a quicker run while profiling the lifecycle). */
const LIST_NS = Number(process.env.BENCH_LIST_NS ?? 10_000);
/** PostgreSQL: the sustained figure again with this many processes on the one database (replicas; 1 skips it). */
const PROCESSES = Number(process.env.BENCH_PROCESSES ?? 3);
const BURST = 800;

/**
 * `burst` NS created by 16 clients at once (spread over the given services), as fast as the engine completes them;
 * completion is checked with one list request every 100 ms (not one poll per operation), so the measurement does not
 * load the service with polling; then every operation is checked once.
 */
async function sustained(
  services: { client: Client; lcm: LcmBench }[],
  nsdId: string,
  burst: number,
): Promise<{ seconds: number; pending: number; ops: string[] }> {
  const started = performance.now();
  const ops: string[] = [];
  for (let i = 0; i < burst; i += 16)
    ops.push(
      ...(await Promise.all(Array.from({ length: 16 }, (_, k) => services[(i + k) % services.length].lcm.createNs(nsdId)))),
    );
  const mine = new Set(ops);
  let pending = 0;
  for (;;) {
    const res = await services[0].client.call('GET', '/osm/nslcm/v1/ns_lcm_op_occs?operationState=PROCESSING');
    const left = (res.body as { id: string; operationState: string }[]).filter((o) => mine.has(o.id));
    if (left.some((o) => o.operationState !== 'PROCESSING')) throw new Error('the operationState filter was not applied');
    pending = Math.max(pending, left.length);
    if (!left.length) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const seconds = (performance.now() - started) / 1000;
  await Promise.all(ops.map((op) => services[0].lcm.waitOp(op)));
  return { seconds, pending, ops };
}

/** One query on the bench's PostgreSQL database. */
async function sql(db: { env: Record<string, string> }, text: string, params: unknown[]): Promise<Record<string, unknown>[]> {
  const c = new PgClient({ connectionString: db.env.MANO_DB_URL });
  await c.connect();
  try {
    return (await c.query(text, params)).rows;
  } finally {
    await c.end();
  }
}

async function main(): Promise<void> {
  const db = await benchDatabase('mano_bench');
  const onPg = db.onPg;
  // replicas share the secret key (the database holds what it sealed)
  const env: Record<string, string> = { ...db.env, MANO_LCM_CONCURRENCY: '32', MANO_SECRET_KEY: randomBytes(32).toString('hex') };
  const replicas: Service[] = [];
  const service = await startService(env);
  const client = new Client(service.url);
  const out: string[] = [];
  const report = (line: string) => {
    out.push(line);
    console.log(line);
  };
  try {
    report(`database: ${onPg ? 'PostgreSQL' : 'SQLite (file)'}; start → /readyz: ${ms(service.startToReadyMs!)}`);
    await new Promise((r) => setTimeout(r, 500));
    report(`idle RSS after start: ${rssMb(service.pid!).toFixed(0)} MB`);
    await client.login();
    const lcm = await prepareLcm(service.url, client);
    const { nsd1, nsd2, vim, createNs, waitOp } = lcm;
    let n = 0;
    const latency = async (nsdId: string, runs: number): Promise<number[]> => {
      const times: number[] = [];
      for (let i = 0; i < runs; i++) {
        const started = performance.now();
        await waitOp(await createNs(nsdId), LATENCY_POLL_MS);
        times.push(performance.now() - started);
      }
      return times;
    };
    const floor = service.floor;
    const summary = (v: number[]) => `p50 ${floor.latency(percentile(v, 50))}, p99 ${ms(percentile(v, 99))}`;

    // warm-up (JIT, connection pools, first-use compilation of validators), not measured
    await latency(nsd1, 20);
    const one = await latency(nsd1, 100);
    const two = await latency(nsd2, 100);
    report(`NS create → READY (1 VNF, 2 VDUs), 100 runs: ${summary(one)}`);
    report(`NS create → READY (2 VNFs, 4 VDUs), 100 runs: ${summary(two)}`);
    // a read of one NS (the full record), as a client polling its NS does
    const nsList = (await client.call('GET', '/osm/nslcm/v1/ns_instances')).body as { _id: string }[];
    const reads: number[] = [];
    for (let i = 0; i < 300; i++) {
      const s = performance.now();
      const res = await client.call('GET', `/osm/nslcm/v1/ns_instances/${nsList[i % nsList.length]._id}`);
      if (res.status !== 200) throw new Error(`GET NS: ${res.status}`);
      reads.push(performance.now() - s);
    }
    report(`GET one NS, 300 runs: p50 ${floor.cpu(percentile(reads, 50))}, p99 ${ms(percentile(reads, 99))}`);

    // sustained: many at once, as fast as the engine completes them
    const burst = BURST;
    const { seconds, pending } = await sustained([{ client, lcm }], nsd1, burst);
    report(
      `sustained: ${burst} NS created and instantiated in ${seconds.toFixed(1)} s = ${floor.rate(burst / seconds)} (at most ${pending} waiting at once)`,
    );

    const running = 220 + burst;
    const one1000 = await latency(nsd1, 100);
    report(
      `NS create → READY (1 VNF) with ${running + 100} NS running, 100 runs: ${summary(one1000)} (${((percentile(one1000, 50) / percentile(one, 50) - 1) * 100).toFixed(0)} % vs. empty)`,
    );

    if (LIST_NS > 0) {
      // fill to 10,000 NS records (the rest NOT_INSTANTIATED, created through ns_instances)
      const have = running + 200;
      for (let i = have; i < LIST_NS; i += 20) {
        await Promise.all(
          Array.from({ length: Math.min(20, LIST_NS - i) }, () =>
            client.call('POST', '/osm/nslcm/v1/ns_instances', { nsName: `idle-${n++}`, nsdId: nsd1, vimAccountId: vim }),
          ),
        );
      }
      const lists: number[] = [];
      let count = 0;
      let bytes = 0;
      for (let i = 0; i < 10; i++) {
        const s = performance.now();
        const res = await fetch(`${service.url}/osm/nslcm/v1/ns_instances_content`, {
          headers: { Authorization: `Bearer ${(client as unknown as { token: string }).token}`, Accept: 'application/json' },
        });
        const text = await res.text();
        lists.push(performance.now() - s); // response received; the client's own JSON.parse is not the service's time
        bytes = text.length;
        count = (JSON.parse(text) as unknown[]).length;
      }
      report(
        `list ${count} NS (JSON, ${(bytes / 1e6).toFixed(1)} MB), 10 runs, until the response is received: p50 ${floor.cpu(percentile(lists, 50))}, p99 ${ms(percentile(lists, 99))}`,
      );
    }
    report(`RSS after the run: ${rssMb(service.pid!).toFixed(0)} MB`);

    if (onPg && PROCESSES > 1) {
      // the same sustained run with replicas on the one database, each taking a share of the creates
      for (let i = 1; i < PROCESSES; i++) replicas.push(await startService(env, [], floor));
      const members = [{ client, lcm }];
      for (const replica of replicas) {
        const c = new Client(replica.url);
        await c.login();
        members.push({ client: c, lcm: lcmFor(c, { nsd1, nsd2, vim }, `r${members.length}`) });
      }
      const runs = await sustained(members, nsd1, burst);
      // who completed each operation: the last worker that ran it
      const rows = await sql(db, 'SELECT run_by FROM ns_lcm_op_occs WHERE id = ANY($1)', [runs.ops]);
      const share = new Map<string, number>();
      for (const r of rows) {
        const last = (JSON.parse(String(r.run_by)) as string[]).at(-1) ?? '?';
        share.set(last, (share.get(last) ?? 0) + 1);
      }
      report(
        `sustained with ${PROCESSES} processes on the one database: ${burst} NS in ${runs.seconds.toFixed(1)} s = ${floor.rate(burst / runs.seconds)} (${(seconds / runs.seconds).toFixed(2)} × one process; at most ${runs.pending} waiting); completed per process: ${[...share.values()].join(' / ')}`,
      );
    }
  } finally {
    for (const replica of replicas) await replica.stop();
    await service.stop();
    await db.drop();
  }
}

void main().catch((e) => {
  console.error(e);
  process.exit(1);
});
