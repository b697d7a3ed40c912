import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { MoreThanOrEqual, Repository } from 'typeorm';
import { DomainError } from '../common/errors/domain-error';
import { applyListFilters, Query } from '../common/http/list-filters';
import { nowSeconds } from '../common/ids';
import { sha256Hex } from '../common/security/tokens';
import { AuthService } from './auth.service';
import { Directory } from './directory';
import { TokenEntity } from '../records/auth/token.entity';
import { OsmRecord, tokenRecord } from './records';
import { Session } from './session';

/** Token listing and revocation. A token is addressed by itself or by its SHA-256 (its public id). */
@Injectable()
export class TokensService {
  constructor(
    private readonly dir: Directory,
    private readonly auth: AuthService,
    @InjectRepository(TokenEntity) private readonly tokens: Repository<TokenEntity>,
  ) {}

  async list(session: Session, query: Query): Promise<OsmRecord[]> {
    // expired tokens are dead even before the next login sweeps them away
    const live = { expires: MoreThanOrEqual(nowSeconds()) };
    const rows = session.isAdmin
      ? await this.tokens.find({ where: live, order: { issuedAt: 'ASC' } })
      : await this.tokens.find({ where: { ...live, userId: session.userId }, order: { issuedAt: 'ASC' } });
    return applyListFilters(await this.records(rows), query, ['id']);
  }

  async show(session: Session, ref: string): Promise<OsmRecord> {
    const token = await this.owned(session, ref);
    return (await this.records([token]))[0];
  }

  async revoke(session: Session, ref: string): Promise<void> {
    await this.auth.revoke((await this.owned(session, ref)).tokenHash);
  }

  /** DELETE /tokens/<ref>: holding the token is enough (OSM logout); a hash needs an authorised caller. */
  async revokeByRef(ref: string, bearer: string | undefined): Promise<void> {
    const direct = await this.tokens.findOneBy({ tokenHash: sha256Hex(ref) });
    if (direct) return this.auth.revoke(direct.tokenHash);
    const caller = await this.auth.authenticate(bearer);
    const target = await this.tokens.findOneBy({ tokenHash: ref });
    const isAdmin = caller.roles.some((r) => r.permissions.admin === true);
    if (!target || (target.userId !== caller.user.id && !isAdmin)) {
      throw DomainError.notFound('TOKEN.NOT_FOUND', 'token not found');
    }
    await this.auth.revoke(target.tokenHash);
  }

  private async owned(session: Session, ref: string): Promise<TokenEntity> {
    const token =
      (await this.tokens.findOneBy({ tokenHash: sha256Hex(ref) })) ?? (await this.tokens.findOneBy({ tokenHash: ref }));
    if (!token || token.expires < nowSeconds()) throw DomainError.notFound('TOKEN.NOT_FOUND', 'token not found');
    if (token.userId !== session.userId && !session.isAdmin) {
      throw DomainError.unauthorized('needed admin privileges', 'AUTH.PERMISSION_DENIED');
    }
    return token;
  }

  private async records(rows: TokenEntity[]): Promise<OsmRecord[]> {
    const [projects, roles, users] = await Promise.all([this.dir.projectMap(), this.dir.roleMap(), this.dir.users.find()]);
    return rows.map((t) => {
      const user = users.find((u) => u.id === t.userId);
      const project = projects.get(t.projectId);
      const roleIds = new Set((user?.mappings ?? []).filter((m) => m.project === t.projectId).map((m) => m.role));
      return tokenRecord(t, {
        username: user?.username ?? '',
        projectName: project?.name ?? '',
        isAdminProject: project ? project.name === 'admin' || project.admin : false,
        roles: [...roles.values()].filter((r) => roleIds.has(r.id)).map((r) => ({ name: r.name, id: r.id })),
      });
    });
  }
}
