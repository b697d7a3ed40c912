import type { NextFunction, Request, Response } from 'express';
import { parse as parseYaml } from 'yaml';
import { DomainError } from '../errors/domain-error';

/** Content types whose bodies stay raw bytes for the endpoint to read (packages, descriptor files). */
const RAW_TYPES = [
  'application/gzip',
  'application/x-gzip',
  'application/zip',
  'application/binary',
  'application/octet-stream',
  'text/plain',
  'multipart/form-data',
];

export interface OsmRequest extends Request {
  /** The bytes as received (for MD5 checks and package uploads). */
  rawBody?: Buffer;
  /** True when the body was kept raw because of its Content-Type. */
  bodyIsRaw?: boolean;
}

/**
 * Parses the body the way OSM's NBI does: JSON for application/json, raw bytes for package and
 * file types, YAML for everything else (including no Content-Type); an empty body is `{}`.
 * YAML is read as YAML 1.1, like PyYAML in OSM's own clients.
 */
export function parseOsmBody(req: OsmRequest, _res: Response, next: NextFunction): void {
  const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
  req.rawBody = raw;
  const contentType = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (RAW_TYPES.includes(contentType)) {
    req.bodyIsRaw = true;
    req.body = raw;
    return next();
  }
  req.body = parseStructured(raw, contentType === 'application/json' ? 'json' : 'yaml');
  next();
}

export function parseStructured(raw: Buffer, format: 'json' | 'yaml'): unknown {
  const text = raw.toString('utf8');
  if (text.trim() === '') return {};
  try {
    const parsed: unknown =
      format === 'json' ? JSON.parse(text) : parseYaml(text, { version: '1.1', maxAliasCount: 100, uniqueKeys: false });
    return parsed ?? {};
  } catch (e) {
    const message = (e as Error).message.split('\n')[0];
    throw DomainError.badRequest('REQUEST.MALFORMED_BODY', `Error in ${format === 'json' ? 'JSON' : 'YAML'} body: ${message}`);
  }
}

/** OSM's `?METHOD=PUT|POST|DELETE|GET|PATCH` override of the HTTP verb. */
export function methodOverride(req: Request, _res: Response, next: NextFunction): void {
  const match = /[?&]METHOD=(PUT|POST|DELETE|GET|PATCH)(&|$)/.exec(req.originalUrl);
  if (match) req.method = match[1];
  next();
}
