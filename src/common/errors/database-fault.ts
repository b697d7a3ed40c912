/**
 * Database failures the caller cannot fix by changing the request — the disk is full, the data directory went
 * read-only, PostgreSQL is down or restarting — told apart from defects, so they answer 503 (retry later)
 * instead of 500. Codes: SQLite's extended result codes (better-sqlite3 `SqliteError.code`) and PostgreSQL's
 * SQLSTATE classes 08 (connection), 53 (insufficient resources), 57P (shutdown) and 25006 (read-only transaction).
 */
export interface DatabaseFault {
  /** what to tell the caller, without internals */
  detail: string;
}

const SQLITE: [RegExp, string][] = [
  [/^SQLITE_FULL/, 'the database disk is full'],
  [/^SQLITE_READONLY/, 'the database is read-only'],
  [/^SQLITE_(IOERR|CANTOPEN)/, 'the database storage failed'],
  [/^SQLITE_BUSY/, 'the database is busy'],
];
const TRANSPORT = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH']);

export function databaseFault(error: unknown): DatabaseFault | undefined {
  for (let e: unknown = error, depth = 0; e && typeof e === 'object' && depth < 4; depth++) {
    const { code, message } = e as { code?: unknown; message?: unknown };
    if (typeof code === 'string') {
      const sqlite = SQLITE.find(([pattern]) => pattern.test(code));
      if (sqlite) return { detail: sqlite[1] };
      if (/^(08|53|57P)/.test(code) || code === '25006') return { detail: 'the database is unavailable' };
      if (TRANSPORT.has(code)) return { detail: 'the database is unreachable' };
    }
    if (
      typeof message === 'string' &&
      /Connection terminated|connection is closed|Cannot use a pool after calling end/i.test(message)
    )
      return { detail: 'the database is unreachable' };
    // TypeORM's QueryFailedError keeps the driver's error
    e = (e as { driverError?: unknown; cause?: unknown }).driverError ?? (e as { cause?: unknown }).cause;
  }
  return undefined;
}
