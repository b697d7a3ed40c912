import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { KeyedMutex } from '../common/mutex';

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

  run<T>(fn: (em: EntityManager) => Promise<T>): Promise<T> {
    if (this.isPostgres) return this.dataSource.transaction(fn);
    return this.sqliteLock.run('db', () => this.dataSource.transaction(fn));
  }
}
