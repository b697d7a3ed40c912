import type { CatalogItemEntity } from '../records/catalog-item.entity';

/**
 * A stored package's files by their path inside the package (cloud-init, primitive scripts). Given to the engine by
 * the catalog (its one unpack cache), so `lcm/` reads packages without importing the catalog.
 */
export abstract class PackageFiles {
  abstract files(item: CatalogItemEntity): Promise<Map<string, Buffer>>;
}
