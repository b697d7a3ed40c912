import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { LessThan, Repository } from 'typeorm';
import { DomainError } from '../common/errors/domain-error';
import { isUuid, nowSeconds } from '../common/ids';
import { DUMMY_PASSWORD_HASH, verifyPassword } from '../common/security/passwords';
import { newBearerToken, sha256Hex } from '../common/security/tokens';
import { APP_CONFIG, AppConfig } from '../config/env';
import { ProjectEntity } from './entities/project.entity';
import { RoleEntity } from './entities/role.entity';
import { TokenEntity } from './entities/token.entity';
import { UserEntity } from './entities/user.entity';

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

/** Token issue and check. Only hashes of tokens and passwords are ever stored or compared. */
@Injectable()
export class AuthService {
  private readonly logger = new Logger(AuthService.name);
  /** Recent failed logins per username, to slow down password guessing. */
  private readonly failures = new Map<string, { count: number; last: number }>();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectRepository(UserEntity) private readonly users: Repository<UserEntity>,
    @InjectRepository(ProjectEntity) private readonly projects: Repository<ProjectEntity>,
    @InjectRepository(RoleEntity) private readonly roles: Repository<RoleEntity>,
    @InjectRepository(TokenEntity) private readonly tokens: Repository<TokenEntity>,
  ) {}

  /**
   * OSM's POST /admin/v1/tokens: username+password, or an existing token to switch project.
   * Returns the new bearer token (shown once) and its record.
   */
  async login(request: LoginRequest, current: Caller | undefined, remote: Remote): Promise<{ bearer: string; caller: Caller }> {
    let user: UserEntity;
    if (request.username !== undefined) {
      user = await this.checkPassword(String(request.username), String(request.password ?? ''));
    } else if (current) {
      user = current.user;
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
    const bearer = newBearerToken();
    const token = this.tokens.create({
      tokenHash: sha256Hex(bearer),
      userId: user.id,
      projectId: project.id,
      issuedAt: now,
      expires: now + this.config.tokenTtlSeconds,
      remoteHost: remote.host?.slice(0, 64) ?? null,
      remotePort: remote.port ?? null,
    });
    await this.tokens.save(token);
    await this.tokens.delete({ expires: LessThan(now) });
    return { bearer, caller: { token, user, project, roles: await this.rolesOf(user, project.id) } };
  }

  /** The caller behind a bearer token, with the roles it holds now in the token's project. */
  async authenticate(bearer: string | undefined): Promise<Caller> {
    if (!bearer) throw DomainError.unauthorized('Needed a token or Authorization http header');
    const token = await this.tokens.findOneBy({ tokenHash: sha256Hex(bearer) });
    if (!token) throw DomainError.unauthorized('Invalid token or Authorization http header');
    if (token.expires < nowSeconds()) {
      await this.tokens.delete({ tokenHash: token.tokenHash });
      throw DomainError.unauthorized('Expired Token or Authorization http header');
    }
    const [user, project] = await Promise.all([
      this.users.findOneBy({ id: token.userId }),
      this.projects.findOneBy({ id: token.projectId }),
    ]);
    if (!user || !project) throw DomainError.unauthorized('Invalid token or Authorization http header');
    return { token, user, project, roles: await this.rolesOf(user, project.id) };
  }

  private async rolesOf(user: UserEntity, projectId: string): Promise<RoleEntity[]> {
    const roleIds = [...new Set(user.mappings.filter((m) => m.project === projectId && m.role).map((m) => m.role!))];
    if (roleIds.length === 0) return [];
    const all = await this.roles.find();
    return all.filter((r) => roleIds.includes(r.id));
  }

  private async checkPassword(username: string, password: string): Promise<UserEntity> {
    const user = await this.users.findOneBy(isUuid(username) ? { id: username } : { username });
    // the same work for unknown users, so timing does not tell which usernames exist
    const ok = await verifyPassword(password, user?.passwordHash ?? DUMMY_PASSWORD_HASH);
    if (user && ok) {
      this.failures.delete(username);
      return user;
    }
    await this.slowDown(username);
    this.logger.warn(`Failed login for user '${username.slice(0, 60)}'`);
    throw DomainError.unauthorized('Invalid username/password', 'AUTH.INVALID_CREDENTIALS');
  }

  /** Doubles the delay with each recent failure for that username (capped at 16× the base). */
  private async slowDown(username: string): Promise<void> {
    const now = Date.now();
    const previous = this.failures.get(username);
    const count = previous && now - previous.last < 15 * 60_000 ? previous.count + 1 : 1;
    this.failures.set(username, { count, last: now });
    if (this.failures.size > 10_000) this.failures.clear();
    const delay = this.config.loginFailureDelayMs * 2 ** Math.min(count - 1, 4);
    if (delay > 0) await new Promise((r) => setTimeout(r, delay));
  }

  async revoke(tokenHash: string): Promise<void> {
    await this.tokens.delete({ tokenHash });
  }
}
