// Group commit against one transaction per unit, on PostgreSQL (or SQLite for comparison).
// N clients each run units back to back, as connections do: a unit is what a StatusNotification
// stores (the connector's state, its history row, and the frame in the journal chain), and it
// counts as done when its commit has returned, which is when the charge point would get its answer.
//
//   node --import tsx bench/store-commit.ts [--store postgres|sqlite] [--clients 100] [--units 5000] [--pool 10]
//
// With --store postgres it makes a schema of its own on TOMADA_TEST_DATABASE_URL (default
// postgres://postgres@127.0.0.1:5432/test) and drops it at the end; commits wait for the WAL
// flush (synchronous_commit=on), as in production. With --store sqlite the file is in the temp
// folder, with synchronous=FULL.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import { newChargePoint } from '../src/domain/registry.js';
import { openStore } from '../src/store/open.js';
import { parsePostgresUrl, postgresHooks } from '../src/store/postgres.js';
import { SqlQueries, type DialectHooks } from '../src/store/sql-queries.js';
import type { Store } from '../src/store/store.js';
import type { Database } from '../src/store/tables.js';
import { createTestDatabase, type TestDatabase } from '../test/support/database.js';

const { values } = parseArgs({
  options: {
    store: { type: 'string', default: 'postgres' },
    clients: { type: 'string', default: '100' },
    units: { type: 'string', default: '5000' },
    pool: { type: 'string', default: '10' },
  },
});
const kind = values.store === 'sqlite' ? 'sqlite' : 'postgres';
const clients = Number(values.clients);
const units = Number(values.units);
const poolSize = Number(values.pool);

/** One unit of work on a writer: what a StatusNotification stores. */
async function unit(tx: SqlQueries | Parameters<Parameters<Store['transact']>[0]>[0], cp: string, n: number): Promise<void> {
  await tx.recordStatus(cp, { connectorId: 1, status: n % 2 ? 'Charging' : 'Available', errorCode: 'NoError' }, new Date().toISOString(), '9999-12-31T23:59:59.999Z');
}

const frame = (cp: string, n: number) => ({
  at: new Date().toISOString(),
  chargePointId: cp,
  direction: 'in' as const,
  protocol: 'ocpp1.6-json',
  frame: Buffer.from(`[2,"${n}","StatusNotification",{"connectorId":1,"status":"Available","errorCode":"NoError"}]`),
});

interface Result {
  name: string;
  seconds: number;
  latencies: number[];
}

/** Runs `units` units from `clients` closed-loop clients, each unit through `run`. */
async function drive(name: string, run: (cp: string, n: number) => Promise<void>): Promise<Result> {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async (_, c) => {
      for (let n = next++; n < units; n = next++) {
        const t0 = performance.now();
        await run(`B${c}`, n);
        latencies.push(performance.now() - t0);
      }
    }),
  );
  return { name, seconds: (performance.now() - started) / 1000, latencies };
}

function report({ name, seconds, latencies }: Result): string {
  const sorted = latencies.sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!.toFixed(1);
  return `${name.padEnd(34)} ${String(Math.round(units / seconds)).padStart(7)} units/s   p50 ${at(0.5)} ms   p99 ${at(0.99)} ms`;
}

/** The test database's URL with production durability (test schemas commit asynchronously). */
function productionUrl(database: TestDatabase): string {
  if (database.kind === 'sqlite') return database.url;
  const url = new URL(database.url);
  url.searchParams.delete('options');
  return url.toString();
}

/** A plain Kysely over the same database, for the one-transaction-per-unit baseline. */
function plainKysely(database: TestDatabase): { kysely: Kysely<Database>; hooks: DialectHooks } {
  if (database.kind === 'sqlite') {
    const db = new BetterSqlite3(database.sqlitePath!);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('busy_timeout = 5000');
    return { kysely: new Kysely<Database>({ dialect: new SqliteDialect({ database: db }) }), hooks: {} };
  }
  const { connectionString, serverOptions } = parsePostgresUrl(productionUrl(database));
  const pool = new pg.Pool({ connectionString, max: poolSize, ...(serverOptions ? { options: serverOptions } : {}) });
  return { kysely: new Kysely<Database>({ dialect: new PostgresDialect({ pool }) }), hooks: postgresHooks };
}

const database = await createTestDatabase(kind);
try {
  const batches: { size: number; ms: number }[] = [];
  const store = await openStore(productionUrl(database), { poolSize, observer: { committed: (size, ms) => batches.push({ size, ms }) } });
  await store.transact(async (tx) => {
    for (let c = 0; c < clients; c++) await tx.insertChargePoint(newChargePoint(`B${c}`, 'Accepted', new Date().toISOString()));
  });
  const grouped = await drive('group commit', (cp, n) => store.withFrames([frame(cp, n)], {}, () => store.transact((tx) => unit(tx, cp, n))));
  await store.close();
  batches.shift(); // the setup batch
  const mean = (f: (b: { size: number; ms: number }) => number) => (batches.reduce((sum, b) => sum + f(b), 0) / batches.length).toFixed(1);

  const { kysely, hooks } = plainKysely(database);
  const single = await drive('one transaction per unit', (cp, n) =>
    kysely.transaction().execute(async (tx) => {
      const queries = new SqlQueries(tx, undefined, hooks);
      await unit(queries, cp, n);
      await queries.appendJournal([frame(cp, n)]);
    }),
  );
  await kysely.destroy();

  console.log(`store ${kind}, ${clients} clients, ${units} units each way, pool ${poolSize}`);
  console.log(`${report(grouped)}   (${batches.length} batches, mean ${mean((b) => b.size)} units, ${mean((b) => b.ms)} ms each)`);
  console.log(report(single));
  console.log(`ratio: group commit is ${(single.seconds / grouped.seconds).toFixed(1)}x one transaction per unit`);
} finally {
  await database.drop();
}
