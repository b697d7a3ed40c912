/**
 * Onboarding latency of hackfest_multivdu (VNF package as .tar.gz, then its NSD) over HTTP, on the
 * embedded SQLite. Target p50 ≤ 15 ms per request (OSM: 1.63 s, Peuster et al. 2019).
 *   npm run build && npx ts-node --transpile-only test/bench/onboarding.bench.ts
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { folderEntries, makeTarGz } from '../utils/packages';
import { ms, percentile, startService } from './harness';

const RUNS = 200;
const MULTIVDU = join(__dirname, '..', '..', '..', 'shared', 'corpus', 'osm-multivdu-gatici');

async function main(): Promise<void> {
  const service = await startService();
  try {
    const login = await fetch(`${service.url}/osm/admin/v1/tokens`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify({ username: 'admin', password: process.env.MANO_ADMIN_PASSWORD ?? 'admin' }),
    });
    const token = ((await login.json()) as { id: string }).id;
    const nsdText = readFileSync(join(MULTIVDU, 'hackfest_multivdu_ns', 'hackfest_multivdu_nsd.yaml'), 'utf8');
    const vnf: number[] = [];
    const ns: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      // a distinct descriptor id per run, as many tenants onboarding their own copy
      const entries = folderEntries(join(MULTIVDU, 'hackfest_multivdu_vnf'), 'hackfest_multivdu_vnf')
        .filter((e) => !e.name.endsWith('checksums.txt'))
        .map((e) =>
          e.name.endsWith('.yaml') ? { ...e, content: String(e.content).replace(/hackfest_multivdu-vnf/g, `vnf-${i}`) } : e,
        );
      const pkg = await makeTarGz(entries);
      const post = async (path: string, body: Buffer | string, type: string): Promise<number> => {
        const started = performance.now();
        const res = await fetch(`${service.url}${path}`, {
          method: 'POST',
          headers: { Authorization: `Bearer ${token}`, 'Content-Type': type, Accept: 'application/json' },
          body,
        });
        await res.text();
        if (res.status !== 201) throw new Error(`${path}: ${res.status}`);
        return performance.now() - started;
      };
      vnf.push(await post('/osm/vnfpkgm/v1/vnf_packages_content', pkg, 'application/gzip'));
      ns.push(
        await post(
          '/osm/nsd/v1/ns_descriptors_content',
          nsdText.replace(/hackfest_multivdu-vnf/g, `vnf-${i}`).replace(/hackfest_multivdu-ns/g, `ns-${i}`),
          'text/plain',
        ),
      );
    }
    const line = (what: string, v: number[]) =>
      `${what}: p50 ${service.floor.cpu(percentile(v, 50))}, p99 ${ms(percentile(v, 99))}`;
    console.log(`onboarding hackfest_multivdu over HTTP on SQLite, ${RUNS} runs each (catalog grows to ${2 * RUNS} items):`);
    console.log(`  ${line('VNF package (.tar.gz)', vnf)}`);
    console.log(`  ${line('NSD (YAML)', ns)}`);
  } finally {
    await service.stop();
  }
}

void main();
