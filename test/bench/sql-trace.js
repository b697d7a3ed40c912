/**
 * Preloaded into the service (`node -r test/bench/sql-trace.js`, with BENCH_SQL_TRACE=<file>) by write-set.ts: appends
 * every SQL statement the service runs (better-sqlite3 or pg) to that file as one JSON line, with its parameters'
 * size in characters — how the bench floor's write set of one instantiation was counted. Never loaded otherwise.
 */
const { appendFileSync } = require('node:fs');

const file = process.env.BENCH_SQL_TRACE;
const size = (params) => params.flat(Infinity).reduce((n, v) => n + (v === null || v === undefined ? 0 : String(v).length), 0);
// which connection ran it: a transaction's statements are those of one connection between BEGIN and COMMIT
const ids = new WeakMap();
const connOf = (o) => {
  if (!ids.has(o)) ids.set(o, (connOf.n = (connOf.n ?? 0) + 1));
  return ids.get(o);
};
const log = (db, conn, sql, params) =>
  appendFileSync(file, JSON.stringify({ db, conn: connOf(conn), sql, chars: size(params) }) + '\n');

if (file) {
  try {
    const Database = require('better-sqlite3');
    const prepare = Database.prototype.prepare;
    Database.prototype.prepare = function (sql, ...rest) {
      const statement = prepare.call(this, sql, ...rest);
      const db = this;
      for (const method of ['run', 'all', 'get', 'iterate']) {
        const original = statement[method];
        statement[method] = function (...params) {
          log('sqlite', db, sql, params);
          return original.apply(this, params);
        };
      }
      return statement;
    };
  } catch {
    // better-sqlite3 not installed: nothing to trace there
  }
  const pg = require('pg');
  const query = pg.Client.prototype.query;
  pg.Client.prototype.query = function (config, values, ...rest) {
    const text = typeof config === 'string' ? config : config?.text;
    const params = Array.isArray(values) ? values : (config?.values ?? []);
    if (text) log('pg', this, text, params);
    return query.call(this, config, values, ...rest);
  };
}
