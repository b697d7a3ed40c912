import type { Session } from '../../auth/session';

/** OSM's `_admin` ownership of a project-scoped record. `ANY` in projects_read = public. */
export interface Ownership {
  projects_read: string[];
  projects_write: string[];
}

export const PUBLIC_PROJECT = 'ANY';

/** Ownership of a record created by this session: SET_PROJECT or the token's project, plus ANY when PUBLIC. */
export function ownershipFor(session: Session, makePublic = false): Ownership {
  const projects = session.setProject?.length ? [...session.setProject] : [session.projectId];
  return {
    projects_read: makePublic || session.public ? [...projects, PUBLIC_PROJECT] : projects,
    projects_write: [...projects],
  };
}

/**
 * OSM's project filter (`_get_project_filter`): show and edit see own and public records; list and
 * delete see own records only, plus public ones with `PUBLIC=true`. `ADMIN` (no projects) sees all.
 */
export function visibleTo(session: Session, owner: Ownership, method: 'list' | 'show' | 'write' | 'delete'): boolean {
  if (session.projectIds.length === 0) return true;
  const own = owner.projects_read.some((p) => session.projectIds.includes(p));
  const isPublic = owner.projects_read.includes(PUBLIC_PROJECT);
  if (method === 'show' || method === 'write') return own || isPublic;
  if (session.public === true) return own || isPublic;
  if (session.public === false) return own && !isPublic;
  return own;
}

/** The session's projects may change or delete it. */
export function writableBy(session: Session, owner: Ownership): boolean {
  if (session.projectIds.length === 0) return true;
  return owner.projects_write.some((p) => p === PUBLIC_PROJECT || session.projectIds.includes(p));
}
