import { MigrationInterface, QueryRunner, TableColumn } from 'typeorm';

/**
 * A VIM/WIM/SDN/cluster account's pending operation (connectivity check, removal) is claimed with a lease, like LCM
 * operations: with several replicas exactly one runs it, and an API-only replica leaves it to the workers.
 */
export class AccountCheckLease1780400000000 implements MigrationInterface {
  name = 'AccountCheckLease1780400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.addColumns('admin_accounts', [
      new TableColumn({ name: 'locked_by', type: 'varchar', length: '64', isNullable: true }),
      new TableColumn({ name: 'lease_until', type: 'double precision', isNullable: true }),
    ]);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropColumn('admin_accounts', 'lease_until');
    await q.dropColumn('admin_accounts', 'locked_by');
  }
}
