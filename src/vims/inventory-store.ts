import { EntityManager } from 'typeorm';
import { InventoryReader, InventoryStore, InventoryTx } from '../../vim-adapters/contract/src';
import { KeyedMutex } from '../common/mutex';
import { Transactions } from '../database/transactions';
import { VimInventoryEntity } from '../records/vim.entities';

const sqliteAccountLocks = new KeyedMutex();
/** PostgreSQL's deadlock_detected */
const DEADLOCK = '40P01';
/** The one document every call reads and only an active fault writes (emulator.adapter.ts countCall). */
const SHARED_DOC = 'state/faults';

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
 * One PostgreSQL transaction's view of the inventory, taking each lock the first time it is needed (see
 * pgTransaction): raw statements, one round trip for the locks of a document and one for its read or write.
 */
function pgInventory(em: EntityManager, accountId: string): InventoryTx {
  const held = new Map<string, 'shared' | 'exclusive'>();
  const lock = async (wanted: [string, 'shared' | 'exclusive'][]): Promise<void> => {
    const missing = wanted.filter(([key, mode]) => held.get(key) !== 'exclusive' && held.get(key) !== mode);
    if (!missing.length) return;
    const calls = missing.map(([, mode], i) => `pg_advisory_xact_lock${mode === 'shared' ? '_shared' : ''}(hashtext($${i + 1}))`);
    await em.query(
      `SELECT ${calls.join(', ')}`,
      missing.map(([key]) => `vim:${accountId}:${key}`),
    );
    for (const [key, mode] of missing) held.set(key, mode);
  };
  const docLocks = (kind: string, name: string, write: boolean): [string, 'shared' | 'exclusive'][] => {
    const doc = `${kind}/${name}`; // kinds hold no '/'; PostgreSQL text holds no NUL
    return [
      [kind, 'shared'],
      [doc, doc === SHARED_DOC && !write ? 'shared' : 'exclusive'],
    ];
  };
  return {
    async get<T>(kind: string, name: string) {
      await lock(docLocks(kind, name, false));
      const rows: { doc: string }[] = await em.query(
        'SELECT doc FROM vim_inventory WHERE account_id = $1 AND kind = $2 AND name = $3',
        [accountId, kind, name],
      );
      return rows.length ? (JSON.parse(rows[0].doc) as T) : undefined;
    },
    async list<T>(kind: string) {
      await lock([[kind, 'exclusive']]);
      return (await rows(em, accountId, kind)).map((r) => JSON.parse(r.doc) as T);
    },
    async put(kind, name, value) {
      await lock(docLocks(kind, name, true));
      await em.query(
        `INSERT INTO vim_inventory (account_id, kind, name, doc) VALUES ($1, $2, $3, $4)
         ON CONFLICT (account_id, kind, name) DO UPDATE SET doc = EXCLUDED.doc`,
        [accountId, kind, name, JSON.stringify(value)],
      );
    },
    async delete(kind, name) {
      await lock(docLocks(kind, name, true));
      const [, count] = (await em.query('DELETE FROM vim_inventory WHERE account_id = $1 AND kind = $2 AND name = $3', [
        accountId,
        kind,
        name,
      ])) as [unknown, number];
      return count > 0;
    },
  };
}

/**
 * The emulator's inventory in the orchestrator database.
 * PostgreSQL: a real transaction holding advisory locks on the documents it touches (safe across replicas).
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
    if (this.tx.isPostgres) return this.pgTransaction(fn);
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

  /**
   * PostgreSQL: locks per document, taken as the transaction first touches it (in the same statement as its read),
   * so calls on different resources of one account run at once and only those on the same documents (a network's
   * addresses, a PoP's usage) wait for each other. A document is locked exclusively (it is read to be changed), except
   * the fault state, which every call reads and only an active fault changes (shared, then exclusive); a list locks
   * its kind exclusively against the shared kind locks of the documents' writers. Two calls that lock in opposite
   * orders are a deadlock PostgreSQL breaks by failing one: that one is run again.
   */
  private async pgTransaction<T>(fn: (tx: InventoryTx) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        // the emulator's inventory is the "VIM": a lost commit (database server crash) looks like a VIM that forgot
        // a resource, which the lifecycle engine repairs on resume (observe → apply again)
        return await this.tx.run((em) => fn(pgInventory(em, this.accountId)), { durable: false });
      } catch (e) {
        if ((e as { code?: string }).code !== DEADLOCK || attempt >= 5) throw e;
      }
    }
  }
}
