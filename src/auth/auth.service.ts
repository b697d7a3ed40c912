import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, LessThan, Repository } from 'typeorm';
import { DomainError } from '../common/errors/domain-error';
import { isUuid, nowSeconds } from '../common/ids';
import { DUMMY_PASSWORD_HASH, verifyPassword } from '../common/security/passwords';
import { newBearerToken, sha256Hex } from '../common/security/tokens';
import { APP_CONFIG, AppConfig } from '../config/env';
import { ProjectEntity } from '../records/auth/project.entity';
import { RoleEntity } from '../records/auth/role.entity';
import { TokenEntity } from '../records/auth/token.entity';
import { UserEntity } from '../records/auth/user.entity';
import { addressKey, LoginThrottle } from './login-throttle';
import { AuthCache } from './auth-cache';
import { KeyedMutex } from '../common/mutex';
import { NO_TX } from '../database/transactions';

export interface LoginRequest {
  username?: string;
  password?: string;
  project_id?: string;
}

export interface Caller {
  token: TokenEntity;
  user: UserEntity;
  project: ProjectEntity;
  roles: RoleEntity[];
}

export interface Remote {
  host?: string;
  port?: number;
}

/** What a token minted for a forced password change may be used for, and how long it lasts. */
export const CHANGE_PASSWORD = 'change_password';
const CHANGE_PASSWORD_TTL_SECONDS = 600;

/** Token issue and check. Only hashes of tokens and passwords are ever stored or compared. */
@Injectable()
export class AuthService {
  private readonly perAddress = new KeyedMutex();
  private readonly logger = new Logger(AuthService.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly throttle: LoginThrottle,
    private readonly cache: AuthCache,
    @InjectRepository(UserEntity) private readonly users: Repository<UserEntity>,
    @InjectRepository(ProjectEntity) private readonly projects: Repository<ProjectEntity>,
    @InjectRepository(RoleEntity) private readonly roles: Repository<RoleEntity>,
    @InjectRepository(TokenEntity) private readonly tokens: Repository<TokenEntity>,
  ) {}

  /**
   * OSM's POST /admin/v1/tokens: username+password, or an existing token to switch project. A token minted
   * from a token never outlives it and is revoked with it. A user who must change a generated password gets
   * a token that can only do that (OSM's `message: change_password`).
   */
  async login(request: LoginRequest, current: Caller | undefined, remote: Remote): Promise<{ bearer: string; caller: Caller }> {
    let user: UserEntity;
    let parent: TokenEntity | undefined;
    if (request.username !== undefined) {
      user = await this.checkPassword(String(request.username), String(request.password ?? ''), remote);
    } else if (current) {
      if (current.token.purpose === CHANGE_PASSWORD) throw mustChangePassword(current.user.id);
      user = current.user;
      parent = current.token;
    } else {
      throw DomainError.unauthorized('Provide credentials: username/password or Authorization Bearer token');
    }
    const projectRef = request.project_id ?? user.mappings.find((m) => m.project)?.project;
    if (!projectRef) throw DomainError.unauthorized(`can't find a default project for user '${user.username}'`);
    const project = await this.projects.findOneBy(isUuid(projectRef) ? { id: projectRef } : { name: String(projectRef) });
    const grants = project ? user.mappings.filter((m) => m.project === project.id) : [];
    if (!project || grants.length === 0) {
      throw DomainError.unauthorized(`project ${projectRef} not allowed for this user`);
    }
    const now = nowSeconds();
    const purpose = user.mustChangePassword ? CHANGE_PASSWORD : null;
    const lifetime = purpose ? CHANGE_PASSWORD_TTL_SECONDS : this.config.tokenTtlSeconds;
    const bearer = newBearerToken();
    const token = this.tokens.create({
      tokenHash: sha256Hex(bearer),
      userId: user.id,
      projectId: project.id,
      issuedAt: now,
      expires: Math.min(now + lifetime, parent?.expires ?? Infinity),
      remoteHost: remote.host?.slice(0, 64) ?? null,
      remotePort: remote.port ?? null,
      parentHash: parent?.tokenHash ?? null,
      purpose,
    });
    await this.tokens.save(token, NO_TX);
    await this.tokens.delete({ expires: LessThan(now) });
    return { bearer, caller: { token, user, project, roles: await this.rolesOf(user, project.id) } };
  }

