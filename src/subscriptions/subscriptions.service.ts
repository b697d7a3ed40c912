import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import type { Session } from '../auth/session';
import { DomainError } from '../common/errors/domain-error';
import { applyListFilters, Query } from '../common/http/list-filters';
import { newId, nowSeconds } from '../common/ids';
import { ProjectScope } from '../common/records/project-scope';
import { SecretVault } from '../common/security/secret-vault';
import { APP_CONFIG, AppConfig } from '../config/env';
import { Transactions } from '../database/transactions';
import { DeliveryEntity, SubscriptionApi, SubscriptionEntity } from '../records/notification.entities';
import { CallbackAuth, CallbackClient } from './callback-client';
import { normaliseFilter, SUBSCRIPTION_SCHEMAS, SubscriptionRequest } from './subscription-request';

type Obj = Record<string, unknown>;

export const SUBSCRIPTION_PATHS: Record<SubscriptionApi, string> = {
  nslcm: '/osm/nslcm/v1/subscriptions',
  nsd: '/osm/nsd/v1/subscriptions',
  vnfpkgm: '/osm/vnfpkgm/v1/subscriptions',
  nsilcm: '/osm/nsilcm/v1/subscriptions',
};

/** SOL005 subscriptions: created after a GET to the callback answered 204, visible to their owners' projects. */
@Injectable()
export class SubscriptionsService {
  readonly client: CallbackClient;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    @InjectRepository(SubscriptionEntity) private readonly subs: Repository<SubscriptionEntity>,
    @InjectRepository(DeliveryEntity) private readonly deliveries: Repository<DeliveryEntity>,
    private readonly vault: SecretVault,
    private readonly tx: Transactions,
  ) {
    this.client = new CallbackClient(config.notify.timeoutMs);
  }

  /** 201 with the new subscription, or `existing` (303 See Other) when the caller already has an identical one. */
  async create(api: SubscriptionApi, session: Session, body: unknown): Promise<{ created?: Obj; existing?: string }> {
    const req = SUBSCRIPTION_SCHEMAS[api].validate(body);
    if (req.callbackUri !== undefined && req.CallbackUri !== undefined && req.callbackUri !== req.CallbackUri)
      throw DomainError.unprocessable('REQUEST.INVALID_BODY', "Format error at 'CallbackUri': differs from callbackUri");
    const callbackUri = req.callbackUri ?? req.CallbackUri;
    if (callbackUri === undefined)
      throw DomainError.unprocessable('REQUEST.INVALID_BODY', "Format error at 'callbackUri': is required", [
        { path: 'callbackUri', message: 'is required' },
      ]);
    CallbackClient.checkUrl(callbackUri, 'callbackUri');
    const auth = authOf(req);
    if (auth?.tokenEndpoint)
      CallbackClient.checkUrl(auth.tokenEndpoint, 'authentication.paramsOauth2ClientCredentials.tokenEndpoint');
    const filter = normaliseFilter(req.filter);
    const scope = ProjectScope.of(session);
    const same = (await this.subs.findBy({ api, callbackUri })).find(
      (s) => scope.canList(s) && JSON.stringify(s.filter) === JSON.stringify(filter),
    );
    if (same) return { existing: `${SUBSCRIPTION_PATHS[api]}/${same.id}` };
    const id = newId();
    // SOL005: the callback must answer a GET with 204 before the subscription exists
    let check;
    try {
      check = await this.client.call('GET', callbackUri, undefined, auth, id);
    } catch (e) {
      throw DomainError.badRequest(
        'SUBSCRIPTION.CALLBACK_UNREACHABLE',
        `callbackUri: the test GET failed: ${(e as Error).message}`,
      );
    } finally {
      this.client.forget(id);
    }
    if (check.status !== 204)
      throw DomainError.badRequest(
        'SUBSCRIPTION.CALLBACK_UNREACHABLE',
        `callbackUri: the test GET answered ${check.status}, not 204 No Content`,
      );
    const now = nowSeconds();
    const row: SubscriptionEntity = {
      id,
      api,
      callbackUri,
      filter,
      authType: auth?.type ?? null,
      authPublic: auth
        ? auth.type === 'BASIC'
          ? { authType: ['BASIC'], paramsBasic: { userName: auth.userName } }
          : {
              authType: ['OAUTH2_CLIENT_CREDENTIALS'],
              paramsOauth2ClientCredentials: { clientId: auth.clientId, tokenEndpoint: auth.tokenEndpoint },
            }
        : null,
      authSealed: auth ? this.vault.encrypt(auth, id) : null,
      ...scope.forNew(),
      visibleProjects: [...scope.projects],
      state: 'ACTIVE',
      failingSince: null,
      lastError: null,
      created: now,
      modified: now,
    };
    await this.subs.insert(row as never);
    return { created: render(row) };
  }

  async list(api: SubscriptionApi, session: Session, query: Query): Promise<Obj[]> {
    const scope = ProjectScope.of(session);
    const rows = (await this.subs.findBy({ api })).filter((s) => scope.canList(s));
    return applyListFilters(rows.map(render), query);
  }

  async show(api: SubscriptionApi, session: Session, id: string): Promise<Obj> {
    return render(await this.find(api, session, id, 'read'));
  }

  /** Deleted with what it was still owed. */
  async remove(api: SubscriptionApi, session: Session, id: string): Promise<void> {
    const sub = await this.find(api, session, id, 'write');
    await this.tx.run(async (em) => {
      await em.delete(DeliveryEntity, { subscriptionId: sub.id });
      await em.delete(SubscriptionEntity, { id: sub.id });
    });
    this.client.forget(sub.id);
  }

  /** The credentials to send (unsealed for one request). */
  authFor(sub: SubscriptionEntity): CallbackAuth | undefined {
    return sub.authSealed ? this.vault.decrypt<CallbackAuth>(sub.authSealed, sub.id) : undefined;
  }

  private async find(api: SubscriptionApi, session: Session, id: string, action: 'read' | 'write'): Promise<SubscriptionEntity> {
    const sub = await this.subs.findOneBy({ id, api });
    if (!sub || !ProjectScope.of(session).can(action, sub))
      throw DomainError.notFound('SUBSCRIPTION.NOT_FOUND', `subscription '${id}' not found`);
    return sub;
  }
}

