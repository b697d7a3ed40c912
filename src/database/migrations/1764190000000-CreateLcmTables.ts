import { MigrationInterface, QueryRunner, Table, TableIndex } from 'typeorm';

const times = [
  { name: 'created', type: 'double precision' },
  { name: 'modified', type: 'double precision' },
];
const owner = [
  { name: 'projects_read', type: 'text' },
  { name: 'projects_write', type: 'text' },
];

export class CreateLcmTables1764190000000 implements MigrationInterface {
  name = 'CreateLcmTables1764190000000';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'ns_instances',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'name', type: 'varchar', length: '255' },
          ...owner,
          { name: 'nsd_id', type: 'varchar', length: '36' },
          { name: 'ns_state', type: 'varchar', length: '24' },
          { name: 'record', type: 'text' },
          { name: 'resources', type: 'text' },
          ...times,
        ],
        indices: [new TableIndex({ name: 'idx_ns_instances_nsd', columnNames: ['nsd_id'] })],
      }),
    );
    await q.createTable(
      new Table({
        name: 'vnf_instances',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'ns_instance_id', type: 'varchar', length: '36' },
          { name: 'member_vnf_index', type: 'varchar', length: '64' },
          ...owner,
          { name: 'record', type: 'text' },
          ...times,
        ],
        indices: [new TableIndex({ name: 'idx_vnf_instances_ns', columnNames: ['ns_instance_id'] })],
      }),
    );
    await q.createTable(
      new Table({
        name: 'ns_lcm_op_occs',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'ns_instance_id', type: 'varchar', length: '36' },
          ...owner,
          { name: 'lcm_operation_type', type: 'varchar', length: '16' },
          { name: 'operation_state', type: 'varchar', length: '16' },
          { name: 'start_time', type: 'double precision' },
          { name: 'status_entered_time', type: 'double precision' },
          { name: 'operation_params', type: 'text' },
          { name: 'steps', type: 'text' },
          { name: 'stage', type: 'varchar', length: '255', isNullable: true },
          { name: 'detailed_status', type: 'text', isNullable: true },
          { name: 'error_message', type: 'text', isNullable: true },
          { name: 'locked_by', type: 'varchar', length: '64', isNullable: true },
          { name: 'lease_until', type: 'double precision', isNullable: true },
          ...times,
        ],
        indices: [
          new TableIndex({ name: 'idx_op_occs_ns', columnNames: ['ns_instance_id'] }),
          new TableIndex({ name: 'idx_op_occs_state', columnNames: ['operation_state'] }),
        ],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of ['ns_lcm_op_occs', 'vnf_instances', 'ns_instances']) await q.dropTable(t);
  }
}
