import { InventoryStore, VimError } from '../../contract/src';
import type { OpenstackConfig } from './account';
import { OpenstackSession } from './session';

/** What the adapter's parts (networks, volumes, computes, flavors) work with: one per account. */
export interface OpenstackContext {
  readonly session: OpenstackSession;
  readonly config: OpenstackConfig;
  /** Durable per-account documents: the SSH host keys pinned per server. */
  readonly store?: InventoryStore;
}

export const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(t), reject(signal.reason as Error)), { once: true });
  });
export const invalid = (message: string, path?: string) => new VimError('VIM.INVALID_REQUEST', message, false, path);
export const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** Marks a port (and floating IP) as a compute's, so it is found again after a crash, even before the server exists. */
export const portDescription = (computeName: string) => `mano-compute=${computeName}`;
export const isUuid = (s: string) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(s);

/** Deletion is asynchronous in Nova and Cinder: "removed" means gone, so the next step finds it so. */
export async function untilGone(
  ctx: OpenstackContext,
  find: () => Promise<unknown>,
  what: string,
  signal?: AbortSignal,
): Promise<void> {
  const deadline = Date.now() + ctx.config.timeoutMs * 4;
  for (let delay = 200; await find(); delay = Math.min(delay * 2, 2000)) {
    if (Date.now() > deadline) throw new VimError('VIM.TIMEOUT', `${what} is still being deleted`, true);
    await sleep(delay, signal);
  }
}
