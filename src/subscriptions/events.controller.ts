import { Controller, Get, Headers, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { NOTIFICATION_SCHEMAS } from './notification-schemas';
import type { Request, Response } from 'express';
import { MoreThan, Repository } from 'typeorm';
import { InjectRepository } from '@nestjs/typeorm';
import { Authenticated, CurrentSession, Session } from '../auth/session';
import { Lifecycle } from '../common/lifecycle/shutdown';
import { DomainError } from '../common/errors/domain-error';
import { ProjectScope } from '../common/records/project-scope';
import { OutboxEventEntity } from '../records/notification.entities';
import { NotificationWorker } from './notification-worker';

const HEARTBEAT_MS = 15_000;
const APIS = new Set(['nslcm', 'nsd', 'vnfpkgm', 'nsilcm']);

/**
 * The live stream (Server-Sent Events) of every notification the session's projects may see, in dispatch order:
 * `id:` is the event's number, so a client reconnecting with `Last-Event-ID` (or `?lastEventId=`) gets what it
 * missed, as far back as the outbox keeps events (MANO_EVENTS_RETENTION_SECONDS).
 */
@ApiTags('events')
@ApiBearerAuth()
@Controller('osm/events')
export class EventsController {
  constructor(
    @InjectRepository(OutboxEventEntity) private readonly events: Repository<OutboxEventEntity>,
    private readonly worker: NotificationWorker,
    private readonly lifecycle: Lifecycle,
  ) {}

  @Get()
  @Authenticated()
  @ApiOperation({ summary: 'Server-Sent Events: the notifications of the session projects; resumes from Last-Event-ID' })
  @ApiHeader({ name: 'last-event-id', required: false, description: 'resume after this event' })
  @ApiQuery({ name: 'lastEventId', required: false, description: 'as Last-Event-ID (for clients that cannot set headers)' })
  @ApiQuery({ name: 'api', required: false, description: 'comma-separated: nslcm, nsd, vnfpkgm, nsilcm' })
  @ApiOkResponse({
    description: 'one `id:`/`event:`/`data:` block per notification; `data` is one of these (also what callbacks get)',
    content: { 'text/event-stream': { schema: { oneOf: Object.values(NOTIFICATION_SCHEMAS) } } },
  })
  async stream(
    @CurrentSession() session: Session,
    @Req() req: Request,
    @Res() res: Response,
    @Headers('last-event-id') lastEventHeader?: string,
    @Query('lastEventId') lastEventQuery?: string,
    @Query('api') apiQuery?: string,
  ): Promise<void> {
    // a stream never ends: only for clients that ask for one (EventSource sends this Accept)
    if (!req.headers.accept?.includes('text/event-stream'))
      throw new DomainError(
        406,
        'REQUEST.NOT_ACCEPTABLE',
        'GET /osm/events is a Server-Sent Events stream: send Accept: text/event-stream',
      );
    const raw = lastEventHeader ?? lastEventQuery;
    if (raw !== undefined && !/^\d{1,15}$/.test(raw))
      throw DomainError.badRequest('REQUEST.INVALID_QUERY', `Last-Event-ID: '${raw.slice(0, 40)}' is not an event id`);
    const apis = apiQuery === undefined ? undefined : apiQuery.split(',');
    const bad = apis?.find((a) => !APIS.has(a));
    if (bad !== undefined)
      throw DomainError.badRequest('REQUEST.INVALID_QUERY', `api: '${bad.slice(0, 40)}' is not one of ${[...APIS].join(', ')}`);
    const scope = ProjectScope.of(session);
    let cursor =
      raw !== undefined
        ? Number(raw)
        : Number(
            ((await this.events.createQueryBuilder('e').select('MAX(e.dispatch_seq)', 'm').getRawOne()) as { m: unknown })?.m ??
              0,
          );
    res.status(200);
    res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    res.setHeader('Cache-Control', 'no-cache');
    res.setHeader('X-Accel-Buffering', 'no');
    res.flushHeaders();
    res.write(': stream open\n\n');
    let closed = false;
    let busy = false;
    let again = false;
    const pump = async () => {
      if (busy) return void (again = true);
      busy = true;
      try {
        do {
          again = false;
          const rows = await this.events.find({
            where: { dispatchSeq: MoreThan(cursor) },
            order: { dispatchSeq: 'ASC' },
            take: 500,
          });
          for (const e of rows) {
            cursor = e.dispatchSeq!;
            if (closed) return;
            if (apis && !apis.includes(e.api)) continue;
            if (!scope.canRead({ projectsRead: e.projectsRead, projectsWrite: [] })) continue;
            res.write(
              `id: ${e.dispatchSeq}\nevent: ${e.notificationType}\ndata: ${JSON.stringify({ id: e.id, ...e.payload })}\n\n`,
            );
          }
          if (rows.length === 500) again = true;
        } while (again && !closed);
      } catch {
        // a database hiccup: the next tick tries again from the same cursor
      } finally {
        busy = false;
      }
    };
    const onDispatched = () => void pump();
    this.worker.events.on('dispatched', onDispatched);
    // events another replica dispatched are seen by polling
    const poll = setInterval(() => void pump(), 1000);
    const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), HEARTBEAT_MS);
    await pump();
    await new Promise<void>((resolve) => {
      const stop = () => {
        closed = true;
        clearInterval(poll);
        clearInterval(heartbeat);
        this.worker.events.off('dispatched', onDispatched);
        resolve();
      };
      req.on('close', stop);
      res.on('close', stop);
      // shutting down: the stream ends (the client reconnects elsewhere with Last-Event-ID) so the listener can close
      const end = () => res.end();
      if (this.lifecycle.draining) end();
      else {
        this.lifecycle.signal.addEventListener('abort', end, { once: true });
        res.on('close', () => this.lifecycle.signal.removeEventListener('abort', end));
      }
    });
  }
}
