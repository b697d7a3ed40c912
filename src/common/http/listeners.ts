import type { RequestListener, Server } from 'node:http';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AppConfig } from '../../config/env';

/** TLS 1.2 ciphers: forward secrecy and AEAD only (TLS 1.3 suites are all modern and stay Node's defaults). */
export const TLS12_CIPHERS = [
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
];
const TLS13_SUITES = ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256'];

/** How often Node looks for connections past their timeouts (its default, 30 s, would let them overstay that long). */
const CHECK_INTERVAL_MS = 1000;

type Timeouts = Pick<AppConfig, 'httpHeadersTimeoutMs' | 'httpRequestTimeoutMs' | 'httpKeepAliveTimeoutMs'>;

/** A slow or idle client cannot hold a connection for long: whole headers, whole request, idle keep-alive. */
function withTimeouts<S extends Server>(server: S, config: Timeouts): S {
  server.headersTimeout = config.httpHeadersTimeoutMs;
  server.requestTimeout = config.httpRequestTimeoutMs;
  server.keepAliveTimeout = config.httpKeepAliveTimeoutMs;
  return server;
}

export function createHttpsListener(handler: RequestListener, tls: { cert: string; key: string }, config: Timeouts): Server {
  const server = createHttpsServer(
    {
      connectionsCheckingInterval: CHECK_INTERVAL_MS,
      cert: tls.cert,
      key: tls.key,
      minVersion: 'TLSv1.2',
      ciphers: [...TLS13_SUITES, ...TLS12_CIPHERS].join(':'),
      honorCipherOrder: true,
    },
    handler,
  );
  return withTimeouts(server, config);
}

export function createHttpListener(handler: RequestListener, config: Timeouts): Server {
  return withTimeouts(createHttpServer({ connectionsCheckingInterval: CHECK_INTERVAL_MS }, handler), config);
}

export async function listen(server: Server, port: number, host: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}
