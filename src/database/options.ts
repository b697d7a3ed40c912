import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DataSourceOptions } from 'typeorm';
import { ProjectEntity } from '../auth/entities/project.entity';
import { RoleEntity } from '../auth/entities/role.entity';
import { TokenEntity } from '../auth/entities/token.entity';
import { UserEntity } from '../auth/entities/user.entity';
import { AppConfig } from '../config/env';
import { AdminAccountEntity, SettingEntity, VimInventoryEntity } from '../vims/entities';
import { CreateAuthTables1764160000000 } from './migrations/1764160000000-CreateAuthTables';
import { CreateVimTables1764170000000 } from './migrations/1764170000000-CreateVimTables';
import { CreateCatalogItems1764180000000 } from './migrations/1764180000000-CreateCatalogItems';
import { CatalogItemEntity } from '../catalog/catalog-item.entity';
import { NsInstanceEntity, NsLcmOpOccEntity, VnfInstanceEntity } from '../instances/entities';
import { CreateLcmTables1764190000000 } from './migrations/1764190000000-CreateLcmTables';
import { IndexNsList1764200000000 } from './migrations/1764200000000-IndexNsList';
import { OpCancelAndWorkers1764210000000 } from './migrations/1764210000000-OpCancelAndWorkers';
import { CreateSliceTables1764307000000 } from './migrations/1764307000000-CreateSliceTables';
import { NSI_ENTITIES } from '../records/nsi.entities';

export const ENTITIES = [
  ProjectEntity,
  RoleEntity,
  UserEntity,
  TokenEntity,
  AdminAccountEntity,
  VimInventoryEntity,
  SettingEntity,
  CatalogItemEntity,
  NsInstanceEntity,
  VnfInstanceEntity,
  NsLcmOpOccEntity,
  ...NSI_ENTITIES,
];
/** Listed explicitly (not globbed) so the app, the CLI and the tests run exactly the same set. */
export const MIGRATIONS = [
  CreateAuthTables1764160000000,
  CreateVimTables1764170000000,
  CreateCatalogItems1764180000000,
  CreateLcmTables1764190000000,
  IndexNsList1764200000000,
  OpCancelAndWorkers1764210000000,
  CreateSliceTables1764307000000,
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
  if (config.dbUrl) {
    return { type: 'postgres', url: config.dbUrl, ...common, extra: { max: 20 } };
  }
  mkdirSync(config.dataDir, { recursive: true });
  return {
    type: 'better-sqlite3',
    database: join(config.dataDir, 'mano.sqlite'),
    enableWAL: true,
    // WAL + synchronous=NORMAL: commits survive a process crash (not the last ones on power loss) without an fsync each
    prepareDatabase: (db: { pragma(s: string): unknown }) => {
      db.pragma('synchronous = NORMAL');
    },
    // several connections of one process (or a second process) wait for the write lock instead of failing
    timeout: 10000,
    ...common,
  };
}
