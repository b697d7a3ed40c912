/**
 * What observability costs, in process (no service): the HTTP instrumentation of one request, one JSON log line, one
 * timed VIM call, and one scrape of /metrics holding as many series as a busy service.
 *   npx ts-node --transpile-only test/bench/observability.bench.ts
 */
import { Logger } from '@nestjs/common';
import { Writable } from 'node:stream';
import { ManoLogger } from '../../src/common/logging/logger';
import { runWithContext } from '../../src/common/logging/request-context';
import { enableProcessMetrics, httpDuration, httpRequests, renderMetrics } from '../../src/common/metrics/metrics';
import { instrumentAdapter } from '../../src/common/metrics/vim-calls';

function perOp(label: string, n: number, fn: (i: number) => void): void {
  for (let i = 0; i < Math.min(n, 10_000); i++) fn(i); // warm-up
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) fn(i);
  const ns = Number(process.hrtime.bigint() - t0) / n;
  console.log(`${label}: ${ns < 1000 ? `${ns.toFixed(0)} ns` : `${(ns / 1000).toFixed(2)} µs`} per call`);
}

async function main(): Promise<void> {
  enableProcessMetrics();
  const routes = Array.from({ length: 200 }, (_, i) => `/osm/route${i}/:id`);
  const statuses = ['200', '201', '404'];
  perOp('HTTP request instrumentation (counter + histogram)', 200_000, (i) => {
    const labels = { method: i % 2 ? 'GET' : 'POST', route: routes[i % 200], status: statuses[i % 3] };
    httpRequests.inc(labels);
    httpDuration.observe(labels, 0.004);
  });

  let bytes = 0;
  const sink = new Writable({
    write(chunk: Buffer, _e, done) {
      bytes += chunk.length;
      done();
    },
  });
  const logger = new ManoLogger({ logFormat: 'json', logLevel: 'debug' }, sink);
  runWithContext({ correlationId: 'bench-1', projectId: 'p', operationId: 'o' }, () =>
    perOp('JSON log line with context (Nest calling convention)', 100_000, (i) => logger.log(`message ${i}`, 'Bench')),
  );
  const quiet = new ManoLogger({ logFormat: 'json', logLevel: 'log' }, sink);
  perOp('debug line below the level (dropped)', 1_000_000, () => quiet.debug({ msg: 'x', route: '/a' }, 'Bench'));

  // as in the service at the default level: the per-call debug line is dropped
  Logger.overrideLogger(quiet);
  const adapter = instrumentAdapter({ observe: async () => null }, 'bench');
  const n = 100_000;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await adapter.observe();
  const bare = { observe: async () => null };
  const t1 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await bare.observe();
  const t2 = process.hrtime.bigint();
  console.log(`timed VIM call overhead: ${((Number(t1 - t0) - Number(t2 - t1)) / n / 1000).toFixed(2)} µs per call`);

  const runs: number[] = [];
  let size = 0;
  for (let i = 0; i < 50; i++) {
    const s = performance.now();
    size = (await renderMetrics()).body.length;
    runs.push(performance.now() - s);
  }
  runs.sort((a, b) => a - b);
  console.log(
    `scrape of ${(size / 1024).toFixed(0)} KiB (1,200 HTTP series + process metrics): p50 ${runs[25].toFixed(1)} ms, max ${runs[49].toFixed(1)} ms`,
  );
  console.log(`(${(bytes / 1024 / 1024).toFixed(1)} MiB of log lines written)`);
}

void main();
