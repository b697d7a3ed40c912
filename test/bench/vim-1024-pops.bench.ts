/**
 * Registers an emulator VIM account with 1,024 PoPs over HTTP and measures POST → ENABLED
 * (vim-emu needed about an hour to bring up 1,024 PoPs). Target: ≤ 2 s.
 *   npm run build && npx ts-node --transpile-only test/bench/vim-1024-pops.bench.ts
 */
import { Client, ms, percentile, startService } from './harness';

const POPS = 1024;
const RUNS = 5;

async function main(): Promise<void> {
  const service = await startService();
  try {
    const client = new Client(service.url);
    await client.login();
    const pops = Array.from({ length: POPS }, (_, i) => ({
      name: `pop-${i}`,
      vcpu: 64,
      memory: 256,
      storage: 4096,
      location: { lat: -60 + (i % 120), lon: -170 + ((i * 7) % 340) },
      labels: i % 8 === 0 ? { edge: 'true' } : {},
    }));
    const times: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      const started = performance.now();
      const created = await client.call('POST', '/osm/admin/v1/vim_accounts', {
        name: `pops-1024-${run}`,
        vim_type: 'emulator',
        vim_url: 'emulator://bench',
        vim_user: 'bench',
        vim_password: 'bench',
        vim_tenant_name: 'bench',
        config: { pops },
      });
      if (created.status !== 202) throw new Error(`create answered ${created.status}: ${JSON.stringify(created.body)}`);
      const id = (created.body as { id: string }).id;
      for (;;) {
        const shown = await client.call('GET', `/osm/admin/v1/vim_accounts/${id}`);
        const state = (shown.body as { _admin: { operationalState: string; 'detailed-status': string } })._admin;
        if (state.operationalState === 'ERROR') throw new Error(state['detailed-status']);
        if (state.operationalState === 'ENABLED') break;
        await new Promise((r) => setTimeout(r, 2));
      }
      times.push(performance.now() - started);
    }
    console.log(
      `emulator VIM with ${POPS} PoPs, POST → ENABLED over HTTP, ${RUNS} runs: p50 ${service.floor.cpu(percentile(times, 50))}, max ${ms(Math.max(...times))}`,
    );
  } finally {
    await service.stop();
  }
}

void main();
