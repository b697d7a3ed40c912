import { createServer, Server } from 'node:http';
import type { AppConfig } from '../config/env';
import { renderMetrics } from '../common/metrics/metrics';

/**
 * MANO_METRICS_PORT: a plain-HTTP listener that serves `GET /metrics` and nothing else, without a token, for a
 * Prometheus on a trusted network (loopback unless MANO_METRICS_HOST opens it). The API is not reachable through it.
 */
export function createMetricsListener(config: Pick<AppConfig, 'httpHeadersTimeoutMs' | 'httpRequestTimeoutMs'>): Server {
  const server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (path !== '/metrics') {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('only /metrics here\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain' }).end('GET only\n');
      return;
    }
    renderMetrics().then(
      ({ contentType, body }) =>
        res.writeHead(200, { 'Content-Type': contentType }).end(req.method === 'HEAD' ? undefined : body),
      () => res.writeHead(500, { 'Content-Type': 'text/plain' }).end('metrics unavailable\n'),
    );
  });
  server.headersTimeout = config.httpHeadersTimeoutMs;
  server.requestTimeout = config.httpRequestTimeoutMs;
  return server;
}
