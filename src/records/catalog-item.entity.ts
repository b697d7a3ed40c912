import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { epochSeconds, json, uuidKey } from '../database/columns';

/** A VNF package, NS descriptor, slice template or PDU, in OSM's document shape. */
@Entity({ name: 'catalog_items' })
@Index('idx_catalog_items_kind_descriptor', ['kind', 'descriptorId'])
export class CatalogItemEntity {
  @PrimaryColumn(uuidKey)
  id!: string;

  /** vnfd | nsd | nst | pdu */
  @Column({ type: 'varchar', length: 8 })
  kind!: string;

  /** The descriptor's own `id` (null until content is uploaded). */
  @Column({ name: 'descriptor_id', type: 'varchar', length: 255, nullable: true })
  descriptorId!: string | null;

  @Column(json('projects_read'))
  projectsRead!: string[];

  @Column(json('projects_write'))
  projectsWrite!: string[];

  /** The stored descriptor (or PDU body), as OSM returns it under the record. */
  @Column(json('descriptor'))
  descriptor!: Record<string, unknown>;

  /** `_admin` less created/modified/projects: onboardingState, operationalState, usageState, userDefinedData, revision, storage, type. */
  @Column(json('admin'))
  admin!: Record<string, unknown>;

  /** The descriptor file's text as uploaded. */
  @Column({ name: 'descriptor_text', type: 'text', nullable: true })
  descriptorText!: string | null;

  /** The uploaded package, base64, so every replica serves package_content and artifacts. */
  @Column({ name: 'package_content', type: 'text', nullable: true })
  packageContent!: string | null;

  @Column({ name: 'package_content_type', type: 'varchar', length: 64, nullable: true })
  packageContentType!: string | null;

  @Column(epochSeconds('created'))
  created!: number;

  @Column(epochSeconds('modified'))
  modified!: number;
}
