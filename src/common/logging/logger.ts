import { ConsoleLogger, LogLevel } from '@nestjs/common';
import type { AppConfig } from '../../config/env';
import { currentCorrelationId } from './request-context';

const LEVELS: Record<AppConfig['logLevel'], LogLevel[]> = {
  error: ['fatal', 'error'],
  warn: ['fatal', 'error', 'warn'],
  log: ['fatal', 'error', 'warn', 'log'],
  debug: ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'],
};

/**
 * Nest's console logger, in text or JSON lines, with the request's correlation id appended.
 * Callers never pass secrets to it: passwords, tokens and VIM credentials are not logged anywhere.
 */
export class ManoLogger extends ConsoleLogger {
  constructor(config: Pick<AppConfig, 'logFormat' | 'logLevel'>) {
    super({ json: config.logFormat === 'json', logLevels: LEVELS[config.logLevel], colors: false });
  }

  protected override formatMessage(...args: Parameters<ConsoleLogger['formatMessage']>): string {
    const correlationId = currentCorrelationId();
    const [logLevel, message, ...rest] = args;
    const withId = correlationId && typeof message === 'string' ? `${message} [correlationId=${correlationId}]` : message;
    return super.formatMessage(logLevel, withId, ...rest);
  }

  protected override getJsonLogObject(
    ...args: Parameters<ConsoleLogger['getJsonLogObject']>
  ): ReturnType<ConsoleLogger['getJsonLogObject']> {
    const entry = super.getJsonLogObject(...args);
    const correlationId = currentCorrelationId();
    return correlationId ? { ...entry, correlationId } : entry;
  }
}
