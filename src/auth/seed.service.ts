import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { Directory } from './directory';
import { APP_CONFIG, AppConfig } from '../config/env';
import { newId, nowSeconds } from '../common/ids';
import { hashPassword, verifyPassword } from '../common/security/passwords';
import { DEFAULT_ROLES } from './permissions';
import { ADMIN_PROJECT } from './projects.service';

/**
 * First start: OSM's default roles, project `admin` and user `admin` (system_admin there).
 * Idempotent and safe when several replicas start together (a lost insert race is ignored).
 */
@Injectable()
export class SeedService implements OnApplicationBootstrap {
  private readonly logger = new Logger(SeedService.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly dir: Directory,
  ) {}

  private done?: Promise<void>;

  onApplicationBootstrap(): Promise<void> {
    return this.ensure();
  }

  /** Idempotent; other first-start seeds await it (they need project admin). */
  ensure(): Promise<void> {
    return (this.done ??= this.seed());
  }

  private async seed(): Promise<void> {
    const now = nowSeconds();
    for (const role of DEFAULT_ROLES) {
      if (!(await this.dir.roles.existsBy({ name: role.name }))) {
        await ignoreRace(this.dir.roles.insert({ id: newId(), ...role, created: now, modified: now }));
      }
    }
    if (!(await this.dir.projects.existsBy({ name: ADMIN_PROJECT }))) {
      await ignoreRace(
        this.dir.projects.insert({
          id: newId(),
          name: ADMIN_PROJECT,
          admin: true,
          quotas: null,
          domainName: null,
          created: now,
          modified: now,
        }),
      );
    }
    if (!(await this.dir.users.existsBy({ username: 'admin' }))) {
      const project = await this.dir.projects.findOneByOrFail({ name: ADMIN_PROJECT });
      const role = await this.dir.roles.findOneByOrFail({ name: 'system_admin' });
      await ignoreRace(
        this.dir.users.insert({
          id: newId(),
          username: 'admin',
          passwordHash: await hashPassword(this.config.adminPassword),
          domainName: null,
          mappings: [{ project: project.id, role: role.id }],
          // a generated password must be replaced at first login (OSM forces it); an operator's choice is kept
          mustChangePassword: !this.config.adminPasswordGiven,
          created: now,
          modified: now,
        }),
      );
      this.logger.log("Created user 'admin' in project 'admin' with role system_admin");
    }
    const admin = await this.dir.users.findOneBy({ username: 'admin' });
    if (admin && (await verifyPassword('admin', admin.passwordHash))) {
      this.logger.warn(
        admin.mustChangePassword
          ? "User 'admin' has the generated password 'admin': the first login must change it (or set MANO_ADMIN_PASSWORD before first start)"
          : "User 'admin' still has the default password 'admin': change it (or set MANO_ADMIN_PASSWORD before first start)",
      );
    }
  }
}

async function ignoreRace(insert: Promise<unknown>): Promise<void> {
  try {
    await insert;
  } catch (e) {
    if (!/unique|duplicate/i.test(String((e as Error).message))) throw e;
  }
}
