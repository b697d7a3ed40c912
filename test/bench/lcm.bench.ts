/**
 * Lifecycle benchmarks over HTTP against the started service, emulator boot delay 0 (orchestration
 * overhead only). BENCH_DB=postgres runs on PostgreSQL (a throw-away database), else file-backed SQLite.
 *   npm run build && npx ts-node --transpile-only test/bench/lcm.bench.ts
 * Targets (issue 6): NS create → READY p50 ≤ 50 ms, p99 ≤ 200 ms; with 1,000 NS running ≤ +20 %;
 * ≥ 100 instantiations/s on SQLite (≥ 50/s PostgreSQL); list of 10,000 NS ≤ 50 ms; idle RSS ≤ 150 MB;
 * start → ready ≤ 2 s. OSM (Peuster et al. 2019, on vim-emu): NS create 10.3 s p50, 19.7 s with 41–63 NS running.
 */
import { readFileSync } from 'node:fs';
import { Client, ms, percentile, benchDatabase, startService } from './harness';
import { prepareLcm } from './lcm-client';

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)![1]) / 1024;
}

/** How often a latency run asks whether its operation is done: often enough to see it, rarely enough not to load the service. */
const LATENCY_POLL_MS = Number(process.env.BENCH_POLL_MS ?? 5);
/** The list figure's size (BENCH_LIST_NS=0 skips it: a quicker run while profiling the lifecycle). */
const LIST_NS = Number(process.env.BENCH_LIST_NS ?? 10_000);

async function main(): Promise<void> {
  const db = await benchDatabase('mano_bench');
  const onPg = db.onPg;
  const env: Record<string, string> = { ...db.env, MANO_LCM_CONCURRENCY: '32' };
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
    const { nsd1, nsd2, vim, createNs, waitOp } = await prepareLcm(service.url, client);
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
    const burst = 800;
    const started = performance.now();
    const ops: string[] = [];
    // 16 clients submitting at once
    for (let i = 0; i < burst; i += 16) ops.push(...(await Promise.all(Array.from({ length: 16 }, () => createNs(nsd1)))));
    // completion is checked with one list request every 100 ms (not one poll per operation), so the measurement
    // does not load the service with polling; then every operation is checked once
    const mine = new Set(ops);
    let pending = 0;
    for (;;) {
      const res = await client.call('GET', '/osm/nslcm/v1/ns_lcm_op_occs?operationState=PROCESSING');
      const left = (res.body as { id: string; operationState: string }[]).filter((o) => mine.has(o.id));
      if (left.some((o) => o.operationState !== 'PROCESSING')) throw new Error('the operationState filter was not applied');
      pending = Math.max(pending, left.length);
      if (!left.length) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const seconds = (performance.now() - started) / 1000;
    await Promise.all(ops.map((op) => waitOp(op)));
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
  } finally {
    await service.stop();
    await db.drop();
  }
}

void main().catch((e) => {
  console.error(e);
  process.exit(1);
});
