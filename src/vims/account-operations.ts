import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { Repository } from 'typeorm';
import { VimError } from '../../vim-adapters/contract/src';
import { nowSeconds } from '../common/ids';
import { Drainable, Lifecycle } from '../common/lifecycle/shutdown';
import { SecretVault } from '../common/security/secret-vault';
import { APP_CONFIG, AppConfig } from '../config/env';
import { adminOf, writeIfUnchanged } from './account-records';
import { AdminAccountEntity, VimInventoryEntity } from '../records/vim.entities';
import { TOPICS } from './topics';
import { VimAdapterRegistry } from './vim-adapter.registry';
import { Transactions } from '../database/transactions';

/** How often a worker looks for pending account operations nobody runs (written by another replica, or left by a dead one). */
const SCAN_MS = 2000;

/**
 * The asynchronous part of VIM/WIM/SDN/cluster registration, as OSM's LCM does it: a connectivity
 * check through the adapter after create and edit, the removal after delete. Operations are
 * persisted in `_admin.operations`; unfinished ones are resumed when the service starts, and (PostgreSQL) by a
 * periodic scan of every worker replica. A run claims the account with a lease first, so one replica runs it.
 */
@Injectable()
export class AccountOperations implements OnApplicationBootstrap, OnApplicationShutdown, Drainable {
  readonly name = 'account operations';
  private readonly workerId = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  private readonly logger = new Logger('VimAccounts');
  private readonly running = new Map<string, Promise<void>>();
  private stopping = false;
  private scan?: NodeJS.Timeout;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectRepository(AdminAccountEntity) private readonly accounts: Repository<AdminAccountEntity>,
    @InjectRepository(VimInventoryEntity) private readonly inventory: Repository<VimInventoryEntity>,
    private readonly vault: SecretVault,
    private readonly registry: VimAdapterRegistry,
    private readonly tx: Transactions,
    lifecycle: Lifecycle,
  ) {
    lifecycle.register(this);
  }

  /** Resume what a previous run left in PROCESSING (crash or restart mid-check). */
  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.worker) return;
    // SQLite is one process: a claim held by another worker id was this process's before it stopped
    if (!this.tx.isPostgres)
      await this.accounts.query('UPDATE admin_accounts SET locked_by = NULL, lease_until = NULL WHERE locked_by <> ?', [
        this.workerId,
      ]);
    await this.resumeUnclaimed();
    if (this.tx.isPostgres) {
      this.scan = setInterval(
        () => void this.resumeUnclaimed().catch((e) => this.logger.warn(`scan failed: ${(e as Error).message}`)),
        SCAN_MS,
      );
      this.scan.unref();
    }
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    if (this.scan) clearInterval(this.scan);
    await this.idle();
  }

  /** Graceful shutdown: the checks in flight end (each within MANO_VIM_CHECK_TIMEOUT_MS); then the claims go back. */
  async drain(): Promise<void> {
    await this.onApplicationShutdown();
    if (this.config.worker) await this.release();
  }

  /** Runs the account's current operation in the background (once at a time per account); an API-only replica leaves it to the workers. */
  schedule(id: string): void {
    if (!this.config.worker || this.stopping) return;
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
    if (!this.config.worker || !(await this.claim(id))) return;
    try {
      await this.runClaimed(id);
    } finally {
      await this.release(id);
    }
  }

  private async runClaimed(id: string): Promise<void> {
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
    for (;;) {
      const fresh = await this.accounts.findOneBy({ id });
      if (!fresh) return;
      const readModified = fresh.modified;
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
      if (await writeIfUnchanged(this.accounts, fresh, readModified)) {
        this.logger.log(`${fresh.topic} '${fresh.name}': ${freshAdmin.operationalState} (${detail})`);
        return;
      }
    }
  }

  private async resumeUnclaimed(): Promise<void> {
    if (this.stopping) return;
    const rows = (await this.accounts.query(
      this.sql(
        `SELECT id FROM admin_accounts WHERE operational_state = 'PROCESSING' AND (locked_by IS NULL OR lease_until < $1)`,
      ),
      [Date.now() / 1000],
    )) as { id: string }[];
    for (const { id } of rows) if (!this.running.has(id)) this.schedule(id);
  }

  /**
   * Takes the account's pending operation: free, expired, or already ours. The lease outlasts the longest check (no
   * renewal needed); an expired one is taken over by the next scan.
   */
  private async claim(id: string): Promise<boolean> {
    const now = Date.now() / 1000;
    const until = now + (this.config.vimCheckTimeoutMs * 2 + 10_000) / 1000;
    const sql = this.sql(
      `UPDATE admin_accounts SET locked_by = $1, lease_until = $2
        WHERE id = $3 AND operational_state = 'PROCESSING' AND (locked_by IS NULL OR lease_until < $4 OR locked_by = $1)`,
    );
    const params = [this.workerId, until, id, now];
    if (this.tx.isPostgres) {
      const [, affected] = (await this.accounts.query(`${sql} RETURNING id`, params)) as [unknown[], number];
      return affected > 0;
    }
    // SQLite: the positional parameters repeat where $1 appeared twice
    await this.accounts.query(sql, [...params, this.workerId]);
    const [row] = (await this.accounts.query('SELECT locked_by FROM admin_accounts WHERE id = ?', [id])) as {
      locked_by: string;
    }[];
    return row?.locked_by === this.workerId;
  }

  /** Gives back one claim, or every claim of this process. */
  private async release(id?: string): Promise<void> {
    const sql = `UPDATE admin_accounts SET locked_by = NULL, lease_until = NULL WHERE locked_by = $1${id ? ' AND id = $2' : ''}`;
    await this.accounts.query(this.sql(sql), id ? [this.workerId, id] : [this.workerId]);
  }

  /** PostgreSQL's numbered parameters as SQLite's `?` (positional: a number used twice is passed twice). */
  private sql(text: string): string {
    return this.tx.isPostgres ? text : text.replace(/\$\d+/g, '?');
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
