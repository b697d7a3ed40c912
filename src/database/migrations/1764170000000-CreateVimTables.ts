import { MigrationInterface, QueryRunner, Table, TableIndex } from 'typeorm';

export class CreateVimTables1764170000000 implements MigrationInterface {
  name = 'CreateVimTables1764170000000';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'admin_accounts',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'topic', type: 'varchar', length: '32' },
          { name: 'name', type: 'varchar', length: '255' },
          { name: 'projects_read', type: 'text' },
          { name: 'projects_write', type: 'text' },
          { name: 'record', type: 'text' },
          { name: 'secrets', type: 'text', isNullable: true },
          { name: 'operational_state', type: 'varchar', length: '16' },
          { name: 'created', type: 'double precision' },
          { name: 'modified', type: 'double precision' },
        ],
        indices: [new TableIndex({ name: 'idx_admin_accounts_topic', columnNames: ['topic'] })],
      }),
    );
    await q.createTable(
      new Table({
        name: 'vim_inventory',
        columns: [
          { name: 'account_id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'kind', type: 'varchar', length: '32', isPrimary: true },
          { name: 'name', type: 'varchar', length: '255', isPrimary: true },
          { name: 'doc', type: 'text' },
        ],
      }),
    );
    await q.createTable(
      new Table({
        name: 'settings',
        columns: [
          { name: 'key', type: 'varchar', length: '64', isPrimary: true },
          { name: 'value', type: 'text' },
        ],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ['settings', 'vim_inventory', 'admin_accounts']) await q.dropTable(table);
  }
}
