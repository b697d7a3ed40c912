import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { emulatorFactory } from '../../vim-adapters/emulator/src';
import { kubernetesFactory } from '../../vim-adapters/kubernetes/src';
import { openstackFactory } from '../../vim-adapters/openstack/src';
import { AuthModule } from '../auth/auth.module';
import { ProjectEntity } from '../records/auth/project.entity';
import { SecretVault } from '../common/security/secret-vault';
import { NsInstanceEntity } from '../records/ns.entities';
import { AccountOperations } from './account-operations';
import {
  K8sClustersController,
  K8sReposController,
  SdnsController,
  VimAccountsController,
  VimsController,
  WimAccountsController,
} from './accounts.controllers';
import { AccountsService } from './accounts.service';
import { DefaultEmulatorSeed } from './default-emulator.seed';
import { EmulatorController } from './emulator.controller';
import { AdminAccountEntity, SettingEntity, VimInventoryEntity } from '../records/vim.entities';
import { VIM_ADAPTER_FACTORIES, VimAdapterRegistry } from './vim-adapter.registry';

/** VIM accounts (and OSM's other admin resources) and the adapter registry: the wiring of vim-adapters/. */
@Module({
  imports: [
    AuthModule,
    TypeOrmModule.forFeature([AdminAccountEntity, VimInventoryEntity, SettingEntity, ProjectEntity, NsInstanceEntity]),
  ],
  controllers: [
    VimAccountsController,
    VimsController,
    WimAccountsController,
    SdnsController,
    K8sClustersController,
    K8sReposController,
    EmulatorController,
  ],
  providers: [
    { provide: VIM_ADAPTER_FACTORIES, useValue: [emulatorFactory, openstackFactory, kubernetesFactory] },
    VimAdapterRegistry,
    AccountsService,
    AccountOperations,
    SecretVault,
    DefaultEmulatorSeed,
  ],
  exports: [AccountsService, VimAdapterRegistry],
})
export class VimsModule {}
