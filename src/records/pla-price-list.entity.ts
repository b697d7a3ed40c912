import { Column, Entity, PrimaryColumn } from 'typeorm';
import { epochSeconds, json, uuidKey } from '../database/columns';

/**
 * A placement price list (what OSM PLA reads from `vnf_price_list.yaml` and `pil_price_list.yaml` files in its
 * container), as a project-scoped API resource. `record` holds the normalised lists; see src/placement/price-lists.ts.
 */
@Entity({ name: 'pla_price_lists' })
export class PlaPriceListEntity {
  @PrimaryColumn(uuidKey)
  id!: string;

  @Column({ type: 'varchar', length: 255 })
  name!: string;

  @Column(json('projects_read'))
  projectsRead!: string[];

  @Column(json('projects_write'))
  projectsWrite!: string[];

  @Column(json('record'))
  record!: Record<string, unknown>;

  @Column(epochSeconds('created'))
  created!: number;

  @Column(epochSeconds('modified'))
  modified!: number;
}
