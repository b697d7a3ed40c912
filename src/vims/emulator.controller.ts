import { Body, Controller, Get, HttpCode, Param, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  parseFaultSpec,
  parseComputeStatus,
  parseLoadProfile,
  parseSettableMetrics,
  supportsFaultInjection,
  supportsInventory,
  VimAdapter,
  VimError,
} from '../../vim-adapters/contract/src';
import { CurrentSession, Permission, Session } from '../auth/session';
import { DomainError } from '../common/errors/domain-error';
import { AccountsService } from './accounts.service';

function need<T extends VimAdapter>(adapter: VimAdapter, guard: (a: VimAdapter) => a is T, what: string): T {
  if (!guard(adapter))
    throw DomainError.unprocessable('VIM.UNSUPPORTED', `this VIM account does not offer ${what} (only emulator accounts do)`);
  return adapter;
}

const NS_LABEL = 'mano.ns-instance';

/**
 * An emulator is shared by every project that may deploy on it: a caller sees only the networks, computes (with
 * their rendered cloud-init, env and sandbox files) and volumes of its projects' NS instances; resources of no NS
 * (made by hand) only system admins see. PoPs, provider networks and faults are the VIM's own and stay visible.
 */
export function scopedInventory(inventory: Record<string, unknown>, nsIds: Set<string> | undefined): Record<string, unknown> {
  if (!nsIds) return inventory;
  const mine = (items: unknown) =>
    (Array.isArray(items) ? items : []).filter((item: { labels?: Record<string, unknown> }) => {
      const ns = item?.labels && Object.prototype.hasOwnProperty.call(item.labels, NS_LABEL) ? item.labels[NS_LABEL] : undefined;
      return typeof ns === 'string' && nsIds.has(ns);
    });
  return {
    ...inventory,
    networks: mine(inventory.networks),
    computes: mine(inventory.computes),
    volumes: mine(inventory.volumes),
  };
}

/** Our own extension (outside OSM's /osm tree): look into an emulator VIM and steer its faults and metrics. */
@ApiTags('emulator')
@ApiBearerAuth()
@Controller('mano/v1/emulator/:vimId')
export class EmulatorController {
  constructor(private readonly accounts: AccountsService) {}

  @Get('inventory')
  @Permission('vim_accounts:id:get')
  @ApiOperation({
    summary: 'Everything the emulator holds: PoPs with usage, networks, computes (with sandbox files), volumes, faults',
  })
  async inventory(@CurrentSession() session: Session, @Param('vimId') vimId: string): Promise<Record<string, unknown>> {
    const adapter = need(await this.accounts.adapter(session, vimId, 'read'), supportsInventory, 'an inventory');
    return scopedInventory(await adapter.inventory(), await this.accounts.inventoryScope(session));
  }

  @Put('faults')
  @HttpCode(204)
  @Permission('vim_accounts:id:patch')
  @ApiOperation({
    summary: 'Inject faults: {failCalls: [3], failureRate, seed, errorCode, retryable, hangCalls, hangMs}; {} clears',
  })
  @ApiBody({ schema: { type: 'object' } })
  async faults(@CurrentSession() session: Session, @Param('vimId') vimId: string, @Body() body: unknown): Promise<void> {
    const adapter = need(await this.accounts.adapter(session, vimId, 'write'), supportsFaultInjection, 'fault injection');
    await adapter.setFaults(await this.parse(async () => parseFaultSpec(body, 'body')));
  }

  @Put('computes/:name/metrics')
  @HttpCode(204)
  @Permission('vim_accounts:id:patch')
  @ApiOperation({
    summary:
      'Set emulated metrics of a compute: {cpu: 0..1, memoryBytes, memoryUtilization: 0..1, packetsIn, packetsOut, bytesIn, bytesOut, custom: {name: value}}',
  })
  @ApiBody({ schema: { type: 'object', properties: { cpu: { type: 'number' }, memoryBytes: { type: 'number' } } } })
  async metrics(
    @CurrentSession() session: Session,
    @Param('vimId') vimId: string,
    @Param('name') name: string,
    @Body() body: unknown,
  ): Promise<void> {
    const adapter = need(await this.accounts.adapter(session, vimId, 'write'), supportsFaultInjection, 'settable metrics');
    const metrics = await this.parse(async () => parseSettableMetrics(body, 'body'));
    await this.parse(() => adapter.setMetrics({ kind: 'compute', name, labels: {} }, metrics));
  }

  @Put('computes/:name/status')
  @HttpCode(204)
  @Permission('vim_accounts:id:patch')
  @ApiOperation({
    summary:
      'Put a compute in ERROR as a broken server (its observation says Failed: what auto-healing acts on), or back: {status: "ERROR", message} | {status: "ACTIVE"}',
  })
  @ApiBody({
    schema: {
      type: 'object',
      properties: { status: { type: 'string', enum: ['ERROR', 'ACTIVE'] }, message: { type: 'string' } },
    },
  })
  async status(
    @CurrentSession() session: Session,
    @Param('vimId') vimId: string,
    @Param('name') name: string,
    @Body() body: unknown,
  ): Promise<void> {
    const adapter = need(await this.accounts.adapter(session, vimId, 'write'), supportsFaultInjection, 'compute status');
    const error = await this.parse(async () => parseComputeStatus(body, 'body'));
    await this.parse(() => adapter.setComputeError({ kind: 'compute', name, labels: {} }, error));
  }

  @Put('load-profile')
  @HttpCode(204)
  @Permission('vim_accounts:id:patch')
  @ApiOperation({
    summary:
      'Emulated load over time on every compute whose labels include `labels` (now and later ones): {labels: {"mano.ns-instance": id}, steps: [{cpu: 0.9, durationS: 10}, {cpu: 0.1}], repeat}; steps [] removes it',
  })
  @ApiBody({
    schema: { type: 'object', properties: { labels: { type: 'object' }, steps: { type: 'array' }, repeat: { type: 'boolean' } } },
  })
  async loadProfile(@CurrentSession() session: Session, @Param('vimId') vimId: string, @Body() body: unknown): Promise<void> {
    const adapter = need(await this.accounts.adapter(session, vimId, 'write'), supportsFaultInjection, 'load profiles');
    const profile = await this.parse(async () => parseLoadProfile(body, 'body'));
    // the emulator is shared: a project's caller steers the load of its own NS instances only
    const mine = await this.accounts.inventoryScope(session);
    const ns = profile.labels[NS_LABEL];
    if (mine && (ns === undefined || !mine.has(ns)))
      throw DomainError.unprocessable(
        'REQUEST.INVALID_BODY',
        `body.labels.${NS_LABEL}: must name an NS instance of your projects (the emulator is shared)`,
        [{ path: `body.labels.${NS_LABEL}`, message: 'not an NS instance of your projects' }],
      );
    await adapter.setLoadProfile(profile);
  }

  private async parse<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      if (!VimError.isVimError(e)) throw e;
      if (e.code === 'VIM.NOT_FOUND') throw DomainError.notFound('EMULATOR.NOT_FOUND', e.message);
      throw DomainError.unprocessable('REQUEST.INVALID_BODY', e.message);
    }
  }
}
