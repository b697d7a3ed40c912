import { Controller } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { AdminCrudController } from '../auth/admin-crud.controller';
import { createPriceListSchema, editPriceListSchema } from './price-lists';
import { PriceListsService } from './price-lists.service';

/**
 * Placement price lists (OSM PLA's vnf_price_list.yaml and pil_price_list.yaml as a resource): JSON, YAML, or the
 * YAML file itself as text/plain. Permission `pla_price_lists` (project admins by default).
 */
@ApiTags('admin')
@ApiBearerAuth()
@Controller('osm/admin/v1/pla_price_lists')
export class PriceListsController extends AdminCrudController({
  topic: 'pla_price_lists',
  service: PriceListsService,
  createSchema: createPriceListSchema.schema,
  editSchema: editPriceListSchema.schema,
}) {}
