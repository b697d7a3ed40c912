import { MigrationInterface, QueryRunner, Table, TableColumn, TableIndex } from 'typeorm';

/** Closed loops: alarm records, bounded metric history, loop leases, and the latest values / loop state on the records. */
export class CreateMonitoringTables1780100000000 implements MigrationInterface {
  name = 'CreateMonitoringTables1780100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'ns_alarms',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'ns_instance_id', type: 'varchar', length: '36' },
          { name: 'vnf_instance_id', type: 'varchar', length: '36' },
          { name: 'member_vnf_index', type: 'varchar', length: '64' },
          { name: 'vdu_id', type: 'varchar', length: '255', isNullable: true },
          { name: 'alarm_id', type: 'varchar', length: '255' },
          { name: 'kind', type: 'varchar', length: '16' },
          { name: 'metric', type: 'varchar', length: '255' },
          { name: 'operation', type: 'varchar', length: '4' },
          { name: 'threshold', type: 'double precision' },
          { name: 'state', type: 'varchar', length: '20' },
          { name: 'state_since', type: 'double precision' },
          { name: 'last_value', type: 'double precision', isNullable: true },
          { name: 'definition', type: 'text' },
          { name: 'projects_read', type: 'text' },
          { name: 'projects_write', type: 'text' },
          { name: 'created', type: 'double precision' },
          { name: 'modified', type: 'double precision' },
        ],
        indices: [new TableIndex({ name: 'idx_ns_alarms_ns', columnNames: ['ns_instance_id'] })],
      }),
    );
    await q.createTable(
      new Table({
        name: 'vnf_metric_samples',
        columns: [
          { name: 'seq', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
          { name: 'vnf_instance_id', type: 'varchar', length: '36' },
          { name: 'ns_instance_id', type: 'varchar', length: '36' },
          { name: 'at', type: 'double precision' },
          { name: 'values', type: 'text' },
        ],
        indices: [
          new TableIndex({ name: 'idx_vnf_metric_samples_vnf', columnNames: ['vnf_instance_id', 'at'] }),
          new TableIndex({ name: 'idx_vnf_metric_samples_at', columnNames: ['at'] }),
        ],
      }),
    );
    await q.createTable(
      new Table({
        name: 'loop_leases',
        columns: [
          { name: 'name', type: 'varchar', length: '64', isPrimary: true },
          { name: 'holder', type: 'varchar', length: '128', isNullable: true },
          { name: 'lease_until', type: 'double precision', isNullable: true },
        ],
      }),
    );
    await q.addColumn('ns_instances', new TableColumn({ name: 'closed_loops', type: 'text', isNullable: true }));
    await q.addColumn('vnf_instances', new TableColumn({ name: 'monitoring', type: 'text', isNullable: true }));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropColumn('vnf_instances', 'monitoring');
    await q.dropColumn('ns_instances', 'closed_loops');
    await q.dropTable('loop_leases');
    await q.dropTable('vnf_metric_samples');
    await q.dropTable('ns_alarms');
  }
}
