import { InventoryStore, InventoryTx } from '../src';

/** An in-memory InventoryStore for adapter unit tests: transactions run one at a time and roll back on error. */
export function memoryStore(): InventoryStore & { dump(): Record<string, unknown> } {
  let data = new Map<string, string>();
  let queue: Promise<unknown> = Promise.resolve();
  const view = (map: Map<string, string>, writable: boolean): InventoryTx => ({
    async get<T>(kind: string, name: string) {
      const v = map.get(`${kind}\u0000${name}`);
      return v === undefined ? undefined : (JSON.parse(v) as T);
    },
    async list<T>(kind: string) {
      return [...map.entries()].filter(([k]) => k.startsWith(`${kind}\u0000`)).map(([, v]) => JSON.parse(v) as T);
    },
    async put(kind, name, value) {
      if (!writable) throw new Error('read-only');
      map.set(`${kind}\u0000${name}`, JSON.stringify(value));
    },
    async delete(kind, name) {
      if (!writable) throw new Error('read-only');
      return map.delete(`${kind}\u0000${name}`);
    },
  });
  return {
    transaction<T>(fn: (tx: InventoryTx) => Promise<T>): Promise<T> {
      const run = queue.then(async () => {
        const copy = new Map(data);
        const result = await fn(view(copy, true));
        data = copy;
        return result;
      });
      queue = run.catch(() => undefined);
      return run;
    },
    read: (fn) => fn(view(data, false)),
    dump: () => Object.fromEntries(data),
  };
}
