import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';

/**
 * Per-request (or per-operation) context: what every log line of the work carries. Mutable so that what is
 * learnt later (the project, once the token is checked) reaches the lines written after it.
 */
export interface RequestContext {
  correlationId: string;
  projectId?: string;
  operationId?: string;
}

const storage = new AsyncLocalStorage<RequestContext>();

export function runWithContext<T>(ctx: RequestContext, fn: () => T): T {
  return storage.run(ctx, fn);
}

export function currentContext(): RequestContext | undefined {
  return storage.getStore();
}

export function currentCorrelationId(): string | undefined {
  return storage.getStore()?.correlationId;
}

/** The caller's project, once authenticated (read by the logger). */
export function setContextProject(projectId: string): void {
  const ctx = storage.getStore();
  if (ctx) ctx.projectId = projectId;
}

/**
 * Runs an operation's work in a context of its own: the correlation id of the request that started it is kept
 * (a client can follow its request into the engine), the operation id added; a copy, so requests are not changed.
 */
export function runForOperation<T>(operationId: string, fn: () => T): T {
  const parent = storage.getStore();
  return storage.run({ correlationId: parent?.correlationId ?? randomUUID(), projectId: parent?.projectId, operationId }, fn);
}

/** Accepts a caller's id when it looks sane (so a client can follow its own request), else makes one. */
export function correlationIdFrom(header: string | string[] | undefined): string {
  const value = Array.isArray(header) ? header[0] : header;
  return value && /^[A-Za-z0-9._:-]{1,128}$/.test(value) ? value : randomUUID();
}
