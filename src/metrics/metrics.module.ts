import { DynamicModule, Module } from '@nestjs/common';
import type { AppConfig } from '../config/env';
import { MetricsController, PublicMetricsController } from './metrics.controller';
import { MetricsService } from './metrics.service';

@Module({})
export class MetricsModule {
  static forConfig(config: Pick<AppConfig, 'metricsPublic'>): DynamicModule {
    return {
      module: MetricsModule,
      controllers: [config.metricsPublic ? PublicMetricsController : MetricsController],
      providers: [MetricsService],
    };
  }
}
