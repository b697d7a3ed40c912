import { CONTRACT_VERSION, VimAdapterFactory } from '../../contract/src';
import { EmulatorConfig, parseEmulatorConfig } from './config';
import { EmulatorAdapter } from './emulator.adapter';

/** `vim_type: emulator` (OSM's `dummy` is registered as an alias by the orchestrator). */
export const emulatorFactory: VimAdapterFactory<EmulatorConfig> = {
  specVersion: CONTRACT_VERSION,
  vimType: 'emulator',
  parseAccount: parseEmulatorConfig,
  connect: async (config, ctx) => new EmulatorAdapter(config, ctx),
};

export type { EmulatorConfig } from './config';
