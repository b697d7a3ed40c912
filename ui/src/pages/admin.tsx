import { useState } from 'preact/hooks';
import { api } from '../api';
import { confirmed, ErrorBox, Page, Table, useApi } from '../components';

interface User {
  _id: string;
  username: string;
  project_role_mappings?: { project_name?: string; project?: string; role_name?: string; role?: string }[];
}
interface Project {
  _id: string;
  name: string;
}
interface Role {
  _id: string;
  name: string;
}

/** Users, projects and roles (admins only; the API refuses others anyway). Passwords are write-only. */
export function AdminPage() {
  const users = useApi<User[]>('/osm/admin/v1/users');
  const projects = useApi<Project[]>('/osm/admin/v1/projects');
  const roles = useApi<Role[]>('/osm/admin/v1/roles');
  const [u, setU] = useState({ username: '', password: '', project: '', role: '' });
  const [projectName, setProjectName] = useState('');
  const [error, setError] = useState<Error>();
  const act = async (fn: () => Promise<unknown>) => {
    setError(undefined);
    try {
      await fn();
      users.reload();
      projects.reload();
    } catch (e) {
      setError(e as Error);
    }
  };
  const project = u.project || projects.data?.[0]?.name || '';
  const role = u.role || roles.data?.find((r) => r.name === 'project_user')?.name || roles.data?.[0]?.name || '';
  return (
    <Page title="Users, projects and roles">
      <ErrorBox error={error ?? users.error} />
      <div class="cards">
        <form
          class="card form"
          aria-label="New user"
          onSubmit={(e) => {
            e.preventDefault();
            void act(() =>
              api('/osm/admin/v1/users', {
                body: { username: u.username, password: u.password, project_role_mappings: [{ project, role }] },
              }),
            );
          }}
        >
          <h2>New user</h2>
          <label>
            Username
            <input required value={u.username} onInput={(e) => setU({ ...u, username: e.currentTarget.value })} />
          </label>
          <label>
            Password
            <input
              type="password"
              autoComplete="new-password"
              required
              value={u.password}
              onInput={(e) => setU({ ...u, password: e.currentTarget.value })}
            />
          </label>
          <label>
            Project
            <select value={project} onChange={(e) => setU({ ...u, project: e.currentTarget.value })}>
              {projects.data?.map((p) => (
                <option key={p._id}>{p.name}</option>
              ))}
            </select>
          </label>
          <label>
            Role
            <select value={role} onChange={(e) => setU({ ...u, role: e.currentTarget.value })}>
              {roles.data?.map((r) => (
                <option key={r._id}>{r.name}</option>
              ))}
            </select>
          </label>
          <button type="submit">Create user</button>
        </form>
        <form
          class="card form"
          aria-label="New project"
          onSubmit={(e) => {
            e.preventDefault();
            void act(() => api('/osm/admin/v1/projects', { body: { name: projectName } }));
          }}
        >
          <h2>New project</h2>
          <label>
            Name
            <input required value={projectName} onInput={(e) => setProjectName(e.currentTarget.value)} />
          </label>
          <button type="submit">Create project</button>
        </form>
      </div>
      <h2>Users</h2>
      <Table
        label="Users"
        rows={users.data}
        columns={[
          { title: 'Username', cell: (x) => x.username },
          {
            title: 'Projects and roles',
            cell: (x) =>
              (x.project_role_mappings ?? []).map((m) => `${m.project_name ?? m.project}: ${m.role_name ?? m.role}`).join(', '),
          },
          {
            title: '',
            cell: (x) => (
              <button
                type="button"
                class="danger small"
                aria-label={`Delete user ${x.username}`}
                onClick={() =>
                  confirmed(`Delete user ${x.username}?`) &&
                  void act(() => api(`/osm/admin/v1/users/${x._id}`, { method: 'DELETE' }))
                }
              >
                Delete
              </button>
            ),
          },
        ]}
      />
      <h2>Projects</h2>
      <Table
        label="Projects"
        rows={projects.data}
        columns={[
          { title: 'Name', cell: (p) => p.name },
          { title: 'Id', cell: (p) => <code>{p._id}</code> },
        ]}
      />
      <h2>Roles</h2>
      <Table
        label="Roles"
        rows={roles.data}
        columns={[
          { title: 'Name', cell: (r) => r.name },
          { title: 'Id', cell: (r) => <code>{r._id}</code> },
        ]}
      />
    </Page>
  );
}
