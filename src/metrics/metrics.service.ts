import { Injectable, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { enableProcessMetrics, OperationCount, setDbPoolSource, setOperationSource } from '../common/metrics/metrics';

/** pg's Pool counters (typeorm keeps the pool as `driver.master`). */
interface PgPool {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
}

/** Tables of LCM operations (`kind` label → table), counted by type and state when scraped. */
const OPERATION_TABLES = { ns: 'ns_lcm_op_occs', nsi: 'nsi_lcm_op_occs' } as const;

/** Connects the scrape-time gauges to this app's database: operations by state (all replicas) and the pool. */
@Injectable()
export class MetricsService implements OnModuleInit, OnApplicationShutdown {
  private readonly removers: (() => void)[] = [];

  constructor(private readonly dataSource: DataSource) {}

  onModuleInit(): void {
    enableProcessMetrics();
    this.removers.push(setOperationSource(() => this.operationCounts()));
    const isPostgres = this.dataSource.options.type === 'postgres';
    this.removers.push(
      setDbPoolSource(() => {
        if (!isPostgres) return { driver: 'sqlite', total: 1 };
        const pool = (this.dataSource.driver as unknown as { master?: PgPool }).master;
        return { driver: 'postgres', total: pool?.totalCount ?? 0, idle: pool?.idleCount ?? 0, waiting: pool?.waitingCount ?? 0 };
      }),
    );
  }

  onApplicationShutdown(): void {
    for (const remove of this.removers.splice(0)) remove();
  }

  private async operationCounts(): Promise<OperationCount[]> {
    if (!this.dataSource.isInitialized) return [];
    const sql = Object.entries(OPERATION_TABLES)
      .map(
        ([kind, table]) =>
          `SELECT '${kind}' AS kind, lcm_operation_type AS type, operation_state AS state, COUNT(*) AS n FROM ${table} GROUP BY lcm_operation_type, operation_state`,
      )
      .join(' UNION ALL ');
    const rows = (await this.dataSource.query(sql)) as { kind: string; type: string; state: string; n: string | number }[];
    return rows.map((r) => ({ kind: r.kind, type: r.type, state: r.state, count: Number(r.n) }));
  }
}
