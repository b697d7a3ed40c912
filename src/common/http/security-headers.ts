import type { INestApplication } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import type { TLSSocket } from 'node:tls';
import type { AppConfig } from '../../config/env';
import { UI_CSP, UI_PATH } from './web-ui';

/** API answers are data, never pages: nothing may load, run or frame them. */
const API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";
/**
 * The Swagger UI at /docs: its scripts, styles and the OpenAPI document come from this server; the UI sets
 * inline styles on its elements, and its logo is a data: image.
 */
const DOCS_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
  "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/** Headers every answer carries (errors, 404s and the Swagger UI included); HSTS only over HTTPS. */
export function securityHeaders(req: Request, res: Response, next: NextFunction): void {
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
  res.setHeader('Content-Security-Policy', policyFor(req.path));
  if ((req.socket as TLSSocket).encrypted) res.setHeader('Strict-Transport-Security', 'max-age=31536000');
  next();
}

function policyFor(path: string): string {
  if (path === '/docs' || path.startsWith('/docs/')) return DOCS_CSP;
  if (path === UI_PATH || path.startsWith(`${UI_PATH}/`)) return UI_CSP;
  return API_CSP;
}

/** CORS stays off (browsers refuse cross-origin calls) unless MANO_CORS_ORIGINS lists the origins to allow. */
export function configureCors(app: INestApplication, config: Pick<AppConfig, 'corsOrigins'>): void {
  if (config.corsOrigins.length === 0) return;
  app.enableCors({
    origin: config.corsOrigins,
    methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowedHeaders: [
      'Authorization',
      'Content-Type',
      'Accept',
      'X-Correlation-Id',
      'X-Request-Id',
      'Content-File-MD5',
      'Content-Filename',
    ],
    exposedHeaders: ['Location', 'X-Correlation-Id', 'X-Request-Id', 'Retry-After'],
    // bearer tokens travel in a header, never in cookies
    credentials: false,
    maxAge: 600,
  });
}
