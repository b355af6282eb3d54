// The database a test runs against: SQLite files by default, PostgreSQL when
// TOMADA_TEST_STORE=postgres (scripts/run-tests.mjs runs the suite once per store). The PostgreSQL
// server is shared with other sessions, so each test gets a fresh schema with a random name and
// drops it afterwards.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect } from 'kysely';
import { migrationProvider } from '../../src/store/migrations.js';
import { openStore } from '../../src/store/open.js';
import { OwnSchemaPostgresDialect } from '../../src/store/postgres-introspector.js';
import type { Store } from '../../src/store/store.js';

/** The PostgreSQL driver, loaded by the first test that reaches PostgreSQL: the SQLite pass never does. */
const postgresDriver = (): typeof import('pg').default => createRequire(import.meta.url)('pg');

export type TestStoreKind = 'sqlite' | 'postgres';

export const testStoreKind: TestStoreKind = process.env.TOMADA_TEST_STORE === 'postgres' ? 'postgres' : 'sqlite';

/** The server the PostgreSQL tests use (a database on it; each test makes its own schema). */
export const testPostgresUrl = process.env.TOMADA_TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';

/** Schema names of test databases start with this, then the creation time, so leftovers can be found. */
export const TEST_SCHEMA_PREFIX = 'tomada_test_';

/**
 * Commits return before PostgreSQL's own WAL flush, as the SQLite tests keep their files in
 * memory-backed /dev/shm: the tests check that an answer waits for its commit, not the disk's
 * speed (thousands of sequential commits would otherwise be timed by the fsync of a loaded
 * machine). Only a crash of the PostgreSQL server itself could lose such a commit; no test
 * crashes it. Production keeps synchronous_commit=on (docs/OPERATIONS.md).
 */
const TEST_SERVER_OPTIONS = '-c synchronous_commit=off';

let reachable: Promise<string | undefined> | undefined;

/** Undefined when PostgreSQL answers; otherwise why not (a skip reason). */
export function postgresUnavailable(): Promise<string | undefined> {
  reachable ??= (async () => {
    const client = new (postgresDriver().Client)({ connectionString: testPostgresUrl, connectionTimeoutMillis: 3_000 });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.query('select 1');
      return undefined;
    } catch (error) {
      return `PostgreSQL at ${testPostgresUrl.replace(/\/\/[^@]*@/, '//***@')} is not reachable (${(error as Error).message})`;
    } finally {
      await client.end().catch(() => undefined);
    }
  })();
  return reachable;
}

/**
 * `{ skip: reason }` for a test that needs PostgreSQL when it is not there, `{}` when it is.
 * In CI (CI=true) a missing PostgreSQL fails the test instead of skipping it.
 */
export async function needsPostgres(): Promise<{ skip?: string }> {
  const reason = await postgresUnavailable();
  if (reason === undefined) return {};
  if (process.env.CI === 'true') throw new Error(`${reason}; CI needs it`);
  return { skip: reason };
}

/** A fresh schema on the test server; `url` opens a store in it, `drop` removes it with its data. */
export interface TestSchema {
  name: string;
  url: string;
  drop(): Promise<void>;
}

export async function createTestSchema(): Promise<TestSchema> {
  // Seconds first (a later run drops schemas older than an hour), then the run's tag (the run
  // drops its own when it ends), then a random part.
  const run = /^[0-9a-f]{1,16}$/.test(process.env.TOMADA_TEST_RUN ?? '') ? process.env.TOMADA_TEST_RUN! : 'solo';
  const name = `${TEST_SCHEMA_PREFIX}${Math.floor(Date.now() / 1000)}_${run}_${randomBytes(6).toString('hex')}`;
  const url = new URL(testPostgresUrl);
  url.searchParams.set('schema', name);
  url.searchParams.set('options', TEST_SERVER_OPTIONS);
  await adminQuery(`create schema ${name}`);
  return {
    name,
    url: url.toString(),
    drop: async () => void (await adminQuery(`drop schema if exists ${name} cascade`)),
  };
}

