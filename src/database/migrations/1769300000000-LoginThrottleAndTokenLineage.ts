import { MigrationInterface, QueryRunner, Table, TableColumn, TableIndex } from 'typeorm';

/**
 * Failed-login counters shared by replicas; tokens remember the token they were minted from (revoked and
 * expiring with it) and whether they may only change a password; users carry a forced password change.
 */
export class LoginThrottleAndTokenLineage1769300000000 implements MigrationInterface {
  name = 'LoginThrottleAndTokenLineage1769300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'login_failures',
        columns: [
          { name: 'key', type: 'varchar', length: '300', isPrimary: true },
          { name: 'failures', type: 'integer' },
          { name: 'window_start', type: 'double precision' },
        ],
        indices: [new TableIndex({ name: 'idx_login_failures_window_start', columnNames: ['window_start'] })],
      }),
    );
    await q.addColumns('tokens', [
      new TableColumn({ name: 'parent_hash', type: 'varchar', length: '64', isNullable: true }),
      new TableColumn({ name: 'purpose', type: 'varchar', length: '32', isNullable: true }),
    ]);
    await q.createIndex('tokens', new TableIndex({ name: 'idx_tokens_parent_hash', columnNames: ['parent_hash'] }));
    await q.addColumn('users', new TableColumn({ name: 'must_change_password', type: 'boolean', default: false }));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropColumn('users', 'must_change_password');
    await q.dropIndex('tokens', 'idx_tokens_parent_hash');
    await q.dropColumn('tokens', 'purpose');
    await q.dropColumn('tokens', 'parent_hash');
    await q.dropTable('login_failures');
  }
}
