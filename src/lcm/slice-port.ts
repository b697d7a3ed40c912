import type { VimAdapter } from '../../vim-adapters/contract/src';

type Obj = Record<string, unknown>;

/** Who a slice operation acts for: the NSI's projects (its subnets' NS operations are scoped the same). */
export interface SliceOwner {
  projectsRead: string[];
  projectsWrite: string[];
}

export interface SubnetNsView {
  nsState: string;
  /** Has VIM resources or is not NOT_INSTANTIATED: something to terminate. */
  instantiated: boolean;
}

export interface SubnetOpView {
  type: string;
  state: string;
  error: string | null;
}

/**
 * What the slice engine needs from the NS lifecycle and the VIMs, given to it by the module that wires it (so the
 * engine imports no API module). Starting operations is idempotent on the operation id the engine chose.
 */
export abstract class SliceSubnets {
  abstract adapter(vimAccountId: string): Promise<VimAdapter>;
  abstract ns(nsId: string): Promise<SubnetNsView | null>;
  abstract op(opId: string): Promise<SubnetOpView | null>;
  /**
   * A wake-up for a waiter on an NS operation: resolves when this process stops running it, or after `maxMs` at
   * the latest (the fallback for an operation another replica runs). Registered at once: call it, then read.
   */
  abstract whenSettled(opId: string, maxMs: number): { done: Promise<void>; cancel(): void };
  abstract instantiate(owner: SliceOwner, nsId: string, opId: string, params: Obj): Promise<void>;
  abstract terminate(owner: SliceOwner, nsId: string, opId: string): Promise<void>;
  abstract retry(owner: SliceOwner, opId: string): Promise<void>;
  abstract rollback(owner: SliceOwner, opId: string): Promise<void>;
  /** Removes an NS record (terminating it first, with autoremove, when it is still instantiated). */
  abstract remove(owner: SliceOwner, nsId: string): Promise<void>;
}
