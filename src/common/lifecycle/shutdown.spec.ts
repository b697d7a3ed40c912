import { createServer, Server } from 'node:http';
import { GracefulShutdown, Lifecycle } from './shutdown';

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('GracefulShutdown', () => {
  const setup = (o: { graceMs?: number; drainMs?: number; delayMs?: number } = {}) => {
    const lifecycle = new Lifecycle();
    const events: string[] = [];
    lifecycle.register({
      name: 'worker',
      drain: async () => {
        events.push('drain start');
        await tick(o.drainMs ?? 20);
        events.push('drained');
      },
    });
    const server: Server = createServer((_req, res) => res.end('ok'));
    const exits: number[] = [];
    const shutdown = new GracefulShutdown({
      lifecycle,
      servers: [server],
      close: async () => void events.push('closed'),
      graceMs: o.graceMs ?? 1000,
      delayMs: o.delayMs ?? 10,
      exit: (code) => void exits.push(code),
    });
    return { lifecycle, events, server, exits, shutdown };
  };

  it('drains at once, closes the listener after the delay, closes the app after both, then exits 0', async () => {
    const { lifecycle, events, server, exits, shutdown } = setup();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    shutdown.onSignal('SIGTERM');
    // readiness reads this: 503 from the first instant
    expect(lifecycle.draining).toBe(true);
    expect(lifecycle.signal.aborted).toBe(true);
    expect(server.listening).toBe(true);
    await tick(60);
    expect(server.listening).toBe(false);
    expect(events).toEqual(['drain start', 'drained', 'closed']);
    expect(exits).toEqual([0]);
  });

  it('exits 1 at once on a second signal', async () => {
    const { exits, events, shutdown } = setup({ drainMs: 200 });
    shutdown.onSignal('SIGTERM');
    shutdown.onSignal('SIGTERM');
    expect(exits).toEqual([1]);
    expect(events).not.toContain('closed');
    await tick(300); // the drain goes on in the background until the process is gone; let it end here
  });

  it('exits 1 when the grace runs out before the workers drained', async () => {
    const { exits, events, shutdown } = setup({ drainMs: 300, graceMs: 50 });
    shutdown.onSignal('SIGTERM');
    await tick(120);
    expect(exits).toEqual([1]);
    expect(events).toEqual(['drain start']);
    await tick(300);
  });
});
