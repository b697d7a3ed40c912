import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Not, Repository } from 'typeorm';
import { DomainError } from '../common/errors/domain-error';
import { Transactions } from '../database/transactions';
import { applyListFilters, Query } from '../common/http/list-filters';
import { newId, nowSeconds } from '../common/ids';
import { hashPassword, verifyPassword } from '../common/security/passwords';
import { assertNotUuid, Directory } from './directory';
import { TokenEntity } from '../records/auth/token.entity';
import { ProjectRoleMapping, UserEntity } from '../records/auth/user.entity';
import { LoginThrottle } from './login-throttle';
import { firstEscalation, grantsAdmin } from './permissions';
import { OsmRecord, userRecord } from './records';
import { MappingInput, UserEdit, userCreateSchema, userEditSchema } from './schemas';
import { Session } from './session';

const sameMapping = (a: ProjectRoleMapping, b: ProjectRoleMapping): boolean => a.project === b.project && a.role === b.role;

@Injectable()
export class UsersService {
  constructor(
    private readonly dir: Directory,
    private readonly transactions: Transactions,
    private readonly throttle: LoginThrottle,
    @InjectRepository(TokenEntity) private readonly tokens: Repository<TokenEntity>,
  ) {}

  /** Everyone may list users, but without the users permission only their own record shows (OSM bug 853). */
  async list(session: Session, query: Query): Promise<OsmRecord[]> {
    const users = session.allowShowUserProjectRole
      ? await this.dir.users.find({ order: { created: 'ASC' } })
      : await this.dir.users.findBy({ id: session.userId });
    const [projects, roles] = await Promise.all([this.dir.projectMap(), this.dir.roleMap()]);
    return applyListFilters(
      users.map((u) => userRecord(u, projects, roles)),
      query,
    );
  }

  async show(session: Session, ref: string): Promise<OsmRecord> {
    const user = await this.visible(session, ref);
    return userRecord(user, await this.dir.projectMap(), await this.dir.roleMap());
  }

  async create(session: Session, body: unknown): Promise<string> {
    const input = userCreateSchema.validate(body);
    assertNotUuid(input.username, 'user');
    await this.dir.assertNameFree(this.dir.users, { username: input.username }, 'user');
    const mappings = await this.dir.resolveMappings('project_role_mappings', input.project_role_mappings ?? [], session.force);
    for (const m of await this.legacyProjects('projects', input.projects, session.force)) {
      if (!mappings.some((x) => sameMapping(x, m))) mappings.push(m);
    }
    await this.assertMayGrant(session, undefined, mappings);
    const now = nowSeconds();
    const user = this.dir.users.create({
      id: newId(),
      username: input.username,
      passwordHash: await hashPassword(input.password),
      domainName: input.domain_name ?? null,
      mappings,
      created: now,
      modified: now,
    });
    await this.dir.users.insert(user).catch(duplicateAs('user', input.username));
    return user.id;
  }

  /** PATCH and PUT alike: OSM merges both. */
  async edit(session: Session, ref: string, body: unknown): Promise<void> {
    const input = userEditSchema.validate(body);
    const user = await this.visible(session, ref);
    if (session.passwordChangeOnly) assertOnlyPasswordChange(input, user.id === session.userId);
    if (input.project_role_mappings && (input.add_project_role_mappings || input.remove_project_role_mappings)) {
      throw DomainError.badRequest(
        'USER.INCOMPATIBLE_OPTIONS',
        "Option 'project_role_mappings' is incompatible with 'add_project_role_mappings' or 'remove_project_role_mappings'",
      );
    }
    await this.checkOldPassword(user, input);
    if (input.username !== undefined && input.username !== user.username) {
      assertNotUuid(input.username, 'user');
      await this.dir.assertNameFree(this.dir.users, { username: input.username }, 'user');
      user.username = input.username;
    }
    const mappings = await this.editedMappings(user, input, session.force);
    await this.assertMayGrant(
      session,
      user.id,
      mappings.filter((m) => !user.mappings.some((x) => sameMapping(x, m))),
    );
    user.mappings = mappings;
    const passwordChanged = input.password !== undefined;
    if (passwordChanged) {
      user.passwordHash = await hashPassword(input.password!);
      user.mustChangePassword = false;
    }
    user.modified = nowSeconds();
    await this.transactions.run(async (tx) => {
      await tx.save(user).catch(duplicateAs('user', user.username));
      // a new password ends the user's other sessions (and the token that was only good for changing it)
      if (passwordChanged) {
        const keep = session.passwordChangeOnly || user.id !== session.userId ? {} : { tokenHash: Not(session.tokenHash) };
        await tx.delete(TokenEntity, { userId: user.id, ...keep });
      }
    });
    if (input.unlock) await this.throttle.forgetUser(user.id);
  }

