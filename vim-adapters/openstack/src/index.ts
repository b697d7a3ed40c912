import {
  configInvalid,
  ConnectivityOnlyAdapter,
  CONTRACT_VERSION,
  VimAccount,
  VimAdapterFactory,
  VimHealth,
} from '../../contract/src';
import { issueToken, KeystoneCredentials } from './keystone';

export interface OpenstackConfig {
  credentials: KeystoneCredentials;
  regionName?: string;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);

function parseAccount(account: VimAccount): OpenstackConfig {
  const c = account.config ?? {};
  const url = str(account.url);
  if (!url || !/^https?:\/\/[^\s/]+/.test(url))
    throw configInvalid('vim_url', 'must be the Keystone v3 URL, e.g. http://controller:5000/v3');
  if (!str(account.user)) throw configInvalid('vim_user', 'is required');
  if (account.password === undefined) throw configInvalid('vim_password', 'is required');
  if (!str(account.tenant)) throw configInvalid('vim_tenant_name', 'is required');
  return {
    credentials: {
      authUrl: url,
      username: account.user!,
      password: account.password,
      projectName: account.tenant!,
      projectDomainName: str(c.project_domain_name) ?? str(c.project_domain_id) ?? 'Default',
      userDomainName: str(c.user_domain_name) ?? str(c.user_domain_id) ?? 'Default',
      insecure: c.insecure === true || c.insecure === 'true',
      caCert: str(c.ca_cert_content),
    },
    regionName: str(c.region_name),
  };
}

const NOT_YET =
  'OpenStack resources are not managed yet by this orchestrator (the OpenStack adapter is under construction); registration and connectivity checks work';

/**
 * OpenStack (Keystone v3). This version checks credentials and reachability (`ping`) for VIM
 * registration; creating servers, networks and volumes is refused with VIM.UNSUPPORTED until the
 * full adapter lands.
 */
class OpenstackAdapter extends ConnectivityOnlyAdapter {
  constructor(private readonly config: OpenstackConfig) {
    super(NOT_YET);
  }

  async ping(signal?: AbortSignal): Promise<VimHealth> {
    const token = await issueToken(this.config.credentials, signal);
    const services = [...new Set(token.catalog.map((s) => s.type))].sort();
    return {
      ok: true,
      detail: `Keystone v3 at ${this.config.credentials.authUrl}: token issued for project ${this.config.credentials.projectName}; services: ${services.join(', ') || 'none'}`,
    };
  }
}

export const openstackFactory: VimAdapterFactory<OpenstackConfig> = {
  specVersion: CONTRACT_VERSION,
  vimType: 'openstack',
  parseAccount,
  connect: async (config) => new OpenstackAdapter(config),
};
