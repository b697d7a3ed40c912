import type { Session } from '../auth/session';
import { visibleTo } from '../common/records/project-scope';
import type { SliceOwner } from '../lcm/slice-port';

/**
 * The one place this module decides whether a session may see or change a slice record: today the same rule as
 * NS instances use (OSM's project filter); the project-scope policy replaces its body.
 */
export function sliceScope(session: Session, e: SliceOwner, method: 'list' | 'show' | 'write' | 'delete'): boolean {
  return visibleTo(session, { projects_read: e.projectsRead, projects_write: e.projectsWrite }, method);
}

/** The session a slice operation's NS operations run under: the NSI's own projects, nothing more. */
export function ownerSession(owner: SliceOwner): Session {
  const projects = owner.projectsWrite.filter((p) => p !== 'ANY');
  return {
    tokenHash: '',
    userId: 'slice-lcm',
    username: 'slice-lcm',
    projectId: projects[0] ?? '',
    projectName: '',
    roles: [],
    isAdmin: false,
    projectIds: projects,
    force: false,
    setProject: projects,
    public: owner.projectsRead.includes('ANY') ? true : undefined,
    allowShowUserProjectRole: false,
  };
}
