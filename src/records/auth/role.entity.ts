import { Column, Entity, PrimaryColumn } from 'typeorm';
import { epochSeconds, json, uuidKey } from '../../database/columns';

@Entity({ name: 'roles' })
export class RoleEntity {
  @PrimaryColumn(uuidKey)
  id!: string;

  @Column({ type: 'varchar', length: 255, unique: true })
  name!: string;

  /** OSM permission map: `{default: bool, admin: bool, "<resource>[:id][:op]": bool}`. */
  @Column(json('permissions'))
  permissions!: Record<string, boolean>;

  @Column(epochSeconds('created'))
  created!: number;

  @Column(epochSeconds('modified'))
  modified!: number;
}
