/**
 * Network slice benchmarks over HTTP against the started service (file-backed SQLite, emulator as configured).
 *   npm run build && npx ts-node --transpile-only test/bench/slices.bench.ts
 * Targets (issue 16): a 3-subnet slice create → READY p50 ≤ 150 ms; 100 slices sharing one middle subnet,
 * instantiated at once, ≤ 10 s with exactly one middle NS.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { folderEntries, makeTarGz } from '../utils/packages';
import { Client, ms, percentile, startService } from './harness';

const DESCRIPTORS = join(__dirname, '..', '..', 'descriptors');

async function main(): Promise<void> {
  const service = await startService({ MANO_LCM_CONCURRENCY: '32' });
  const client = new Client(service.url);
  const report = (line: string) => console.log(line);
  try {
    await client.login();
    const token = (client as unknown as { token: string }).token;
    const upload = async (url: string, body: Buffer, type: string) => {
      const res = await fetch(`${service.url}${url}`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': type, Accept: 'application/json' },
        body,
      });
      if (res.status !== 201) throw new Error(`${url}: ${res.status} ${await res.text()}`);
    };
    for (const f of ['slice_edge_vnf', 'slice_middle_vnf'])
      await upload(
        '/osm/vnfpkgm/v1/vnf_packages_content',
        await makeTarGz(folderEntries(join(DESCRIPTORS, f), f)),
        'application/gzip',
      );
    for (const f of ['slice_edge_ns', 'slice_middle_ns'])
      await upload(
        '/osm/nsd/v1/ns_descriptors_content',
        await makeTarGz(folderEntries(join(DESCRIPTORS, f), f)),
        'application/gzip',
      );
    await upload(
      '/osm/nst/v1/netslice_templates_content',
      readFileSync(join(DESCRIPTORS, 'slice_shared_nst', 'slice_shared_nst.yaml')),
      'application/yaml',
    );
    const nstId = ((await client.call('GET', '/osm/nst/v1/netslice_templates')).body as { _id: string }[])[0]._id;
    const vim = ((await client.call('GET', '/osm/admin/v1/vim_accounts?name=emulator')).body as { _id: string }[])[0]._id;
    let n = 0;
    const create = async (): Promise<{ id: string; op: string }> => {
      const res = await client.call('POST', '/osm/nsilcm/v1/netslice_instances_content', {
        nsiName: `bench-${n++}`,
        nstId,
        vimAccountId: vim,
      });
      if (res.status !== 201) throw new Error(`create: ${res.status} ${JSON.stringify(res.body)}`);
      const b = res.body as { id: string; nsilcmop_id: string };
      return { id: b.id, op: b.nsilcmop_id };
    };
    const wait = async (op: string, pollMs: number) => {
      for (;;) {
        const o = (await client.call('GET', `/osm/nsilcm/v1/nsi_lcm_op_occs/${op}`)).body as {
          operationState: string;
          errorMessage: string;
        };
        if (o.operationState === 'COMPLETED') return;
        if (o.operationState !== 'PROCESSING') throw new Error(`slice operation ${o.operationState}: ${o.errorMessage}`);
        await new Promise((r) => setTimeout(r, pollMs));
      }
    };
    const remove = async (id: string) => {
      const res = await client.call('DELETE', `/osm/nsilcm/v1/netslice_instances_content/${id}`);
      if (res.status === 202) await wait((res.body as { _id: string })._id, 20).catch(() => undefined);
    };

    // latency: one slice at a time, each with all three subnets new (the previous one is deleted first)
    const times: number[] = [];
    for (let i = 0; i < 25; i++) {
      const started = performance.now();
      const s = await create();
      await wait(s.op, 5);
      if (i >= 5) times.push(performance.now() - started); // the first five warm up
      await remove(s.id);
      await new Promise((r) => setTimeout(r, 200));
    }
    report(
      `slice (3 subnets, 3 slice VLDs) create → READY, 20 runs: p50 ${service.floor.latency(percentile(times, 50))}, p99 ${ms(percentile(times, 99))}`,
    );

    // 100 slices sharing the middle subnet, created and instantiated at once
    const started = performance.now();
    const slices = await Promise.all(Array.from({ length: 100 }, () => create()));
    await Promise.all(slices.map((s) => wait(s.op, 50)));
    const took = performance.now() - started;
    const ns = (await client.call('GET', '/osm/nslcm/v1/ns_instances_content')).body as { name: string }[];
    const middles = ns.filter((x) => x.name.endsWith('.middle')).length;
    report(
      `100 slices sharing one middle subnet, at once: ${ms(took)} until all COMPLETED (${service.floor.rate((3 * 100 * 1000) / took, 'NS/s')}); NSs: ${ns.length}, middle NSs: ${middles}`,
    );
  } finally {
    await service.stop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
