// The embedded store: one SQLite file in WAL mode. Every batch is synced to disk before its units
// settle, so an acknowledged message survives a crash of the process or of the machine; the sync
// runs off the main thread (wal-sync.ts) instead of inside COMMIT.
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect, type Driver, type SqliteDatabase } from 'kysely';
import { SqlStore, StoreNotFound, type SqlStoreOptions, type StoreHooks } from './sql-store.js';
import { ExplainedOpenFailure } from './open-failure.js';
import { cachingStatements } from './statement-cache.js';
import type { Database } from './tables.js';
import { WalCheckpointer } from './wal-checkpointer.js';
import { WalSync } from './wal-sync.js';

export async function openSqliteStore(path: string, options: SqlStoreOptions = {}): Promise<SqlStore> {
  const file = path !== ':memory:';
  const existing = options.existingOnly || options.mustExist;
  if (file && existing && !existsSync(path)) throw new StoreNotFound(`no SQLite database at ${resolve(path)}`);
  // An empty file is no database either: opened, its first pragma made it one (WAL mode, 4 KB).
  if (file && existing && statSync(path).size === 0) throw new StoreNotFound(`${resolve(path)} is an empty file, not a SQLite database`);
  if (file && options.existingOnly) return openAsItIs(path, options);
  // SQLite takes an empty name for an anonymous temporary database, deleted when it is closed,
  // whose WAL has no file to sync: the node started, and every write was refused after its
  // commit. (Opened as it is, for journal verify, no such file is StoreNotFound above.)
  if (path.trim() === '') {
    throw new Error('TOMADA_DATABASE_URL "sqlite:" names no file: give the database file\'s path, as in sqlite:./data/tomada.db');
  }
  if (file) mkdirSync(dirname(path), { recursive: true });
  const database = new BetterSqlite3(path);
  database.pragma('journal_mode = WAL');
  // COMMIT writes the WAL without syncing it; WalSync syncs it before anything is acknowledged.
  // (NORMAL still syncs the WAL before each checkpoint copies it into the database.)
  database.pragma('synchronous = NORMAL');
  database.pragma('foreign_keys = ON');
  database.pragma('busy_timeout = 5000');
  // Savepoint and sort scratch space in memory, not in temporary files.
  database.pragma('temp_store = MEMORY');
  const statements = cachingStatements(database);
  const kysely = new Kysely<Database>({ dialect: new ErrorKeepingSqliteDialect(database, statements, true) });
  try {
    if (options.existingOnly) await SqlStore.assertCurrent(kysely, 'sqlite');
    else {
      if (options.mustExist) await SqlStore.assertSome(kysely, 'sqlite');
      await SqlStore.migrate(kysely, 'sqlite', undefined, options.log);
    }
  } catch (error) {
    database.close();
    throw error;
  }
  // From here on no statement waits inside SQLite for another process's lock: that wait holds the
  // main thread. A batch takes the write lock as it begins and waits for it on a timer
  // (write-lock-wait.ts); reads in WAL mode take no lock another writer holds. (The migrations
  // above may wait: nothing else runs yet.)
  database.pragma('busy_timeout = 0');
  const hooks: StoreHooks = {
    singleRowInserts: true,
    journalIndexInArrears: true,
    releaseSavepoints: true,
    // What Kysely's SQLite driver does with a query, minus its connection lock and promise chain.
    // No insertId: nothing on the hot path reads one, and it cost a BigInt per write.
    runInTransaction: (sql, parameters) => {
      const statement = statements.cached(sql);
      if (statement.reader) return Promise.resolve({ rows: statement.all(parameters) });
      return Promise.resolve({ rows: [], numAffectedRows: BigInt(statement.run(parameters).changes) });
    },
  };
  if (path === ':memory:') return new SqlStore(kysely, options, hooks);
  // Checkpoints run in a thread of their own; the writer's automatic one (every 1,000 pages by
  // default) only if that thread falls far behind.
  database.pragma('wal_autocheckpoint = 25000');
  const checkpointer = new WalCheckpointer(path, options.log);
  const wal = new WalSync(`${path}-wal`);
  return new SqlStore(kysely, options, {
    ...hooks,
    durable: () => wal.sync(),
    // After a failed sync nothing commits: a batch committed then is refused, and stored all the same.
    commitsRefused: () => wal.failed,
    beforeClose: async () => {
      await checkpointer.close();
      await wal.close();
    },
  });
}

/**
 * A store to read, not to run (`journal verify`): opened read-only, so a user who may only read
 * the file (an auditor) can verify it, and nothing is written, not even a checkpoint at close.
 */
async function openAsItIs(path: string, options: SqlStoreOptions): Promise<SqlStore> {
  const database = new BetterSqlite3(path, { readonly: true, fileMustExist: true });
  database.pragma('busy_timeout = 5000');
  const kysely = new Kysely<Database>({ dialect: new ErrorKeepingSqliteDialect(database, cachingStatements(database), false) });
  try {
    await SqlStore.assertCurrent(kysely, 'sqlite');
  } catch (error) {
    database.close();
    throw withoutSharedMemory(error, path);
  }
  return new SqlStore(kysely, options, { singleRowInserts: true, journalIndexInArrears: true, releaseSavepoints: true });
}

/**
 * A store in WAL mode is read through its `-shm` file, which SQLite creates beside it when no
 * process has it open. A user who may not write to that folder gets "attempt to write a readonly
 * database" from a read: it says nothing of the cause.
 */
function withoutSharedMemory(error: unknown, path: string): unknown {
  const code = (error as { code?: unknown } | null)?.code;
  if (code !== 'SQLITE_READONLY_DIRECTORY' && code !== 'SQLITE_CANTOPEN') return error;
  return new ExplainedOpenFailure(
    `SQLite cannot read ${resolve(path)} without creating ${resolve(path)}-shm beside it (the store is in WAL mode and no node has it open), and this user may not write to ${resolve(dirname(path))}: run as a user who may, or verify a copy of the file in a folder of your own (${String(code)})`,
  );
}

/**
 * Kysely's SQLite dialect with two changes to its transactions.
 *
 * After some errors (a full disk, SQLITE_FULL; an I/O error) SQLite rolls the whole transaction
 * back by itself. Kysely then issues its own ROLLBACK, which fails ("cannot rollback - no
 * transaction is active"), and throws that instead of the error that caused it: the operator's
 * log said "cannot rollback" where it should say "database or disk is full". Its ROLLBACK is
 * skipped when SQLite has no transaction open any more, so the cause is what gets thrown.
 *
 * A writable store's transactions take the write lock as they begin (IMMEDIATE), not at their
 * first write: a lock another process holds is then met before any unit runs, where a batch can
 * wait and begin again (write-lock-wait.ts). A batch nearly always writes (its frames); one that
 * only reads holds the lock for its few statements, and readers in WAL mode never wait on it.
 */
class ErrorKeepingSqliteDialect extends SqliteDialect {
  constructor(
    private readonly connection: BetterSqlite3.Database,
    statements: SqliteDatabase,
    private readonly writable: boolean,
  ) {
    super({ database: statements });
  }

  override createDriver(): Driver {
    const driver = super.createDriver();
    if (this.writable) {
      driver.beginTransaction = async () => {
        this.connection.exec('begin immediate');
      };
    }
    const rollback = driver.rollbackTransaction.bind(driver);
    driver.rollbackTransaction = async (connection) => {
      if (this.connection.inTransaction) await rollback(connection);
    };
    return driver;
  }
}
