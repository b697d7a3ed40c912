import { CONTRACT_VERSION, VimAdapterFactory } from '../../contract/src';
import { OpenstackConfig, parseOpenstackAccount } from './account';
import { OpenstackAdapter } from './openstack.adapter';
import { OpenstackSession } from './session';

export type { OpenstackConfig } from './account';
export { OpenstackAdapter } from './openstack.adapter';

/** OpenStack (Keystone v3, Nova, Neutron, Glance, Cinder) over REST; see README.md beside this folder. */
export const openstackFactory: VimAdapterFactory<OpenstackConfig> = {
  specVersion: CONTRACT_VERSION,
  vimType: 'openstack',
  parseAccount: parseOpenstackAccount,
  connect: async (config, ctx) =>
    new OpenstackAdapter(
      new OpenstackSession({
        credentials: config.credentials,
        regionName: config.regionName,
        endpointInterface: config.endpointInterface,
        timeoutMs: config.timeoutMs,
        catalogHosts: config.catalogHosts,
      }),
      config,
      ctx.store,
    ),
};
