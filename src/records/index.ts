import { LoginFailureEntity } from './auth/login-failure.entity';
import { ProjectEntity } from './auth/project.entity';
import { RoleEntity } from './auth/role.entity';
import { TokenEntity } from './auth/token.entity';
import { UserEntity } from './auth/user.entity';
import { CatalogItemEntity } from './catalog-item.entity';
import { MONITORING_ENTITIES } from './monitoring.entities';
import { NS_ENTITIES } from './ns.entities';
import { NOTIFICATION_ENTITIES } from './notification.entities';
import { NSI_ENTITIES } from './nsi.entities';
import { PlaPriceListEntity } from './pla-price-list.entity';
import { AdminAccountEntity, SettingEntity, VimInventoryEntity } from './vim.entities';

/**
 * Every persisted record class: the records layer owns them all, so the database options (and the TypeORM CLI)
 * collect them here without importing any API or engine module. A new record is added to its file's list.
 */
export const RECORD_ENTITIES = [
  ProjectEntity,
  RoleEntity,
  UserEntity,
  TokenEntity,
  AdminAccountEntity,
  VimInventoryEntity,
  SettingEntity,
  CatalogItemEntity,
  ...NS_ENTITIES,
  LoginFailureEntity,
  ...NSI_ENTITIES,
  PlaPriceListEntity,
  ...NOTIFICATION_ENTITIES,
  ...MONITORING_ENTITIES,
];
