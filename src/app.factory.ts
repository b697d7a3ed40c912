import { INestApplication } from '@nestjs/common';
import { NestFactory, Reflector } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import type { NextFunction, Request, Response } from 'express';
import { stringify } from 'yaml';
import { AppModule } from './app.module';
import { methodOverride, RequestBodyInterceptor } from './common/http/request-body';
import { requestMetrics } from './common/http/request-metrics';
import { rejectUnsafeQueryKeys } from './common/http/safe-query';
import { configureCors, securityHeaders } from './common/http/security-headers';
import { webUi } from './common/http/web-ui';
import { Lifecycle } from './common/lifecycle/shutdown';
import { ManoLogger } from './common/logging/logger';
import { correlationIdFrom, runWithContext } from './common/logging/request-context';
import { AppConfig } from './config/env';
import { VERSION } from './version';

/** Middleware and settings every instance needs, in the service and in tests alike. */
export function configureApp(app: INestApplication, config: AppConfig): void {
  const express_ = app as NestExpressApplication;
  express_.disable('x-powered-by');
  express_.set('etag', false);
  app.use((req: Request, res: Response, next: NextFunction) => {
    const correlationId = correlationIdFrom(req.headers['x-request-id'] ?? req.headers['x-correlation-id']);
    // echoed under both names: X-Request-Id is what proxies and tracing tools use
    res.setHeader('X-Request-Id', correlationId);
    res.setHeader('X-Correlation-Id', correlationId);
    runWithContext({ correlationId }, next);
  });
  app.use(requestMetrics);
  const lifecycle = app.get(Lifecycle);
  // draining: every answer closes its connection, so keep-alive clients reconnect to another replica
  app.use((_req: Request, res: Response, next: NextFunction) => {
    if (lifecycle.draining) res.setHeader('Connection', 'close');
    next();
  });
  app.use(securityHeaders);
  configureCors(app, config);
  // the static web UI (public files; its API calls carry the user's token like any client's)
  app.use(webUi(config.uiDir));
  app.use(rejectUnsafeQueryKeys);
  app.use(methodOverride);
  // bodies are read after the guards (authentication), not by a middleware before them
  app.useGlobalInterceptors(new RequestBodyInterceptor(app.get(Reflector), config));
  SwaggerModule.setup('docs', app, () => buildOpenApi(app), { jsonDocumentUrl: 'docs/openapi.json' });
}

export function buildOpenApi(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('OpenCloudEdge MANO — OSM northbound API')
    .setDescription(
      'OSM-compatible NBI. Bodies are JSON or YAML (by Content-Type); answers are YAML unless Accept asks for JSON. Errors: {code, status, detail}.',
    )
    .setVersion(VERSION.version)
    .addBearerAuth()
    .build();
  return SwaggerModule.createDocument(app, config);
}

/** The committed `openapi.yaml`: generated from the controllers, compared by a test. */
export function renderOpenApiYaml(app: INestApplication): string {
  return stringify(buildOpenApi(app), { lineWidth: 0, aliasDuplicateObjects: false });
}

export async function createApp(config: AppConfig): Promise<INestApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forConfig(config), {
    bodyParser: false,
    logger: new ManoLogger(config),
  });
  configureApp(app, config);
  await app.init();
  return app;
}
