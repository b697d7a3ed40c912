import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { randomBytes } from 'node:crypto';
import { Repository } from 'typeorm';
import { ProjectEntity } from '../records/auth/project.entity';
import { SeedService } from '../auth/seed.service';
import { newId, nowSeconds } from '../common/ids';
import { PUBLIC_PROJECT } from '../common/records/project-scope';
import { SecretVault } from '../common/security/secret-vault';
import { AccountOperations } from './account-operations';
import { newOperation } from './account-records';
import { AdminAccountEntity, SettingEntity } from '../records/vim.entities';

const MARKER = 'default-emulator-vim';

/** Big enough for benchmarks with thousands of NS: per PoP 2,048 vCPU, 8 TiB memory, 200 TiB storage, 16 GPUs. */
const POP = { vcpu: 2048, memory: 8192, storage: 204800, gpu: 16 };
export const DEFAULT_EMULATOR_CONFIG = {
  pops: [
    { name: 'core-1', ...POP, location: { lat: 52.52, lon: 13.405 }, labels: { tier: 'core' } },
    { name: 'core-2', ...POP, location: { lat: 50.11, lon: 8.682 }, labels: { tier: 'core' } },
    { name: 'regional-1', ...POP, location: { lat: 48.137, lon: 11.575 }, labels: { tier: 'regional' } },
    { name: 'edge-1', ...POP, location: { lat: 48.401, lon: 11.745 }, labels: { tier: 'edge', edge: 'true' } },
  ],
  // the external network OSM's hackfest packages expect (vim-network-name: osm-ext, fixed IPs in 172.21.18.0/24)
  provider_networks: [{ name: 'osm-ext', cidr: '172.21.18.0/24' }],
};

/**
 * First start: a ready-to-use emulator VIM named `emulator` in project admin, readable by every
 * project (public). Created once: deleting it is respected at later starts.
 */
@Injectable()
export class DefaultEmulatorSeed implements OnApplicationBootstrap {
  private readonly logger = new Logger('VimAccounts');

  constructor(
    private readonly authSeed: SeedService,
    private readonly vault: SecretVault,
    private readonly operations: AccountOperations,
    @InjectRepository(AdminAccountEntity) private readonly accounts: Repository<AdminAccountEntity>,
    @InjectRepository(SettingEntity) private readonly settings: Repository<SettingEntity>,
    @InjectRepository(ProjectEntity) private readonly projects: Repository<ProjectEntity>,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.authSeed.ensure();
    if (await this.settings.existsBy({ key: MARKER })) return;
    const admin = await this.projects.findOneByOrFail({ name: 'admin' });
    const id = newId();
    const now = nowSeconds();
    try {
      // the marker first: a second replica starting at the same time loses this insert and skips
      await this.settings.insert({ key: MARKER, value: id });
    } catch {
      return;
    }
    await this.accounts.insert({
      id,
      topic: 'vim_accounts',
      name: 'emulator',
      projectsRead: [admin.id, PUBLIC_PROJECT],
      projectsWrite: [admin.id],
      record: {
        name: 'emulator',
        description: 'Built-in multi-PoP emulator (created at first start)',
        vim_type: 'emulator',
        vim_url: 'emulator://local',
        vim_user: 'emulator',
        vim_tenant_name: 'emulator',
        config: DEFAULT_EMULATOR_CONFIG,
        _admin: {
          operationalState: 'PROCESSING',
          'detailed-status': '',
          operations: [newOperation('create', now)],
          current_operation: 0,
        },
      },
      secrets: this.vault.encrypt({ vim_password: randomBytes(12).toString('base64url') }, id),
      operationalState: 'PROCESSING',
      created: now,
      modified: now,
    });
    await this.operations.process(id);
    this.logger.log(
      `Created the default emulator VIM 'emulator' (${id}) with PoPs ${DEFAULT_EMULATOR_CONFIG.pops.map((p) => p.name).join(', ')}`,
    );
  }
}
