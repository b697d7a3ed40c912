import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { DesiredKdu, DesiredResource, HelmRepo, VimAdapter, VimError } from '../../vim-adapters/contract/src';
import type { Session } from '../auth/session';
import { DomainError } from '../common/errors/domain-error';
import { newId, nowSeconds } from '../common/ids';
import { applyListFilters, Query } from '../common/http/list-filters';
import { mergePatch } from '../common/object-paths';
import { ProjectScope } from '../common/records/project-scope';
import { SecretVault } from '../common/security/secret-vault';
import { NsInstanceEntity } from '../records/ns.entities';
import { AccountOperations } from './account-operations';
import {
  AccountAdmin,
  accountRecord,
  adminOf,
  newOperation,
  pushOperation,
  takeSecrets,
  writeIfUnchanged,
} from './account-records';
import { AdminAccountEntity } from '../records/vim.entities';
import { AccountTopic, TOPICS } from './topics';
import { VimAdapterRegistry } from './vim-adapter.registry';
import { NO_TX } from '../database/transactions';

/** A write that found the account changed since it was read. */
const STALE = Symbol('stale');

/**
 * OSM's admin resources over HTTP: create answers 202 with an operation id and the check runs in
 * the background; edit and delete are asynchronous the same way; FORCE deletes at once.
 */
@Injectable()
export class AccountsService {
  constructor(
    @InjectRepository(AdminAccountEntity) private readonly accounts: Repository<AdminAccountEntity>,
    @InjectRepository(NsInstanceEntity) private readonly nsInstances: Repository<NsInstanceEntity>,
    private readonly vault: SecretVault,
    private readonly registry: VimAdapterRegistry,
    private readonly operations: AccountOperations,
  ) {}

  async list(topic: AccountTopic, session: Session, query: Query): Promise<Record<string, unknown>[]> {
    const rows = await this.accounts.find({ where: { topic: topic.topic }, order: { created: 'ASC' } });
    const scope = ProjectScope.of(session);
    const visible = rows.filter((r) => scope.canList(r));
    return applyListFilters(
      visible.map((r) => this.render(topic, r)),
      query,
    );
  }

  async show(topic: AccountTopic, session: Session, id: string): Promise<Record<string, unknown>> {
    return this.render(topic, await this.find(topic, session, id, 'read'));
  }

  async create(topic: AccountTopic, session: Session, body: unknown): Promise<{ id: string; opId: string }> {
    const input = topic.createSchema.validate(normalizeLegacy(topic, body));
    await this.assertUniqueName(topic, session, String(input.name));
    const id = newId();
    const { rest, secrets } = takeSecrets(input, topic);
    await this.validateWithAdapter(topic, session, id, rest, secrets);
    const now = nowSeconds();
    const admin: AccountAdmin = {
      operationalState: 'PROCESSING',
      'detailed-status': '',
      operations: [newOperation('create', now)],
      current_operation: 0,
    };
    await this.accounts.insert({
      id,
      topic: topic.topic,
      name: String(input.name),
      ...ProjectScope.of(session).forNew(),
      record: { ...rest, _admin: admin },
      secrets: Object.keys(secrets).length ? this.vault.encrypt(secrets, id) : null,
      operationalState: 'PROCESSING',
      created: now,
      modified: now,
    });
    this.operations.schedule(id);
    return { id, opId: `${id}:0` };
  }

  /** PATCH and PUT: a merge (null removes a key), then the check runs again. */
  edit(topic: AccountTopic, session: Session, id: string, body: unknown): Promise<string> {
    return this.untilWritten(topic, id, () => this.editOnce(topic, session, id, body));
  }

