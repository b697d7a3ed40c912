import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { PlaPriceListEntity } from '../records/pla-price-list.entity';
import { AdminAccountEntity } from '../records/vim.entities';
import { VimsModule } from '../vims/vims.module';
import { PlacementService } from './placement.service';
import { PriceListsController } from './price-lists.controller';
import { PriceListsService } from './price-lists.service';

/** Optimised placement (HiGHS MIP) and its price lists. */
@Module({
  imports: [VimsModule, TypeOrmModule.forFeature([PlaPriceListEntity, AdminAccountEntity])],
  controllers: [PriceListsController],
  providers: [PriceListsService, PlacementService],
  exports: [PlacementService],
})
export class PlacementModule {}
