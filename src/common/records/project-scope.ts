/**
 * The one project-scope policy: which records a session may list, read, change (edit, upload, instantiate,
 * operate) and delete, from the record's `_admin.projects_read` / `_admin.projects_write` and the session's
 * projects and OSM admin query strings. It follows OSM's `_get_project_filter` (NBI `base_topic.py`):
 *
 * | action | visible when (P = the session's projects, ANY = public)                                        |
 * |--------|-----------------------------------------------------------------------------------------------|
 * | list   | projects_read ∩ P; with `PUBLIC=true` also public ones; `PUBLIC=false` hides public ones         |
 * | read   | projects_read ∩ (P ∪ ANY)                                                                     |
 * | write  | projects_write ∩ (P ∪ ANY) — edit, upload, share (`SET_PROJECT`), instantiate, any operation   |
 * | delete | as list; then {@link ProjectScope.deletion} says whether it is unshared, deleted or refused     |
 *
 * `ADMIN` (admin roles only; checked where the session is built) empties P = every project. A record that is
 * not visible for the action answers 404, so another project's records do not reveal that they exist; a public
 * record another project can read but not write answers 404 on writes too, as in OSM.
 *
 * Use (services, and new record kinds such as slices):
 * ```ts
 * const scope = ProjectScope.of(session);
 * rows.filter((r) => scope.canList(r));                 // lists
 * if (!scope.canWrite(row)) throw DomainError.notFound(…); // edits and operations
 * const owner = scope.forNew();                          // {projectsRead, projectsWrite} of a new record
 * ```
 * Rows are anything with `projectsRead` and `projectsWrite` (the entity columns). Session fields are read as
 * own properties only, so nothing inherited (a polluted `Object.prototype.public`) can change the answer.
 */

/** What the scope reads of a session (the auth module's Session has these). */
export interface ScopeSession {
  /** The token's project: owner of what this session creates when SET_PROJECT is not given. */
  projectId: string;
  /** Projects whose records the request may touch; empty = all projects (`ADMIN` with no value). */
  projectIds: string[];
  /** `PUBLIC=true/false` when given. */
  public?: boolean;
  /** `SET_PROJECT`: the projects a created or edited record is shared with. */
  setProject?: string[];
}

/** A record's owners, as stored in its columns. */
export interface OwnedRow {
  projectsRead: string[];
  projectsWrite: string[];
}

/** OSM's `_admin` ownership of a project-scoped record. `ANY` in projects_read = public. */
export interface Ownership {
  projects_read: string[];
  projects_write: string[];
}

export const PUBLIC_PROJECT = 'ANY';

export type ScopeAction = 'list' | 'read' | 'write' | 'delete';

function ownValue<K extends keyof ScopeSession>(session: ScopeSession, key: K): ScopeSession[K] | undefined {
  return Object.prototype.hasOwnProperty.call(session, key) ? session[key] : undefined;
}

const strings = (v: unknown): string[] | undefined =>
  Array.isArray(v) && v.every((p) => typeof p === 'string') ? [...(v as string[])] : undefined;

export class ProjectScope {
  /** Empty = every project. */
  readonly projects: readonly string[];
  readonly publicFlag: boolean | undefined;
  readonly setProject: readonly string[] | undefined;
  private readonly tokenProject: string | undefined;

  private constructor(
    tokenProject: string | undefined,
    projects: string[],
    publicFlag: boolean | undefined,
    setProject?: string[],
  ) {
    this.tokenProject = tokenProject;
    this.projects = projects;
    this.publicFlag = publicFlag;
    this.setProject = setProject;
  }

  static of(session: ScopeSession): ProjectScope {
    const projects = strings(ownValue(session, 'projectIds'));
    const tokenProject = ownValue(session, 'projectId');
    // a session without its own project list is a programming error: never read it as "all projects"
    if (!projects) throw new Error('ProjectScope: the session has no projectIds');
    const pub = ownValue(session, 'public');
    return new ProjectScope(
      typeof tokenProject === 'string' ? tokenProject : undefined,
      projects,
      pub === true || pub === false ? pub : undefined,
      strings(ownValue(session, 'setProject')),
    );
  }

