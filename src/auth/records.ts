import { Caller } from './auth.service';
import { ProjectEntity } from '../records/auth/project.entity';
import { RoleEntity } from '../records/auth/role.entity';
import { TokenEntity } from '../records/auth/token.entity';
import { UserEntity } from '../records/auth/user.entity';

/** Wire shapes of the admin records, as OSM's NBI returns them (plus `id` beside `_id`). */
export type OsmRecord = Record<string, unknown> & { _id: string };

const adminMeta = (created: number, modified: number, projects: string[]): Record<string, unknown> => ({
  created,
  modified,
  projects_read: projects,
  projects_write: projects,
});

export function projectRecord(p: ProjectEntity): OsmRecord {
  return {
    _id: p.id,
    id: p.id,
    name: p.name,
    admin: p.admin,
    ...(p.quotas ? { quotas: p.quotas } : {}),
    ...(p.domainName ? { domain_name: p.domainName } : {}),
    _admin: adminMeta(p.created, p.modified, [p.id]),
  };
}

export function roleRecord(r: RoleEntity): OsmRecord {
  return { _id: r.id, id: r.id, name: r.name, permissions: r.permissions, _admin: adminMeta(r.created, r.modified, []) };
}

/** Never carries the password hash. */
export function userRecord(u: UserEntity, projects: Map<string, ProjectEntity>, roles: Map<string, RoleEntity>): OsmRecord {
  const mappings = u.mappings.map((m) => ({
    project: m.project,
    project_name: (m.project && projects.get(m.project)?.name) ?? null,
    role: m.role,
    role_name: (m.role && roles.get(m.role)?.name) ?? null,
  }));
  const projectIds = [...new Set(u.mappings.map((m) => m.project).filter((p): p is string => !!p))];
  return {
    _id: u.id,
    id: u.id,
    username: u.username,
    ...(u.domainName ? { domain_name: u.domainName } : {}),
    project_role_mappings: mappings,
    projects: [...new Set(mappings.map((m) => m.project_name).filter((n) => n !== null))],
    _admin: adminMeta(u.created, u.modified, projectIds),
  };
}

/**
 * OSM's token object. `bearer` is given only in the login answer; listings show the token's
 * SHA-256 as its id so that no listing ever reveals a usable token.
 */
export function tokenRecord(
  t: TokenEntity,
  who: { username: string; projectName: string; isAdminProject: boolean; roles: { id: string; name: string }[] },
  bearer?: string,
): OsmRecord {
  const id = bearer ?? t.tokenHash;
  return {
    _id: id,
    id,
    issued_at: t.issuedAt,
    expires: t.expires,
    project_id: t.projectId,
    project_name: who.projectName,
    username: who.username,
    user_id: t.userId,
    admin: who.isAdminProject,
    roles: who.roles,
    remote_host: t.remoteHost,
    remote_port: t.remotePort,
  };
}

export function callerTokenRecord(c: Caller, bearer?: string): OsmRecord {
  return tokenRecord(
    c.token,
    {
      username: c.user.username,
      projectName: c.project.name,
      isAdminProject: c.project.name === 'admin' || c.project.admin,
      roles: c.roles.map((r) => ({ name: r.name, id: r.id })),
    },
    bearer,
  );
}
