import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { CatalogItemEntity } from '../records/catalog-item.entity';
import { CatalogModule } from '../catalog/catalog.module';
import { PackageFilesCache } from '../catalog/package-files';
import { PackageFiles } from '../lcm/package-port';
import { OperationRunner } from '../lcm/operation-runner';
import { WorkflowExecutor } from '../lcm/workflow-executor';
import { VimAdapters } from '../lcm/vim-port';
import { AccountsService } from '../vims/accounts.service';
import { PlacementModule } from '../placement/placement.module';
import { VimsModule } from '../vims/vims.module';
import { NsInstanceEntity, NsLcmOpOccEntity, VnfInstanceEntity } from '../records/ns.entities';
import { AdminAccountEntity } from '../records/vim.entities';
import { HealingWatcher, HealOperations } from '../lcm/healing-watcher';
import { NsHealService } from './ns-heal.service';
import { MONITORING_ENTITIES } from '../records/monitoring.entities';
import { ClosedLoops } from '../monitoring/closed-loops.service';
import { AutoScaler } from '../monitoring/ports';
import { AlarmsService } from './alarms.service';
import { NsAlarmsController } from './alarms.controller';
import { NsAutoScaler } from './auto-scaler';
import { DayNService } from '../lcm/day-n.service';
import { NsInstancesService } from './ns-instances.service';
import { NsLcmController } from './nslcm.controllers';
import { OpOccurrencesService } from './op-occurrences.service';

/** NS/VNF records and LCM operations, with the engine that carries them out. */
@Module({
  imports: [
    VimsModule,
    PlacementModule,
    CatalogModule,
    TypeOrmModule.forFeature([
      NsInstanceEntity,
      VnfInstanceEntity,
      NsLcmOpOccEntity,
      CatalogItemEntity,
      AdminAccountEntity,
      ...MONITORING_ENTITIES,
    ]),
  ],
  controllers: [NsLcmController, NsAlarmsController],
  providers: [
    // the engine's way to a VIM adapter, implemented by the VIM accounts
    { provide: VimAdapters, useExisting: AccountsService },
    // package files for day-0/1/2, through the catalog's one unpack cache
    { provide: PackageFiles, useExisting: PackageFilesCache },
    DayNService,
    NsInstancesService,
    NsHealService,
    // auto-healing starts its heal operations through the API layer's service
    { provide: HealOperations, useExisting: NsHealService },
    HealingWatcher,
    OpOccurrencesService,
    OperationRunner,
    WorkflowExecutor,
    // the closed loops (monitoring, alarms, automatic scaling), scaling through the lifecycle's own path
    { provide: AutoScaler, useClass: NsAutoScaler },
    AlarmsService,
    ClosedLoops,
  ],
  exports: [NsInstancesService, OpOccurrencesService, OperationRunner, ClosedLoops],
})
export class InstancesModule {}
