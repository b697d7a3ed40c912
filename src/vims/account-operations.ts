import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { VimError } from '../../vim-adapters/contract/src';
import { nowSeconds } from '../common/ids';
import { SecretVault } from '../common/security/secret-vault';
import { APP_CONFIG, AppConfig } from '../config/env';
import { adminOf } from './account-records';
import { AdminAccountEntity, VimInventoryEntity } from '../records/vim.entities';
import { TOPICS } from './topics';
import { VimAdapterRegistry } from './vim-adapter.registry';
import { NO_TX } from '../database/transactions';

/**
 * The asynchronous part of VIM/WIM/SDN/cluster registration, as OSM's LCM does it: a connectivity
 * check through the adapter after create and edit, the removal after delete. Operations are
 * persisted in `_admin.operations`; unfinished ones are resumed when the service starts.
 */
@Injectable()
export class AccountOperations implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('VimAccounts');
  private readonly running = new Map<string, Promise<void>>();
  private stopping = false;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectRepository(AdminAccountEntity) private readonly accounts: Repository<AdminAccountEntity>,
    @InjectRepository(VimInventoryEntity) private readonly inventory: Repository<VimInventoryEntity>,
    private readonly vault: SecretVault,
    private readonly registry: VimAdapterRegistry,
  ) {}

  /** Resume what a previous run left in PROCESSING (crash or restart mid-check). */
  async onApplicationBootstrap(): Promise<void> {
    const unfinished = await this.accounts.findBy({ operationalState: 'PROCESSING' });
    for (const account of unfinished) this.schedule(account.id);
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    await this.idle();
  }

  /** Runs the account's current operation in the background (once at a time per account). */
  schedule(id: string): void {
    const previous = this.running.get(id) ?? Promise.resolve();
    const next = previous
      .then(() => (this.stopping ? undefined : this.process(id)))
      .catch((e: unknown) => {
        this.logger.error(`operation on account ${id} failed unexpectedly: ${(e as Error).message}`);
      });
    this.running.set(id, next);
    void next.then(() => {
      if (this.running.get(id) === next) this.running.delete(id);
    });
  }

  /** Resolves when no operation is running (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.running.size) await Promise.all([...this.running.values()]);
  }

  /** The connectivity check itself, also used synchronously for the default emulator at first start. */
  async process(id: string): Promise<void> {
    const account = await this.accounts.findOneBy({ id });
    if (!account) return;
    const admin = adminOf(account);
    const index = admin.current_operation ?? admin.operations.length - 1;
    const op = admin.operations[index];
    if (!op || op.operationState !== 'PROCESSING') return;
    if (op.lcmOperationType === 'delete') {
      await this.purge(id);
      this.logger.log(`${TOPICS[account.topic as keyof typeof TOPICS].title} '${account.name}' deleted`);
      return;
    }
    const { ok, detail } = await this.check(account);
    const fresh = await this.accounts.findOneBy({ id });
    if (!fresh) return;
    const freshAdmin = adminOf(fresh);
    const freshOp = freshAdmin.operations[index];
    // an edit or delete that arrived meanwhile owns the account's state now
    if (!freshOp || freshOp.operationState !== 'PROCESSING' || freshAdmin.current_operation !== index) return;
    const now = nowSeconds();
    freshOp.operationState = ok ? 'COMPLETED' : 'FAILED';
    freshOp.statusEnteredTime = now;
    freshOp['detailed-status'] = detail;
    freshAdmin.operationalState = ok ? 'ENABLED' : 'ERROR';
    freshAdmin['detailed-status'] = detail;
    freshAdmin.current_operation = null;
    fresh.operationalState = freshAdmin.operationalState;
    fresh.modified = now;
    await this.accounts.save(fresh, NO_TX);
    this.logger.log(`${fresh.topic} '${fresh.name}': ${freshAdmin.operationalState} (${detail})`);
  }

  /** The account and everything kept for it (an emulator's inventory goes with the emulator). */
  async purge(id: string): Promise<void> {
    await this.registry.forget(id);
    await this.inventory.delete({ accountId: id });
    await this.accounts.delete({ id });
  }

  private async check(account: AdminAccountEntity): Promise<{ ok: boolean; detail: string }> {
    const topic = TOPICS[account.topic as keyof typeof TOPICS];
    try {
      const secrets = account.secrets ? this.vault.decrypt<Record<string, unknown>>(account.secrets, account.id) : {};
      const vimAccount = topic.vimAccount(account.id, account.record, secrets);
      if (!vimAccount) return { ok: true, detail: `registered; this orchestrator does not contact ${topic.title}s` };
      if (!this.registry.factory(vimAccount.vimType)) {
        return {
          ok: false,
          detail: `vim_type '${vimAccount.vimType}' is not supported here; supported: ${this.registry.supportedTypes().join(', ')}`,
        };
      }
      const adapter = await this.registry.adapterFor(vimAccount);
      const health = await adapter.ping(AbortSignal.timeout(this.config.vimCheckTimeoutMs));
      return { ok: true, detail: health.detail };
    } catch (e) {
      const message = VimError.isVimError(e) ? e.message : (e as Error).message;
      return { ok: false, detail: message };
    }
  }
}
