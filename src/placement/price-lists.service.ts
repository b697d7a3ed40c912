import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import type { AdminCrudService } from '../auth/admin-crud.controller';
import type { OsmRecord } from '../auth/records';
import type { Session } from '../auth/session';
import { DomainError } from '../common/errors/domain-error';
import { applyListFilters, Query } from '../common/http/list-filters';
import { isUuid, newId, nowSeconds } from '../common/ids';
import { ProjectScope } from '../common/records/project-scope';
import { parseYaml, YamlRefused } from '../common/yaml/safe-parse';
import { PlaPriceListEntity } from '../records/pla-price-list.entity';
import { createPriceListSchema, editPriceListSchema, normalisePriceList, PriceList } from './price-lists';

/** `/osm/admin/v1/pla_price_lists`: project-scoped price lists the placement engine reads. */
@Injectable()
export class PriceListsService implements AdminCrudService {
  constructor(@InjectRepository(PlaPriceListEntity) private readonly lists: Repository<PlaPriceListEntity>) {}

  async list(session: Session, query: Query): Promise<OsmRecord[]> {
    const scope = ProjectScope.of(session);
    const rows = (await this.lists.find({ order: { created: 'ASC' } })).filter((r) => scope.canList(r));
    return applyListFilters(rows.map(render), query) as OsmRecord[];
  }

  async show(session: Session, ref: string): Promise<OsmRecord> {
    return render(await this.find(session, ref, 'read'));
  }

  async create(session: Session, body: unknown): Promise<string> {
    const list = normalisePriceList(createPriceListSchema.validate(await structured(body)));
    const scope = ProjectScope.of(session);
    const now = nowSeconds();
    const id = newId();
    await this.lists.insert({ id, name: list.name, ...scope.forNew(), record: list as never, created: now, modified: now });
    return id;
  }

  async edit(session: Session, ref: string, body: unknown): Promise<void> {
    const row = await this.find(session, ref, 'write');
    const list = normalisePriceList(editPriceListSchema.validate(await structured(body)), row.record as unknown as PriceList);
    await this.lists.update({ id: row.id }, { name: list.name, record: list as never, modified: nowSeconds() });
  }

  async remove(session: Session, ref: string): Promise<void> {
    const row = await this.find(session, ref, 'delete');
    const scope = ProjectScope.of(session);
    const how = scope.deletion(row);
    if (how === 'denied') throw DomainError.notFound('PLA_PRICE_LIST.NOT_FOUND', `price list '${ref}' not found`);
    if (how === 'unshare') await this.lists.update({ id: row.id }, { ...scope.withoutSession(row), modified: nowSeconds() });
    else await this.lists.delete({ id: row.id });
  }

  /** Every list the session's projects can read, oldest first (a later entry overrides an earlier one). */
  async visible(session: Session): Promise<PriceList[]> {
    const scope = ProjectScope.of(session).withPublic(undefined);
    return (await this.lists.find({ order: { modified: 'ASC' } }))
      .filter((r) => scope.canRead(r))
      .map((r) => r.record as unknown as PriceList);
  }

  private async find(session: Session, ref: string, action: 'read' | 'write' | 'delete'): Promise<PlaPriceListEntity> {
    const rows = isUuid(ref) ? await this.lists.findBy({ id: ref }) : await this.lists.findBy({ name: ref });
    const scope = ProjectScope.of(session);
    const row = rows.find((r) => scope.can(action, r));
    if (!row) throw DomainError.notFound('PLA_PRICE_LIST.NOT_FOUND', `price list '${ref}' not found`);
    return row;
  }
}

/** A text/plain body is a YAML file as OSM PLA keeps them: its syntax errors are 422s naming the line. */
async function structured(body: unknown): Promise<unknown> {
  if (!Buffer.isBuffer(body)) return body;
  try {
    return (await parseYaml(body.toString('utf8'))) ?? {};
  } catch (e) {
    if (!(e instanceof YamlRefused)) throw e;
    if (e.kind === 'too-complex') throw new DomainError(413, 'REQUEST.BODY_TOO_COMPLEX', `price list refused: ${e.message}`);
    throw DomainError.unprocessable('REQUEST.INVALID_BODY', `Invalid price list: YAML error: ${e.message}`, [
      { path: '(body)', message: e.message },
    ]);
  }
}

function render(r: PlaPriceListEntity): OsmRecord {
  return {
    ...r.record,
    _id: r.id,
    id: r.id,
    name: r.name,
    _admin: { projects_read: r.projectsRead, projects_write: r.projectsWrite, created: r.created, modified: r.modified },
  };
}
