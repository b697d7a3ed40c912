import { Injectable } from '@nestjs/common';
import { DomainError } from '../common/errors/domain-error';
import { NO_TX, Transactions } from '../database/transactions';
import { applyListFilters, Query } from '../common/http/list-filters';
import { newId, nowSeconds } from '../common/ids';
import { assertNotUuid, Directory } from './directory';
import { ProjectEntity } from '../records/auth/project.entity';
import { TokenEntity } from '../records/auth/token.entity';
import { UserEntity } from '../records/auth/user.entity';
import { OsmRecord, projectRecord } from './records';
import { projectCreateSchema, projectEditSchema } from './schemas';
import { Session } from './session';
import { duplicateAs } from './users.service';

export const ADMIN_PROJECT = 'admin';

@Injectable()
export class ProjectsService {
  constructor(
    private readonly dir: Directory,
    private readonly transactions: Transactions,
  ) {}

  /** Without the projects permission only the caller's own projects show (OSM bug 853). */
  async list(session: Session, query: Query): Promise<OsmRecord[]> {
    let projects = await this.dir.projects.find({ order: { created: 'ASC' } });
    if (!session.allowShowUserProjectRole) {
      const mine = await this.ownProjectIds(session);
      projects = projects.filter((p) => mine.has(p.id));
    }
    return applyListFilters(projects.map(projectRecord), query);
  }

  async show(session: Session, ref: string): Promise<OsmRecord> {
    return projectRecord(await this.visible(session, ref));
  }

  async create(_session: Session, body: unknown): Promise<string> {
    const input = projectCreateSchema.validate(body);
    assertNotUuid(input.name, 'project');
    await this.dir.assertNameFree(this.dir.projects, { name: input.name }, 'project');
    const now = nowSeconds();
    const project = this.dir.projects.create({
      id: newId(),
      name: input.name,
      admin: input.admin ?? false,
      quotas: input.quotas ?? null,
      domainName: input.domain_name ?? null,
      created: now,
      modified: now,
    });
    await this.dir.projects.insert(project).catch(duplicateAs('project', input.name));
    return project.id;
  }

  async edit(session: Session, ref: string, body: unknown): Promise<void> {
    const input = projectEditSchema.validate(body);
    const project = await this.visible(session, ref);
    if (input.name !== undefined && input.name !== project.name) {
      assertNotUuid(input.name, 'project');
      if (project.name === ADMIN_PROJECT) throw DomainError.conflict('PROJECT.PROTECTED', "You cannot rename project 'admin'");
      await this.dir.assertNameFree(this.dir.projects, { name: input.name }, 'project');
      project.name = input.name;
    }
    if (input.admin !== undefined) project.admin = input.admin;
    if (input.quotas) {
      const quotas: Record<string, number> = { ...(project.quotas ?? {}) };
      for (const [topic, limit] of Object.entries(input.quotas)) {
        if (limit === null) delete quotas[topic];
        else quotas[topic] = limit;
      }
      project.quotas = Object.keys(quotas).length ? quotas : null;
    }
    project.modified = nowSeconds();
    await this.dir.projects.save(project, NO_TX).catch(duplicateAs('project', project.name));
  }

  async remove(session: Session, ref: string): Promise<void> {
    const project = await this.visible(session, ref);
    if (project.id === session.projectId) throw DomainError.conflict('PROJECT.DELETE_OWN', 'You cannot delete your own project');
    if (project.name === ADMIN_PROJECT) throw DomainError.conflict('PROJECT.PROTECTED', "You cannot delete project 'admin'");
    const users = await this.dir.users.find();
    const user = users.find((u) => u.mappings.some((m) => m.project === project.id));
    if (user && !session.force) {
      throw DomainError.conflict(
        'PROJECT.IN_USE',
        `Project '${project.name}' (${project.id}) is being used by user '${user.username}'`,
      );
    }
    if (!session.force) {
      // OSM: descriptors, instances and VIM accounts of the project keep it (unless FORCE)
      const owned = await this.ownedRecord(project.id);
      if (owned)
        throw DomainError.conflict('PROJECT.IN_USE', `Project '${project.name}' (${project.id}) is being used by ${owned}`);
    }
    await this.transactions.run(async (tx) => {
      // FORCE: the grants and sessions in the deleted project go with it
      for (const u of users.filter((x) => x.mappings.some((m) => m.project === project.id))) {
        u.mappings = u.mappings.filter((m) => m.project !== project.id);
        await tx.save(UserEntity, u);
      }
      await tx.delete(TokenEntity, { projectId: project.id });
      await tx.delete(ProjectEntity, { id: project.id });
    });
  }

  /** The oldest thing that belongs to the project, as a human reads it; undefined when nothing does. */
  private async ownedRecord(projectId: string): Promise<string | undefined> {
    const tables: [string, string][] = [
      ['catalog_items', 'kind'],
      ['ns_instances', 'name'],
      ['admin_accounts', 'name'],
    ];
    for (const [table, label] of tables) {
      const rows: { id: string; label: string; projects_read: string }[] = await this.transactions.dataSource.query(
        `SELECT id, ${label} AS label, projects_read FROM ${table} ORDER BY created`, // the oldest: the same answer on every database
      );
      const row = rows.find((r) => (JSON.parse(r.projects_read) as string[]).includes(projectId));
      if (row)
        return `${table === 'catalog_items' ? row.label : table === 'ns_instances' ? 'NS instance' : 'VIM/WIM/SDN account'} '${row.label}' (${row.id})`;
    }
    return undefined;
  }

  private async visible(session: Session, ref: string): Promise<ProjectEntity> {
    const project = await this.dir.findProject(ref);
    if (!project || (!session.allowShowUserProjectRole && !(await this.ownProjectIds(session)).has(project.id))) {
      throw DomainError.notFound('PROJECT.NOT_FOUND', `Project '${ref}' not found`);
    }
    return project;
  }

  private async ownProjectIds(session: Session): Promise<Set<string>> {
    const me = await this.dir.users.findOneBy({ id: session.userId });
    return new Set((me?.mappings ?? []).map((m) => m.project).filter((p): p is string => !!p));
  }
}
