/**
 * OSM's role-based access model, as pure functions.
 *
 * A role's `permissions` maps operation prefixes to booleans, e.g. `{default: false, vnfds: true,
 * "vims:get": true}`. The value for an operation such as `users:id:patch` is taken from the most
 * specific key that is the operation itself or a `:`-prefix of it, falling back to `default`.
 * Query-string powers are operations too: `admin:<method>`, `force:<method>`, `public:<method>`,
 * `set_project:<method>`.
 */
export type Permissions = Record<string, boolean>;

export interface DefaultRole {
  name: string;
  permissions: Permissions;
}

/** OSM's default roles (Release 8 NBI `roles_to_operations.yml`), seeded on first start. */
export const DEFAULT_ROLES: DefaultRole[] = [
  { name: 'system_admin', permissions: { default: true, admin: true } },
  {
    name: 'account_manager',
    permissions: { default: false, admin: false, force: true, tokens: true, users: true, projects: true, roles: true },
  },
  { name: 'project_admin', permissions: { default: true, admin: false, users: false, projects: false, roles: false } },
  {
    name: 'project_user',
    permissions: {
      default: false,
      admin: false,
      force: false,
      public: true,
      set_project: true,
      vnfds: true,
      nsds: true,
      slice_templates: true,
      ns_instances: true,
      vnf_instances: true,
      slice_instances: true,
      users: false,
      projects: false,
      roles: false,
      ...readOnly('vims', 'vim_accounts', 'sdn_controllers', 'k8sclusters', 'wims', 'wim_accounts', 'pduds'),
      k8srepos: true,
      osmrepos: true,
    },
  },
  { name: 'anonymous', permissions: {} },
];

function readOnly(...resources: string[]): Permissions {
  const out: Permissions = {};
  for (const r of resources) {
    out[r] = false;
    out[`${r}:get`] = true;
    out[`${r}:id:get`] = true;
  }
  return out;
}

/** Roles that cannot be renamed or deleted (OSM answers 403 there). */
export const PROTECTED_ROLES = ['system_admin', 'project_admin'];

export function roleAllows(permissions: Permissions, operation: string): boolean {
  let best: { depth: number; value: boolean } = { depth: -1, value: permissions.default === true };
  for (const [key, value] of Object.entries(permissions)) {
    if (key === 'default') continue;
    if (operation === key || operation.startsWith(`${key}:`)) {
      const depth = key.split(':').length;
      if (depth > best.depth) best = { depth, value };
    }
  }
  return best.value;
}

/** Listing (and showing) users, projects and roles is open to everyone, but filtered (OSM bug 853). */
export const FILTERED_WHEN_DENIED = ['projects:get', 'projects:id:get', 'roles:get', 'roles:id:get', 'users:get'];

export const PERMISSION_KEY_PATTERN = '^[a-z][a-z0-9_]*(:[a-z0-9_]+)*$';

/** The roles the service seeds: only a system administrator may change them (account managers may not). */
export const SYSTEM_ROLES = DEFAULT_ROLES.map((r) => r.name);

/** The role gives `admin` powers (other projects' records, `ADMIN` query strings) for some method. */
export function grantsAdmin(permissions: Permissions): boolean {
  if (roleAllows(permissions, 'admin')) return true;
  return Object.entries(permissions).some(([k, v]) => v === true && k.startsWith('admin:'));
}

/**
 * The first permission `candidate` grants that none of `held` grants as widely (a `true` key the holder lacks,
 * or a `true` key under which the holder is denied something the candidate would allow); undefined when the
 * candidate is within what is held.
 */
export function firstEscalation(candidate: Permissions, held: Permissions[]): string | undefined {
  for (const [key, value] of Object.entries(candidate)) {
    if (value !== true) continue;
    const covered = held.some((p) => {
      if (key === 'default' ? p.default !== true : !roleAllows(p, key)) return false;
      return Object.entries(p).every(
        ([k, v]) =>
          v !== false || k === 'default' || !(key === 'default' || k.startsWith(`${key}:`)) || !roleAllows(candidate, k),
      );
    });
    if (!covered) return key;
  }
  return undefined;
}
