// The Store over a Kysely database: reads go straight to the database, writes go through the
// group committer. The dialect-specific parts (opening, pragmas) live in sqlite.ts / postgres.ts.
import { AsyncLocalStorage } from 'node:async_hooks';
import { Migrator, sql, type Kysely } from 'kysely';
import { GroupCommitter, type BatchObserver } from './group-commit.js';
import { migrationProvider, type Dialect } from './migrations.js';
import { SqlQueries } from './sql-queries.js';
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
}

/** Frames that units of their own will journal together: one statement for all of them. */
interface JournalBatch {
  frames: JournalFrame[];
  written: Promise<void>;
}

export class SqlStore extends SqlQueries implements Store {
  private readonly committer: GroupCommitter<Kysely<Database>>;
  private readonly pending = new AsyncLocalStorage<PendingFrames>();
  /** The journal's last hash as the open batch transaction left it; reset when a unit rolls back. */
  private chain: { head?: string | undefined } = {};
  /** Frames journaled on their own, gathered until the unit that writes them runs. */
  private gathering: JournalBatch | undefined;

  constructor(
    private readonly kysely: Kysely<Database>,
    options: SqlStoreOptions = {},
  ) {
    super(kysely, options.journalKey);
    const observer = options.observer ?? {};
    this.committer = new GroupCommitter<Kysely<Database>>(
      {
        inTransaction: (body) => {
          this.chain = {};
          return kysely.transaction().execute(body);
        },
        savepoint: async (tx, name) => void (await sql`savepoint ${sql.id(name)}`.execute(tx)),
        releaseSavepoint: async (tx, name) => void (await sql`release savepoint ${sql.id(name)}`.execute(tx)),
        rollbackToSavepoint: async (tx, name) => {
          // The unit's journal rows are undone: read the head again.
          this.chain = {};
          await sql`rollback to savepoint ${sql.id(name)}`.execute(tx);
        },
      },
      500,
      observer,
    );
  }

  static async migrate(kysely: Kysely<Database>, dialect: Dialect): Promise<void> {
    const migrator = new Migrator({ db: kysely, provider: migrationProvider(dialect) });
    const { error } = await migrator.migrateToLatest();
    if (error) throw error instanceof Error ? error : new Error(String(error));
  }

  transact<T>(work: (tx: StoreWriter) => Promise<T>): Promise<T> {
    // Read now, in the caller's async context: the unit itself runs in the batch's.
    const pending = this.pending.getStore();
    let taken: JournalFrame[] = [];
    return this.committer
      .submit(async (tx) => {
        const queries = new SqlQueries(tx, this.journalKeyOf());
        taken = pending?.frames.splice(0) ?? [];
        await queries.appendJournal(taken, this.chain);
        return work(queries);
      })
      .catch((error: unknown) => {
        // The unit (or its whole batch) rolled back, journal rows included: the frames wait
        // for the next unit, or for withFrames to write them on their own.
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

  /**
   * Journals frames in a unit of their own. Every call made before that unit runs joins it, so
   * the answers of a whole batch cost one unit and one INSERT, not one each; all of them settle
   * when that unit's batch has committed (or fail together).
   */
  journal(frames: readonly JournalFrame[]): Promise<void> {
    if (frames.length === 0) return Promise.resolve();
    if (!this.gathering) {
      const batch: JournalBatch = { frames: [], written: Promise.resolve() };
      batch.written = this.committer.submit(async (tx) => {
        // From here on, new frames gather for the next unit.
        if (this.gathering === batch) this.gathering = undefined;
        await new SqlQueries(tx, this.journalKeyOf()).appendJournal(batch.frames, this.chain);
      });
      this.gathering = batch;
    }
    this.gathering.frames.push(...frames);
    return this.gathering.written;
  }

  async close(): Promise<void> {
    await this.committer.idle();
    await this.kysely.destroy();
  }
}
