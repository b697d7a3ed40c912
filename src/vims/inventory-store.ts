import { EntityManager } from 'typeorm';
import { InventoryReader, InventoryStore, InventoryTx } from '../../vim-adapters/contract/src';
import { KeyedMutex } from '../common/mutex';
import { Transactions } from '../database/transactions';

/** SQLite: one inventory transaction per account at a time. */
const sqliteAccountLocks = new KeyedMutex();

/**
 * Plain statements, not TypeORM's query builder: the emulator reads and writes its inventory a few dozen times per
 * instantiation, and building and hydrating those queries was a large share of the bench's profile.
 */
function statements(postgres: boolean) {
  const sql = (text: string): string => (postgres ? text : text.replace(/\$\d+/g, '?'));
  return {
    get: sql('SELECT doc FROM vim_inventory WHERE account_id = $1 AND kind = $2 AND name = $3'),
    list: sql('SELECT name, doc FROM vim_inventory WHERE account_id = $1 AND kind = $2 ORDER BY name'),
    put: sql(
      'INSERT INTO vim_inventory (account_id, kind, name, doc) VALUES ($1, $2, $3, $4) ON CONFLICT (account_id, kind, name) DO UPDATE SET doc = excluded.doc',
    ),
    delete: sql('DELETE FROM vim_inventory WHERE account_id = $1 AND kind = $2 AND name = $3 RETURNING name'),
  };
}
const SQL = { postgres: statements(true), sqlite: statements(false) };
type Row = { name: string; doc: string };

function reader(em: EntityManager, accountId: string, sql: ReturnType<typeof statements>) {
  const rows = (kind: string): Promise<Row[]> => em.query(sql.list, [accountId, kind]);
  const reader: InventoryReader = {
    async get<T>(kind: string, name: string) {
      const [row] = (await em.query(sql.get, [accountId, kind, name])) as Row[];
      return row ? (JSON.parse(row.doc) as T) : undefined;
    },
    async list<T>(kind: string) {
      return (await rows(kind)).map((r) => JSON.parse(r.doc) as T);
    },
  };
  return { reader, rows };
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

  private get sql() {
    return this.tx.isPostgres ? SQL.postgres : SQL.sqlite;
  }

  read<T>(fn: (r: InventoryReader) => Promise<T>): Promise<T> {
    return fn(reader(this.tx.dataSource.manager, this.accountId, this.sql).reader);
  }

  transaction<T>(fn: (tx: InventoryTx) => Promise<T>): Promise<T> {
    if (this.tx.isPostgres) {
      // the emulator's inventory is the "VIM": a lost commit (database server crash) looks like a VIM that forgot
      // a resource, which the lifecycle engine repairs on resume (observe → apply again)
      return this.tx.run(async (em) => {
        await em.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`vim:${this.accountId}`]);
        const sql = this.sql;
        return fn({
          ...reader(em, this.accountId, sql).reader,
          put: async (kind, name, value) => {
            await em.query(sql.put, [this.accountId, kind, name, JSON.stringify(value)]);
          },
          // PostgreSQL answers a DELETE with [rows, count]
          delete: async (kind, name) => ((await em.query(sql.delete, [this.accountId, kind, name])) as [Row[], number])[1] > 0,
        });
      });
    }
    return sqliteAccountLocks.run(this.accountId, async () => {
      const manager = this.tx.dataSource.manager;
      const accountId = this.accountId;
      const sql = this.sql;
      const { reader: base, rows } = reader(manager, accountId, sql);
      const pending = new Map<string, { kind: string; name: string; doc: string | null }>();
      const key = (kind: string, name: string): string => `${kind}\u0000${name}`;
      const view: InventoryTx = {
        async get<T>(kind: string, name: string) {
          const p = pending.get(key(kind, name));
          if (p) return p.doc === null ? undefined : (JSON.parse(p.doc) as T);
          return base.get<T>(kind, name);
        },
        async list<T>(kind: string) {
          const merged = new Map((await rows(kind)).map((r) => [r.name, r.doc]));
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
          for (const p of pending.values())
            await em.query(p.doc === null ? sql.delete : sql.put, [
              accountId,
              p.kind,
              p.name,
              ...(p.doc === null ? [] : [p.doc]),
            ]);
        });
      }
      return result;
    });
  }
}
