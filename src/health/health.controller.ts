import { Controller, Get, ServiceUnavailableException } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { Lifecycle } from '../common/lifecycle/shutdown';
import { PublicRoute } from '../auth/session';
import { VERSION } from '../version';

@ApiTags('health')
@Controller()
export class HealthController {
  constructor(
    private readonly dataSource: DataSource,
    private readonly lifecycle: Lifecycle,
  ) {}

  /** Liveness: the process answers. */
  @Get('healthz')
  @PublicRoute()
  healthz(): { status: string } {
    return { status: 'ok' };
  }

  /** Readiness: migrations ran, first-start data exists, the database answers, and the process is not shutting down. */
  @Get('readyz')
  @PublicRoute()
  async readyz(): Promise<{ status: string }> {
    if (this.lifecycle.draining) throw new ServiceUnavailableException('shutting down');
    try {
      await this.dataSource.query('SELECT 1');
    } catch {
      throw new ServiceUnavailableException('database unreachable');
    }
    return { status: 'ready' };
  }

  /** OSM's `GET /osm/version`. */
  @Get('osm/version')
  @PublicRoute()
  version(): { version: string; date: string } {
    return VERSION;
  }
}
