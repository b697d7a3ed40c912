import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { CONTROL_QUERY_KEYS, Query as ListQuery } from '../common/http/list-filters';
import type { AuthedRequest } from './auth.guard';
import { bearerOf } from './auth.guard';
import { AuthService } from './auth.service';
import { OsmRecord, callerTokenRecord } from './records';
import { tokenCreateSchema } from './schemas';
import { Authenticated, CurrentSession, PublicRoute, Session } from './session';
import { TokensService } from './tokens.service';

@ApiTags('admin')
@Controller('osm/admin/v1/tokens')
export class TokensController {
  constructor(
    private readonly auth: AuthService,
    private readonly tokens: TokensService,
  ) {}

  @Post()
  @PublicRoute()
  @HttpCode(200)
  @ApiOperation({ summary: 'Log in (username/password), or switch project with a valid Bearer token' })
  @ApiBody({ schema: tokenCreateSchema.schema })
  async login(
    @Req() req: AuthedRequest,
    @Body() body: unknown,
    @Query() query: ListQuery,
    @Res({ passthrough: true }) res: Response,
  ): Promise<OsmRecord> {
    // OSM merges query-string values into the login body
    const merged = { ...(isObject(body) ? body : {}) } as Record<string, unknown>;
    for (const [k, v] of Object.entries(query)) if (!CONTROL_QUERY_KEYS.has(k)) merged[k] = v;
    const request = tokenCreateSchema.validate(merged);
    const current = await this.auth.authenticate(bearerOf(req)).catch(() => undefined);
    const { bearer, caller } = await this.auth.login(request, current, {
      host: req.socket.remoteAddress,
      port: req.socket.remotePort,
    });
    res.setHeader('Location', `/osm/admin/v1/tokens/${bearer}`);
    return callerTokenRecord(caller, bearer);
  }

  @Get()
  @Authenticated()
  @ApiBearerAuth()
  @ApiOperation({ summary: "The caller's tokens (all tokens for system admins); ids are SHA-256 of the tokens" })
  list(@CurrentSession() session: Session, @Query() query: ListQuery): Promise<OsmRecord[]> {
    return this.tokens.list(session, query);
  }

  @Get(':id')
  @Authenticated()
  @ApiBearerAuth()
  show(@CurrentSession() session: Session, @Param('id') id: string): Promise<OsmRecord> {
    return this.tokens.show(session, id);
  }

  @Delete()
  @Authenticated()
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Log out: revoke the calling token (or `?id=`)' })
  async logoutCurrent(@CurrentSession() session: Session, @Query('id') id?: string): Promise<string> {
    await this.tokens.revoke(session, id ?? session.tokenHash);
    return 'token deleted';
  }

  @Delete(':id')
  @PublicRoute()
  @ApiOperation({ summary: 'Revoke a token: the token itself proves the right; a token id needs its owner or an admin' })
  async logout(@Req() req: AuthedRequest, @Param('id') id: string): Promise<string> {
    await this.tokens.revokeByRef(id, bearerOf(req));
    return 'token deleted';
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !Buffer.isBuffer(v);
}
