// The embedded store: one SQLite file, opened in WAL mode with full fsync on commit, so an
// acknowledged message survives a crash of the process or of the machine.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { SqlStore, type SqlStoreOptions } from './sql-store.js';
import { cachingStatements } from './statement-cache.js';
import type { Database } from './tables.js';

export async function openSqliteStore(path: string, options: SqlStoreOptions = {}): Promise<SqlStore> {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const database = new BetterSqlite3(path);
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = FULL');
  database.pragma('foreign_keys = ON');
  database.pragma('busy_timeout = 5000');
  const kysely = new Kysely<Database>({ dialect: new SqliteDialect({ database: cachingStatements(database) }) });
  await SqlStore.migrate(kysely, 'sqlite');
  return new SqlStore(kysely, options);
}
