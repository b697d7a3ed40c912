import { VimAccount } from '../../vim-adapters/contract/src';
import { setPath } from '../common/object-paths';
import { BodySchema, Schema } from '../common/validation/json-schema';

/** The five kinds of OSM "admin resources" kept in `admin_accounts`, with their OSM field rules. */
export type AccountTopicName = 'vim_accounts' | 'wim_accounts' | 'sdns' | 'k8sclusters' | 'k8srepos';

export interface AccountTopic {
  topic: AccountTopicName;
  /** OSM permission resource (`sdns` is `sdn_controllers` in OSM's role map). */
  permission: string;
  /** Human name in messages. */
  title: string;
  createSchema: BodySchema<Record<string, unknown>>;
  editSchema: BodySchema<Record<string, unknown>>;
  /** Dotted paths of fields encrypted at rest and masked in answers. */
  secretPaths: string[];
  /** What to connect to for the connectivity check; null = nothing this orchestrator contacts. */
  vimAccount(id: string, record: Record<string, unknown>, secrets: Record<string, unknown>): VimAccount | null;
}

const name: Schema = { type: 'string', minLength: 1, maxLength: 255, pattern: '^[^,;()\'"]+$' };
const shortName: Schema = { type: 'string', minLength: 1, maxLength: 60, pattern: '^[^,;()\\.\\$\'"]+$' };
const description: Schema = { type: ['string', 'null'], maxLength: 255 };
const password: Schema = { type: 'string', minLength: 1, maxLength: 4096 };
const config: Schema = { type: 'object' };
const schemaMeta = { schema_version: { type: 'string', enum: ['1.0'] }, schema_type: { type: 'string' } };
const uuid: Schema = { type: 'string', pattern: '^[a-fA-F0-9]{8}(-[a-fA-F0-9]{4}){3}-[a-fA-F0-9]{12}$' };

function schemas(title: string, properties: Record<string, Schema>, required: string[]) {
  return {
    createSchema: new BodySchema<Record<string, unknown>>(
      { type: 'object', properties: { ...schemaMeta, ...properties }, required, additionalProperties: false },
      title,
    ),
    editSchema: new BodySchema<Record<string, unknown>>(
      { type: 'object', properties: { ...schemaMeta, ...properties }, minProperties: 1, additionalProperties: false },
      `${title} edit`,
    ),
  };
}

/** Secrets come back merged into the places they were taken from. */
function withSecrets(record: Record<string, unknown>, secrets: Record<string, unknown>): Record<string, unknown> {
  const copy = structuredClone(record);
  for (const [path, value] of Object.entries(secrets)) setPath(copy, path, value);
  return copy;
}

export const TOPICS: Record<AccountTopicName, AccountTopic> = {
  vim_accounts: {
    topic: 'vim_accounts',
    permission: 'vim_accounts',
    title: 'VIM account',
    ...schemas(
      'VIM account',
      {
        name,
        description,
        vim: name,
        datacenter: name,
        vim_type: shortName,
        vim_url: { type: 'string', minLength: 1, maxLength: 1024 },
        vim_tenant_name: name,
        vim_user: shortName,
        vim_password: password,
        config,
        vca: { type: 'string' },
        'prometheus-config': { type: 'object' },
      },
      ['name', 'vim_url', 'vim_type', 'vim_user', 'vim_password', 'vim_tenant_name'],
    ),
    secretPaths: [
      'vim_password',
      'config.admin_password',
      'config.nsx_password',
      'config.vcenter_password',
      'config.vrops_password',
      'config.kubeconfig',
      'config.password',
      'config.private_key',
      'config.clouds_yaml',
    ],
    vimAccount: (id, record, secrets) => {
      const full = withSecrets(record, secrets);
      return {
        id,
        name: String(full.name),
        vimType: String(full.vim_type),
        url: full.vim_url as string | undefined,
        user: full.vim_user as string | undefined,
        password: full.vim_password as string | undefined,
        tenant: full.vim_tenant_name as string | undefined,
        config: (full.config as Record<string, unknown>) ?? {},
      };
    },
  },
  wim_accounts: {
    topic: 'wim_accounts',
    permission: 'wim_accounts',
    title: 'WIM account',
    ...schemas(
      'WIM account',
      {
        name,
        description,
        wim: name,
        wim_type: shortName,
        wim_url: { type: 'string', maxLength: 1024 },
        user: shortName,
        password,
        config,
      },
      ['name', 'wim_url', 'wim_type'],
    ),
    secretPaths: ['password', 'config.password'],
    vimAccount: () => null,
  },
  sdns: {
    topic: 'sdns',
    permission: 'sdn_controllers',
    title: 'SDN controller',
    ...schemas(
      'SDN controller',
      {
        name,
        description,
        type: { type: 'string' },
        url: { type: 'string' },
        user: shortName,
        password,
        config,
        dpid: { type: 'string', pattern: '^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){7}$' },
        ip: { type: 'string', pattern: '^((25[0-5]|2[0-4][0-9]|[01]?[0-9][0-9]?)\\.){3}(25[0-5]|2[0-4][0-9]|[01]?[0-9][0-9]?)$' },
        port: { type: 'integer', minimum: 1, maximum: 65534 },
        version: { type: 'string', minLength: 1, maxLength: 12 },
      },
      ['name', 'type'],
    ),
    secretPaths: ['password'],
    vimAccount: () => null,
  },
  k8sclusters: {
    topic: 'k8sclusters',
    permission: 'k8sclusters',
    title: 'Kubernetes cluster',
    ...schemas(
      'Kubernetes cluster',
      {
        name,
        description,
        credentials: { type: 'object' },
        vim_account: uuid,
        k8s_version: { type: 'string', minLength: 1, maxLength: 255 },
        nets: { type: 'object', minProperties: 1, additionalProperties: { anyOf: [name, { type: 'null' }] } },
        namespace: name,
        cni: { type: 'array', minItems: 1, items: shortName },
        deployment_methods: { type: 'object' },
        vca_id: { type: 'string' },
        // our extension: the Kubernetes adapter's account keys (KDU policy, storage class…), as a VIM account's config
        config,
      },
      ['name', 'credentials', 'vim_account', 'k8s_version', 'nets'],
    ),
    secretPaths: ['credentials'],
    vimAccount: (id, record, secrets) => ({
      id,
      name: String(record.name),
      vimType: 'kubernetes',
      config: {
        ...(typeof record.config === 'object' && record.config !== null ? (record.config as Record<string, unknown>) : {}),
        kubeconfig: secrets.credentials,
      },
    }),
  },
  k8srepos: {
    topic: 'k8srepos',
    permission: 'k8srepos',
    title: 'Kubernetes repository',
    ...schemas(
      'Kubernetes repository',
      {
        name,
        description,
        type: { type: 'string', enum: ['helm-chart', 'juju-bundle'] },
        url: { type: 'string', maxLength: 1024 },
        cacert: { type: 'string' },
        user: shortName,
        password,
        oci: { type: 'boolean' },
      },
      ['name', 'type', 'url'],
    ),
    secretPaths: ['password'],
    vimAccount: () => null,
  },
};
