// The Store over a Kysely database: reads go straight to the database, writes go through the
// group committer. The dialect-specific parts (opening, pragmas) live in sqlite.ts / postgres.ts.
import { Migrator, sql, type Kysely } from 'kysely';
import { GroupCommitter, type BatchObserver } from './group-commit.js';
import { migrationProvider, type Dialect } from './migrations.js';
import { SqlQueries } from './sql-queries.js';
import type { Store, StoreWriter } from './store.js';
import type { Database } from './tables.js';

export class SqlStore extends SqlQueries implements Store {
  private readonly committer: GroupCommitter<Kysely<Database>>;

  constructor(
    private readonly kysely: Kysely<Database>,
    observer: BatchObserver = {},
  ) {
    super(kysely);
    this.committer = new GroupCommitter<Kysely<Database>>(
      {
        inTransaction: (body) => kysely.transaction().execute(body),
        savepoint: async (tx, name) => void (await sql`savepoint ${sql.id(name)}`.execute(tx)),
        releaseSavepoint: async (tx, name) => void (await sql`release savepoint ${sql.id(name)}`.execute(tx)),
        rollbackToSavepoint: async (tx, name) => void (await sql`rollback to savepoint ${sql.id(name)}`.execute(tx)),
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
    return this.committer.submit((tx) => work(new SqlQueries(tx)));
  }

  async close(): Promise<void> {
    await this.committer.idle();
    await this.kysely.destroy();
  }
}
