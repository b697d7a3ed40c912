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

  /** The token this one was minted from (project switch): it expires no later and is revoked with it. */
  @Index('idx_tokens_parent_hash')
  @Column({ name: 'parent_hash', type: 'varchar', length: 64, nullable: true })
  parentHash!: string | null;

  /** `change_password`: the token may only change its user's password (forced first-login change). */
  @Column({ name: 'purpose', type: 'varchar', length: 32, nullable: true })
  purpose!: string | null;
}
