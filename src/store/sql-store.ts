// The Store over a Kysely database: reads go straight to the database, writes go through the
// group committer. The dialect-specific parts (opening, pragmas, the journal lock) live in
// sqlite.ts / postgres.ts. Journal rows are written once per batch, just before its commit: one
// insert for the whole batch, and on a shared database the journal lock is held only from there
// to the commit.
import { AsyncLocalStorage } from 'node:async_hooks';
import { Migrator, sql, type Kysely } from 'kysely';
import { GroupCommitter, type BatchObserver } from './group-commit.js';
import { migrationProvider, type Dialect } from './migrations.js';
import { SqlQueries, type DialectHooks } from './sql-queries.js';
import type { JournalFrame } from './journal-chain.js';
import type { Store, StoreWriter } from './store.js';
import type { Database } from './tables.js';

/** Frames waiting to be journaled with the first unit of work that handles them. */
interface PendingFrames {
  frames: JournalFrame[];
}

export interface SqlStoreOptions {
  observer?: BatchObserver;
  /** HMAC key of the journal chain (TOMADA_JOURNAL_KEY). */
  journalKey?: string;
  /** Where the store reports losing and regaining its database. */
  log?: StoreLog;
}

export interface StoreLog {
  info(detail: Record<string, unknown>, message: string): void;
  warn(detail: Record<string, unknown>, message: string): void;
  error(detail: Record<string, unknown>, message: string): void;
}

/** What a dialect adds around the shared SQL. */
export interface StoreHooks extends DialectHooks {
  /** COMMIT returns before the data is on disk: resolves once everything committed so far is. */
  durable?(): Promise<void>;
  /** Release each unit's savepoint when it ends (cheap where there is no round trip). */
  releaseSavepoints?: boolean;
  /** Runs after the last unit settled, before the database is closed. */
  beforeClose?(): Promise<void>;
}

export class SqlStore extends SqlQueries implements Store {
  private readonly committer: GroupCommitter<Kysely<Database>>;
  private readonly pending = new AsyncLocalStorage<PendingFrames>();
  /** Frames of the batch being run, from its units that succeeded, in unit order. */
  private batchFrames: JournalFrame[] = [];

  constructor(
    private readonly kysely: Kysely<Database>,
    options: SqlStoreOptions = {},
    private readonly storeHooks: StoreHooks = {},
  ) {
    super(kysely, options.journalKey, storeHooks);
    const observer = options.observer ?? {};
    this.committer = new GroupCommitter<Kysely<Database>>(
      {
        inTransaction: (body) =>
          kysely.transaction().execute((tx) => {
            this.batchFrames = [];
            return body(tx);
          }),
        beforeCommit: (tx) => this.queriesOn(tx).appendJournal(this.batchFrames.splice(0)),
        savepoint: async (tx, name) => void (await sql`savepoint ${sql.id(name)}`.execute(tx)),
        rollbackToSavepoint: async (tx, name) => void (await sql`rollback to savepoint ${sql.id(name)}`.execute(tx)),
        ...(storeHooks.durable ? { durable: storeHooks.durable } : {}),
        ...(storeHooks.releaseSavepoints ? { releaseSavepoint: async (tx: Kysely<Database>, name: string) => void (await sql`release savepoint ${sql.id(name)}`.execute(tx)) } : {}),
      },
      500,
      observer,
    );
  }

  /** `schema`: where the migration bookkeeping lives (PostgreSQL), so other schemas' never count. */
  static async migrate(kysely: Kysely<Database>, dialect: Dialect, schema?: string): Promise<void> {
    const migrator = new Migrator({ db: kysely, provider: migrationProvider(dialect), ...(schema ? { migrationTableSchema: schema } : {}) });
    const { error } = await migrator.migrateToLatest();
    if (error) throw error instanceof Error ? error : new Error(String(error));
  }

  transact<T>(work: (tx: StoreWriter) => Promise<T>): Promise<T> {
    // Read now, in the caller's async context: the unit itself runs in the batch's.
    const pending = this.pending.getStore();
    let taken: JournalFrame[] = [];
    return this.committer
      .submit(async (tx) => {
        taken = pending?.frames.splice(0) ?? [];
        const value = await work(this.queriesOn(tx));
        // Journaled with this batch only if the unit succeeded.
        this.batchFrames.push(...taken);
        return value;
      })
      .catch((error: unknown) => {
        // The unit (or its whole batch) rolled back, and its frames were not journaled: they
        // wait for the next unit, or for withFrames to write them on their own.
        pending?.frames.unshift(...taken);
        throw error;
      });
  }

  async withFrames<T>(frames: readonly JournalFrame[], work: () => Promise<T>): Promise<T> {
    const pending: PendingFrames = { frames: [...frames] };
    try {
      return await this.pending.run(pending, work);
    } finally {
      if (pending.frames.length > 0) await this.journal(pending.frames.splice(0));
    }
  }

  journal(frames: readonly JournalFrame[]): Promise<void> {
    if (frames.length === 0) return Promise.resolve();
    return this.committer.submit(async () => void this.batchFrames.push(...frames), { noWrites: true });
  }

  async close(): Promise<void> {
    await this.committer.idle();
    await this.storeHooks.beforeClose?.();
    await this.kysely.destroy();
  }
}
