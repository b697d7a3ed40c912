import { CallHandler, ExecutionContext, Injectable, NestInterceptor, StreamableFile } from '@nestjs/common';
import type { Request, Response } from 'express';
import { map, Observable } from 'rxjs';
import { negotiateFormat, serialize } from './negotiation';
import { PrerenderedList } from './prerendered';

/** Renders every handler result as JSON or YAML following the request's Accept header, as OSM does. */
@Injectable()
export class OsmResponseInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const req = context.switchToHttp().getRequest<Request>();
    const res = context.switchToHttp().getResponse<Response>();
    return next.handle().pipe(
      map((value: unknown) => {
        if (value === undefined || value === null || value instanceof StreamableFile || Buffer.isBuffer(value)) {
          return value;
        }
        const format = negotiateFormat(req.headers.accept, false);
        if (value instanceof PrerenderedList && format === 'json') {
          // As bytes: a string body would be encoded again (megabytes for a long list).
          return new StreamableFile(value.toJson(), { type: 'application/json; charset=utf-8' });
        }
        const { body, contentType } = serialize(value instanceof PrerenderedList ? value.values() : value, format);
        res.setHeader('Content-Type', contentType);
        return body;
      }),
    );
  }
}
