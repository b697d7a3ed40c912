/**
 * Counts what one instantiation writes, for the bench floor (floor.ts): the service runs with every SQL statement
 * traced (sql-trace.js), one NS (1 VNF, 2 VDUs) is created and instantiated after a warm-up, and its writes are
 * grouped into the transactions that committed them (per connection, BEGIN … COMMIT; a write outside is its own).
 *   npm run build && npx ts-node --transpile-only test/bench/write-set.ts [--save]     (BENCH_DB=postgres for PostgreSQL)
 * --save writes the result into write-set.json, which the floor replays.
 */
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchDatabase, Client, startService } from './harness';
import { prepareLcm } from './lcm-client';

/** One row written: the table, how (insert/update/delete/lock), and its parameters' size in characters. */
export interface Write {
  table: string;
  /** `nosync`: the transaction commits without waiting for the WAL flush (PostgreSQL `synchronous_commit = off`) */
  kind: 'insert' | 'update' | 'delete' | 'lock' | 'nosync';
  chars: number;
}
export type WriteSet = Write[][];

interface Traced {
  db: string;
  conn: number;
  sql: string;
  chars: number;
}

function writeOf(t: Traced): Write | undefined {
  const sql = t.sql.trim();
  const table = (re: RegExp) => re.exec(sql)?.[1]?.replace(/"/g, '') ?? '?';
  if (/^INSERT/i.test(sql)) return { table: table(/^INSERT\s+INTO\s+("?[\w.]+"?)/i), kind: 'insert', chars: t.chars };
  if (/^UPDATE/i.test(sql)) return { table: table(/^UPDATE\s+("?[\w.]+"?)/i), kind: 'update', chars: t.chars };
  if (/^DELETE/i.test(sql)) return { table: table(/^DELETE\s+FROM\s+("?[\w.]+"?)/i), kind: 'delete', chars: t.chars };
  if (/synchronous_commit\s*=\s*off/i.test(sql)) return { table: '', kind: 'nosync', chars: 0 };
  if (/pg_advisory_xact_lock|FOR UPDATE/i.test(sql)) return { table: table(/FROM\s+("?[\w.]+"?)/i), kind: 'lock', chars: 0 };
  return undefined;
}

export const isRow = (w: Write): boolean => w.kind === 'insert' || w.kind === 'update' || w.kind === 'delete';

/** Transactions with at least one write, in commit order. */
export function group(lines: Traced[]): WriteSet {
  const open = new Map<number, Write[]>();
  const done: WriteSet = [];
  for (const t of lines) {
    const sql = t.sql.trim().toUpperCase();
    if (sql.startsWith('BEGIN') || sql.startsWith('START TRANSACTION')) open.set(t.conn, []);
    else if (sql.startsWith('COMMIT')) {
      const tx = open.get(t.conn);
      open.delete(t.conn);
      if (tx?.some(isRow)) done.push(tx);
    } else if (sql.startsWith('ROLLBACK') && !sql.includes(' TO ')) open.delete(t.conn);
    else {
      const w = writeOf(t);
      if (!w) continue;
      const tx = open.get(t.conn);
      if (tx) tx.push(w);
      else if (isRow(w)) done.push([w]);
    }
  }
  return done;
}

async function main(): Promise<void> {
  const db = await benchDatabase('mano_writeset');
  const trace = join(mkdtempSync(join(tmpdir(), 'mano-trace-')), 'sql.jsonl');
  const service = await startService({ ...db.env, BENCH_SQL_TRACE: trace }, ['-r', join(__dirname, 'sql-trace.js')]);
  try {
    const client = new Client(service.url);
    await client.login();
    const lcm = await prepareLcm(service.url, client);
    for (let i = 0; i < 3; i++) await lcm.waitOp(await lcm.createNs(lcm.nsd1), 5);
    await new Promise((r) => setTimeout(r, 300));
    const from = statSync(trace).size;
    await lcm.waitOp(await lcm.createNs(lcm.nsd1), 5);
    // what the engine writes after READY is seen (if anything) belongs to this instantiation too
    await new Promise((r) => setTimeout(r, 300));
    const lines = readFileSync(trace, 'utf8')
      .slice(from)
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Traced);
    const set = group(lines);
    const rows = set.flat().filter(isRow);
    console.log(
      `${db.onPg ? 'PostgreSQL' : 'SQLite'}: ${lines.length} statements in all, ${rows.length} rows written in ${set.length} transactions`,
    );
    for (const [i, tx] of set.entries())
      console.log(`  tx ${i + 1}: ${tx.map((w) => `${w.kind} ${w.table} (${w.chars} chars)`).join(', ')}`);
    const reads = lines.filter((l) => /^\s*SELECT/i.test(l.sql)).length;
    console.log(`  reads: ${reads} SELECTs (polling included)`);
    if (process.argv.includes('--save')) {
      const file = join(__dirname, 'write-set.json');
      const saved = JSON.parse(readFileSync(file, 'utf8')) as Record<string, WriteSet>;
      saved[db.onPg ? 'postgres' : 'sqlite'] = set;
      writeFileSync(file, JSON.stringify(saved, null, 1) + '\n');
      console.log(`saved into ${file}`);
    }
  } finally {
    await service.stop();
    await db.drop();
  }
}

if (require.main === module)
  void main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
