import { Logger } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { httpDuration, httpRequests } from '../metrics/metrics';

const logger = new Logger('HTTP');

/**
 * The route TEMPLATE that answered (`/osm/nslcm/v1/ns_instances/:id`), never the URL: URLs hold ids, and a token's
 * id in `DELETE /osm/admin/v1/tokens/:id`. Requests no route took (404, refused before routing) share one label.
 */
export function routeTemplate(req: Request): string {
  const path = (req.route as { path?: unknown } | undefined)?.path;
  return typeof path === 'string' ? `${req.baseUrl ?? ''}${path}` : 'unmatched';
}

/** Counts and times every answer, and logs it at debug level with the same bounded fields. */
export function requestMetrics(req: Request, res: Response, next: NextFunction): void {
  const started = performance.now();
  res.once('finish', () => {
    const seconds = (performance.now() - started) / 1000;
    const labels = { method: req.method, route: routeTemplate(req), status: String(res.statusCode) };
    httpRequests.inc(labels);
    httpDuration.observe(labels, seconds);
    logger.debug({
      msg: `${labels.method} ${labels.route} ${labels.status}`,
      ...labels,
      durationMs: Math.round(seconds * 1e4) / 10,
    });
  });
  next();
}
