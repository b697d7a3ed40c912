/**
 * The floor of this machine, measured in the bench's own process and run, so that figures survive a change of
 * machine (or a busy one): (a) the commit floor — how many times per second the database commits the write set of
 * one instantiation (write-set.json: the same rows, sizes and transactions the service writes, counted with
 * write-set.ts) with plain prepared statements on one connection, no service; (b) a fixed CPU yardstick (JSON
 * round trip and SHA-256 of an operation-sized record). Each bench figure is then printed beside its ratio.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Client as PgClient } from 'pg';
import type { Write, WriteSet } from './write-set';

export interface Floor {
  /** instantiations' write sets committed per second */
  commitsPerS: number;
  /** yardstick operations per second */
  cpuOpsPerS: number;
  database: string;
  describe(): string;
  /** "31 NS/s = 18 % of the 170/s commit floor" */
  rate(perS: number, unit?: string): string;
  /** "25 ms = 4.1 × the floor's 6.1 ms per instantiation" */
  latency(msValue: number): string;
  /** "3.5 ms = 41 yardstick ops" (CPU-bound figures: onboarding, lists) */
  cpu(msValue: number): string;
}

const set = (db: 'sqlite' | 'postgres'): WriteSet =>
  (JSON.parse(readFileSync(join(__dirname, 'write-set.json'), 'utf8')) as Record<string, WriteSet>)[db];
const isRow = (w: Write) => w.kind === 'insert' || w.kind === 'update' || w.kind === 'delete';
const tables = (s: WriteSet) => [
  ...new Set(
    s
      .flat()
      .filter(isRow)
      .map((w) => w.table),
  ),
];
const body = (chars: number) => 'x'.repeat(chars);

/** One instantiation's rows: an update goes to the row this instantiation inserted into that table (else a seed row). */
function plan(
  s: WriteSet,
  i: number,
): { tx: { sql: 'insert' | 'update' | 'delete'; table: string; id: string; body: string }[]; nosync: boolean; locks: number }[] {
  const inserted = new Map<string, string>();
  return s.map((tx, t) => ({
    nosync: tx.some((w) => w.kind === 'nosync'),
    locks: tx.filter((w) => w.kind === 'lock').length,
    tx: tx.filter(isRow).map((w, k) => {
      if (w.kind === 'insert') {
        const id = `${i}-${t}-${k}`;
        if (!inserted.has(w.table)) inserted.set(w.table, id);
        return { sql: 'insert' as const, table: w.table, id, body: body(w.chars) };
      }
      return { sql: w.kind as 'update' | 'delete', table: w.table, id: inserted.get(w.table) ?? 'seed', body: body(w.chars) };
    }),
  }));
}

