import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, Res, Type } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { CurrentSession, Permission, Session } from '../auth/session';
import type { Query as ListQuery } from '../common/http/list-filters';
import type { SubscriptionApi } from '../records/notification.entities';
import { SUBSCRIPTION_SCHEMAS } from './subscription-request';
import { SUBSCRIPTION_PATHS, SubscriptionsService } from './subscriptions.service';

/**
 * One controller per SOL005 API (`nslcm`, `nsd`, `vnfpkgm`, `nsilcm`), all alike: POST (201, or 303 See Other to
 * an identical subscription), GET list (OSM list filters), GET one, DELETE. Permissions ride on the resource the
 * notifications are about (a project user who may read NS instances may subscribe to them).
 */
function subscriptionController(api: SubscriptionApi, resource: string, tag: string): Type<unknown> {
  @ApiTags(tag)
  @ApiBearerAuth()
  @Controller(SUBSCRIPTION_PATHS[api].slice(1))
  class SubscriptionController {
    constructor(readonly subs: SubscriptionsService) {}

    @Post()
    @Permission(`${resource}:subscriptions:post`)
    @ApiOperation({
      summary: `Subscribe (SOL005): the callback must answer GET with 204; 201, or 303 to an identical one`,
    })
    @ApiBody({ schema: SUBSCRIPTION_SCHEMAS[api].schema })
    async create(@CurrentSession() s: Session, @Body() body: unknown, @Res({ passthrough: true }) res: Response) {
      const { created, existing } = await this.subs.create(api, s, body);
      if (existing) {
        res.status(303).setHeader('Location', existing);
        return undefined;
      }
      res.status(201).setHeader('Location', `${SUBSCRIPTION_PATHS[api]}/${created!.id as string}`);
      return created;
    }

    @Get()
    @Permission(`${resource}:subscriptions:get`)
    list(@CurrentSession() s: Session, @Query() q: ListQuery) {
      return this.subs.list(api, s, q);
    }

    @Get(':id')
    @Permission(`${resource}:subscriptions:id:get`)
    show(@CurrentSession() s: Session, @Param('id') id: string) {
      return this.subs.show(api, s, id);
    }

    @Delete(':id')
    @HttpCode(204)
    @Permission(`${resource}:subscriptions:id:delete`)
    async remove(@CurrentSession() s: Session, @Param('id') id: string) {
      await this.subs.remove(api, s, id);
    }
  }
  Object.defineProperty(SubscriptionController, 'name', {
    value: `${api[0].toUpperCase()}${api.slice(1)}SubscriptionController`,
  });
  return SubscriptionController;
}

export const SUBSCRIPTION_CONTROLLERS = [
  subscriptionController('nslcm', 'ns_instances', 'nslcm'),
  subscriptionController('nsd', 'nsds', 'nsd'),
  subscriptionController('vnfpkgm', 'vnfds', 'vnfpkgm'),
  subscriptionController('nsilcm', 'slice_instances', 'nsilcm'),
];
