import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { KeyedMutex } from '../common/mutex';

/**
 * For a single-row `save()` outside `Transactions.run`: no transaction of its own. On SQLite every query runs on one
 * shared connection (TypeORM's better-sqlite3 driver has one query runner), so a `save()` that opened its own
 * transaction while a `run()` transaction was open would nest into it as a savepoint, and the first to commit would
 * end the other's ("Transaction is not started yet"). One statement needs no transaction.
 */
export const NO_TX = { transaction: false } as const;

/**
 * Transactions that are safe on both databases. SQLite (better-sqlite3) has one connection per
 * process, so two interleaved transactions would collide; they are serialised here.
 */
@Injectable()
export class Transactions {
  private readonly sqliteLock = new KeyedMutex();

  constructor(readonly dataSource: DataSource) {}

  get isPostgres(): boolean {
    return this.dataSource.options.type === 'postgres';
  }

  /**
   * `durable: false` (PostgreSQL) commits without waiting for the WAL flush: such a transaction survives an
   * orchestrator crash but may be lost if the database server itself crashes. Only writes whose loss is
   * repaired by resuming (step progress, records, the emulator's own inventory) use it.
   */
  run<T>(fn: (em: EntityManager) => Promise<T>, opts: { durable?: boolean } = {}): Promise<T> {
    if (this.isPostgres) {
      return this.dataSource.transaction(async (em) => {
        if (opts.durable === false) await em.query('SET LOCAL synchronous_commit = off');
        return fn(em);
      });
    }
    return this.sqliteLock.run('db', () => this.dataSource.transaction(fn));
  }
}