/** SQLite as the service opens it (src/database/options.ts): a file in WAL mode, synchronous = NORMAL. */
function sqliteFloor(s: WriteSet, seconds: number): number {
  const dir = mkdtempSync(join(tmpdir(), 'mano-floor-'));
  const db = new Database(join(dir, 'floor.sqlite'));
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    const st = new Map<string, Database.Statement>();
    for (const t of tables(s)) {
      db.exec(`CREATE TABLE "${t}" (id TEXT PRIMARY KEY, body TEXT NOT NULL)`);
      db.prepare(`INSERT INTO "${t}" VALUES ('seed', '')`).run();
      st.set(`insert ${t}`, db.prepare(`INSERT INTO "${t}" (id, body) VALUES (?, ?)`));
      st.set(`update ${t}`, db.prepare(`UPDATE "${t}" SET body = ? WHERE id = ?`));
      st.set(`delete ${t}`, db.prepare(`DELETE FROM "${t}" WHERE id = ?`));
    }
    const begin = db.prepare('BEGIN');
    const commit = db.prepare('COMMIT');
    const until = performance.now() + seconds * 1000;
    let n = 0;
    const started = performance.now();
    while (performance.now() < until) {
      for (const { tx } of plan(s, n)) {
        begin.run();
        for (const w of tx) {
          const stmt = st.get(`${w.sql} ${w.table}`)!;
          if (w.sql === 'insert') stmt.run(w.id, w.body);
          else if (w.sql === 'update') stmt.run(w.body, w.id);
          else stmt.run(w.id);
        }
        commit.run();
      }
      n++;
    }
    return n / ((performance.now() - started) / 1000);
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * PostgreSQL: the bench's throw-away database, tables of its own (dropped after), named prepared statements, on
 * PG_STREAMS connections at once — the service runs many operations at once on its pool, and PostgreSQL commits
 * concurrent transactions with one WAL flush, so one connection alone would be a floor far below the service.
 */
const PG_STREAMS = 16;
async function pgFloor(url: string, s: WriteSet, seconds: number): Promise<number> {
  const admin = new PgClient({ connectionString: url });
  await admin.connect();
  const names = new Map(tables(s).map((t) => [t, `floor_${t}`] as const));
  try {
    for (const f of names.values()) {
      await admin.query(`CREATE TABLE ${f} (id varchar PRIMARY KEY, body text NOT NULL)`);
      await admin.query(`INSERT INTO ${f} VALUES ('seed', '')`);
    }
    const until = performance.now() + seconds * 1000;
    const started = performance.now();
    const stream = async (k: number): Promise<number> => {
      const c = new PgClient({ connectionString: url });
      await c.connect();
      let n = 0;
      try {
        while (performance.now() < until) {
          for (const { tx, nosync, locks } of plan(s, n * PG_STREAMS + k)) {
            await c.query('BEGIN');
            if (nosync) await c.query('SET LOCAL synchronous_commit = off');
            for (let l = 0; l < locks; l++)
              await c.query({ name: 'floor_lock', text: 'SELECT pg_advisory_xact_lock(hashtext($1))', values: [`floor-${k}`] });
            for (const w of tx) {
              const f = names.get(w.table)!;
              if (w.sql === 'insert')
                await c.query({ name: `i_${f}`, text: `INSERT INTO ${f} (id, body) VALUES ($1, $2)`, values: [w.id, w.body] });
              else if (w.sql === 'update')
                await c.query({ name: `u_${f}`, text: `UPDATE ${f} SET body = $1 WHERE id = $2`, values: [w.body, w.id] });
              else await c.query({ name: `d_${f}`, text: `DELETE FROM ${f} WHERE id = $1`, values: [w.id] });
            }
            await c.query('COMMIT');
          }
          n++;
        }
      } finally {
        await c.end();
      }
      return n;
    };
    const done = await Promise.all(Array.from({ length: PG_STREAMS }, (_, k) => stream(k)));
    return done.reduce((a, b) => a + b, 0) / ((performance.now() - started) / 1000);
  } finally {
    for (const f of names.values()) await admin.query(`DROP TABLE IF EXISTS ${f}`).catch(() => undefined);
    await admin.end();
  }
}

/** A fixed CPU workload: JSON round trip and SHA-256 of a record the size of an operation's (≈ 6 KB). */
function cpuYardstick(seconds: number): number {
  const record = {
    steps: Array.from({ length: 12 }, (_, i) => ({
      key: `apply:compute:vdu-${i}`,
      state: 'DONE',
      data: { observed: { providerId: `p-${i}`, addresses: [{ port: 'eth0', ip: `10.0.0.${i}` }] } },
    })),
    detailedStatus: 'x'.repeat(2000),
  };
  const until = performance.now() + seconds * 1000;
  const started = performance.now();
  let n = 0;
  while (performance.now() < until) {
    const text = JSON.stringify(JSON.parse(JSON.stringify(record)));
    createHash('sha256').update(text).digest('hex');
    n++;
  }
  return n / ((performance.now() - started) / 1000);
}

const fmt = (n: number) => (n >= 100 ? n.toFixed(0) : n.toPrecision(2));

/** Measures the floor (≈ 2 × `seconds`); `pgUrl` when the bench runs on PostgreSQL (its throw-away database). */
export async function measureFloor(pgUrl?: string, seconds = Number(process.env.BENCH_FLOOR_S ?? 2)): Promise<Floor> {
  const db = pgUrl ? 'postgres' : 'sqlite';
  const s = set(db);
  const commitsPerS = pgUrl ? await pgFloor(pgUrl, s, seconds) : sqliteFloor(s, seconds);
  const cpuOpsPerS = cpuYardstick(seconds);
  const rows = s.flat().filter(isRow).length;
  const database = pgUrl ? `PostgreSQL (${PG_STREAMS} connections)` : 'SQLite (file, WAL, synchronous=NORMAL, one connection)';
  const perInstMs = 1000 / commitsPerS;
  return {
    commitsPerS,
    cpuOpsPerS,
    database,
    describe: () =>
      `floor (${new Date().toISOString().slice(0, 16)}Z, ${cpus().length} × ${cpus()[0]?.model.trim()}, load ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')}): ${database} commits one instantiation's write set (${rows} rows in ${s.length} transactions) ` +
      `${fmt(commitsPerS)}/s (${perInstMs.toFixed(2)} ms each); CPU yardstick ${fmt(cpuOpsPerS)} ops/s`,
    rate: (perS, unit = 'NS/s') =>
      `${fmt(perS)} ${unit} = ${((100 * perS) / commitsPerS).toFixed(0)} % of the ${fmt(commitsPerS)}/s commit floor`,
    latency: (m) => `${m.toFixed(m < 10 ? 2 : 0)} ms = ${(m / perInstMs).toFixed(1)} × the floor's ${perInstMs.toFixed(2)} ms`,
    cpu: (m) => `${m.toFixed(m < 10 ? 2 : 0)} ms = ${fmt((m / 1000) * cpuOpsPerS)} yardstick ops`,
  };
}

if (require.main === module) {
  // npx ts-node --transpile-only test/bench/floor.ts  (MANO_DB_URL=postgres://… for PostgreSQL)
  void measureFloor(process.env.MANO_DB_URL).then((f) => console.log(f.describe()));
}
