export type CancelMode = 'GRACEFUL' | 'FORCEFUL';

/** Why a run stopped before its end: a cancel request, or the lease went to another process. */
export class RunInterrupted extends Error {
  constructor(readonly reason: 'cancelled' | 'lease lost') {
    super(reason === 'cancelled' ? 'cancelled' : 'the lease on this operation was lost to another process');
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

  cancel(mode: CancelMode): void {
    if (this.mode === 'FORCEFUL') return;
    this.mode = mode;
    if (mode === 'FORCEFUL') this.controller.abort(new RunInterrupted('cancelled'));
  }

  loseLease(): void {
    this.lost = true;
    this.controller.abort(new RunInterrupted('lease lost'));
  }
}
