import { MigrationInterface, QueryRunner, TableColumn } from 'typeorm';

/**
 * Operations can be cancelled (the request is stored, so any replica working on it sees it) and keep the
 * list of processes that worked on them (to show take-overs, and to prove no operation ran twice).
 */
export class OpCancelAndWorkers1764210000000 implements MigrationInterface {
  name = 'OpCancelAndWorkers1764210000000';

  async up(q: QueryRunner): Promise<void> {
    await q.addColumns('ns_lcm_op_occs', [
      new TableColumn({ name: 'cancel_mode', type: 'varchar', length: '16', isNullable: true }),
      new TableColumn({ name: 'run_by', type: 'text', default: "'[]'" }),
    ]);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropColumn('ns_lcm_op_occs', 'run_by');
    await q.dropColumn('ns_lcm_op_occs', 'cancel_mode');
  }
}
