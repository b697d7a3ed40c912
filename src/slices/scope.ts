import type { Session } from '../auth/session';
import { ProjectScope } from '../common/records/project-scope';
import type { SliceOwner } from '../lcm/slice-port';

/**
 * Whether a session may see or change a slice record: the project-scope policy every service uses. Deleting a slice
 * instance terminates what it runs, so it needs write rights, as operations do.
 */
export function sliceScope(session: Session, e: SliceOwner, method: 'list' | 'show' | 'write' | 'delete'): boolean {
  const scope = ProjectScope.of(session);
  if (method === 'list') return scope.canList(e);
  if (method === 'show') return scope.canRead(e);
  return scope.canWrite(e);
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
