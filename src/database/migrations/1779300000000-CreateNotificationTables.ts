import { MigrationInterface, QueryRunner, Table, TableIndex } from 'typeorm';

const owner = [
  { name: 'projects_read', type: 'text' },
  { name: 'projects_write', type: 'text' },
];

/** SOL005 subscriptions, the notification outbox, and the deliveries owed to each subscription. */
export class CreateNotificationTables1779300000000 implements MigrationInterface {
  name = 'CreateNotificationTables1779300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'subscriptions',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'api', type: 'varchar', length: '8' },
          { name: 'callback_uri', type: 'text' },
          { name: 'filter', type: 'text' },
          { name: 'auth_type', type: 'varchar', length: '32', isNullable: true },
          { name: 'auth_public', type: 'text', isNullable: true },
          { name: 'auth_sealed', type: 'text', isNullable: true },
          ...owner,
          { name: 'visible_projects', type: 'text' },
          { name: 'state', type: 'varchar', length: '16' },
          { name: 'failing_since', type: 'double precision', isNullable: true },
          { name: 'last_error', type: 'text', isNullable: true },
          { name: 'created', type: 'double precision' },
          { name: 'modified', type: 'double precision' },
        ],
        indices: [new TableIndex({ name: 'idx_subscriptions_api', columnNames: ['api'] })],
      }),
    );
    await q.createTable(
      new Table({
        name: 'outbox_events',
        columns: [
          { name: 'seq', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
          { name: 'id', type: 'varchar', length: '36' },
          { name: 'api', type: 'varchar', length: '8' },
          { name: 'notification_type', type: 'varchar', length: '64' },
          { name: 'payload', type: 'text' },
          { name: 'subject', type: 'text' },
          { name: 'projects_read', type: 'text' },
          { name: 'dispatch_seq', type: 'integer', isNullable: true },
          { name: 'created', type: 'double precision' },
        ],
        indices: [new TableIndex({ name: 'idx_outbox_dispatch', columnNames: ['dispatch_seq'] })],
      }),
    );
    await q.createTable(
      new Table({
        name: 'notification_deliveries',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'subscription_id', type: 'varchar', length: '36' },
          { name: 'event_seq', type: 'integer' },
          { name: 'dispatch_seq', type: 'integer' },
          { name: 'attempts', type: 'integer' },
          { name: 'next_attempt_at', type: 'double precision' },
          { name: 'locked_by', type: 'varchar', length: '64', isNullable: true },
          { name: 'lease_until', type: 'double precision', isNullable: true },
          { name: 'last_error', type: 'text', isNullable: true },
          { name: 'created', type: 'double precision' },
        ],
        indices: [new TableIndex({ name: 'idx_deliveries_sub', columnNames: ['subscription_id', 'dispatch_seq'] })],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('notification_deliveries');
    await q.dropTable('outbox_events');
    await q.dropTable('subscriptions');
  }
}
