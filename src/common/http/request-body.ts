import { CallHandler, ExecutionContext, Injectable, NestInterceptor, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { NextFunction, Request, Response } from 'express';
import { from, Observable, switchMap } from 'rxjs';
import type { AppConfig } from '../../config/env';
import { DomainError } from '../errors/domain-error';
import { parseJson, parseYaml, YamlRefused } from '../yaml/safe-parse';

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

/** Routes anyone may call (the token route): a login needs a few hundred bytes. */
export const UNAUTHENTICATED_BODY_LIMIT = 16 * 1024;

const UPLOAD_BODY_KEY = 'mano:upload-body';
/** A route taking packages or descriptor files: its body may be up to MANO_MAX_BODY_BYTES, not MANO_MAX_JSON_BODY_BYTES. */
export const UploadBody = (): MethodDecorator & ClassDecorator => SetMetadata(UPLOAD_BODY_KEY, true);

export interface OsmRequest extends Request {
  /** The bytes as received (for MD5 checks and package uploads). */
  rawBody?: Buffer;
  /** True when the body was kept raw because of its Content-Type. */
  bodyIsRaw?: boolean;
}

/**
 * Reads and parses the body after the guards ran, so that an unauthenticated caller never gets a byte of
 * its body buffered or parsed: public routes get 16 KiB, upload routes MANO_MAX_BODY_BYTES, every other
 * route MANO_MAX_JSON_BODY_BYTES. Parsing follows OSM's NBI: JSON for application/json, raw bytes for
 * package and file types, YAML for everything else (no Content-Type included); an empty body is `{}`.
 */
@Injectable()
export class RequestBodyInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    private readonly config: Pick<AppConfig, 'maxBodyBytes' | 'maxJsonBodyBytes'>,
  ) {}

  intercept(ctx: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (ctx.getType() !== 'http') return next.handle();
    const req = ctx.switchToHttp().getRequest<OsmRequest & { session?: unknown }>();
    const res = ctx.switchToHttp().getResponse<Response>();
    const upload = this.reflector.getAllAndOverride<boolean>(UPLOAD_BODY_KEY, [ctx.getHandler(), ctx.getClass()]);
    // the guard leaves no session on public routes: their callers are unknown
    const [limit, limitName] =
      req.session === undefined
        ? [UNAUTHENTICATED_BODY_LIMIT, 'the limit of unauthenticated requests']
        : upload
          ? [this.config.maxBodyBytes, 'MANO_MAX_BODY_BYTES']
          : [this.config.maxJsonBodyBytes, 'MANO_MAX_JSON_BODY_BYTES'];
    return from(readOsmBody(req, res, limit, limitName)).pipe(switchMap(() => next.handle()));
  }
}

export async function readOsmBody(req: OsmRequest, res: Response, limit: number, limitName: string): Promise<void> {
  const contentType = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  const hasBody = req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
  if (hasBody) refuseUnsupported(req, res, contentType);
  const raw = hasBody ? await readBody(req, res, limit, limitName) : Buffer.alloc(0);
  req.rawBody = raw;
  if (RAW_TYPES.includes(contentType)) {
    req.bodyIsRaw = true;
    req.body = raw;
    return;
  }
  req.body = await parseStructured(raw, contentType === 'application/json' ? 'json' : 'yaml');
}

function refuseUnsupported(req: Request, res: Response, contentType: string): void {
  const encoding = (req.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
  let detail: string | undefined;
  if (encoding !== 'identity') detail = `Content-Encoding '${encoding}' is not accepted; send the body uncompressed`;
  // curl -d's default: OSM never takes form fields, and reading them as YAML would only confuse
  if (contentType === 'application/x-www-form-urlencoded') {
    detail = "Content-Type 'application/x-www-form-urlencoded' is not accepted; use application/json or application/yaml";
  }
  if (detail) {
    res.setHeader('Connection', 'close');
    throw new DomainError(415, 'REQUEST.UNSUPPORTED_MEDIA_TYPE', detail);
  }
}

function tooLarge(res: Response, limit: number, limitName: string): DomainError {
  // the rest of the body is not read: the connection cannot carry another request
  res.setHeader('Connection', 'close');
  return new DomainError(413, 'REQUEST.BODY_TOO_LARGE', `Request body is larger than ${limitName} (${limit} bytes)`);
}

function readBody(req: Request, res: Response, limit: number, limitName: string): Promise<Buffer> {
  if (Number(req.headers['content-length'] ?? 0) > limit) return Promise.reject(tooLarge(res, limit, limitName));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (error?: Error): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', finish);
      req.off('close', onClose);
      if (error) {
        req.pause();
        reject(error);
      } else resolve(Buffer.concat(chunks, size));
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) finish(tooLarge(res, limit, limitName));
      else chunks.push(chunk);
    };
    const onEnd = (): void => finish();
    const onClose = (): void => finish(DomainError.badRequest('REQUEST.ABORTED', 'The request body ended early'));
    req.on('data', onData);
    req.once('end', onEnd);
    req.once('error', finish);
    req.once('close', onClose);
  });
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** A JSON or YAML body (or descriptor file) as an object; refusals are OSM's 400, or 413 when too complex. */
export async function parseStructured(raw: Buffer, format: 'json' | 'yaml'): Promise<unknown> {
  const name = format === 'json' ? 'JSON' : 'YAML';
  let text: string;
  try {
    text = UTF8.decode(raw);
  } catch {
    throw DomainError.badRequest('REQUEST.MALFORMED_BODY', `Error in ${name} body: it is not valid UTF-8`);
  }
  if (text.trim() === '') return {};
  try {
    return (await (format === 'json' ? parseJson(text) : parseYaml(text))) ?? {};
  } catch (e) {
    if (!(e instanceof YamlRefused)) throw e;
    if (e.kind === 'too-complex') {
      throw new DomainError(413, 'REQUEST.BODY_TOO_COMPLEX', `${name} body refused: ${e.message}`);
    }
    throw DomainError.badRequest('REQUEST.MALFORMED_BODY', `Error in ${name} body: ${e.message}`);
  }
}

/** OSM's `?METHOD=PUT|POST|DELETE|GET|PATCH` override of the HTTP verb. */
export function methodOverride(req: Request, _res: Response, next: NextFunction): void {
  const match = /[?&]METHOD=(PUT|POST|DELETE|GET|PATCH)(&|$)/.exec(req.originalUrl);
  if (match) req.method = match[1];
  next();
}
