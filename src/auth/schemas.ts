import { BodySchema, Schema } from '../common/validation/json-schema';
import { PERMISSION_KEY_PATTERN } from './permissions';

/** Request bodies of the admin endpoints, with OSM's field rules (NBI `validation.py`, written anew). */
const shortName: Schema = { type: 'string', minLength: 1, maxLength: 60, pattern: '^[^,;()\\.\\$\'"]+$' };
const password: Schema = { type: 'string', minLength: 1, maxLength: 60 };
const mappings = (roleRequired: boolean): Schema => ({
  type: 'array',
  minItems: 1,
  items: {
    type: 'object',
    properties: { project: shortName, role: roleRequired ? shortName : { anyOf: [shortName, { type: 'null' }] } },
    required: roleRequired ? ['project', 'role'] : ['project'],
    additionalProperties: false,
  },
});
const nameList: Schema = { type: 'array', minItems: 1, items: shortName };
const QUOTA_TOPICS = [
  'vnfds',
  'nsds',
  'slice_templates',
  'pduds',
  'ns_instances',
  'slice_instances',
  'vim_accounts',
  'wim_accounts',
  'sdn_controllers',
  'k8sclusters',
  'k8srepos',
  'osmrepos',
  'ns_subscriptions',
];
const quotas = (nullable: boolean): Schema => ({
  type: 'object',
  properties: Object.fromEntries(
    QUOTA_TOPICS.map((t) => [
      t,
      nullable ? { anyOf: [{ type: 'integer', minimum: 0 }, { type: 'null' }] } : { type: 'integer', minimum: 0 },
    ]),
  ),
  additionalProperties: false,
});

export interface MappingInput {
  project: string;
  role?: string | null;
}
export interface UserCreate {
  username: string;
  password: string;
  domain_name?: string;
  projects?: string[];
  project_role_mappings?: MappingInput[];
}
export interface UserEdit {
  username?: string;
  password?: string;
  /** The current password; required when a forced change is made, checked whenever given for oneself. */
  old_password?: string;
  /** OSM's unlock: forget the user's failed logins. */
  unlock?: boolean;
  projects?: string[];
  project_role_mappings?: MappingInput[];
  add_project_role_mappings?: MappingInput[];
  remove_project_role_mappings?: MappingInput[];
}
export interface ProjectCreate {
  name: string;
  admin?: boolean;
  domain_name?: string;
  quotas?: Record<string, number>;
}
export interface ProjectEdit {
  name?: string;
  admin?: boolean;
  quotas?: Record<string, number | null>;
}
export interface RoleCreate {
  name: string;
  permissions?: Record<string, boolean>;
}
export interface RoleEdit {
  name?: string;
  permissions?: Record<string, boolean | null>;
}
export interface TokenCreate {
  username?: string;
  password?: string;
  project_id?: string;
}

export const userCreateSchema = new BodySchema<UserCreate>(
  {
    type: 'object',
    properties: {
      username: shortName,
      password,
      domain_name: shortName,
      projects: nameList,
      project_role_mappings: mappings(true),
    },
    required: ['username', 'password'],
    additionalProperties: false,
  },
  'user',
);

export const userEditSchema = new BodySchema<UserEdit>(
  {
    type: 'object',
    properties: {
      username: shortName,
      password,
      old_password: { type: 'string', maxLength: 1024 },
      unlock: { type: 'boolean' },
      projects: nameList,
      project_role_mappings: mappings(true),
      add_project_role_mappings: mappings(true),
      remove_project_role_mappings: mappings(false),
    },
    minProperties: 1,
    additionalProperties: false,
  },
  'user edit',
);

export const projectCreateSchema = new BodySchema<ProjectCreate>(
  {
    type: 'object',
    properties: { name: shortName, admin: { type: 'boolean' }, domain_name: shortName, quotas: quotas(false) },
    required: ['name'],
    additionalProperties: false,
  },
  'project',
);

export const projectEditSchema = new BodySchema<ProjectEdit>(
  {
    type: 'object',
    properties: { name: shortName, admin: { type: 'boolean' }, quotas: quotas(true) },
    minProperties: 1,
    additionalProperties: false,
  },
  'project edit',
);

const permissions = (nullable: boolean): Schema => ({
  type: 'object',
  propertyNames: { pattern: PERMISSION_KEY_PATTERN },
  additionalProperties: nullable ? { type: ['boolean', 'null'] } : { type: 'boolean' },
});

export const roleCreateSchema = new BodySchema<RoleCreate>(
  {
    type: 'object',
    properties: { name: shortName, permissions: permissions(false) },
    required: ['name'],
    additionalProperties: false,
  },
  'role',
);

export const roleEditSchema = new BodySchema<RoleEdit>(
  {
    type: 'object',
    properties: { name: shortName, permissions: permissions(true) },
    minProperties: 1,
    additionalProperties: false,
  },
  'role edit',
);

/** Login: OSM ignores keys it does not know (keystone domains, otp, …). */
export const tokenCreateSchema = new BodySchema<TokenCreate>(
  {
    type: 'object',
    properties: {
      username: { type: 'string', minLength: 1, maxLength: 255 },
      password: { type: 'string', maxLength: 1024 },
      project_id: { type: 'string', minLength: 1, maxLength: 255 },
    },
  },
  'token request',
);