  /** The same session with `PUBLIC` as given (e.g. `true` to resolve references, `undefined` for uniqueness). */
  withPublic(publicFlag: boolean | undefined): ProjectScope {
    return new ProjectScope(
      this.tokenProject,
      [...this.projects],
      publicFlag,
      this.setProject ? [...this.setProject] : undefined,
    );
  }

  /** The session acts for every project (`ADMIN`). */
  get allProjects(): boolean {
    return this.projects.length === 0;
  }

  can(action: ScopeAction, row: OwnedRow): boolean {
    switch (action) {
      case 'list':
      case 'delete':
        return this.canList(row);
      case 'read':
        return this.canRead(row);
      case 'write':
        return this.canWrite(row);
    }
  }

  canList(row: OwnedRow): boolean {
    if (this.allProjects) return true;
    const own = this.owns(row);
    const isPublic = row.projectsRead.includes(PUBLIC_PROJECT);
    if (this.publicFlag === true) return own || isPublic;
    if (this.publicFlag === false) return own && !isPublic;
    return own;
  }

  canRead(row: OwnedRow): boolean {
    return this.allProjects || this.owns(row) || row.projectsRead.includes(PUBLIC_PROJECT);
  }

  canWrite(row: OwnedRow): boolean {
    return this.allProjects || row.projectsWrite.some((p) => p === PUBLIC_PROJECT || this.projects.includes(p));
  }

  canDelete(row: OwnedRow): boolean {
    return this.canList(row);
  }

  /** One of the session's projects reads it (public alone is not enough). */
  owns(row: OwnedRow): boolean {
    return this.allProjects || row.projectsRead.some((p) => this.projects.includes(p));
  }

  /**
   * What a DELETE of a visible record does (OSM `BaseTopic.delete`): when other projects read it too, only the
   * session's projects are removed from it (`unshare`); otherwise it goes if the session may write it, else it is
   * refused (401 "You have not write permission to delete it", as OSM).
   */
  deletion(row: OwnedRow): 'unshare' | 'delete' | 'denied' {
    if (this.allProjects) return 'delete';
    const others = row.projectsRead.some((p) => p !== PUBLIC_PROJECT && !this.projects.includes(p));
    if (others && this.owns(row)) return 'unshare';
    return this.canWrite(row) ? 'delete' : 'denied';
  }

  /** The owners left after `unshare`. */
  withoutSession(row: OwnedRow): OwnedRow {
    return {
      projectsRead: row.projectsRead.filter((p) => !this.projects.includes(p)),
      projectsWrite: row.projectsWrite.filter((p) => !this.projects.includes(p)),
    };
  }

  /** Owners of a record this session creates: SET_PROJECT or the token's project; readable by ANY with PUBLIC. */
  forNew(makePublic = false): OwnedRow {
    if (!this.setProject?.length && this.tokenProject === undefined) throw new Error('ProjectScope: the session has no project');
    const projects = this.setProject?.length ? [...this.setProject] : [this.tokenProject!];
    return {
      projectsRead: makePublic || this.publicFlag === true ? [...projects, PUBLIC_PROJECT] : projects,
      projectsWrite: [...projects],
    };
  }

  /**
   * Owners after `PATCH …?SET_PROJECT=…` (OSM `check_conflict_on_edit`): the projects are added to the readers.
   * The caller must have checked {@link canWrite} first; naming a project outside the session's needs ADMIN.
   */
  sharedWith(row: OwnedRow): OwnedRow {
    return {
      projectsRead: [...new Set([...row.projectsRead, ...(this.setProject ?? [])])],
      projectsWrite: [...row.projectsWrite],
    };
  }
}

/** The `_admin` form of a row's owners. */
export const ownershipOf = (row: OwnedRow): Ownership => ({ projects_read: row.projectsRead, projects_write: row.projectsWrite });
