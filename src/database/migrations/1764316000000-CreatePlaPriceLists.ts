import { MigrationInterface, QueryRunner, Table } from 'typeorm';

/** Placement price lists (VNF prices per VIM/PoP, inter-site link latency/jitter/price). */
export class CreatePlaPriceLists1764316000000 implements MigrationInterface {
  name = 'CreatePlaPriceLists1764316000000';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'pla_price_lists',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'name', type: 'varchar', length: '255' },
          { name: 'projects_read', type: 'text' },
          { name: 'projects_write', type: 'text' },
          { name: 'record', type: 'text' },
          { name: 'created', type: 'double precision' },
          { name: 'modified', type: 'double precision' },
        ],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('pla_price_lists');
  }
}
