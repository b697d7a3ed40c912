import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Not, Repository } from 'typeorm';
import { DomainError } from '../common/errors/domain-error';
import { Transactions } from '../database/transactions';
import { applyListFilters, Query } from '../common/http/list-filters';
import { newId, nowSeconds } from '../common/ids';
import { hashPassword } from '../common/security/passwords';
import { assertNotUuid, Directory } from './directory';
import { TokenEntity } from './entities/token.entity';
import { ProjectRoleMapping, UserEntity } from './entities/user.entity';
import { OsmRecord, userRecord } from './records';
import { MappingInput, userCreateSchema, userEditSchema } from './schemas';
import { Session } from './session';

const sameMapping = (a: ProjectRoleMapping, b: ProjectRoleMapping): boolean => a.project === b.project && a.role === b.role;

@Injectable()
export class UsersService {
  constructor(
    private readonly dir: Directory,
    private readonly transactions: Transactions,
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
    if (input.project_role_mappings && (input.add_project_role_mappings || input.remove_project_role_mappings)) {
      throw DomainError.badRequest(
        'USER.INCOMPATIBLE_OPTIONS',
        "Option 'project_role_mappings' is incompatible with 'add_project_role_mappings' or 'remove_project_role_mappings'",
      );
    }
    if (input.username !== undefined && input.username !== user.username) {
      assertNotUuid(input.username, 'user');
      await this.dir.assertNameFree(this.dir.users, { username: input.username }, 'user');
      user.username = input.username;
    }
    user.mappings = await this.editedMappings(user, input, session.force);
    const passwordChanged = input.password !== undefined;
    if (passwordChanged) user.passwordHash = await hashPassword(input.password!);
    user.modified = nowSeconds();
    await this.transactions.run(async (tx) => {
      await tx.save(user).catch(duplicateAs('user', user.username));
      // a new password ends the user's other sessions
      if (passwordChanged) await tx.delete(TokenEntity, { userId: user.id, tokenHash: Not(session.tokenHash) });
    });
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
  private async editedMappings(user: UserEntity, input: ReturnType<typeof userEditSchema.validate>, force: boolean) {
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
