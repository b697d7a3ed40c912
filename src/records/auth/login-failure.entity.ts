import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { epochSeconds } from '../../database/columns';

/**
 * Failed-login counter of one username (`user:<name>`) or one source address (`addr:<ip or /64>`) in the
 * current window. In the database so that every replica counts the same attempts and a restart forgets none.
 */
@Entity({ name: 'login_failures' })
export class LoginFailureEntity {
  @PrimaryColumn({ name: 'key', type: 'varchar', length: 300 })
  key!: string;

  @Column({ name: 'failures', type: 'integer' })
  failures!: number;

  @Index('idx_login_failures_window_start')
  @Column(epochSeconds('window_start'))
  windowStart!: number;
}
