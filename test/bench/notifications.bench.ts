/**
 * Notification delivery benchmark (issue 20) against the started service, on a local receiver:
 * 1,000 subscriptions (990 narrowed to one NS each by name, 9 to everything, and — in the second half — one more
 * to everything whose receiver accepts the connection and never answers), 100 NS instantiations (50 per half),
 * every notification delivered; p50/p99 from the state change (the notification's `timeStamp`, set in the
 * transaction of the change) to its arrival, and the API latency of the instantiations, with and without the dead
 * receiver. BENCH_DB=postgres runs on PostgreSQL.
 *   npm run build && npx ts-node --transpile-only test/bench/notifications.bench.ts
 * Target: p50 state change → delivery ≤ 20 ms; the dead receiver changes neither the API latency nor the others'.
 */
import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client, ms, percentile, benchDatabase, startService } from './harness';
import { folderEntries, makeTarGz } from '../utils/packages';
import { join } from 'node:path';

const DESCRIPTORS = join(__dirname, '..', '..', 'descriptors');
const NS_COUNT = 100;
const NARROW = 990;
const WIDE = 9;
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 2);

interface Arrival {
  path: string;
  id: string;
  latencyMs: number;
}

function listen(handler: Parameters<typeof createServer>[1]): Promise<{ server: Server; url: string }> {
  const server = createServer(handler);
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` })),
  );
}

async function main(): Promise<void> {
  const db = await benchDatabase('mano_bench');
  const onPg = db.onPg;
  const env: Record<string, string> = { ...db.env, MANO_LCM_CONCURRENCY: '32', MANO_NOTIFY_TIMEOUT_MS: '5000' };
  const arrivals: Arrival[] = [];
  const live = await listen((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method === 'POST') {
        const n = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { id: string; timeStamp: string };
        arrivals.push({ path: req.url!, id: n.id, latencyMs: Date.now() - Date.parse(n.timeStamp) });
      }
      res.statusCode = 204;
      res.end();
    });
  });
  let deadHeld = 0;
  const dead = await listen((req, res) => {
    if (req.method === 'GET') return void res.writeHead(204).end();
    deadHeld++; // accepted, never answered
  });
  const service = await startService(env);
  const client = new Client(service.url);
  const token = () => (client as unknown as { token: string }).token;
  try {
    await client.login();
    for (const [folder, url] of [
      ['webserver_vnf', '/osm/vnfpkgm/v1/vnf_packages_content'],
      ['webserver_ns', '/osm/nsd/v1/ns_descriptors_content'],
    ]) {
      const res = await fetch(`${service.url}${url}`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${token()}`, 'Content-Type': 'application/gzip', Accept: 'application/json' },
        body: await makeTarGz(folderEntries(join(DESCRIPTORS, folder), folder)),
      });
      if (res.status !== 201) throw new Error(`onboarding ${folder}: ${res.status}`);
    }
    const nsdId = ((await client.call('GET', '/osm/nsd/v1/ns_descriptors')).body as { _id: string }[])[0]._id;
    const vim = ((await client.call('GET', '/osm/admin/v1/vim_accounts?name=emulator')).body as { _id: string }[])[0]._id;

    const subscribe = async (body: unknown) => {
      const res = await client.call('POST', '/osm/nslcm/v1/subscriptions', body);
      if (res.status !== 201) throw new Error(`subscribe: ${res.status} ${JSON.stringify(res.body)}`);
    };
    const t0 = performance.now();
    for (let i = 0; i < NARROW; i++)
      await subscribe({
        callbackUri: `${live.url}/narrow/${i}`,
        filter: { nsInstanceSubscriptionFilter: { nsInstanceNames: [`bench-${i % NS_COUNT}`] } },
      });
    for (let i = 0; i < WIDE; i++) await subscribe({ callbackUri: `${live.url}/wide/${i}` });
    console.log(
      `database: ${onPg ? 'PostgreSQL' : 'SQLite (file)'}; ${NARROW + WIDE} subscriptions created in ${ms(performance.now() - t0)}`,
    );

    const waitOp = async (opId: string) => {
      for (;;) {
        const op = (await client.call('GET', `/osm/nslcm/v1/ns_lcm_op_occs/${opId}`)).body as { operationState: string };
        if (op.operationState !== 'PROCESSING') return;
        await new Promise((r) => setTimeout(r, 5));
      }
    };
    const runHalf = async (from: number, to: number, label: string) => {
      arrivals.length = 0;
      const api: number[] = [];
      const ops: string[] = [];
      // a steady stream of instantiations (BENCH_CONCURRENCY at a time), not one burst: the figure is the
      // notification path's latency, not a queue of 50 operations on a 2-core machine
      let next = from;
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          for (let i = next++; i < to; i = next++) {
            const s = performance.now();
            const res = await client.call('POST', '/osm/nslcm/v1/ns_instances_content', {
              nsName: `bench-${i}`,
              nsdId,
              vimAccountId: vim,
            });
            api.push(performance.now() - s);
            if (res.status !== 201) throw new Error(`instantiate: ${res.status}`);
            ops.push((res.body as { nslcmop_id: string }).nslcmop_id);
            await waitOp(ops.at(-1)!);
          }
        }),
      );
      // every NS: creation + START + RESULT, to its ~10 narrow subscribers and the wide ones
      let expected = 0;
      for (let i = from; i < to; i++)
        expected += 3 * (WIDE + Array.from({ length: NARROW }, (_, j) => j % NS_COUNT).filter((x) => x === i).length);
      const until = Date.now() + 120_000;
      while (arrivals.length < expected && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
      const lat = arrivals.map((a) => a.latencyMs);
      const distinct = new Set(arrivals.map((a) => `${a.path}|${a.id}`)).size;
      console.log(
        `${label}: ${to - from} NS, ${arrivals.length}/${expected} notifications (${distinct} distinct) delivered; ` +
          `state change → delivery p50 ${ms(percentile(lat, 50))}, p99 ${ms(percentile(lat, 99))}; ` +
          `POST ns_instances_content p50 ${ms(percentile(api, 50))}, p99 ${ms(percentile(api, 99))}`,
      );
    };
    await runHalf(0, NS_COUNT / 2, 'no dead receiver  ');
    await subscribe({ callbackUri: `${dead.url}/dead` });
    await runHalf(NS_COUNT / 2, NS_COUNT, 'one dead receiver ');
    const subs = (await client.call('GET', '/osm/nslcm/v1/subscriptions')).body as {
      callbackUri: string;
      state: string;
      lastError: string;
    }[];
    const d = subs.find((s) => s.callbackUri.startsWith(dead.url))!;
    console.log(`dead receiver: ${deadHeld} requests held open; its subscription: ${d.state} (${d.lastError ?? 'no error yet'})`);
  } finally {
    await service.stop();
    live.server.closeAllConnections();
    dead.server.closeAllConnections();
    live.server.close();
    dead.server.close();
    await db.drop();
  }
}

void main().catch((e) => {
  console.error(e);
  process.exit(1);
});
