import { MigrationInterface, QueryRunner, Table, TableIndex } from 'typeorm';

const times = [
  { name: 'created', type: 'double precision' },
  { name: 'modified', type: 'double precision' },
];
const owner = [
  { name: 'projects_read', type: 'text' },
  { name: 'projects_write', type: 'text' },
];

/** Network slice instances, their subnets (and the shared ones' claims), and slice operations. */
export class CreateSliceTables1764307000000 implements MigrationInterface {
  name = 'CreateSliceTables1764307000000';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'netslice_instances',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'name', type: 'varchar', length: '255' },
          ...owner,
          { name: 'nst_id', type: 'varchar', length: '36' },
          { name: 'nsi_state', type: 'varchar', length: '24' },
          { name: 'record', type: 'text' },
          { name: 'resources', type: 'text' },
          ...times,
        ],
        indices: [new TableIndex({ name: 'idx_nsi_nst', columnNames: ['nst_id'] })],
      }),
    );
    await q.createTable(
      new Table({
        name: 'nsi_subnets',
        columns: [
          { name: 'nsi_id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'nss_id', type: 'varchar', length: '255', isPrimary: true },
          { name: 'ns_instance_id', type: 'varchar', length: '36' },
          { name: 'share_key', type: 'varchar', length: '255', isNullable: true },
          { name: 'active', type: 'boolean' },
        ],
        indices: [new TableIndex({ name: 'idx_nsi_subnets_ns', columnNames: ['ns_instance_id'] })],
      }),
    );
    await q.createTable(
      new Table({
        name: 'nsi_shared_subnets',
        columns: [
          { name: 'share_key', type: 'varchar', length: '255', isPrimary: true },
          { name: 'ns_instance_id', type: 'varchar', length: '36' },
          { name: 'instantiate_op_id', type: 'varchar', length: '36', isNullable: true },
          { name: 'claimed_by', type: 'varchar', length: '36', isNullable: true },
          { name: 'resources', type: 'text' },
          ...times,
        ],
      }),
    );
    await q.createTable(
      new Table({
        name: 'nsi_lcm_op_occs',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'netslice_instance_id', type: 'varchar', length: '36' },
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
          { name: 'cancel_mode', type: 'varchar', length: '16', isNullable: true },
          { name: 'run_by', type: 'text' },
          ...times,
        ],
        indices: [
          new TableIndex({ name: 'idx_nsi_op_occs_nsi', columnNames: ['netslice_instance_id'] }),
          new TableIndex({ name: 'idx_nsi_op_occs_state', columnNames: ['operation_state'] }),
        ],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of ['nsi_lcm_op_occs', 'nsi_shared_subnets', 'nsi_subnets', 'netslice_instances']) await q.dropTable(t);
  }
}