  /** When a forced change is made the current password proves it is the user; when given, it must match. */
  private async checkOldPassword(user: UserEntity, input: UserEdit): Promise<void> {
    if (input.old_password === undefined) return;
    if (!(await verifyPassword(input.old_password, user.passwordHash))) {
      throw DomainError.invalidFields('USER.WRONG_OLD_PASSWORD', [
        { path: 'old_password', message: 'does not match the current password' },
      ]);
    }
    if (input.password === input.old_password) {
      throw DomainError.invalidFields('USER.SAME_PASSWORD', [
        { path: 'password', message: 'must differ from the current password' },
      ]);
    }
  }

  /**
   * Below system administrators nobody grants roles with `admin` powers, and nobody gives themselves a role
   * with a permission their own roles lack (an account manager cannot raise itself).
   */
  private async assertMayGrant(session: Session, userId: string | undefined, added: ProjectRoleMapping[]): Promise<void> {
    if (session.isAdmin || added.length === 0) return;
    const roles = await this.dir.roleMap();
    const held = session.roles.map((r) => roles.get(r.id)?.permissions ?? {});
    for (const m of added) {
      const role = m.role ? roles.get(m.role) : undefined;
      if (!role) continue;
      if (grantsAdmin(role.permissions)) {
        throw new DomainError(403, 'USER.ROLE_ESCALATION', `Only a system administrator may grant role '${role.name}'`);
      }
      const beyond = userId === session.userId ? firstEscalation(role.permissions, held) : undefined;
      if (beyond !== undefined) {
        throw new DomainError(
          403,
          'USER.ROLE_ESCALATION',
          `You cannot give yourself role '${role.name}': it grants '${beyond}', which your roles do not`,
        );
      }
    }
  }

  async remove(session: Session, ref: string): Promise<void> {
    const user = await this.visible(session, ref);
    if (user.id === session.userId) {
      throw DomainError.conflict('USER.DELETE_SELF', 'You cannot delete your own login user');
    }
    await this.transactions.run(async (tx) => {
      await tx.delete(TokenEntity, { userId: user.id });
      await tx.delete(UserEntity, { id: user.id });
    });
  }

  private async visible(session: Session, ref: string): Promise<UserEntity> {
    const user = await this.dir.findUser(ref);
    if (!user || (!session.allowShowUserProjectRole && user.id !== session.userId)) {
      throw DomainError.notFound('USER.NOT_FOUND', `User '${ref}' not found`);
    }
    return user;
  }

  /** OSM's edit semantics: remove, then add, then (if given) replace the whole list. */
  private async editedMappings(user: UserEntity, input: UserEdit, force: boolean) {
    let result = [...user.mappings];
    if (input.remove_project_role_mappings) {
      const projects = await this.dir.projectMap();
      const roles = await this.dir.roleMap();
      const matches = (ref: string, id: string | null, name?: string): boolean =>
        ref === id || (name !== undefined && ref === name);
      result = result.filter(
        (m) =>
          !input.remove_project_role_mappings!.some(
            (r: MappingInput) =>
              matches(r.project, m.project, m.project ? projects.get(m.project)?.name : undefined) &&
              (!r.role || matches(r.role, m.role, m.role ? roles.get(m.role)?.name : undefined)),
          ),
      );
    }
    const added = [
      ...(await this.dir.resolveMappings('add_project_role_mappings', input.add_project_role_mappings ?? [], force)),
      ...(await this.legacyProjects('projects', input.projects, force)),
    ];
    for (const m of added) if (!result.some((x) => sameMapping(x, m))) result.push(m);
    if (input.project_role_mappings) {
      result = await this.dir.resolveMappings('project_role_mappings', input.project_role_mappings, force);
    }
    return result;
  }

  /** The pre-R6 `projects: [names]` form grants `project_admin` in each, as OSM does. */
  private async legacyProjects(field: string, projects: string[] | undefined, force: boolean) {
    if (!projects?.length) return [];
    return this.dir.resolveMappings(
      field,
      projects.map((project) => ({ project, role: 'project_admin' })),
      force,
    );
  }
}

/** A token minted for a forced change carries the current and the new password of its own user, nothing else. */
function assertOnlyPasswordChange(input: UserEdit, own: boolean): void {
  const other = Object.keys(input).find((k) => k !== 'password' && k !== 'old_password');
  if (!own || other !== undefined || input.password === undefined || input.old_password === undefined) {
    throw DomainError.invalidFields('USER.PASSWORD_CHANGE_REQUIRED', [
      {
        path: other ?? (input.password === undefined ? 'password' : 'old_password'),
        message: 'this token may only change its own password: send old_password and password',
      },
    ]);
  }
}

/** A unique-constraint race between two creators ends as OSM's 409, not a 500. */
export function duplicateAs(what: string, name: string) {
  return (e: unknown): never => {
    const text = String((e as Error)?.message ?? e);
    if (/unique|duplicate/i.test(text)) {
      throw DomainError.conflict(`${what.toUpperCase()}.DUPLICATE`, `${what} '${name}' already exists`);
    }
    throw e;
  };
}
