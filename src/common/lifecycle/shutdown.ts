import { Injectable, Logger } from '@nestjs/common';
import type { Server } from 'node:http';

/** A piece of background work that can stop taking work, let what runs finish, and hand its leases back. */
export interface Drainable {
  readonly name: string;
  /** Resolves once nothing of this process runs any more and its leases are released. */
  drain(): Promise<void>;
}

/**
 * The process's lifecycle as the rest of the service sees it: whether it is draining (readiness answers 503,
 * long-lived streams end), and the background workers that must be drained before the database closes.
 * One instance per application (a global provider).
 */
@Injectable()
export class Lifecycle {
  private readonly controller = new AbortController();
  private readonly drainables: Drainable[] = [];

  get draining(): boolean {
    return this.controller.signal.aborted;
  }
  /** Aborted when the drain begins (SSE streams and other long-lived requests end on it). */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  register(d: Drainable): void {
    this.drainables.push(d);
  }

  /** Marks the process draining, then drains every registered worker in parallel. */
  async drain(): Promise<void> {
    if (!this.draining) this.controller.abort();
    await Promise.all(this.drainables.map((d) => d.drain()));
  }
}

export interface ShutdownOptions {
  lifecycle: Lifecycle;
  servers: Server[];
  /** Closes the application (Nest shutdown hooks, the database pools). */
  close(): Promise<void>;
  graceMs: number;
  delayMs: number;
  exit(code: number): void;
  logger?: Pick<Logger, 'log' | 'warn'>;
}

/**
 * Graceful shutdown on SIGTERM: readiness goes 503 at once; after `delayMs` (load balancers stop sending) the
 * listeners close and in-flight requests finish; meanwhile the workers stop claiming operations, let running steps
 * finish and release their leases, so another replica resumes them at once instead of after the lease expiry.
 * Then the database pools close and the process exits 0. A second signal, or the grace running out, exits at once
 * with 1: an operation cut mid-step keeps its lease until it expires and is resumed then, as after a crash.
 */
export class GracefulShutdown {
  private started = false;

  constructor(private readonly o: ShutdownOptions) {}

  /** The handler of SIGTERM/SIGINT. */
  onSignal(signal: string): void {
    const log = this.o.logger;
    if (this.started) {
      log?.warn(`${signal} again: exiting now`);
      return this.o.exit(1);
    }
    this.started = true;
    log?.log(`${signal}: draining (grace ${this.o.graceMs / 1000} s)`);
    const grace = setTimeout(() => {
      log?.warn(`grace of ${this.o.graceMs / 1000} s over: exiting with work in flight (its leases expire)`);
      this.o.exit(1);
    }, this.o.graceMs);
    grace.unref();
    void this.run().then(
      () => {
        clearTimeout(grace);
        log?.log('drained: exiting');
        this.o.exit(0);
      },
      (e: unknown) => {
        clearTimeout(grace);
        log?.warn(`shutdown failed: ${(e as Error).message}`);
        this.o.exit(1);
      },
    );
  }

  private async run(): Promise<void> {
    const workers = this.o.lifecycle.drain();
    const http = (async () => {
      await new Promise((r) => setTimeout(r, this.o.delayMs).unref());
      await Promise.all(this.o.servers.map(closeGently));
    })();
    await Promise.all([workers, http]);
    await this.o.close();
  }
}

/** Stops accepting connections; idle keep-alive connections close now, busy ones after their response. */
function closeGently(server: Server): Promise<void> {
  return new Promise<void>((resolve) => {
    if (!server.listening) return resolve();
    server.close(() => resolve());
    server.closeIdleConnections();
  });
}
