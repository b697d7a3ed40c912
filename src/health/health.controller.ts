import { Controller, Get, ServiceUnavailableException } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { PublicRoute } from '../auth/session';
import { VERSION } from '../version';

@ApiTags('health')
@Controller()
export class HealthController {
  constructor(private readonly dataSource: DataSource) {}

  /** Liveness: the process answers. */
  @Get('healthz')
  @PublicRoute()
  healthz(): { status: string } {
    return { status: 'ok' };
  }

  /** Readiness: migrations ran, first-start data exists and the database answers. */
  @Get('readyz')
  @PublicRoute()
  async readyz(): Promise<{ status: string }> {
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
