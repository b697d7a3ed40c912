import type { VimAdapter } from '../../vim-adapters/contract/src';

/**
 * How the engine reaches a VIM: the adapter of a VIM account, decrypted and configured. Given to the engine by the
 * module that wires it (the VIM accounts live in the API layer), so `lcm/` imports no API module.
 */
export abstract class VimAdapters {
  abstract adapterById(vimAccountId: string): Promise<VimAdapter>;
}
