import type { Repository } from 'typeorm';
import type { SettingEntity } from '../records/vim.entities';

/**
 * A named lease in the settings table, so that a periodic job runs on one replica at a time: taken when free or
 * expired, renewed by its holder, by compare-and-swap on the row's value (no lock held between rounds). A holder
 * that dies is replaced once its lease expires.
 */
export class DbLease {
  private held?: string;

  constructor(
    private readonly settings: Repository<SettingEntity>,
    private readonly key: string,
    private readonly holder: string,
    private readonly ttlMs: number,
  ) {}

  /** Takes or renews the lease; false while another holder has it. */
  async hold(): Promise<boolean> {
    const now = Date.now();
    const mine = JSON.stringify({ holder: this.holder, until: now + this.ttlMs });
    const row = await this.settings.findOneBy({ key: this.key });
    if (!row) {
      try {
        await this.settings.insert({ key: this.key, value: mine });
      } catch {
        return false; // another replica inserted it first
      }
      this.held = mine;
      return true;
    }
    const current = parse(row.value);
    if (current.holder !== this.holder && current.until > now) return false;
    const swapped = await this.settings.update({ key: this.key, value: row.value }, { value: mine });
    if (!swapped.affected) return false;
    this.held = mine;
    return true;
  }

  /** Lets it go at once (on shutdown), if it is still ours. */
  async release(): Promise<void> {
    if (!this.held) return;
    await this.settings.update({ key: this.key, value: this.held }, { value: JSON.stringify({ holder: null, until: 0 }) });
    this.held = undefined;
  }
}

function parse(value: string): { holder: string | null; until: number } {
  try {
    const v = JSON.parse(value) as { holder?: unknown; until?: unknown };
    return { holder: typeof v.holder === 'string' ? v.holder : null, until: Number(v.until) || 0 };
  } catch {
    return { holder: null, until: 0 };
  }
}
