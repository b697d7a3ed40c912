export type CancelMode = 'GRACEFUL' | 'FORCEFUL';

/** Why a run stopped before its end: a cancel request, the lease went to another process, or this process drains. */
export class RunInterrupted extends Error {
  constructor(readonly reason: 'cancelled' | 'lease lost' | 'shutdown') {
    super(
      reason === 'cancelled'
        ? 'cancelled'
        : reason === 'shutdown'
          ? 'this process is shutting down'
          : 'the lease on this operation was lost to another process',
    );
  }
}

/**
 * What the runner tells a running operation: the worker's id (a fencing token for its writes), a pending
 * cancel, and a signal that aborts the VIM call in flight (FORCEFUL cancel, or the lease was lost).
 */
export class RunControl {
  private readonly controller = new AbortController();
  private mode: CancelMode | null = null;
  private lost = false;
  private draining = false;

  constructor(readonly workerId: string) {}

  get signal(): AbortSignal {
    return this.controller.signal;
  }
  get cancelMode(): CancelMode | null {
    return this.mode;
  }
  get leaseLost(): boolean {
    return this.lost;
  }
  /** The process is shutting down: the run saves its progress and stops before its next step (the lease is then released). */
  get drainRequested(): boolean {
    return this.draining;
  }

  cancel(mode: CancelMode): void {
    if (this.mode === 'FORCEFUL') return;
    this.mode = mode;
    if (mode === 'FORCEFUL') this.controller.abort(new RunInterrupted('cancelled'));
  }

  /** Unlike a cancel, the step in flight finishes (nothing aborts it). */
  drain(): void {
    this.draining = true;
  }

  loseLease(): void {
    this.lost = true;
    this.controller.abort(new RunInterrupted('lease lost'));
  }
}
