import { MigrationInterface, QueryRunner, TableIndex } from 'typeorm';

/**
 * A covering index for the NS list: the list reads only these columns in creation order, and with the index
 * the database answers from it instead of scanning the rows' large `record`/`resources` texts.
 */
export class IndexNsList1764200000000 implements MigrationInterface {
  name = 'IndexNsList1764200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.createIndex(
      'ns_instances',
      new TableIndex({
        name: 'idx_ns_instances_list',
        columnNames: ['created', 'id', 'modified', 'projects_read', 'projects_write'],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropIndex('ns_instances', 'idx_ns_instances_list');
  }
}
