import { Body, Delete, Get, HttpCode, Inject, Param, Patch, Post, Put, Query, Res, Type } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiParam, ApiResponse } from '@nestjs/swagger';
import type { Response } from 'express';
import type { Query as ListQuery } from '../common/http/list-filters';
import type { Schema } from '../common/validation/json-schema';
import { OsmRecord } from './records';
import { CurrentSession, Permission, Session } from './session';

export interface AdminCrudService {
  list(session: Session, query: ListQuery): Promise<OsmRecord[]>;
  show(session: Session, ref: string): Promise<OsmRecord>;
  create(session: Session, body: unknown): Promise<string>;
  edit(session: Session, ref: string, body: unknown): Promise<void>;
  remove(session: Session, ref: string): Promise<void>;
}

interface CrudOptions {
  /** URL segment under /osm/admin/v1 and OSM permission resource, e.g. `users`. */
  topic: string;
  service: Type<AdminCrudService>;
  createSchema: Schema;
  editSchema: Schema;
}

/**
 * Users, projects and roles share OSM's shape: list/create on the collection, show/edit/delete on
 * `/<name or id>`, PATCH and PUT both merge. Controllers stay thin: the service does the work.
 */
export function AdminCrudController(opts: CrudOptions) {
  const { topic } = opts;
  const base = `/osm/admin/v1/${topic}`;
  const ref = ApiParam({ name: 'id', description: 'id, or the name (username) when it is not a UUID' });

  class CrudController {
    constructor(@Inject(opts.service) readonly service: AdminCrudService) {}

    @Get()
    @Permission(`${topic}:get`)
    @ApiOperation({ summary: `List ${topic} (OSM filters in the query string)` })
    list(@CurrentSession() session: Session, @Query() query: ListQuery): Promise<OsmRecord[]> {
      return this.service.list(session, query);
    }

    @Post()
    @Permission(`${topic}:post`)
    @ApiOperation({ summary: `Create one of ${topic}` })
    @ApiBody({ schema: opts.createSchema })
    @ApiResponse({ status: 201, description: '{_id, id} and Location' })
    async create(
      @CurrentSession() session: Session,
      @Body() body: unknown,
      @Res({ passthrough: true }) res: Response,
    ): Promise<{ _id: string; id: string }> {
      const id = await this.service.create(session, body);
      res.status(201).setHeader('Location', `${base}/${id}`);
      return { _id: id, id };
    }

    @Get(':id')
    @Permission(`${topic}:id:get`)
    @ref
    show(@CurrentSession() session: Session, @Param('id') id: string): Promise<OsmRecord> {
      return this.service.show(session, id);
    }

    @Patch(':id')
    @HttpCode(204)
    @Permission(`${topic}:id:patch`)
    @ref
    @ApiBody({ schema: opts.editSchema })
    async patch(@CurrentSession() session: Session, @Param('id') id: string, @Body() body: unknown): Promise<void> {
      await this.service.edit(session, id, body);
    }

    @Put(':id')
    @HttpCode(204)
    @Permission(`${topic}:id:patch`)
    @ref
    @ApiOperation({ summary: 'Same as PATCH (a merge), as OSM Release 8 accepts' })
    @ApiBody({ schema: opts.editSchema })
    async put(@CurrentSession() session: Session, @Param('id') id: string, @Body() body: unknown): Promise<void> {
      await this.service.edit(session, id, body);
    }

    @Delete(':id')
    @HttpCode(204)
    @Permission(`${topic}:id:delete`)
    @ref
    async remove(@CurrentSession() session: Session, @Param('id') id: string): Promise<void> {
      await this.service.remove(session, id);
    }
  }
  return CrudController;
}
