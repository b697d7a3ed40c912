import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { join } from 'node:path';
import { VimAccount, VimAdapter, VimAdapterFactory } from '../../vim-adapters/contract/src';
import { APP_CONFIG, AppConfig } from '../config/env';
import { instrumentAdapter } from '../common/metrics/vim-calls';
import { Transactions } from '../database/transactions';
import { DatabaseInventoryStore } from './inventory-store';

export const VIM_ADAPTER_FACTORIES = Symbol('VIM_ADAPTER_FACTORIES');

/** OSM names that mean one of our adapters. */
const ALIASES: Record<string, string> = { dummy: 'emulator' };

/**
 * Picks the adapter factory by VIM type (the only place that knows the types) and keeps one
 * connected adapter per account, replaced when the account changes.
 */
@Injectable()
export class VimAdapterRegistry implements OnApplicationShutdown {
  private readonly logger = new Logger('VimAdapters');
  private readonly factories = new Map<string, VimAdapterFactory>();
  private readonly connected = new Map<string, { fingerprint: string; adapter: Promise<VimAdapter> }>();

  constructor(
    @Inject(VIM_ADAPTER_FACTORIES) factories: VimAdapterFactory[],
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly tx: Transactions,
  ) {
    for (const f of factories) this.factories.set(f.vimType, f);
  }

  /** The factory for an OSM `vim_type`, or undefined when this orchestrator has no adapter for it. */
  factory(vimType: string): VimAdapterFactory | undefined {
    return this.factories.get(ALIASES[vimType] ?? vimType);
  }

  supportedTypes(): string[] {
    return [...this.factories.keys(), ...Object.keys(ALIASES).map((a) => `${a} (= ${ALIASES[a]})`)];
  }

  /** Connects (or reuses the connection for) an account. Throws VimError for a bad config. */
  async adapterFor(account: VimAccount): Promise<VimAdapter> {
    const factory = this.factory(account.vimType);
    if (!factory) throw new Error(`no adapter for vim_type '${account.vimType}'`);
    const fingerprint = JSON.stringify(account);
    const cached = this.connected.get(account.id);
    if (cached && cached.fingerprint === fingerprint) return cached.adapter;
    if (cached) void cached.adapter.then((a) => a.close()).catch(() => undefined);
    const parsed = factory.parseAccount(account);
    const adapter = factory
      .connect(parsed, {
        store: new DatabaseInventoryStore(this.tx, account.id),
        workDir: join(this.config.dataDir, 'vims', account.id),
        log: (level, message) => this.logger[level](`[${account.name}] ${message}`),
      })
      // every caller (engine, checks, inventory) gets its adapters here: the one place VIM calls are measured
      .then((a) => instrumentAdapter(a, factory.vimType));
    this.connected.set(account.id, { fingerprint, adapter });
    adapter.catch(() => this.connected.delete(account.id));
    return adapter;
  }

  async forget(accountId: string): Promise<void> {
    const cached = this.connected.get(accountId);
    this.connected.delete(accountId);
    if (cached) await cached.adapter.then((a) => a.close()).catch(() => undefined);
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all([...this.connected.keys()].map((id) => this.forget(id)));
  }
}
