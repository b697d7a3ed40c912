import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_INTERCEPTOR } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuthModule } from './auth/auth.module';
import { Lifecycle } from './common/lifecycle/shutdown';
import { OsmExceptionFilter } from './common/errors/osm-exception.filter';
import { OsmResponseInterceptor } from './common/http/osm-response.interceptor';
import { APP_CONFIG, AppConfig } from './config/env';
import { dataSourceOptions } from './database/options';
import { Transactions } from './database/transactions';
import { HealthController } from './health/health.controller';
import { MetricsModule } from './metrics/metrics.module';
import { VimsModule } from './vims/vims.module';
import { CatalogModule } from './catalog/catalog.module';
import { InstancesModule } from './instances/instances.module';
import { SlicesModule } from './slices/slices.module';
import { SubscriptionsModule } from './subscriptions/subscriptions.module';

@Module({})
export class AppModule {
  static forConfig(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      global: true,
      imports: [
        TypeOrmModule.forRoot(dataSourceOptions(config)),
        AuthModule,
        VimsModule,
        CatalogModule,
        InstancesModule,
        SlicesModule,
        SubscriptionsModule,
        MetricsModule.forConfig(config),
      ],
      controllers: [HealthController],
      providers: [
        { provide: APP_CONFIG, useValue: config },
        Transactions,
        Lifecycle,
        { provide: APP_FILTER, useClass: OsmExceptionFilter },
        { provide: APP_INTERCEPTOR, useClass: OsmResponseInterceptor },
      ],
      exports: [APP_CONFIG, Transactions, Lifecycle],
    };
  }
}
