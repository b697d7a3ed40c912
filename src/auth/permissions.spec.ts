import { DEFAULT_ROLES, roleAllows } from './permissions';

const role = (name: string) => DEFAULT_ROLES.find((r) => r.name === name)!.permissions;

describe('roleAllows', () => {
  it('takes the most specific matching key, else default', () => {
    const p = { default: false, vims: false, 'vims:get': true, 'vims:id:get': true };
    expect(roleAllows(p, 'vims:get')).toBe(true);
    expect(roleAllows(p, 'vims:id:get')).toBe(true);
    expect(roleAllows(p, 'vims:id:delete')).toBe(false);
    expect(roleAllows(p, 'vims:post')).toBe(false);
    expect(roleAllows(p, 'nsds:get')).toBe(false);
    expect(roleAllows({ default: true, users: false }, 'users:id:patch')).toBe(false);
    expect(roleAllows({ default: true, users: false }, 'nsds:post')).toBe(true);
  });

  it('matches whole segments only', () => {
    expect(roleAllows({ default: false, vim: true }, 'vim_accounts:get')).toBe(false);
  });

  it('gives OSM default roles their powers', () => {
    expect(roleAllows(role('system_admin'), 'admin:get')).toBe(true);
    expect(roleAllows(role('system_admin'), 'users:id:delete')).toBe(true);
    expect(roleAllows(role('project_admin'), 'admin:get')).toBe(false);
    expect(roleAllows(role('project_admin'), 'users:post')).toBe(false);
    expect(roleAllows(role('project_admin'), 'ns_instances:id:instantiate:post')).toBe(true);
    expect(roleAllows(role('project_user'), 'vim_accounts:get')).toBe(true);
    expect(roleAllows(role('project_user'), 'vim_accounts:post')).toBe(false);
    expect(roleAllows(role('project_user'), 'force:delete')).toBe(false);
    expect(roleAllows(role('project_user'), 'public:get')).toBe(true);
    expect(roleAllows(role('account_manager'), 'users:post')).toBe(true);
    expect(roleAllows(role('account_manager'), 'vnfds:get')).toBe(false);
    expect(roleAllows(role('anonymous'), 'users:get')).toBe(false);
  });
});
