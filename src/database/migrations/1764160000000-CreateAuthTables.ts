import { MigrationInterface, QueryRunner, Table, TableIndex } from 'typeorm';

const id = { name: 'id', type: 'varchar', length: '36', isPrimary: true };
const times = [
  { name: 'created', type: 'double precision' },
  { name: 'modified', type: 'double precision' },
];

export class CreateAuthTables1764160000000 implements MigrationInterface {
  name = 'CreateAuthTables1764160000000';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'projects',
        columns: [
          id,
          { name: 'name', type: 'varchar', length: '255', isUnique: true },
          { name: 'admin', type: 'boolean', default: false },
          { name: 'quotas', type: 'text', isNullable: true },
          { name: 'domain_name', type: 'varchar', length: '255', isNullable: true },
          ...times,
        ],
      }),
    );
    await q.createTable(
      new Table({
        name: 'roles',
        columns: [
          id,
          { name: 'name', type: 'varchar', length: '255', isUnique: true },
          { name: 'permissions', type: 'text' },
          ...times,
        ],
      }),
    );
    await q.createTable(
      new Table({
        name: 'users',
        columns: [
          id,
          { name: 'username', type: 'varchar', length: '255', isUnique: true },
          { name: 'password_hash', type: 'varchar', length: '255' },
          { name: 'domain_name', type: 'varchar', length: '255', isNullable: true },
          { name: 'project_role_mappings', type: 'text' },
          ...times,
        ],
      }),
    );
    await q.createTable(
      new Table({
        name: 'tokens',
        columns: [
          { name: 'token_hash', type: 'varchar', length: '64', isPrimary: true },
          { name: 'user_id', type: 'varchar', length: '36' },
          { name: 'project_id', type: 'varchar', length: '36' },
          { name: 'issued_at', type: 'double precision' },
          { name: 'expires', type: 'double precision' },
          { name: 'remote_host', type: 'varchar', length: '64', isNullable: true },
          { name: 'remote_port', type: 'integer', isNullable: true },
        ],
        indices: [
          new TableIndex({ name: 'idx_tokens_user_id', columnNames: ['user_id'] }),
          new TableIndex({ name: 'idx_tokens_expires', columnNames: ['expires'] }),
        ],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ['tokens', 'users', 'roles', 'projects']) await q.dropTable(table);
  }
}
