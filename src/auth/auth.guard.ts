import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { InjectRepository } from '@nestjs/typeorm';
import type { Request } from 'express';
import { In, Repository } from 'typeorm';
import { DomainError } from '../common/errors/domain-error';
import { isUuid } from '../common/ids';
import { setContextProject } from '../common/logging/request-context';
import { AuthService, Caller, CHANGE_PASSWORD, mustChangePassword } from './auth.service';
import { ProjectEntity } from '../records/auth/project.entity';
import { FILTERED_WHEN_DENIED, roleAllows } from './permissions';
import { AUTHENTICATED_ONLY, PERMISSION_KEY, PUBLIC_ROUTE_KEY, Session } from './session';

const ADMIN_QUERY_KEYS = ['FORCE', 'PUBLIC', 'ADMIN', 'SET_PROJECT'] as const;

export type AuthedRequest = Request & { session?: Session; caller?: Caller };

export function bearerOf(req: Request): string | undefined {
  const header = req.headers.authorization;
  const match = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
  return match?.[1];
}

function queryValue(req: Request, key: string): string | undefined {
  const v = (req.query as Record<string, unknown>)[key];
  if (v === undefined) return undefined;
  return Array.isArray(v) ? v.map(String).join(',') : String(v);
}

/** A token for a forced password change may edit its own user (the service checks what) and see or end itself. */
function changesOwnPassword(operation: string, req: Request, caller: Caller): boolean {
  if (operation === AUTHENTICATED_ONLY) return true;
  const id = req.params?.id;
  return operation === 'users:id:patch' && (id === caller.user.id || id === caller.user.username);
}

/**
 * Authenticates the bearer token and applies OSM's RBAC: the route's operation and every admin
 * query string used (`force:<method>`, `admin:<method>`, …) must be allowed by one of the token's roles.
 * Denials answer 401, as OSM does. The resulting Session carries OSM's admin query.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly auth: AuthService,
    @InjectRepository(ProjectEntity) private readonly projects: Repository<ProjectEntity>,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const targets = [ctx.getHandler(), ctx.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE_KEY, targets)) return true;
    const operation = this.reflector.getAllAndOverride<string>(PERMISSION_KEY, targets);
    if (!operation) throw new Error(`route ${ctx.getClass().name}.${ctx.getHandler().name} declares no @Permission`);

    const req = ctx.switchToHttp().getRequest<AuthedRequest>();
    const caller = await this.auth.authenticate(bearerOf(req));
    if (caller.token.purpose === CHANGE_PASSWORD && !changesOwnPassword(operation, req, caller)) {
      throw mustChangePassword(caller.user.id);
    }
    const method = req.method.toLowerCase();
    const permissions = caller.roles.map((r) => r.permissions);
    const isAdmin = permissions.some((p) => roleAllows(p, `admin:${method}`));
    const queryOps = ADMIN_QUERY_KEYS.filter((k) => {
      const v = queryValue(req, k);
      return v !== undefined && v.toLowerCase() !== 'false';
    }).map((k) => `${k.toLowerCase()}:${method}`);

    const authenticatedOnly = operation === AUTHENTICATED_ONLY;
    const roleGrants = authenticatedOnly || permissions.some((p) => roleAllows(p, operation));
    const fullyAllowed = permissions.some(
      (p) => (authenticatedOnly || roleAllows(p, operation)) && queryOps.every((op) => roleAllows(p, op)),
    );
    let allowShowUserProjectRole = true;
    if (!fullyAllowed) {
      const itemId = req.params?.id;
      const ownUser = operation === 'users:id:get' && (itemId === caller.user.id || itemId === caller.user.username);
      if (FILTERED_WHEN_DENIED.includes(operation) || ownUser) {
        allowShowUserProjectRole = false;
      } else {
        throw DomainError.unauthorized(
          roleGrants
            ? 'Access denied: You have not permissions to use these admin query string'
            : 'Access denied: lack of permissions.',
          'AUTH.PERMISSION_DENIED',
        );
      }
    }
    req.caller = caller;
    req.session = await this.buildSession(req, caller, isAdmin, allowShowUserProjectRole);
    setContextProject(caller.project.id);
    return true;
  }

  /** OSM's `_manage_admin_query`. */
  private async buildSession(req: Request, caller: Caller, isAdmin: boolean, allowShow: boolean): Promise<Session> {
    const session: Session = {
      tokenHash: caller.token.tokenHash,
      userId: caller.user.id,
      username: caller.user.username,
      projectId: caller.project.id,
      projectName: caller.project.name,
      roles: caller.roles.map((r) => ({ id: r.id, name: r.name })),
      isAdmin,
      projectIds: [caller.project.id],
      force: false,
      allowShowUserProjectRole: allowShow,
      passwordChangeOnly: caller.token.purpose === CHANGE_PASSWORD,
    };
    const force = queryValue(req, 'FORCE');
    if (force !== undefined) session.force = force.toLowerCase() !== 'false';
    const pub = queryValue(req, 'PUBLIC');
    if (pub !== undefined) session.public = pub.toLowerCase() !== 'false';
    const admin = queryValue(req, 'ADMIN');
    if (admin !== undefined && admin.toLowerCase() !== 'false') {
      if (!isAdmin) throw DomainError.unauthorized("Only admin projects can use 'ADMIN' query string", 'AUTH.PERMISSION_DENIED');
      session.projectIds = admin === '' || admin.toLowerCase() === 'true' ? [] : await this.projectIdsOf(admin.split(','));
    }
    const setProject = queryValue(req, 'SET_PROJECT');
    if (setProject !== undefined) {
      if (setProject === '') {
        session.setProject = [...session.projectIds];
      } else {
        const wanted = await this.projectIdsOf(setProject.split(','));
        const outside = wanted.find((p) => session.projectIds.length > 0 && !session.projectIds.includes(p));
        if (outside) {
          throw DomainError.unauthorized(
            `Unauthorized for 'SET_PROJECT=${outside}'. Try with 'ADMIN=True' or 'ADMIN='${outside}'`,
          );
        }
        session.setProject = wanted;
      }
    }
    return session;
  }

  /** Accepts project ids or names; unknown names are kept as given (they match nothing). */
  private async projectIdsOf(refs: string[]): Promise<string[]> {
    const names = refs.filter((r) => !isUuid(r));
    const found = names.length ? await this.projects.findBy({ name: In(names) }) : [];
    return refs.map((r) => (isUuid(r) ? r : (found.find((p) => p.name === r)?.id ?? r)));
  }
}