  /**
   * The caller behind a bearer token, with the roles it holds now in the token's project: from the cache (auth-cache.ts)
   * when it was looked up within MANO_AUTH_CACHE_MS and nothing changed since, else in one query (token, its parent,
   * user and project joined; the roles table is cached the same way).
   */
  async authenticate(bearer: string | undefined): Promise<Caller> {
    if (!bearer) throw DomainError.unauthorized('Needed a token or Authorization http header');
    // looked up by its SHA-256: the stored value is never compared with the secret itself
    const tokenHash = sha256Hex(bearer);
    const cached = this.cache.caller(tokenHash);
    if (cached && cached.token.expires >= nowSeconds()) return cached;
    const stamp = this.cache.stamp();
    const row = (await this.tokens
      .createQueryBuilder('t')
      .leftJoinAndMapOne('t.user', UserEntity, 'u', 'u.id = t.userId')
      .leftJoinAndMapOne('t.project', ProjectEntity, 'p', 'p.id = t.projectId')
      .leftJoinAndMapOne('t.parent', TokenEntity, 'pt', 'pt.tokenHash = t.parentHash')
      .where('t.tokenHash = :tokenHash', { tokenHash })
      .getOne()) as (TokenEntity & { user?: UserEntity; project?: ProjectEntity; parent?: TokenEntity }) | null;
    if (!row) throw DomainError.unauthorized('Invalid token or Authorization http header');
    const { user, project, parent, ...columns } = row;
    const token = Object.assign(new TokenEntity(), columns);
    if (token.expires < nowSeconds()) {
      await this.revoke(token.tokenHash);
      throw DomainError.unauthorized('Expired Token or Authorization http header');
    }
    // a child minted while its parent was being revoked does not survive it
    if (token.parentHash && !parent) {
      await this.revoke(token.tokenHash);
      throw DomainError.unauthorized('Invalid token or Authorization http header');
    }
    if (!user || !project) throw DomainError.unauthorized('Invalid token or Authorization http header');
    const caller = { token, user, project, roles: await this.rolesOf(user, project.id) };
    this.cache.putCaller(tokenHash, caller, stamp);
    return caller;
  }

  private async rolesOf(user: UserEntity, projectId: string): Promise<RoleEntity[]> {
    const roleIds = [...new Set(user.mappings.filter((m) => m.project === projectId && m.role).map((m) => m.role!))];
    if (roleIds.length === 0) return [];
    let all = this.cache.roles();
    if (!all) {
      const stamp = this.cache.stamp();
      all = await this.roles.find();
      this.cache.putRoles(all, stamp);
    }
    return all.filter((r) => roleIds.includes(r.id));
  }

  /**
   * Limits are checked (and the attempt counted) before the hash work, so parallel guesses cannot outrun them; the
   * attempts of one source address are taken one at a time in this process, so that parallel right passwords each
   * give their count back before the next is counted (they are never throttled) while parallel guesses stop at the limit.
   */
  private async checkPassword(username: string, password: string, remote: Remote): Promise<UserEntity> {
    const user = await this.users.findOneBy(isUuid(username) ? { id: username } : { username });
    const ok = await this.perAddress.run(addressKey(remote.host), async () => {
      // by id when the user exists, so that its name and its id share one counter
      const reservation = await this.throttle.reserve(user ? user.id : `?${username.slice(0, 255)}`, remote.host);
      // the same work for unknown users, so timing does not tell which usernames exist
      const right = (await verifyPassword(password, user?.passwordHash ?? DUMMY_PASSWORD_HASH)) && !!user;
      if (right) await this.throttle.release(reservation);
      return right;
    });
    if (user && ok) return user;
    this.logger.warn(`Failed login for user '${username.slice(0, 60)}'`);
    if (this.config.loginFailureDelayMs > 0) await new Promise((r) => setTimeout(r, this.config.loginFailureDelayMs));
    throw DomainError.unauthorized('Invalid username/password', 'AUTH.INVALID_CREDENTIALS');
  }

  /** Revokes a token and every token minted from it, down the whole chain. */
  async revoke(tokenHash: string): Promise<void> {
    const all = [tokenHash];
    for (let level = [tokenHash]; level.length > 0;) {
      const children = await this.tokens.find({ select: { tokenHash: true }, where: { parentHash: In(level) } });
      level = children.map((c) => c.tokenHash).filter((h) => !all.includes(h));
      all.push(...level);
    }
    await this.tokens.delete({ tokenHash: In(all) });
  }
}

export function mustChangePassword(userId: string): DomainError {
  return DomainError.unauthorized(
    `Password change required: PATCH /osm/admin/v1/users/${userId} with old_password and password, then log in again`,
    'AUTH.PASSWORD_CHANGE_REQUIRED',
  );
}
