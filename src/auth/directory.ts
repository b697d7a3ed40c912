import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { FindOptionsWhere, Repository } from 'typeorm';
import { DomainError, FieldProblem } from '../common/errors/domain-error';
import { isUuid } from '../common/ids';
import { ProjectEntity } from '../records/auth/project.entity';
import { RoleEntity } from '../records/auth/role.entity';
import { ProjectRoleMapping, UserEntity } from '../records/auth/user.entity';
import { MappingInput } from './schemas';

/** Lookups shared by the users, projects and roles services: by id when the reference is a UUID, else by name. */
@Injectable()
export class Directory {
  constructor(
    @InjectRepository(UserEntity) readonly users: Repository<UserEntity>,
    @InjectRepository(ProjectEntity) readonly projects: Repository<ProjectEntity>,
    @InjectRepository(RoleEntity) readonly roles: Repository<RoleEntity>,
  ) {}

  findUser(ref: string): Promise<UserEntity | null> {
    return this.users.findOneBy(isUuid(ref) ? { id: ref } : { username: ref });
  }
  findProject(ref: string): Promise<ProjectEntity | null> {
    return this.projects.findOneBy(isUuid(ref) ? { id: ref } : { name: ref });
  }
  findRole(ref: string): Promise<RoleEntity | null> {
    return this.roles.findOneBy(isUuid(ref) ? { id: ref } : { name: ref });
  }

  async projectMap(): Promise<Map<string, ProjectEntity>> {
    return new Map((await this.projects.find()).map((p) => [p.id, p]));
  }
  async roleMap(): Promise<Map<string, RoleEntity>> {
    return new Map((await this.roles.find()).map((r) => [r.id, r]));
  }

  /**
   * Turns `{project, role}` pairs given by name or id into ids. Unknown references are 422s naming
   * the field, unless `force` (OSM keeps them as null then).
   */
  async resolveMappings(field: string, input: MappingInput[], force: boolean): Promise<ProjectRoleMapping[]> {
    const problems: FieldProblem[] = [];
    const out: ProjectRoleMapping[] = [];
    for (const [i, m] of input.entries()) {
      const project = await this.findProject(m.project);
      const role = m.role ? await this.findRole(m.role) : null;
      if (!project && !force) problems.push({ path: `${field}[${i}].project`, message: `project '${m.project}' not found` });
      if (m.role && !role && !force) problems.push({ path: `${field}[${i}].role`, message: `role '${m.role}' not found` });
      const mapping = { project: project?.id ?? null, role: role?.id ?? null };
      if (!out.some((o) => o.project === mapping.project && o.role === mapping.role)) out.push(mapping);
    }
    if (problems.length) {
      throw DomainError.invalidFields('USER.UNKNOWN_PROJECT_OR_ROLE', problems);
    }
    return out;
  }

  async assertNameFree<T extends object>(repo: Repository<T>, where: FindOptionsWhere<T>, what: string): Promise<void> {
    if (await repo.existsBy(where)) {
      throw DomainError.conflict(`${what.toUpperCase()}.DUPLICATE`, `${what} '${Object.values(where)[0]}' already exists`);
    }
  }
}

export function assertNotUuid(value: string | undefined, what: string): void {
  if (value !== undefined && isUuid(value)) {
    throw DomainError.unprocessable(`${what.toUpperCase()}.INVALID_NAME`, `${what} name '${value}' cannot have a uuid format`);
  }
}
