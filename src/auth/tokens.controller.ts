import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { CONTROL_QUERY_KEYS, Query as ListQuery } from '../common/http/list-filters';
import type { AuthedRequest } from './auth.guard';
import { bearerOf } from './auth.guard';
import { AuthService, CHANGE_PASSWORD } from './auth.service';
import { LoginThrottled } from './login-throttle';
import { DomainError } from '../common/errors/domain-error';
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
    // OSM merges query-string values into the login body; credentials there would land in access logs and
    // browser histories, so they are refused
    const credential = Object.keys(query).find((k) => CREDENTIAL_QUERY_KEYS.has(k.toLowerCase()));
    if (credential !== undefined) {
      throw DomainError.badRequest(
        'AUTH.CREDENTIALS_IN_QUERY',
        `'${credential.slice(0, 40)}' is not accepted in the query string: send credentials in the request body`,
      );
    }
    const merged = { ...(isObject(body) ? body : {}) } as Record<string, unknown>;
    for (const [k, v] of Object.entries(query)) if (!CONTROL_QUERY_KEYS.has(k)) merged[k] = v;
    const request = tokenCreateSchema.validate(merged);
    const current = await this.auth.authenticate(bearerOf(req)).catch(() => undefined);
    try {
      const { bearer, caller } = await this.auth.login(request, current, {
        host: req.socket.remoteAddress,
        port: req.socket.remotePort,
      });
      // the token's public id (its SHA-256), never the secret: Location headers end up in logs
      res.setHeader('Location', `/osm/admin/v1/tokens/${caller.token.tokenHash}`);
      if (caller.token.purpose === CHANGE_PASSWORD) {
        const { token, user } = caller;
        return {
          _id: bearer,
          id: bearer,
          message: CHANGE_PASSWORD,
          user_id: user.id,
          issued_at: token.issuedAt,
          expires: token.expires,
        };
      }
      return callerTokenRecord(caller, bearer);
    } catch (e) {
      if (e instanceof LoginThrottled) res.setHeader('Retry-After', String(e.retryAfterSeconds));
      throw e;
    }
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

/** Query keys that would carry a secret (password, token) into URLs. */
const CREDENTIAL_QUERY_KEYS = new Set([
  'username',
  'password',
  'old_password',
  'token',
  'id',
  '_id',
  'access_token',
  'auth_token',
  'bearer',
  'authorization',
]);

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !Buffer.isBuffer(v);
}
