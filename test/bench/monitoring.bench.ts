/**
 * Closed-loop collection benchmark (issue 19): 1,000 NS instances with 2 monitored VDUs each (the autoscale example:
 * a worker with three parameters and a policy, a probe with one parameter and an alarm) on the emulator. One NS
 * is instantiated for real; the other 999 are seeded as copies of its records and emulated computes (instantiating
 * 1,000 would measure the LCM engine, not the loops). Measured in-process: the CPU time (process.cpuUsage, user +
 * system) and RSS growth of one full round — collect, write values and history, evaluate alarms and policies,
 * update the gauges — after a warm-up round. BENCH_DB=postgres runs on PostgreSQL.
 *   npx ts-node --transpile-only test/bench/monitoring.bench.ts
 * Target: ≤ 1 s CPU and ≤ 50 MB RSS growth per round.
 */
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { OperationRunner } from '../../src/lcm/operation-runner';
import { ClosedLoops } from '../../src/monitoring/closed-loops.service';
import { newId } from '../../src/common/ids';
import { NsInstanceEntity, VnfInstanceEntity } from '../../src/records/ns.entities';
import { VimInventoryEntity } from '../../src/records/vim.entities';
import { folderEntries, makeTarGz } from '../utils/packages';
import { asJson, createTestDatabase, startTestApp } from '../utils/test-app';

const NS_COUNT = Number(process.env.BENCH_NS ?? 1000);
const DESCRIPTORS = join(__dirname, '..', '..', 'descriptors');

async function main(): Promise<void> {
  if (process.env.BENCH_DB === 'postgres') process.env.MANO_TEST_DB = 'postgres';
  const db = await createTestDatabase();
  const t = await startTestApp(db, { metrics: { intervalMs: 3_600_000, historySize: 60 } });
  try {
    const admin = await t.login();
    const vim = (await asJson(t.http.get('/osm/admin/v1/vim_accounts?name=emulator'), admin).expect(200)).body[0]._id as string;
    for (const [folder, url] of [
      ['autoscale_vnf', '/osm/vnfpkgm/v1/vnf_packages_content'],
      ['autoscale_ns', '/osm/nsd/v1/ns_descriptors_content'],
    ])
      await asJson(t.http.post(url), admin)
        .set('Content-Type', 'application/gzip')
        .send(await makeTarGz(folderEntries(join(DESCRIPTORS, folder), folder)))
        .expect(201);
    const nsd = (await asJson(t.http.get('/osm/nsd/v1/ns_descriptors'), admin).expect(200)).body[0]._id as string;
    const created = await asJson(t.http.post('/osm/nslcm/v1/ns_instances_content'), admin)
      .send({ nsName: 'seed', nsdId: nsd, vimAccountId: vim })
      .expect(201);
    await t.app.get(OperationRunner).idle();

    const ds = t.app.get(DataSource);
    const ns = (await ds.getRepository(NsInstanceEntity).findOneByOrFail({ id: created.body.id as string }))!;
    const vnf = await ds.getRepository(VnfInstanceEntity).findOneByOrFail({ nsInstanceId: ns.id });
    const computes = await ds.getRepository(VimInventoryEntity).findBy({ accountId: vim, kind: 'compute' });
    const seeded = performance.now();
    for (let i = 1; i < NS_COUNT; i += 100) {
      const nsRows: NsInstanceEntity[] = [];
      const vnfRows: VnfInstanceEntity[] = [];
      const docs: VimInventoryEntity[] = [];
      for (let k = i; k < Math.min(NS_COUNT, i + 100); k++) {
        const nsId = newId();
        const vnfId = newId();
        const rename = (name: string) => `${name}-copy${k}`;
        nsRows.push({
          ...ns,
          id: nsId,
          name: `ns-${k}`,
          closedLoops: null,
          record: { ...ns.record, 'constituent-vnfr-ref': [vnfId] },
        });
        const vdur = (vnf.record.vdur as Record<string, unknown>[]).map((v) => ({ ...v, name: rename(String(v.name)) }));
        vnfRows.push({
          ...vnf,
          id: vnfId,
          nsInstanceId: nsId,
          monitoring: null,
          record: { ...vnf.record, 'nsr-id-ref': nsId, vdur },
        });
        for (const c of computes) {
          const doc = JSON.parse(c.doc) as { name: string; labels: Record<string, string> };
          doc.name = rename(doc.name);
          doc.labels = { ...doc.labels, 'mano.ns-instance': nsId, 'mano.vnf-instance': vnfId };
          docs.push({ ...c, name: doc.name, doc: JSON.stringify(doc) });
        }
      }
      await ds.getRepository(NsInstanceEntity).insert(nsRows as never);
      await ds.getRepository(VnfInstanceEntity).insert(vnfRows as never);
      await ds.getRepository(VimInventoryEntity).insert(docs);
    }
    console.log(`seeded ${NS_COUNT} NS (${NS_COUNT * computes.length} computes) in ${Math.round(performance.now() - seeded)} ms`);
    // load on the workers of every NS, so the policies have something to decide about
    await asJson(t.http.put(`/mano/v1/emulator/${vim}/load-profile`), admin)
      .send({ labels: { 'mano.vdu': 'worker' }, steps: [{ cpu: 0.5 }] })
      .expect(204);

    const loops = t.app.get(ClosedLoops);
    const rounds: { cpuMs: number; wallMs: number; rssMb: number }[] = [];
    for (let r = 0; r < 4; r++) {
      global.gc?.();
      const rss = process.memoryUsage().rss;
      const cpu = process.cpuUsage();
      const wall = performance.now();
      await loops.round();
      const used = process.cpuUsage(cpu);
      rounds.push({
        cpuMs: Math.round((used.user + used.system) / 1000),
        wallMs: Math.round(performance.now() - wall),
        rssMb: Math.round(((process.memoryUsage().rss - rss) / 2 ** 20) * 10) / 10,
      });
    }
    const monitored = await ds.getRepository(VnfInstanceEntity).count({ where: { nsInstanceId: ns.id } });
    console.log(
      `database: ${process.env.MANO_TEST_DB === 'postgres' ? 'PostgreSQL' : 'SQLite'}; NS: ${NS_COUNT}; VNFs of the seed NS: ${monitored}`,
    );
    console.log('round 1 is the warm-up (descriptor parse, first alarm records):');
    for (const [i, r] of rounds.entries())
      console.log(`round ${i + 1}: CPU ${r.cpuMs} ms, wall ${r.wallMs} ms, RSS growth ${r.rssMb} MB`);
    const steady = rounds.slice(1);
    const worstCpu = Math.max(...steady.map((r) => r.cpuMs));
    const worstRss = Math.max(...steady.map((r) => r.rssMb));
    console.log(`steady rounds: worst CPU ${worstCpu} ms (target ≤ 1000), worst RSS growth ${worstRss} MB (target ≤ 50)`);
  } finally {
    await t.close();
    await db.drop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