  /** A check finishing between our read and write moves `modified` on: apply the request again onto what it wrote. */
  private async untilWritten<T>(topic: AccountTopic, id: string, once: () => Promise<T | typeof STALE>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const result = await once();
      if (result !== STALE) return result;
      if (attempt === 5) throw DomainError.conflict('VIM_ACCOUNTS.BUSY', `${topic.title} ${id} keeps changing; try again`);
    }
  }

  private async editOnce(topic: AccountTopic, session: Session, id: string, body: unknown): Promise<string | typeof STALE> {
    const account = await this.find(topic, session, id, 'write');
    const readModified = account.modified;
    const patch = topic.editSchema.validate(normalizeLegacy(topic, body));
    if (patch.name !== undefined && patch.name !== account.name) await this.assertUniqueName(topic, session, String(patch.name));
    const { rest: patchRest, secrets: patchSecrets } = takeSecrets(patch, topic);
    const { _admin, ...current } = account.record;
    const record = mergePatch(current, patchRest);
    const secrets = {
      ...(account.secrets ? this.vault.decrypt<Record<string, unknown>>(account.secrets, account.id) : {}),
      ...patchSecrets,
    };
    for (const [k, v] of Object.entries(secrets)) if (v === null) delete secrets[k];
    await this.validateWithAdapter(topic, session, account.id, record, secrets);
    const admin = _admin as AccountAdmin;
    const now = nowSeconds();
    pushOperation(admin, newOperation('edit', now, maskedParams(topic, patch)));
    account.record = { ...record, _admin: admin };
    account.name = String(record.name);
    account.secrets = Object.keys(secrets).length ? this.vault.encrypt(secrets, account.id) : null;
    account.operationalState = 'PROCESSING';
    account.modified = now;
    if (!(await writeIfUnchanged(this.accounts, account, readModified))) return STALE;
    await this.registry.forget(account.id);
    this.operations.schedule(account.id);
    return `${account.id}:${admin.current_operation}`;
  }

  /** Returns the delete operation id, or null when FORCE removed it at once. */
  remove(topic: AccountTopic, session: Session, id: string): Promise<string | null> {
    return this.untilWritten(topic, id, () => this.removeOnce(topic, session, id));
  }

  private async removeOnce(topic: AccountTopic, session: Session, id: string): Promise<string | null | typeof STALE> {
    const account = await this.find(topic, session, id, 'delete');
    const readModified = account.modified;
    const scope = ProjectScope.of(session);
    const deletion = scope.deletion(account);
    if (deletion === 'denied')
      throw DomainError.unauthorized('You have not write permission to delete it', 'AUTH.PERMISSION_DENIED');
    if (deletion === 'unshare') {
      // shared with other projects: only this project's access goes (OSM)
      await this.accounts.save(Object.assign(account, scope.withoutSession(account)), NO_TX);
      return null;
    }
    if ((topic.topic === 'vim_accounts' || topic.topic === 'k8sclusters') && !session.force) {
      // OSM: a VIM (or a cluster holding KDUs) that NS instances live on cannot go (their resources would be orphaned)
      const users = await this.nsInstances.find({ select: { id: true, name: true, resources: true, record: true } });
      const ns = users.find((n) => n.record.datacenter === account.id || n.resources.some((r) => r.vimAccountId === account.id));
      if (ns)
        throw DomainError.conflict(
          'VIM_ACCOUNTS.IN_USE',
          `${topic.title} '${account.name}' is used by NS instance '${ns.name}' (${ns.id}); delete it first, or use FORCE`,
        );
    }
    if (session.force) {
      await this.operations.purge(account.id);
      return null;
    }
    const admin = adminOf(account);
    pushOperation(admin, newOperation('delete', nowSeconds()));
    admin.to_delete = true;
    account.operationalState = 'PROCESSING';
    account.modified = nowSeconds();
    if (!(await writeIfUnchanged(this.accounts, account, readModified))) return STALE;
    this.operations.schedule(account.id);
    return `${account.id}:${admin.current_operation}`;
  }

  /** Whether the session may deploy on this VIM account (used to check instantiate parameters). */
  async canUseVim(session: Session, id: string): Promise<boolean> {
    const account = await this.accounts.findOneBy({ id, topic: 'vim_accounts' });
    return !!account && ProjectScope.of(session).canRead(account);
  }

  /**
   * The adapter of a VIM account — or of a Kubernetes cluster, which deploys KDUs — for the lifecycle engine (its
   * operation was authorised when it was created).
   */
  async adapterById(id: string): Promise<VimAdapter> {
    const account =
      (await this.accounts.findOneBy({ id, topic: 'vim_accounts' })) ??
      (await this.accounts.findOneBy({ id, topic: 'k8sclusters' }));
    if (!account) throw new VimError('VIM.NOT_FOUND', `VIM account ${id} no longer exists`, false);
    const secrets = account.secrets ? this.vault.decrypt<Record<string, unknown>>(account.secrets, account.id) : {};
    const vimAccount = TOPICS[account.topic as 'vim_accounts' | 'k8sclusters'].vimAccount(account.id, account.record, secrets)!;
    if (!this.registry.factory(vimAccount.vimType))
      throw new VimError('VIM.UNSUPPORTED', `vim_type '${vimAccount.vimType}' has no adapter here`, false);
    return this.registry.adapterFor(vimAccount);
  }

  /** The `vim_type` of a VIM account (a Kubernetes cluster entry is `kubernetes`), or undefined when it is gone. */
  async vimTypeOf(id: string): Promise<string | undefined> {
    const vim = await this.accounts.findOneBy({ id, topic: 'vim_accounts' });
    if (vim) return String(vim.record.vim_type);
    return (await this.accounts.findOneBy({ id, topic: 'k8sclusters' })) ? 'kubernetes' : undefined;
  }

  /**
   * Where the KDUs of VNFs on a VIM go, as in OSM: the VIM itself when it is a Kubernetes VIM, else a Kubernetes
   * cluster registered for it (`k8sclusters` with `vim_account`) that the caller can see, an ENABLED one first;
   * undefined when none.
   */
  async kubernetesTargetFor(session: Session, vimId: string): Promise<string | undefined> {
    const vim = await this.accounts.findOneBy({ id: vimId, topic: 'vim_accounts' });
    if (vim && vim.record.vim_type === 'kubernetes') return vim.id;
    // only clusters the caller's projects can see, as any other account it names
    const scope = ProjectScope.of(session);
    const clusters = (await this.accounts.find({ where: { topic: 'k8sclusters' }, order: { created: 'ASC' } })).filter((c) =>
      scope.canRead(c),
    );
    const enabled = (c: AdminAccountEntity) =>
      (c.record._admin as { operationalState?: string } | undefined)?.operationalState === 'ENABLED';
    return clusters.filter((c) => c.record.vim_account === vimId).sort((a, b) => Number(enabled(b)) - Number(enabled(a)))[0]?.id;
  }

  /**
   * What a VIM account or Kubernetes cluster refuses in a desired resource (its adapter's `checkDesired`: e.g. KDU
   * objects against the cluster's policy), known without contacting it; empty when acceptable or not checkable.
   */
  async refusals(id: string, desired: DesiredResource): Promise<{ path: string; message: string }[]> {
    const account =
      (await this.accounts.findOneBy({ id, topic: 'vim_accounts' })) ??
      (await this.accounts.findOneBy({ id, topic: 'k8sclusters' }));
    if (!account) return [];
    const secrets = account.secrets ? this.vault.decrypt<Record<string, unknown>>(account.secrets, account.id) : {};
    const vimAccount = TOPICS[account.topic as 'vim_accounts' | 'k8sclusters'].vimAccount(account.id, account.record, secrets)!;
    const factory = this.registry.factory(vimAccount.vimType);
    if (!factory?.checkDesired) return [];
    let config: unknown;
    try {
      config = factory.parseAccount(vimAccount);
    } catch (e) {
      if (!VimError.isVimError(e)) throw e;
      return [{ path: 'vimAccountId', message: `the configuration of '${account.name}' is invalid: ${e.message}` }];
    }
    return factory.checkDesired(config, desired);
  }

  /**
   * The `k8srepos` entry named `name` the session can read (OSM's `osm repo-add`), with its password, for a Helm
   * KDU's `<repo>/<chart>`: undefined when there is none, a string saying why when it is not a Helm repository.
   */
  async helmRepo(session: Session, name: string): Promise<HelmRepo | string | undefined> {
    const scope = ProjectScope.of(session);
    const repo = (await this.accounts.find({ where: { topic: 'k8srepos', name }, order: { created: 'ASC' } })).find((r) =>
      scope.canRead(r),
    );
    if (!repo) return undefined;
    if (repo.record.type !== 'helm-chart') return `k8srepos '${name}' is of type ${String(repo.record.type)}, not helm-chart`;
    const secrets = repo.secrets ? this.vault.decrypt<{ password?: string }>(repo.secrets, repo.id) : {};
    const text = (v: unknown) => (typeof v === 'string' && v ? v : undefined);
    return {
      name,
      url: String(repo.record.url),
      ...(repo.record.oci === true ? { oci: true } : {}),
      cacert: text(repo.record.cacert),
      username: text(repo.record.user),
      password: text(secrets.password),
    };
  }

  /**
   * A Helm KDU rendered into its objects by the adapter of the cluster that deploys it (its factory's `renderKdu`,
   * e.g. `helm template`); what it refuses (no helm, a chart that does not render…) → 422 naming the KDU.
   */
  async renderKdu(id: string, desired: DesiredKdu, path: string): Promise<DesiredKdu> {
    if (!desired.helm) return desired;
    const account =
      (await this.accounts.findOneBy({ id, topic: 'vim_accounts' })) ??
      (await this.accounts.findOneBy({ id, topic: 'k8sclusters' }));
    if (!account) throw DomainError.notFound('NS_INSTANCE.NO_KUBERNETES', `Kubernetes account ${id} not found`);
    const secrets = account.secrets ? this.vault.decrypt<Record<string, unknown>>(account.secrets, account.id) : {};
    const vimAccount = TOPICS[account.topic as 'vim_accounts' | 'k8sclusters'].vimAccount(account.id, account.record, secrets)!;
    const factory = this.registry.factory(vimAccount.vimType);
    const refuse = (message: string) => DomainError.invalidFields('NS_INSTANCE.KDU', [{ path, message }]);
    if (!factory?.renderKdu) throw refuse(`${desired.helm.chartRef}: '${account.name}' cannot deploy Helm charts`);
    try {
      return await factory.renderKdu(factory.parseAccount(vimAccount), desired);
    } catch (e) {
      if (!VimError.isVimError(e)) throw e;
      throw refuse(e.message);
    }
  }

  /** The connected adapter of a VIM account the session can see (emulator tooling). */
  async adapter(session: Session, id: string, action: 'read' | 'write'): Promise<VimAdapter> {
    const topic = TOPICS.vim_accounts;
    const account = await this.find(topic, session, id, action);
    const secrets = account.secrets ? this.vault.decrypt<Record<string, unknown>>(account.secrets, account.id) : {};
    const vimAccount = topic.vimAccount(account.id, account.record, secrets)!;
    if (!this.registry.factory(vimAccount.vimType)) {
      throw DomainError.unprocessable('VIM.UNSUPPORTED', `vim_type '${vimAccount.vimType}' has no adapter here`);
    }
    return this.registry.adapterFor(vimAccount);
  }

  /**
   * The NS instances whose VIM resources this session may see in an emulator's inventory: its projects' own NS
   * (all of them with `ADMIN`); undefined = everything (system admins).
   */
  async inventoryScope(session: Session): Promise<Set<string> | undefined> {
    if (session.isAdmin) return undefined;
    const scope = ProjectScope.of(session).withPublic(undefined);
    const rows = await this.nsInstances.find({ select: { id: true, projectsRead: true, projectsWrite: true } });
    return new Set(rows.filter((r) => scope.canList(r)).map((r) => r.id));
  }

  private render(topic: AccountTopic, e: AdminAccountEntity): Record<string, unknown> {
    const secretPaths = e.secrets ? Object.keys(this.vault.decrypt<Record<string, unknown>>(e.secrets, e.id)) : [];
    return accountRecord(e, topic, secretPaths);
  }

  private async find(
    topic: AccountTopic,
    session: Session,
    id: string,
    action: 'read' | 'write' | 'delete',
  ): Promise<AdminAccountEntity> {
    const account = await this.accounts.findOneBy({ id, topic: topic.topic });
    if (!account || !ProjectScope.of(session).can(action, account)) {
      throw DomainError.notFound(`${topic.topic.toUpperCase()}.NOT_FOUND`, `${topic.title} '${id}' not found`);
    }
    return account;
  }

  private async assertUniqueName(topic: AccountTopic, session: Session, name: string): Promise<void> {
    const same = await this.accounts.findBy({ topic: topic.topic, name });
    const scope = ProjectScope.of(session).withPublic(undefined);
    if (same.some((a) => scope.canList(a))) {
      throw DomainError.conflict(
        `${topic.topic.toUpperCase()}.DUPLICATE`,
        `${topic.title} with name '${name}' already exists for this project`,
      );
    }
  }

  /** Config errors the adapter can see without contacting the VIM answer 422 at once, naming the field. */
  private async validateWithAdapter(
    topic: AccountTopic,
    session: Session,
    id: string,
    record: Record<string, unknown>,
    secrets: Record<string, unknown>,
  ): Promise<void> {
    if (topic.topic === 'k8sclusters') {
      const vim = await this.accounts.findOneBy({ id: String(record.vim_account), topic: 'vim_accounts' });
      if (!vim || !ProjectScope.of(session).canRead(vim)) {
        throw DomainError.unprocessable('K8SCLUSTER.UNKNOWN_VIM', `vim_account: VIM account '${record.vim_account}' not found`, [
          { path: 'vim_account', message: 'not found' },
        ]);
      }
    }
    const account = topic.vimAccount(id, record, secrets);
    const factory = account && this.registry.factory(account.vimType);
    if (!account || !factory) return;
    try {
      factory.parseAccount(account);
    } catch (e) {
      if (!VimError.isVimError(e)) throw e;
      const path = topic.topic === 'k8sclusters' ? (e.path ?? '').replace(/^config\.kubeconfig/, 'credentials') : (e.path ?? '');
      const detail =
        path && e.message.startsWith(e.path ?? '\u0000') ? `${path}${e.message.slice((e.path ?? '').length)}` : e.message;
      throw DomainError.unprocessable('VIM.CONFIG_INVALID', detail, path ? [{ path, message: detail }] : undefined);
    }
  }
}

/** OSM keeps edit bodies in the history; ours never holds secrets. */
function maskedParams(topic: AccountTopic, patch: Record<string, unknown>): Record<string, unknown> {
  return takeSecrets(patch, topic).rest;
}

/** SDN controllers: OSM's deprecated `ip` + `port` become `url`. */
function normalizeLegacy(topic: AccountTopic, body: unknown): unknown {
  if (topic.topic !== 'sdns' || typeof body !== 'object' || body === null) return body;
  const b = body as Record<string, unknown>;
  if (b.ip && !b.url) return { ...b, url: `http://${b.ip}:${b.port ?? 8080}` };
  return body;
}

export { TOPICS };
