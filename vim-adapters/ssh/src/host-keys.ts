import type { InventoryStore } from '../../contract/src';
import { hostKeyChanged } from './ssh-exec';

/** The inventory kind pins are kept under (one document per machine name). */
export const HOST_KEY_KIND = 'ssh-host-key';

export interface HostKeyPin {
  /** The VIM's id of the machine the key was seen on: a machine made anew under the same name is pinned anew. */
  instance: string;
  sha256: string;
  pinnedAt: string;
}

/**
 * Trust on first use, durably: the first host key a machine offers is kept in the account's inventory store (the
 * orchestrator's database, so every replica and restart sees it); a different key later is refused with both
 * fingerprints. Checked during the handshake, before any file is written or command run, and in one store
 * transaction, so two first connections at once cannot pin two keys.
 */
export function pinOnFirstUse(store: InventoryStore, name: string, instance: string, label = name) {
  return (offered: string): Promise<void> =>
    store.transaction(async (tx) => {
      const pin = await tx.get<HostKeyPin>(HOST_KEY_KIND, name);
      if (pin && pin.instance === instance) {
        if (pin.sha256 !== offered) throw hostKeyChanged(label, pin.sha256, offered);
        return;
      }
      await tx.put(HOST_KEY_KIND, name, { instance, sha256: offered, pinnedAt: new Date().toISOString() } satisfies HostKeyPin);
    });
}

/** Forgets a machine's pin (it was deleted). */
export const forgetHostKey = (store: InventoryStore, name: string): Promise<boolean> =>
  store.transaction((tx) => tx.delete(HOST_KEY_KIND, name));
