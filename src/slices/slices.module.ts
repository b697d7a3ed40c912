import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { CatalogItemEntity } from '../records/catalog-item.entity';
import { NsInstanceEntity, NsLcmOpOccEntity } from '../records/ns.entities';
import { InstancesModule } from '../instances/instances.module';
import { SliceExecutor, SliceRunner } from '../lcm/slice-executor';
import { SliceSubnets } from '../lcm/slice-port';
import { NSI_ENTITIES } from '../records/nsi.entities';
import { VimsModule } from '../vims/vims.module';
import { NsiOpsService } from './nsi-ops.service';
import { NsiService } from './nsi.service';
import { NsiLcmController } from './nsilcm.controllers';
import { SliceSubnetsAdapter } from './subnet-port';

/** Network slice instances (OSM nsilcm): the API, and the slice engine wired to the NS lifecycle and the VIMs. */
@Module({
  imports: [
    VimsModule,
    InstancesModule,
    TypeOrmModule.forFeature([...NSI_ENTITIES, CatalogItemEntity, NsInstanceEntity, NsLcmOpOccEntity]),
  ],
  controllers: [NsiLcmController],
  providers: [NsiService, NsiOpsService, SliceExecutor, SliceRunner, { provide: SliceSubnets, useClass: SliceSubnetsAdapter }],
})
export class SlicesModule {}
