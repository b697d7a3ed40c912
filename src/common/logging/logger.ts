import type { LoggerService, LogLevel } from '@nestjs/common';
import pino, { DestinationStream, Level, Logger as Pino } from 'pino';
import pretty from 'pino-pretty';
import type { AppConfig } from '../../config/env';
import { currentContext } from './request-context';

/** Nest's level names → pino's (Nest's `verbose` is finer than `debug`, but both are "debug" to an operator). */
const PINO_LEVEL: Record<LogLevel, Level> = {
  fatal: 'fatal',
  error: 'error',
  warn: 'warn',
  log: 'info',
  debug: 'debug',
  verbose: 'debug',
};
const THRESHOLD: Record<AppConfig['logLevel'], Level> = { error: 'error', warn: 'warn', log: 'info', debug: 'debug' };

/**
 * Fields that must never be written, should a caller pass an object holding one (messages are written as given:
 * callers never put passwords, tokens or VIM credentials in them).
 */
const REDACTED = ['password', 'token', 'authorization', 'secret', 'headers.authorization', 'headers.cookie'].flatMap((k) => [
  k,
  `*.${k}`,
]);

const STACK = /\n\s+at /;

/**
 * The service's logger: pino JSON lines (level, time, msg, context, correlationId, projectId, operationId) or
 * pino-pretty lines for humans. Implements Nest's LoggerService, so `new Logger(context)` anywhere writes here.
 * Writes to process.stdout (synchronous for files and pipes on Linux), which is also what tests capture.
 */
export class ManoLogger implements LoggerService {
  private readonly pino: Pino;

  constructor(
    config: Pick<AppConfig, 'logFormat' | 'logLevel'>,
    destination: DestinationStream = config.logFormat === 'json' ? process.stdout : prettyStream(process.stdout),
  ) {
    this.pino = pino(
      {
        level: THRESHOLD[config.logLevel],
        base: { pid: process.pid },
        timestamp: pino.stdTimeFunctions.isoTime,
        formatters: { level: (label) => ({ level: label }) },
        redact: { paths: REDACTED, censor: '[redacted]' },
        mixin: () => {
          const ctx = currentContext();
          if (!ctx) return {};
          const out: Record<string, string> = { correlationId: ctx.correlationId };
          if (ctx.projectId) out.projectId = ctx.projectId;
          if (ctx.operationId) out.operationId = ctx.operationId;
          return out;
        },
      },
      destination,
    );
  }

  log(message: unknown, ...params: unknown[]): void {
    this.write('log', message, params);
  }
  error(message: unknown, ...params: unknown[]): void {
    this.write('error', message, params);
  }
  warn(message: unknown, ...params: unknown[]): void {
    this.write('warn', message, params);
  }
  debug(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }
  verbose(message: unknown, ...params: unknown[]): void {
    this.write('verbose', message, params);
  }
  fatal(message: unknown, ...params: unknown[]): void {
    this.write('fatal', message, params);
  }

  setLogLevels(levels: LogLevel[]): void {
    const order: Level[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'];
    const finest = levels.map((l) => PINO_LEVEL[l]).sort((a, b) => order.indexOf(a) - order.indexOf(b))[0];
    if (finest) this.pino.level = finest;
  }

  /** Nest's calling convention: the context is the last string parameter; an error's stack comes before it. */
  private write(level: LogLevel, message: unknown, params: unknown[]): void {
    const target = PINO_LEVEL[level];
    if (!this.pino.isLevelEnabled(target)) return;
    const rest = [...params];
    const fields: Record<string, unknown> = {};
    const last = rest[rest.length - 1];
    if (typeof last === 'string' && !STACK.test(last) && rest.length > 0) fields.context = rest.pop();
    for (const p of rest) {
      if (p === undefined) continue;
      if (typeof p === 'string' && STACK.test(p)) fields.stack = p;
      else if (p instanceof Error) fields.err = p;
      else if (p && typeof p === 'object') Object.assign(fields, p);
      else fields.args = [...((fields.args as unknown[] | undefined) ?? []), p];
    }
    let msg: string;
    if (message instanceof Error) {
      fields.err = message;
      msg = message.message;
    } else if (message && typeof message === 'object') {
      // structured lines: `logger.debug({ msg: 'vim call', vimType, call, durationMs })`
      const { msg: m, message: mm, ...more } = message as Record<string, unknown>;
      Object.assign(fields, more);
      msg = String(m ?? mm ?? '');
    } else {
      msg = String(message);
    }
    this.pino[target](fields, msg);
  }
}

/** pino-pretty in this thread (no worker transport), one line per entry. */
export function prettyStream(out: NodeJS.WritableStream): DestinationStream {
  return pretty({
    destination: out,
    sync: true,
    colorize: out === process.stdout && process.stdout.isTTY === true,
    singleLine: true,
    ignore: 'pid,hostname,context',
    translateTime: 'SYS:yyyy-mm-dd HH:MM:ss.l',
    messageFormat: '{if context}[{context}] {end}{msg}',
  }) as DestinationStream;
}
