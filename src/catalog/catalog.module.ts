import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { NetsliceTemplatesController, NsDescriptorsController, VnfPackagesController } from './catalog.controllers';
import { NsInstanceEntity } from '../records/ns.entities';
import { NsiEntity } from '../records/nsi.entities';
import { CatalogItemEntity } from '../records/catalog-item.entity';
import { CatalogService } from './catalog.service';
import { NotImplementedController } from './not-implemented.controller';
import { PackageFilesCache } from './package-files';
import { PdusController, PdusService } from './pdus';

/** VNF packages, NS descriptors, slice templates and PDUs (OSM vnfpkgm, nsd, nst and pdu areas). */
@Module({
  imports: [TypeOrmModule.forFeature([CatalogItemEntity, NsInstanceEntity, NsiEntity])],
  controllers: [
    VnfPackagesController,
    NsDescriptorsController,
    NetsliceTemplatesController,
    PdusController,
    NotImplementedController,
  ],
  providers: [CatalogService, PdusService, PackageFilesCache],
  exports: [CatalogService, PackageFilesCache],
})
export class CatalogModule {}
