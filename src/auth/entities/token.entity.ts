import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { epochSeconds, uuidKey } from '../../database/columns';

/** A bearer token. Only its SHA-256 is stored; the token itself is shown once, at login. */
@Entity({ name: 'tokens' })
export class TokenEntity {
  /** hex SHA-256 of the bearer token; also the token's public id in listings. */
  @PrimaryColumn({ name: 'token_hash', type: 'varchar', length: 64 })
  tokenHash!: string;

  @Index('idx_tokens_user_id')
  @Column({ name: 'user_id', ...uuidKey })
  userId!: string;

  @Column({ name: 'project_id', ...uuidKey })
  projectId!: string;

  @Column(epochSeconds('issued_at'))
  issuedAt!: number;

  @Index('idx_tokens_expires')
  @Column(epochSeconds('expires'))
  expires!: number;

  @Column({ name: 'remote_host', type: 'varchar', length: 64, nullable: true })
  remoteHost!: string | null;

  @Column({ name: 'remote_port', type: 'integer', nullable: true })
  remotePort!: number | null;
}
