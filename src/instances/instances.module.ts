import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { CatalogItemEntity } from '../catalog/catalog-item.entity';
import { CatalogModule } from '../catalog/catalog.module';
import { OperationRunner } from '../lcm/operation-runner';
import { WorkflowExecutor } from '../lcm/workflow-executor';
import { PlacementModule } from '../placement/placement.module';
import { VimsModule } from '../vims/vims.module';
import { NsInstanceEntity, NsLcmOpOccEntity, VnfInstanceEntity } from './entities';
import { DayNService } from './day-n.service';
import { NsInstancesService } from './ns-instances.service';
import { NsLcmController } from './nslcm.controllers';
import { OpOccurrencesService } from './op-occurrences.service';

/** NS/VNF records and LCM operations, with the engine that carries them out. */
@Module({
  imports: [
    VimsModule,
    PlacementModule,
    CatalogModule,
    TypeOrmModule.forFeature([NsInstanceEntity, VnfInstanceEntity, NsLcmOpOccEntity, CatalogItemEntity]),
  ],
  controllers: [NsLcmController],
  providers: [DayNService, NsInstancesService, OpOccurrencesService, OperationRunner, WorkflowExecutor],
  exports: [NsInstancesService, OpOccurrencesService, OperationRunner],
})
export class InstancesModule {}
