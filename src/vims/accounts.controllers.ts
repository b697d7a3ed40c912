import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Put, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { CurrentSession, Permission, Session } from '../auth/session';
import type { Query as ListQuery } from '../common/http/list-filters';
import { AccountsService } from './accounts.service';
import { AccountTopicName, TOPICS } from './topics';

/**
 * OSM's admin-resource endpoints: POST → 202 `{_id, id, op_id}`, PATCH/PUT → 202 `{op_id}`,
 * DELETE → 202 `{_id: op_id}` (FORCE: 202, empty, gone at once). Thin: the service does the work.
 */
function AccountsController(path: string, topicName: AccountTopicName, permission = TOPICS[topicName].permission) {
  const topic = TOPICS[topicName];
  const base = `/osm/admin/v1/${path}`;
  const id = ApiParam({ name: 'id', description: `${topic.title} id` });

  @ApiTags('admin')
  @ApiBearerAuth()
  @Controller(base.slice(1))
  class AccountsControllerImpl {
    constructor(readonly accounts: AccountsService) {}

    @Get()
    @Permission(`${permission}:get`)
    @ApiOperation({ summary: `List ${topic.title}s (OSM filters in the query string)` })
    list(@CurrentSession() session: Session, @Query() query: ListQuery): Promise<Record<string, unknown>[]> {
      return this.accounts.list(topic, session, query);
    }

    @Post()
    @HttpCode(202)
    @Permission(`${permission}:post`)
    @ApiOperation({ summary: `Register a ${topic.title}; the connectivity check runs in the background` })
    @ApiBody({ schema: topic.createSchema.schema })
    @ApiResponse({ status: 202, description: '{_id, id, op_id} and Location' })
    async create(@CurrentSession() session: Session, @Body() body: unknown, @Res({ passthrough: true }) res: Response) {
      const { id: newId, opId } = await this.accounts.create(topic, session, body);
      res.setHeader('Location', `${base}/${newId}`);
      return { _id: newId, id: newId, op_id: opId };
    }

    @Get(':id')
    @Permission(`${permission}:id:get`)
    @id
    show(@CurrentSession() session: Session, @Param('id') itemId: string): Promise<Record<string, unknown>> {
      return this.accounts.show(topic, session, itemId);
    }

    @Patch(':id')
    @HttpCode(202)
    @Permission(`${permission}:id:patch`)
    @id
    @ApiBody({ schema: topic.editSchema.schema })
    async patch(@CurrentSession() session: Session, @Param('id') itemId: string, @Body() body: unknown) {
      return { op_id: await this.accounts.edit(topic, session, itemId, body) };
    }

    @Put(':id')
    @HttpCode(202)
    @Permission(`${permission}:id:patch`)
    @id
    @ApiOperation({ summary: 'Same as PATCH (a merge; null removes a key), as OSM accepts' })
    @ApiBody({ schema: topic.editSchema.schema })
    async put(@CurrentSession() session: Session, @Param('id') itemId: string, @Body() body: unknown) {
      return { op_id: await this.accounts.edit(topic, session, itemId, body) };
    }

    @Delete(':id')
    @HttpCode(202)
    @Permission(`${permission}:id:delete`)
    @id
    async remove(@CurrentSession() session: Session, @Param('id') itemId: string): Promise<{ _id: string } | undefined> {
      const opId = await this.accounts.remove(topic, session, itemId);
      return opId ? { _id: opId } : undefined;
    }
  }
  return AccountsControllerImpl;
}

export class VimAccountsController extends AccountsController('vim_accounts', 'vim_accounts') {}
/** OSM's older alias of vim_accounts. */
export class VimsController extends AccountsController('vims', 'vim_accounts', 'vims') {}
export class WimAccountsController extends AccountsController('wim_accounts', 'wim_accounts') {}
export class SdnsController extends AccountsController('sdns', 'sdns') {}
export class K8sClustersController extends AccountsController('k8sclusters', 'k8sclusters') {}
export class K8sReposController extends AccountsController('k8srepos', 'k8srepos') {}
