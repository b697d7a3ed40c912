import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger, NotFoundException } from '@nestjs/common';
import type { Request, Response } from 'express';
import { negotiateFormat, serialize } from '../http/negotiation';
import { currentCorrelationId } from '../logging/request-context';
import { databaseFault } from './database-fault';
import { DomainError, FieldProblem, HTTP_STATUS_NAMES } from './domain-error';

interface Rendered {
  status: number;
  detail: string;
  reason: string;
  errors?: FieldProblem[];
}

/**
 * The one place errors become HTTP: OSM's body `{code, status, detail}` plus `reason`
 * (AREA.REASON), `correlationId` and, for validation, `errors` with one entry per field.
 */
@Catch()
export class OsmExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('Http');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const req = http.getRequest<Request>();
    const res = http.getResponse<Response>();
    const rendered = this.render(exception, req);
    const body: Record<string, unknown> = {
      code: HTTP_STATUS_NAMES[rendered.status] ?? String(rendered.status),
      status: rendered.status,
      detail: rendered.detail,
      reason: rendered.reason,
      correlationId: currentCorrelationId(),
    };
    if (rendered.errors?.length) body.errors = rendered.errors;
    if (res.headersSent) return;
    const { body: text, contentType } = serialize(body, negotiateFormat(req.headers.accept, true));
    if (rendered.status === 401) res.setHeader('WWW-Authenticate', 'Bearer');
    if (rendered.status === 503) res.setHeader('Retry-After', '5');
    // refused before its body was read (e.g. not authenticated): do not read the rest of it to keep the connection
    if (!req.complete) res.setHeader('Connection', 'close');
    res.status(rendered.status).setHeader('Content-Type', contentType);
    res.send(text);
  }

  private render(exception: unknown, req: Request): Rendered {
    if (exception instanceof DomainError) {
      return { status: exception.status, detail: exception.message, reason: exception.reason, errors: exception.errors };
    }
    // Nest answers an unmatched route with NotFoundException; OSM answers unknown URLs and methods with 405.
    if (exception instanceof NotFoundException && req.path.startsWith('/osm')) {
      return {
        status: 405,
        detail: `Method ${req.method} not allowed for URL ${req.path}`,
        reason: 'REQUEST.METHOD_NOT_ALLOWED',
      };
    }
    const bodyError = exception as { type?: string; status?: number; message?: string };
    const status = exception instanceof HttpException ? exception.getStatus() : bodyError?.status;
    if (status === 413 || bodyError?.type === 'entity.too.large') {
      return { status: 413, detail: 'Request body is larger than MANO_MAX_BODY_BYTES', reason: 'REQUEST.BODY_TOO_LARGE' };
    }
    if (exception instanceof HttpException) {
      return { status: exception.getStatus(), detail: exception.message, reason: 'REQUEST.REJECTED' };
    }
    if (typeof bodyError?.status === 'number' && bodyError.status >= 400 && bodyError.status < 500) {
      return { status: bodyError.status, detail: bodyError.message ?? 'Bad request', reason: 'REQUEST.REJECTED' };
    }
    const fault = databaseFault(exception);
    if (fault) {
      this.logger.warn(`${req.method} ${req.path}: ${fault.detail} (${(exception as Error)?.message})`);
      return { status: 503, detail: `${fault.detail}; try again later`, reason: 'DATABASE.UNAVAILABLE' };
    }
    this.logger.error(`Unexpected error on ${req.method} ${req.path}`, (exception as Error)?.stack);
    return { status: 500, detail: 'Internal error; see the service log with this correlationId', reason: 'INTERNAL' };
  }
}
