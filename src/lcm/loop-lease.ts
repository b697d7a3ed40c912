import type { Repository } from 'typeorm';
import { LoopLeaseEntity } from '../records/monitoring.entities';

/**
 * A named lease in the database: the replica holding it runs the loop, the others wait; a holder that dies is
 * replaced when its lease runs out. Claimed by one conditional UPDATE (free, expired, or already ours), so two
 * replicas cannot both win on SQLite or PostgreSQL.
 */
export class LoopLease {
  constructor(
    private readonly rows: Repository<LoopLeaseEntity>,
    private readonly name: string,
    readonly holder: string,
  ) {}

  /** Takes or renews the lease for `ttlMs`; false when another live holder has it. */
  async acquire(ttlMs: number): Promise<boolean> {
    await this.rows
      .createQueryBuilder()
      .insert()
      .values({ name: this.name, holder: null, leaseUntil: null })
      .orIgnore()
      .execute();
    const now = Date.now() / 1000;
    const result = await this.rows
      .createQueryBuilder()
      .update()
      .set({ holder: this.holder, leaseUntil: now + ttlMs / 1000 })
      .where('name = :name', { name: this.name })
      .andWhere('(holder IS NULL OR lease_until < :now OR holder = :me)', { now, me: this.holder })
      .execute();
    return (result.affected ?? 0) > 0;
  }

  async release(): Promise<void> {
    await this.rows.update({ name: this.name, holder: this.holder }, { holder: null, leaseUntil: null });
  }
}
