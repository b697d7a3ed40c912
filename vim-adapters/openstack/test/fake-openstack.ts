import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { VimAccount } from '../../contract/src';

/** An OpenStack VIM account whose Keystone is at `url` (the fake's, or one a test serves). */
export const openstackAccount = (
  url: string,
  config: Record<string, unknown> = {},
  extra: Partial<VimAccount> = {},
): VimAccount => ({
  id: 'a',
  name: 'fake',
  vimType: 'openstack',
  url: `${url}/v3`,
  user: 'admin',
  password: 'secret',
  tenant: 'admin',
  config,
  ...extra,
});

export type Handler = (
  req: IncomingMessage,
  body: unknown,
) => { status: number; body?: unknown; headers?: Record<string, string> };

/**
 * An HTTP server speaking just enough Keystone to hand out tokens and a catalog pointing back at itself, with
 * every other answer scripted by the test: for the failures a real cloud cannot produce on demand.
 */
export async function fakeOpenstack(
  routes: Record<string, Handler>,
): Promise<{ url: string; calls: string[]; close(): Promise<void> }> {
  const calls: string[] = [];
  let base = '';
  let tokens = 0;
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = (req.url ?? '').split('?')[0];
      const key = `${req.method} ${path}`;
      calls.push(key);
      const text = Buffer.concat(chunks).toString();
      const body: unknown = text ? JSON.parse(text) : undefined;
      const route =
        routes[key] ??
        (key === 'POST /v3/auth/tokens'
          ? () => ({
              status: 201,
              headers: { 'X-Subject-Token': `token-${++tokens}` },
              body: {
                token: {
                  expires_at: new Date(Date.now() + 3600_000).toISOString(),
                  project: { id: 'p1' },
                  catalog: ['compute', 'network', 'image', 'volumev3'].map((type) => ({
                    type,
                    name: type,
                    endpoints: [{ interface: 'public', region: 'RegionOne', url: `${base}/${type}` }],
                  })),
                },
              },
            })
          : () => ({ status: 404, body: { itemNotFound: { message: `no route ${key}` } } }));
      const answer = route(req, body);
      res.writeHead(answer.status, { 'Content-Type': 'application/json', Connection: 'close', ...answer.headers });
      res.end(answer.body === undefined ? '' : JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url: base, calls, close: () => new Promise((r) => server.close(() => r())) };
}
