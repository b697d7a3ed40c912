import { EntityManager } from 'typeorm';
import { InventoryReader, InventoryStore, InventoryTx } from '../../vim-adapters/contract/src';
import { KeyedMutex } from '../common/mutex';
import { Transactions } from '../database/transactions';
import { VimInventoryEntity } from '../records/vim.entities';

const sqliteAccountLocks = new KeyedMutex();

const rows = (em: EntityManager, accountId: string, kind: string): Promise<VimInventoryEntity[]> =>
  em.find(VimInventoryEntity, { where: { accountId, kind }, order: { name: 'ASC' } });

function reader(em: EntityManager, accountId: string): InventoryReader {
  return {
    async get<T>(kind: string, name: string) {
      const row = await em.findOneBy(VimInventoryEntity, { accountId, kind, name });
      return row ? (JSON.parse(row.doc) as T) : undefined;
    },
    async list<T>(kind: string) {
      return (await rows(em, accountId, kind)).map((r) => JSON.parse(r.doc) as T);
    },
  };
}

/**
 * The emulator's inventory in the orchestrator database, one exclusive transaction per account.
 * PostgreSQL: a real transaction holding an advisory lock on the account (safe across replicas).
 * SQLite (one process): a per-account lock; writes are buffered and committed together at the end,
 * so a failed call writes nothing and never rolls back anyone else's statements on the shared connection.
 */
export class DatabaseInventoryStore implements InventoryStore {
  constructor(
    private readonly tx: Transactions,
    private readonly accountId: string,
  ) {}

  read<T>(fn: (r: InventoryReader) => Promise<T>): Promise<T> {
    return fn(reader(this.tx.dataSource.manager, this.accountId));
  }

  transaction<T>(fn: (tx: InventoryTx) => Promise<T>): Promise<T> {
    if (this.tx.isPostgres) {
      // the emulator's inventory is the "VIM": a lost commit (database server crash) looks like a VIM that forgot
      // a resource, which the lifecycle engine repairs on resume (observe → apply again)
      return this.tx.run(async (em) => {
        await em.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`vim:${this.accountId}`]);
        const r = reader(em, this.accountId);
        return fn({
          ...r,
          put: async (kind, name, value) => {
            await em.upsert(VimInventoryEntity, { accountId: this.accountId, kind, name, doc: JSON.stringify(value) }, [
              'accountId',
              'kind',
              'name',
            ]);
          },
          delete: async (kind, name) =>
            ((await em.delete(VimInventoryEntity, { accountId: this.accountId, kind, name })).affected ?? 0) > 0,
        });
      });
    }
    return sqliteAccountLocks.run(this.accountId, async () => {
      const manager = this.tx.dataSource.manager;
      const accountId = this.accountId;
      const base = reader(manager, accountId);
      const pending = new Map<string, { kind: string; name: string; doc: string | null }>();
      const key = (kind: string, name: string): string => `${kind}\u0000${name}`;
      const view: InventoryTx = {
        async get<T>(kind: string, name: string) {
          const p = pending.get(key(kind, name));
          if (p) return p.doc === null ? undefined : (JSON.parse(p.doc) as T);
          return base.get<T>(kind, name);
        },
        async list<T>(kind: string) {
          const merged = new Map((await rows(manager, accountId, kind)).map((r) => [r.name, r.doc]));
          for (const p of pending.values()) {
            if (p.kind !== kind) continue;
            if (p.doc === null) merged.delete(p.name);
            else merged.set(p.name, p.doc);
          }
          return [...merged.values()].map((doc) => JSON.parse(doc) as T);
        },
        async put(kind, name, value) {
          pending.set(key(kind, name), { kind, name, doc: JSON.stringify(value) });
        },
        async delete(kind, name) {
          const existed = (await view.get(kind, name)) !== undefined;
          pending.set(key(kind, name), { kind, name, doc: null });
          return existed;
        },
      };
      const result = await fn(view);
      if (pending.size) {
        await this.tx.run(async (em) => {
          for (const p of pending.values()) {
            if (p.doc === null) await em.delete(VimInventoryEntity, { accountId: this.accountId, kind: p.kind, name: p.name });
            else
              await em.upsert(VimInventoryEntity, { accountId: this.accountId, kind: p.kind, name: p.name, doc: p.doc }, [
                'accountId',
                'kind',
                'name',
              ]);
          }
        });
      }
      return result;
    });
  }
}
