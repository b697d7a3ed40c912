import type { Repository } from 'typeorm';
import { In } from 'typeorm';
import type { Session } from '../auth/session';
import { applyListFilters, parseListFilters, Query } from '../common/http/list-filters';
import { PrerenderedList } from '../common/http/prerendered';
import { ProjectScope } from '../common/records/project-scope';
import type { Obj } from '../common/values';
import type { NsInstanceEntity } from '../records/ns.entities';
import { nsRecord } from './records';

/**
 * The NS list (`GET ns_instances`): rendered list records and their JSON by NS id, valid while the row's `modified` is
 * unchanged (any replica's write changes it), so a list of thousands of NS renders only what changed.
 */
export class NsListCache {
  constructor(private readonly nss: Repository<NsInstanceEntity>) {}

  /** By NS id, valid while the row's `modified` is unchanged. */
  private readonly entries = new Map<string, { modified: number; value: Obj; json: Buffer }>();

  async list(session: Session, query: Query): Promise<Obj[] | PrerenderedList> {
    const scope = ProjectScope.of(session);
    const rows: { id: string; modified: number; projects_read: string; projects_write: string }[] = await this.nss
      .createQueryBuilder('ns')
      .select([
        'ns.id AS id',
        'ns.modified AS modified',
        'ns.projects_read AS projects_read',
        'ns.projects_write AS projects_write',
      ])
      .orderBy('ns.created', 'ASC')
      .getRawMany();
    const heads = rows
      .map((r) => ({
        id: r.id,
        modified: Number(r.modified),
        projectsRead: JSON.parse(r.projects_read) as string[],
        projectsWrite: JSON.parse(r.projects_write) as string[],
      }))
      .filter((r) => scope.canList(r));
    const stale = heads.filter((h) => this.entries.get(h.id)?.modified !== h.modified).map((h) => h.id);
    for (let i = 0; i < stale.length; i += 500) {
      for (const row of await this.nss.findBy({ id: In(stale.slice(i, i + 500)) })) {
        const value = nsRecord(row, { withNsd: false });
        this.entries.set(row.id, { modified: row.modified, value, json: Buffer.from(JSON.stringify(value)) });
      }
    }
    if (this.entries.size > 2 * heads.length + 10_000) {
      const live = new Set(heads.map((h) => h.id));
      for (const id of this.entries.keys()) if (!live.has(id)) this.entries.delete(id);
    }
    const items = heads
      .map((h) => this.entries.get(h.id))
      .filter((x): x is { modified: number; value: Obj; json: Buffer } => !!x);
    if (parseListFilters(query).length === 0) return new PrerenderedList(items);
    return applyListFilters(
      items.map((i) => i.value),
      query,
    );
  }
}
