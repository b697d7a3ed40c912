import { Column, Entity, PrimaryColumn } from 'typeorm';
import { epochSeconds, json, uuidKey } from '../../database/columns';

@Entity({ name: 'projects' })
export class ProjectEntity {
  @PrimaryColumn(uuidKey)
  id!: string;

  @Column({ type: 'varchar', length: 255, unique: true })
  name!: string;

  @Column({ type: 'boolean', default: false })
  admin!: boolean;

  @Column(json('quotas', true))
  quotas!: Record<string, number> | null;

  @Column({ name: 'domain_name', type: 'varchar', length: 255, nullable: true })
  domainName!: string | null;

  @Column(epochSeconds('created'))
  created!: number;

  @Column(epochSeconds('modified'))
  modified!: number;
}
