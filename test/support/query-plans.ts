// The store's own queries on a test database, with every statement they run captured, and the
// plan the database makes of one: for tests that a read uses an index, on either store.
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect, sql, type LogEvent } from 'kysely';
import pg from 'pg';
import { SqlQueries } from '../../src/store/sql-queries.js';
import { OwnSchemaPostgresDialect } from '../../src/store/postgres-introspector.js';
import type { Database } from '../../src/store/tables.js';
import { openStore } from '../../src/store/open.js';
import { kyselyOn, testPostgresUrl, withTestDatabase, type TestDatabase } from './database.js';

export interface CapturedStatement {
  sql: string;
  parameters: readonly unknown[];
}

/** SqlQueries on `database`, and the statements it has run so far (the caller may empty the list). */
export function capturingQueries(database: TestDatabase): { queries: SqlQueries; statements: CapturedStatement[]; db: Kysely<Database> } {
  const statements: CapturedStatement[] = [];
  const log = (event: LogEvent) => {
    if (event.level === 'query') statements.push({ sql: event.query.sql, parameters: event.query.parameters });
  };
  const db =
    database.kind === 'postgres'
      ? new Kysely<Database>({ dialect: new OwnSchemaPostgresDialect({ pool: new pg.Pool({ connectionString: testPostgresUrl, options: `-c search_path=${database.schema}` }) }), log })
      : new Kysely<Database>({ dialect: new SqliteDialect({ database: new BetterSqlite3(database.sqlitePath!) }), log });
  return { queries: new SqlQueries(db), statements, db };
}

/** The plan of a captured statement, as one line of text (EXPLAIN on PostgreSQL, EXPLAIN QUERY PLAN on SQLite). */
export async function planOf(db: Kysely<Database>, kind: TestDatabase['kind'], statement: CapturedStatement): Promise<string> {
  const explain = kind === 'postgres' ? 'explain' : 'explain query plan';
  const { rows } = await db.executeQuery<Record<string, string>>({ sql: `${explain} ${statement.sql}`, parameters: statement.parameters, query: { kind: 'RawNode' } } as never);
  return rows.map((row) => row['QUERY PLAN'] ?? row.detail).join('; ');
}

/**
 * Rows written straight into a migrated test database by `write`, then, on PostgreSQL, the
 * statistics of `tables` gathered, so that its planner sees the table as a network's would be.
 */
export async function fillTables(database: TestDatabase, tables: readonly string[], write: (db: Kysely<any>) => Promise<void>): Promise<void> {
  const db = kyselyOn(database);
  try {
    await write(db);
    if (database.kind === 'postgres') await sql.raw(`analyze ${tables.join(', ')}`).execute(db);
  } finally {
    await db.destroy();
  }
}

/**
 * A plan test on the store under test: a database migrated, filled by `fill`, and `body` given the
 * store's queries capturing their statements (capturingQueries), closed after.
 */
export async function withFilledDatabase(
  t: { skip(reason: string): void },
  fill: (database: TestDatabase) => Promise<void>,
  body: (context: ReturnType<typeof capturingQueries> & { database: TestDatabase }) => Promise<void>,
): Promise<void> {
  await withTestDatabase(t, async (database) => {
    await (await openStore(database.url)).close(); // migrated
    await fill(database);
    const captured = capturingQueries(database);
    try {
      await body({ ...captured, database });
    } finally {
      await captured.db.destroy();
    }
  });
}
