import { Inject, Injectable } from '@nestjs/common';
import { DataSource, EntitySubscriberInterface, InsertEvent, RemoveEvent, TransactionCommitEvent, UpdateEvent } from 'typeorm';
import { APP_CONFIG, AppConfig } from '../config/env';
import { ProjectEntity } from '../records/auth/project.entity';
import { RoleEntity } from '../records/auth/role.entity';
import { TokenEntity } from '../records/auth/token.entity';
import { UserEntity } from '../records/auth/user.entity';
import type { Caller } from './auth.service';

/** Entities whose change can change what a token may do (a new token changes nothing cached: it is not cached yet). */
const WATCHED: unknown[] = [UserEntity, RoleEntity, ProjectEntity, TokenEntity];
const MAX_ENTRIES = 10_000;

/**
 * The callers of recent bearer tokens and the roles table, for MANO_AUTH_CACHE_MS (default 2 s), so a request costs
 * no database read to authenticate. Any write to users, roles, projects or tokens in this process empties it at once
 * (and again when its transaction commits, so a read racing the write cannot put the old state back); another
 * replica's change is seen here when the entry ages out, within that TTL — keep it short.
 */
@Injectable()
export class AuthCache implements EntitySubscriberInterface {
  private readonly callers = new Map<string, { caller: Caller; at: number }>();
  private roleList?: { roles: RoleEntity[]; at: number };
  /** bumped on every change: a lookup that began before it does not store its result */
  private generation = 0;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    dataSource: DataSource,
  ) {
    dataSource.subscribers.push(this);
  }

  get ttlMs(): number {
    return this.config.authCacheMs;
  }

  /** A stamp to give back to `put`: the result is kept only if nothing changed in between. */
  stamp(): number {
    return this.generation;
  }

  caller(tokenHash: string): Caller | undefined {
    const hit = this.callers.get(tokenHash);
    if (!hit) return undefined;
    if (performance.now() - hit.at > this.ttlMs) {
      this.callers.delete(tokenHash);
      return undefined;
    }
    return hit.caller;
  }

  putCaller(tokenHash: string, caller: Caller, stamp: number): void {
    if (this.ttlMs <= 0 || stamp !== this.generation) return;
    if (this.callers.size >= MAX_ENTRIES) this.callers.clear();
    this.callers.set(tokenHash, { caller, at: performance.now() });
  }

  roles(): RoleEntity[] | undefined {
    return this.roleList && performance.now() - this.roleList.at <= this.ttlMs ? this.roleList.roles : undefined;
  }

  putRoles(roles: RoleEntity[], stamp: number): void {
    if (this.ttlMs > 0 && stamp === this.generation) this.roleList = { roles, at: performance.now() };
  }

  clear(): void {
    this.generation++;
    this.callers.clear();
    this.roleList = undefined;
  }

  private changed(target: unknown, queryRunner: { data?: Record<string, unknown> }, isInsert = false): void {
    if (!WATCHED.includes(target) || (isInsert && target === TokenEntity)) return;
    this.clear();
    if (queryRunner.data) queryRunner.data.authChanged = true;
  }

  afterInsert(event: InsertEvent<unknown>): void {
    this.changed(event.metadata.target, event.queryRunner, true);
  }
  afterUpdate(event: UpdateEvent<unknown>): void {
    this.changed(event.metadata.target, event.queryRunner);
  }
  afterRemove(event: RemoveEvent<unknown>): void {
    this.changed(event.metadata.target, event.queryRunner);
  }
  afterTransactionCommit(event: TransactionCommitEvent): void {
    if (!event.queryRunner.data?.authChanged) return;
    event.queryRunner.data.authChanged = false;
    this.clear();
  }
}
