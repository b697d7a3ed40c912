import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { isIP } from 'node:net';
import { LessThanOrEqual, Repository } from 'typeorm';
import { DomainError } from '../common/errors/domain-error';
import { nowSeconds } from '../common/ids';
import { APP_CONFIG, AppConfig } from '../config/env';
import { LoginFailureEntity } from '../records/auth/login-failure.entity';

/** 429 with the seconds until the window that blocks the attempt ends (the controller sends `Retry-After`). */
export class LoginThrottled extends DomainError {
  constructor(readonly retryAfterSeconds: number) {
    super(429, 'AUTH.TOO_MANY_FAILURES', `Too many failed logins; try again in ${retryAfterSeconds} s`);
  }
}

/** A reserved attempt: released (not counted) when the password turns out right. */
export interface Reservation {
  keys: string[];
}

/**
 * Failed-login limits per source address and per user, counted in the database (shared by replicas, kept across
 * restarts) in fixed windows. Every attempt reserves its failure BEFORE the password hash is computed, with one
 * atomic upsert per key, so N parallel guesses cost N counts, not one; a right password gives its count back.
 */
@Injectable()
export class LoginThrottle {
  private lastSweep = 0;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectRepository(LoginFailureEntity) private readonly failures: Repository<LoginFailureEntity>,
  ) {}

  /** Counts the attempt for the address, then (if the address may still try) for the user; 429 past a limit. */
  async reserve(userKey: string, address: string | undefined): Promise<Reservation> {
    const now = nowSeconds();
    await this.sweep(now);
    const keys: string[] = [];
    const limits: [string, number][] = [
      [`addr:${addressKey(address)}`, this.config.loginMaxFailuresPerAddress],
      [`user:${userKey}`.slice(0, 300), this.config.loginMaxFailuresPerUser],
    ];
    for (const [key, limit] of limits) {
      const { failures, windowStart } = await this.increment(key, now);
      keys.push(key);
      if (failures > limit) {
        throw new LoginThrottled(Math.max(1, Math.ceil(windowStart + this.config.loginFailureWindowSeconds - now)));
      }
    }
    return { keys };
  }

  /** The password was right: this attempt is not a failure. */
  async release(reservation: Reservation): Promise<void> {
    for (const key of reservation.keys) {
      await this.failures
        .createQueryBuilder()
        .update()
        .set({ failures: () => 'failures - 1' })
        .where('"key" = :key AND failures > 0', { key })
        .execute();
    }
  }

  /** An administrator unlocks a user (OSM's `unlock`): its failures are forgotten. */
  async forgetUser(userKey: string): Promise<void> {
    await this.failures.delete({ key: `user:${userKey}`.slice(0, 300) });
  }

  private async increment(key: string, now: number): Promise<{ failures: number; windowStart: number }> {
    const expired = now - this.config.loginFailureWindowSeconds;
    const postgres = this.failures.manager.connection.options.type === 'postgres';
    // one statement, so that concurrent attempts (any replica) each get their own count
    const sql = postgres
      ? `INSERT INTO login_failures ("key", failures, window_start) VALUES ($1, 1, $2)
         ON CONFLICT ("key") DO UPDATE SET
           failures = CASE WHEN login_failures.window_start <= $3 THEN 1 ELSE login_failures.failures + 1 END,
           window_start = CASE WHEN login_failures.window_start <= $3 THEN $2 ELSE login_failures.window_start END
         RETURNING failures, window_start`
      : `INSERT INTO login_failures ("key", failures, window_start) VALUES (?, 1, ?)
         ON CONFLICT ("key") DO UPDATE SET
           failures = CASE WHEN login_failures.window_start <= ? THEN 1 ELSE login_failures.failures + 1 END,
           window_start = CASE WHEN login_failures.window_start <= ? THEN ? ELSE login_failures.window_start END
         RETURNING failures, window_start`;
    const params = postgres ? [key, now, expired] : [key, now, expired, expired, now];
    const rows = (await this.failures.query(sql, params)) as { failures: number | string; window_start: number | string }[];
    return { failures: Number(rows[0].failures), windowStart: Number(rows[0].window_start) };
  }

  /** Ended windows are dropped, at most once a minute per process (the table stays as small as the attacks). */
  private async sweep(now: number): Promise<void> {
    if (now - this.lastSweep < 60) return;
    this.lastSweep = now;
    await this.failures.delete({ windowStart: LessThanOrEqual(now - this.config.loginFailureWindowSeconds) });
  }
}

/** IPv4 as is (IPv4-mapped IPv6 unwrapped); IPv6 by its /64, which one subscriber usually holds whole. */
export function addressKey(address: string | undefined): string {
  if (!address) return 'unknown';
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return mapped[1];
  if (isIP(address) !== 6) return address.slice(0, 64);
  const [head, tail = ''] = address.split('%')[0].split('::');
  const left = head ? head.split(':') : [];
  const right = address.includes('::') && tail ? tail.split(':') : [];
  const groups = address.includes('::') ? [...left, ...Array(8 - left.length - right.length).fill('0'), ...right] : left;
  return `${groups
    .slice(0, 4)
    .map((g) => parseInt(g, 16).toString(16))
    .join(':')}::/64`;
}