/** Where the test server listens: what a proxy in front of it connects to. */
export function testPostgresAddress(): { host: string; port: number } {
  const url = new URL(testPostgresUrl);
  return { host: url.hostname, port: Number(url.port || 5432) };
}

/** The schema's URL, reaching the server through a proxy on this port of 127.0.0.1. */
export function schemaUrlVia(schema: TestSchema, port: number): string {
  const url = new URL(schema.url);
  url.host = `127.0.0.1:${port}`;
  return url.toString();
}

/** Runs one statement on the test server through a connection of its own. */
export async function adminQuery(text: string): Promise<import('pg').QueryResult> {
  const client = new (postgresDriver().Client)({ connectionString: testPostgresUrl });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await client.query(text);
  } finally {
    await client.end();
  }
}

/** A store location of the kind under test: its URL, and how to remove it afterwards. */
export interface TestDatabase {
  kind: TestStoreKind;
  url: string;
  /** The SQLite file (undefined on PostgreSQL). */
  sqlitePath: string | undefined;
  /** The PostgreSQL schema (undefined on SQLite). */
  schema: string | undefined;
  drop(): Promise<void>;
}

/** A fresh, empty database of the kind under test (TOMADA_TEST_STORE). */
export async function createTestDatabase(kind: TestStoreKind = testStoreKind): Promise<TestDatabase> {
  if (kind === 'postgres') {
    const schema = await createTestSchema();
    return { kind, url: schema.url, sqlitePath: undefined, schema: schema.name, drop: schema.drop };
  }
  const dir = mkdtempSync(join(tmpdir(), 'tomada-db-'));
  const path = join(dir, 'tomada.db');
  return {
    kind,
    url: `sqlite:${path}`,
    sqlitePath: path,
    schema: undefined,
    drop: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

/**
 * Runs `body` with a fresh, empty database of the kind under test, then removes it. Without
 * PostgreSQL to test on, the test is skipped (failed under CI).
 */
export async function withTestDatabase(t: { skip(reason: string): void }, body: (database: TestDatabase) => Promise<void>): Promise<void> {
  if (testStoreKind === 'postgres') {
    const skip = await needsPostgres();
    if (skip.skip) return t.skip(skip.skip);
  }
  const database = await createTestDatabase();
  try {
    await body(database);
  } finally {
    await database.drop();
  }
}

/** Runs `body` with a store of the kind under test on a fresh database (withTestDatabase), then closes it. */
export async function withTestStore(t: { skip(reason: string): void }, body: (store: Store) => Promise<void>): Promise<void> {
  await withTestDatabase(t, async (database) => {
    const store = await openStore(database.url);
    try {
      await body(store);
    } finally {
      await store.close();
    }
  });
}

/** Kysely on a test database through a connection of its own, beside any store open on it. */
export function kyselyOn(database: TestDatabase): Kysely<any> {
  if (database.kind === 'postgres') {
    const pool = new (postgresDriver().Pool)({ connectionString: testPostgresUrl, options: `-c search_path=${database.schema}` });
    return new Kysely<any>({ dialect: new OwnSchemaPostgresDialect({ pool }) });
  }
  return new Kysely<any>({ dialect: new SqliteDialect({ database: new BetterSqlite3(database.sqlitePath!) }) });
}

/** Kysely on a test database migrated up to `migration` only: a database as an earlier version left it. */
export async function migratedTo(database: TestDatabase, migration: string): Promise<Kysely<any>> {
  const db = kyselyOn(database);
  const migrator = new Migrator({ db, provider: migrationProvider(database.kind), ...(database.schema ? { migrationTableSchema: database.schema } : {}) });
  const { error } = await migrator.migrateTo(migration);
  if (error) {
    await db.destroy();
    throw error instanceof Error ? error : new Error(String(error));
  }
  return db;
}
