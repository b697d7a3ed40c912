import { Column, Entity, PrimaryColumn } from 'typeorm';
import { epochSeconds, json, uuidKey } from '../../database/columns';

/** One (project, role) grant. Ids may be null when created with FORCE for a project that does not exist (as OSM). */
export interface ProjectRoleMapping {
  project: string | null;
  role: string | null;
}

@Entity({ name: 'users' })
export class UserEntity {
  @PrimaryColumn(uuidKey)
  id!: string;

  @Column({ type: 'varchar', length: 255, unique: true })
  username!: string;

  /** scrypt$N$r$p$salt$hash — never leaves the service. */
  @Column({ name: 'password_hash', type: 'varchar', length: 255 })
  passwordHash!: string;

  @Column({ name: 'domain_name', type: 'varchar', length: 255, nullable: true })
  domainName!: string | null;

  /** Kept as a list on the user, like OSM, so FORCE can keep a grant to a project that is gone. */
  @Column(json('project_role_mappings'))
  mappings!: ProjectRoleMapping[];

  /** The password was generated, not chosen: the next login only yields a token to change it (as OSM). */
  @Column({ name: 'must_change_password', type: 'boolean', default: false })
  mustChangePassword!: boolean;

  @Column(epochSeconds('created'))
  created!: number;

  @Column(epochSeconds('modified'))
  modified!: number;
}
