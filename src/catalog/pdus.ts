import { Body, Controller, Delete, Get, HttpCode, Injectable, Param, Patch, Post, Put, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiTags } from '@nestjs/swagger';
import { InjectRepository } from '@nestjs/typeorm';
import type { Response } from 'express';
import { Repository } from 'typeorm';
import { CurrentSession, Permission, Session } from '../auth/session';
import { DomainError } from '../common/errors/domain-error';
import { applyListFilters, Query as ListQuery } from '../common/http/list-filters';
import { newId, nowSeconds } from '../common/ids';
import { mergePatch } from '../common/object-paths';
import { ProjectScope } from '../common/records/project-scope';
import { BodySchema, Schema } from '../common/validation/json-schema';
import { CatalogItemEntity } from '../records/catalog-item.entity';
import { NO_TX } from '../database/transactions';

const iface: Schema = {
  type: 'object',
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 255 },
    mgmt: { type: 'boolean' },
    type: { type: 'string', enum: ['overlay', 'underlay'] },
    'ip-address': {
      type: 'string',
      pattern: '^((25[0-5]|2[0-4][0-9]|[01]?[0-9][0-9]?)\\.){3}(25[0-5]|2[0-4][0-9]|[01]?[0-9][0-9]?)$',
    },
    'vim-network-name': { type: 'string', minLength: 1, maxLength: 255 },
    'vim-network-id': { type: 'string', minLength: 1, maxLength: 255 },
    'mac-address': { type: 'string', pattern: '^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$' },
  },
  required: ['name', 'mgmt', 'ip-address'],
  additionalProperties: false,
};
const properties: Record<string, Schema> = {
  name: { type: 'string', minLength: 1, maxLength: 255 },
  type: { type: 'string', minLength: 1, maxLength: 255 },
  description: { type: ['string', 'null'], maxLength: 255 },
  shared: { type: 'boolean' },
  vims: { type: 'array', items: { type: 'string' } },
  vim_accounts: { type: 'array', items: { type: 'string' } },
  interfaces: { type: 'array', minItems: 1, items: iface },
};
const createSchema = new BodySchema<Record<string, unknown>>(
  { type: 'object', properties, required: ['name', 'type', 'interfaces', 'vim_accounts'], additionalProperties: false },
  'PDU',
);
const editSchema = new BodySchema<Record<string, unknown>>(
  { type: 'object', properties, minProperties: 1, additionalProperties: false },
  'PDU edit',
);

/** Physical deployment units (`pdu/v1/pdu_descriptors`), stored beside the catalog. */
@Injectable()
export class PdusService {
  constructor(@InjectRepository(CatalogItemEntity) private readonly items: Repository<CatalogItemEntity>) {}

  async list(session: Session, query: ListQuery) {
    const scope = ProjectScope.of(session);
    const rows = (await this.items.find({ where: { kind: 'pdu' }, order: { created: 'ASC' } })).filter((r) => scope.canList(r));
    return applyListFilters(rows.map(record), query);
  }

  async show(session: Session, id: string) {
    return record(await this.find(session, id, 'read'));
  }

  async create(session: Session, body: unknown): Promise<string> {
    const input = createSchema.validate(body);
    const id = newId();
    const now = nowSeconds();
    const row = this.items.create({
      id,
      kind: 'pdu',
      descriptorId: String(input.name),
      ...ProjectScope.of(session).forNew(),
      descriptor: input,
      admin: { onboardingState: 'ONBOARDED', operationalState: 'ENABLED', usageState: 'NOT_IN_USE' },
      descriptorText: null,
      packageContent: null,
      packageContentType: null,
      created: now,
      modified: now,
    });
    await this.items.insert(row as object);
    return id;
  }

  async edit(session: Session, id: string, body: unknown): Promise<void> {
    const item = await this.find(session, id, 'write');
    const merged = mergePatch(item.descriptor, editSchema.validate(body));
    item.descriptor = createSchema.validate(merged);
    item.descriptorId = String(merged.name);
    item.modified = nowSeconds();
    await this.items.save(item, NO_TX);
  }

  async remove(session: Session, id: string): Promise<void> {
    const item = await this.find(session, id, 'delete');
    const scope = ProjectScope.of(session);
    const deletion = scope.deletion(item);
    if (deletion === 'denied')
      throw DomainError.unauthorized('You have not write permission to delete it', 'AUTH.PERMISSION_DENIED');
    if (deletion === 'unshare') await this.items.save(Object.assign(item, scope.withoutSession(item)), NO_TX);
    else await this.items.delete({ id: item.id });
  }

  private async find(session: Session, id: string, action: 'read' | 'write' | 'delete'): Promise<CatalogItemEntity> {
    const item = await this.items.findOneBy({ kind: 'pdu', id });
    if (!item || !ProjectScope.of(session).can(action, item))
      throw DomainError.notFound('PDU.NOT_FOUND', `PDU '${id}' not found`);
    return item;
  }
}

function record(e: CatalogItemEntity): Record<string, unknown> {
  return {
    ...e.descriptor,
    _id: e.id,
    id: e.id,
    _admin: {
      ...e.admin,
      created: e.created,
      modified: e.modified,
      projects_read: e.projectsRead,
      projects_write: e.projectsWrite,
    },
  };
}

@ApiTags('pdu')
@ApiBearerAuth()
@Controller('osm/pdu/v1/pdu_descriptors')
export class PdusController {
  constructor(private readonly pdus: PdusService) {}

  @Get()
  @Permission('pduds:get')
  list(@CurrentSession() s: Session, @Query() q: ListQuery) {
    return this.pdus.list(s, q);
  }

  @Post()
  @Permission('pduds:post')
  @ApiBody({ schema: createSchema.schema })
  async create(@CurrentSession() s: Session, @Body() body: unknown, @Res({ passthrough: true }) res: Response) {
    const id = await this.pdus.create(s, body);
    res.status(201).setHeader('Location', `/osm/pdu/v1/pdu_descriptors/${id}`);
    return { _id: id, id };
  }

  @Get(':id')
  @Permission('pduds:id:get')
  show(@CurrentSession() s: Session, @Param('id') id: string) {
    return this.pdus.show(s, id);
  }

  @Patch(':id')
  @HttpCode(204)
  @Permission('pduds:id:patch')
  @ApiBody({ schema: editSchema.schema })
  async patch(@CurrentSession() s: Session, @Param('id') id: string, @Body() body: unknown) {
    await this.pdus.edit(s, id, body);
  }

  @Put(':id')
  @HttpCode(204)
  @Permission('pduds:id:put')
  @ApiBody({ schema: editSchema.schema })
  async put(@CurrentSession() s: Session, @Param('id') id: string, @Body() body: unknown) {
    await this.pdus.edit(s, id, body);
  }

  @Delete(':id')
  @HttpCode(204)
  @Permission('pduds:id:delete')
  async remove(@CurrentSession() s: Session, @Param('id') id: string) {
    await this.pdus.remove(s, id);
  }
}
