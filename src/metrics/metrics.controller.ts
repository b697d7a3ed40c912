import { Controller, Get, StreamableFile } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';

const TEXT_FORMAT = { description: 'Prometheus text format 0.0.4', schema: { type: 'string' } } as const;
import { Permission, PublicRoute } from '../auth/session';
import { renderMetrics } from '../common/metrics/metrics';

/**
 * The operation a token's role must allow to scrape: `admin` powers (system_admin), or a monitoring role granting
 * only `admin:metrics`. The counts span every project, hence not a project-level permission.
 */
export const METRICS_PERMISSION = 'admin:metrics:get';

async function scrape(): Promise<StreamableFile> {
  const { contentType, body } = await renderMetrics();
  return new StreamableFile(Buffer.from(body), { type: contentType });
}

@ApiTags('metrics')
@Controller()
export class MetricsController {
  @Get('metrics')
  @Permission(METRICS_PERMISSION)
  @ApiBearerAuth()
  @ApiProduces('text/plain')
  @ApiOkResponse(TEXT_FORMAT)
  @ApiOperation({
    summary: 'Prometheus metrics (text format): orchestrator (mano_*), VNFs (osm_*), process',
    description: `Needs a token whose role allows \`${METRICS_PERMISSION}\` (system_admin), unless MANO_METRICS_PUBLIC=true.`,
  })
  metrics(): Promise<StreamableFile> {
    return scrape();
  }
}

/** The same route without a token, mounted instead of MetricsController when MANO_METRICS_PUBLIC=true. */
@ApiTags('metrics')
@Controller()
export class PublicMetricsController {
  @Get('metrics')
  @PublicRoute()
  @ApiProduces('text/plain')
  @ApiOkResponse(TEXT_FORMAT)
  metrics(): Promise<StreamableFile> {
    return scrape();
  }
}
