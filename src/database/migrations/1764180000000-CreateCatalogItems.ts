import { MigrationInterface, QueryRunner, Table, TableIndex } from 'typeorm';

export class CreateCatalogItems1764180000000 implements MigrationInterface {
  name = 'CreateCatalogItems1764180000000';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'catalog_items',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'kind', type: 'varchar', length: '8' },
          { name: 'descriptor_id', type: 'varchar', length: '255', isNullable: true },
          { name: 'projects_read', type: 'text' },
          { name: 'projects_write', type: 'text' },
          { name: 'descriptor', type: 'text' },
          { name: 'admin', type: 'text' },
          { name: 'descriptor_text', type: 'text', isNullable: true },
          { name: 'package_content', type: 'text', isNullable: true },
          { name: 'package_content_type', type: 'varchar', length: '64', isNullable: true },
          { name: 'created', type: 'double precision' },
          { name: 'modified', type: 'double precision' },
        ],
        indices: [new TableIndex({ name: 'idx_catalog_items_kind_descriptor', columnNames: ['kind', 'descriptor_id'] })],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('catalog_items');
  }
}
