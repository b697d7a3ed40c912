import { accessSync, constants } from 'node:fs';
import { join } from 'node:path';
import { DataSourceOptions } from 'typeorm';
import { AppConfig } from '../config/env';
import { createPrivateFile, preparePrivateDataDir } from './data-dir';
import { CreateAuthTables1764160000000 } from './migrations/1764160000000-CreateAuthTables';
import { CreateVimTables1764170000000 } from './migrations/1764170000000-CreateVimTables';
import { CreateCatalogItems1764180000000 } from './migrations/1764180000000-CreateCatalogItems';
import { CreateLcmTables1764190000000 } from './migrations/1764190000000-CreateLcmTables';
import { IndexNsList1764200000000 } from './migrations/1764200000000-IndexNsList';
import { OpCancelAndWorkers1764210000000 } from './migrations/1764210000000-OpCancelAndWorkers';
import { LoginThrottleAndTokenLineage1769300000000 } from './migrations/1769300000000-LoginThrottleAndTokenLineage';
import { CreateSliceTables1764307000000 } from './migrations/1764307000000-CreateSliceTables';
import { CreatePlaPriceLists1764316000000 } from './migrations/1764316000000-CreatePlaPriceLists';
import { CreateNotificationTables1779300000000 } from './migrations/1779300000000-CreateNotificationTables';
import { CreateMonitoringTables1780100000000 } from './migrations/1780100000000-CreateMonitoringTables';
import { AccountCheckLease1780400000000 } from './migrations/1780400000000-AccountCheckLease';
import { RECORD_ENTITIES } from '../records';

/** Collected by the records layer (src/records/index.ts): the database imports no module above it. */
export const ENTITIES = RECORD_ENTITIES;
/** Listed explicitly (not globbed) so the app, the CLI and the tests run exactly the same set. */
export const MIGRATIONS = [
  CreateAuthTables1764160000000,
  CreateVimTables1764170000000,
  CreateCatalogItems1764180000000,
  CreateLcmTables1764190000000,
  IndexNsList1764200000000,
  OpCancelAndWorkers1764210000000,
  CreateSliceTables1764307000000,
  CreatePlaPriceLists1764316000000,
  LoginThrottleAndTokenLineage1769300000000,
  CreateNotificationTables1779300000000,
  CreateMonitoringTables1780100000000,
  AccountCheckLease1780400000000,
];

/** The single definition of the database, used by the app and by the TypeORM CLI. */
export function dataSourceOptions(config: Pick<AppConfig, 'dbUrl' | 'dataDir' | 'runMigrations'>): DataSourceOptions {
  const common = {
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsRun: config.runMigrations,
    synchronize: false,
    logging: false,
  } as const;
  // the secret key and the TLS key live there with PostgreSQL too
  preparePrivateDataDir(config.dataDir);
  if (config.dbUrl) {
    return { type: 'postgres', url: config.dbUrl, ...common, extra: { max: 20 } };
  }
  try {
    // SQLite in WAL mode needs to write beside its file even to read: say so plainly instead of "unable to open"
    accessSync(config.dataDir, constants.W_OK);
  } catch (e) {
    throw new Error(
      `MANO_DATA_DIR ${config.dataDir} is not writable (${(e as NodeJS.ErrnoException).code}): the SQLite database needs it`,
    );
  }
  const database = join(config.dataDir, 'mano.sqlite');
  createPrivateFile(database);
  return {
    type: 'better-sqlite3',
    database,
    enableWAL: true,
    // WAL + synchronous=NORMAL: commits survive a process crash (not the last ones on power loss) without an fsync each
    prepareDatabase: (db: { pragma(s: string): unknown }) => {
      db.pragma('synchronous = NORMAL');
    },
    // several connections of one process (or a second process) wait for the write lock instead of failing
    timeout: 10000,
    // TypeORM's FIFO cache of prepared statements holds 100 by default: the service's distinct queries outnumber
    // that, and re-preparing them was 6 % of the lifecycle bench's CPU
    statementCacheSize: 1000,
    ...common,
  };
}
