import { createServer, IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: Record<string, unknown>;
  raw: string;
  at: number;
}

/** A local HTTP receiver of notifications: records every request; `respond` chooses the status (204 by default). */
export class Receiver {
  readonly requests: Received[] = [];
  /** `hang`: the response is never ended (a receiver that accepted the connection and died). */
  respond: (r: Received) => number | { status: number; body?: unknown; hang?: boolean } = () => 204;
  private server?: Server;
  url = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        let body: Record<string, unknown> = {};
        try {
          body = raw && req.headers['content-type']?.includes('json') ? (JSON.parse(raw) as Record<string, unknown>) : {};
        } catch {
          body = {};
        }
        const r: Received = { method: req.method!, path: req.url!, headers: req.headers, body, raw, at: Date.now() };
        this.requests.push(r);
        const out = this.respond(r);
        const { status, body: answer, hang } = typeof out === 'number' ? { status: out, body: undefined, hang: false } : out;
        if (hang) return;
        res.statusCode = status;
        if (answer !== undefined) res.setHeader('Content-Type', 'application/json');
        res.end(answer === undefined ? undefined : JSON.stringify(answer));
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  /** The POSTed notifications (not the GET checks), optionally of one path. */
  notifications(path?: string): Record<string, unknown>[] {
    return this.requests.filter((r) => r.method === 'POST' && (!path || r.path === path)).map((r) => r.body);
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