function authOf(req: SubscriptionRequest): CallbackAuth | undefined {
  const a = req.authentication;
  if (!a) return undefined;
  if (a.authType[0] === 'BASIC') {
    if (!a.paramsBasic) throw missing('authentication.paramsBasic');
    return { type: 'BASIC', userName: a.paramsBasic.userName, password: a.paramsBasic.password };
  }
  const o = a.paramsOauth2ClientCredentials;
  if (!o) throw missing('authentication.paramsOauth2ClientCredentials');
  return {
    type: 'OAUTH2_CLIENT_CREDENTIALS',
    clientId: o.clientId,
    clientPassword: o.clientPassword,
    tokenEndpoint: o.tokenEndpoint,
  };
}

const missing = (path: string) =>
  DomainError.unprocessable('REQUEST.INVALID_BODY', `Format error at '${path}': is required`, [{ path, message: 'is required' }]);

/** SOL005 `LccnSubscription` (and the NSD/package ones) plus the delivery state; secrets are never shown. */
export function render(s: SubscriptionEntity): Obj {
  return {
    id: s.id,
    _id: s.id,
    filter: s.filter,
    callbackUri: s.callbackUri,
    ...(s.authPublic ? { authentication: s.authPublic } : {}),
    state: s.state,
    failingSince: s.failingSince,
    lastError: s.lastError,
    _admin: { created: s.created, modified: s.modified, projects_read: s.projectsRead, projects_write: s.projectsWrite },
    _links: { self: { href: `${SUBSCRIPTION_PATHS[s.api]}/${s.id}` } },
  };
}
