import { VimError } from './errors';
import type { Observed } from './resources';
import type { VimAdapter, VimCapacity, VimHealth } from './vim-adapter';

/**
 * Base of an adapter that so far only checks credentials and reachability (`ping`), for VIM registration.
 * Every resource call is refused honestly with VIM.UNSUPPORTED, never pretended.
 */
export abstract class ConnectivityOnlyAdapter implements VimAdapter {
  protected constructor(private readonly why: string) {}

  abstract ping(signal?: AbortSignal): Promise<VimHealth>;

  async capacity(): Promise<VimCapacity> {
    return { zones: [], links: [] };
  }
  async observe(): Promise<Observed | null> {
    throw new VimError('VIM.UNSUPPORTED', this.why, false);
  }
  async apply(): Promise<Observed> {
    throw new VimError('VIM.UNSUPPORTED', this.why, false);
  }
  async remove(): Promise<'deleted' | 'absent'> {
    throw new VimError('VIM.UNSUPPORTED', this.why, false);
  }
  async close(): Promise<void> {}
}
