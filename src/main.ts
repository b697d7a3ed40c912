import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import type { Server } from 'node:http';
import { createApp } from './app.factory';
import { GracefulShutdown, Lifecycle } from './common/lifecycle/shutdown';
import { createHttpListener, createHttpsListener, listen } from './common/http/listeners';
import { ConfigError, loadConfig } from './config/env';
import { createMetricsListener } from './metrics/metrics-listener';
import { loadOrCreateCertificate } from './tls/certificate';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`${e.message}\n`);
      process.exit(2);
    }
    throw e;
  }
  const started = Date.now();
  const app = await createApp(config);
  const logger = new Logger('Main');
  const handler = app.getHttpAdapter().getInstance();
  const tls = await loadOrCreateCertificate(config);
  const servers: Server[] = [createHttpsListener(handler, tls, config)];
  await listen(servers[0], config.httpsPort, config.bindAddress);
  logger.log(`HTTPS on ${config.bindAddress}:${config.httpsPort} (certificate: ${tls.source})`);
  if (config.httpPort !== 0) {
    // plain HTTP carries tokens and passwords in clear: loopback only unless MANO_HTTP_HOST says otherwise
    servers.push(createHttpListener(handler, config));
    await listen(servers[1], config.httpPort, config.httpHost);
    logger.log(`HTTP on ${config.httpHost}:${config.httpPort}`);
  }
  if (config.metricsPort !== 0) {
    servers.push(createMetricsListener(config));
    await listen(servers[servers.length - 1], config.metricsPort, config.metricsHost);
    logger.log(`Metrics (no token) on http://${config.metricsHost}:${config.metricsPort}/metrics`);
  }
  logger.log(
    `Ready in ${Date.now() - started} ms; database: ${config.dbUrl ? 'PostgreSQL' : `SQLite in ${config.dataDir}`}${config.worker ? '' : '; API only (MANO_WORKER=false)'}`,
  );

  const shutdown = new GracefulShutdown({
    lifecycle: app.get(Lifecycle),
    servers,
    close: () => app.close(),
    graceMs: config.shutdown.graceMs,
    delayMs: config.shutdown.delayMs,
    exit: (code) => process.exit(code),
    logger,
  });
  process.on('SIGTERM', () => shutdown.onSignal('SIGTERM'));
  process.on('SIGINT', () => shutdown.onSignal('SIGINT'));
}

main().catch((e: unknown) => {
  process.stderr.write(`Start-up failed: ${(e as Error)?.stack ?? String(e)}\n`);
  process.exit(1);
});
