// The Store over a Kysely database: reads go straight to the database, writes go through the
// group committer. The dialect-specific parts (opening, pragmas, the journal lock) live in
// sqlite.ts / postgres.ts. Journal rows are written once per batch, just before its commit, and
// on a shared database the journal lock is held only from there to the commit.
import { Migrator, sql, type CompiledQuery, type Kysely, type MigrationInfo, type RawBuilder } from 'kysely';
import { GroupCommitter, type BatchObserver, type UnitOptions } from './group-commit.js';
import { migrationProvider, type Dialect } from './migrations.js';
import { SqlQueries, type DialectHooks } from './sql-queries.js';
import type { JournalFrame } from './journal-chain.js';
import { OwedAnswers } from './owed-answers.js';
import { CoalescedReads } from './coalesced-reads.js';
import type { ChargePoint } from '../domain/model.js';
import type { Validation } from '../domain/validation/types.js';
import type { InboundMessage, Store, StoreWriter, TransactOptions, ValidationClaim } from './store.js';
import type { Database } from './tables.js';
import { whenUnlocked } from './write-lock-wait.js';

export interface SqlStoreOptions {
  observer?: BatchObserver;
  /** How long an idle group committer waits for more units before a batch (TOMADA_COMMIT_DELAY_MS). */
  commitDelayMs?: number;
  /** The shortest time between the starts of two batches of a committer (TOMADA_COMMIT_INTERVAL_MS). */
  commitIntervalMs?: number;
  /** HMAC key of the journal chain (TOMADA_JOURNAL_KEY). */
  journalKey?: string;
  /** How often a batch brings the journal's index by charge point up to date, where it is written in arrears (ms; tests set it). */
  journalIndexIntervalMs?: number;
  /** Where the store reports losing and regaining its database. */
  log?: StoreLog;
  /** The node's id in a cluster (TOMADA_NODE_ID): named in the events the store writes of itself. */
  node?: string | undefined;
  /**
   * Opens only a store that exists, at this version's schema: creates no file or schema and
   * applies no migration, else fails with StoreNotFound (`journal verify`, which reads the journal
   * as it is: pointed at a path that held nothing, it made an empty store and reported its
   * journal intact).
   */
  existingOnly?: boolean;
  /**
   * Opens only a store that is there (a file, a schema, a database some version of Tomada
   * migrated), and migrates it: creates no file or schema, else fails with StoreNotFound
   * (`tomada migrate`: run from the wrong folder, or with a mistyped ?schema=, it made a new empty
   * store and said "migrated", exit 0).
   */
  mustExist?: boolean;
}

/** The database holds no Tomada store at this version's schema, and was to be opened as it is (existingOnly). */
export class StoreNotFound extends Error {}

export interface StoreLog {
  info(detail: Record<string, unknown>, message: string): void;
  warn(detail: Record<string, unknown>, message: string): void;
  error(detail: Record<string, unknown>, message: string): void;
}

/** What a dialect adds around the shared SQL. */
export interface StoreHooks extends DialectHooks {
  /** COMMIT returns before the data is on disk: resolves once everything committed so far is. */
  durable?(): Promise<void>;
  /**
   * Why no batch may commit any more, if so (SQLite after a failed sync): the batch is rolled back
   * instead, so that what its callers are told was refused is not stored.
   */
  commitsRefused?(): Error | undefined;
  /** Release each unit's savepoint when it ends (cheap where there is no round trip). */
  releaseSavepoints?: boolean;
  /**
   * A savepoint costs a round trip (PostgreSQL): a batch's first writing unit runs without one, and
   * if it fails the transaction is rolled back and begun again (GroupCommitter's `restart`); each
   * later one's savepoint releases the one before it in the same round trip (`replaceSavepoint`).
   */
  savepointRoundTrips?: boolean;
  /** Runs after the last unit settled, before the database is closed. */
  beforeClose?(): Promise<void>;
  /**
   * Group committers, each running its batches on a connection of its own (default 1). A charge
   * point's units and frames always go to the same one, so they commit in the order queued; those
   * of different charge points commit side by side, as on different nodes. Only where writers
   * run in parallel (PostgreSQL): SQLite has one.
   */
  committers?: number;
}

/**
 * How often a batch brings the journal's index by charge point up to date, where it is written in
 * arrears (SQLite, migration 0011). Each round writes each charge point's page of it once, where
 * writing it with every batch wrote it once per batch; the rows after it, a quarter of a second
 * of traffic, are read from the journal.
 */
const JOURNAL_INDEX_INTERVAL_MS = 250;

/** A charge point's committer: the same one for every unit and frame of that charge point. */
export function committerIndex(chargePointId: string, count: number): number {
  let hash = 0;
  for (let i = 0; i < chargePointId.length; i++) hash = (hash * 31 + chargePointId.charCodeAt(i)) | 0;
  return Math.abs(hash) % count;
}

/**
 * The migrator calls a store that has a migration it does not know "corrupted". It means the store
 * was migrated by a newer version of Tomada (or a build between releases), not that it is damaged,
 * and an operator reading "corrupted" might restore a backup for nothing.
 */
function newerSchema(error: unknown): Error | undefined {
  const unknown = /previously executed migration (\S+) is missing/.exec(String((error as Error)?.message ?? error))?.[1];
  if (unknown === undefined) return undefined;
  return new Error(
    `the database has migration ${unknown}, which this version of Tomada does not know: a newer version migrated it. Run that version (or newer), or restore the backup taken before the upgrade (docs/OPERATIONS.md, "Upgrading")`,
  );
}

/** A statement of a batch's own, for a savepoint of this name. */
type BatchStatement = (name: string) => RawBuilder<unknown>;
const SAVEPOINT: BatchStatement = (name) => sql`savepoint ${sql.id(name)}`;
const ROLLBACK_TO_SAVEPOINT: BatchStatement = (name) => sql`rollback to savepoint ${sql.id(name)}`;
const RELEASE_SAVEPOINT: BatchStatement = (name) => sql`release savepoint ${sql.id(name)}`;
/**
 * The previous unit's savepoint released and this unit's taken, in one round trip (two statements
 * in one text, no parameters): PostgreSQL frees the lock a released subtransaction held on its
 * transaction id (GroupCommitter's replaceSavepoint).
 */
const REPLACE_SAVEPOINT: BatchStatement = (name) => sql`release savepoint ${sql.id(name)}; savepoint ${sql.id(name)}`;
/** Both in one round trip (two statements in one text, no parameters); no savepoint, no name. */
const RESTART: BatchStatement = () => sql`rollback; begin`;

/** PostgreSQL's SQLSTATE for a transaction chosen as a deadlock's victim (SQLite never waits so). */
const DEADLOCK_DETECTED = '40P01';

export class SqlStore extends SqlQueries implements Store {
  private readonly committers: GroupCommitter<Kysely<Database>>[];
  /** Per committer: frames its journal units have queued in the batch it runs, in order, written before COMMIT. */
  private readonly batchFrames: JournalFrame[][];
  /** Per committer: the last-seen times noted in the batch it runs, by charge point, written before COMMIT. */
  private readonly batchSeen: Map<string, string>[];
  /** What each charge point's answers wait for: the batches that settled its messages' units early. */
  private readonly owed = new OwedAnswers();
  /** When a batch last brought the journal's index by charge point up to date (performance.now()). */
  private journalIndexedAt = -Infinity;
  private readonly journalIndexIntervalMs: number;
  private readonly node: string | undefined;
  /** Since a batch failed: its error, and when writes began to fail; until a probe's write commits (writesFailing). */
  private writeFailure: { error: Error; since: string } | undefined;
  /** Batches failed so far: a probe clears the failure only if none failed after it was asked for. */
  private failedBatches = 0;
  /** The probe write running now, if any (writesFailing). */
  private probing: Promise<void> | undefined;
  /** Reads of one charge point made in the same turn (admissions in a reconnection storm), one statement for all. */
  private readonly chargePointReads = new CoalescedReads<ChargePoint>(async (ids) => new Map((await this.getChargePoints(ids)).map((cp) => [cp.id, cp])));
  /** The batch's own statements (savepoints), compiled once: the same few texts for every unit. */
  private readonly batchStatements = new Map<BatchStatement, Map<string, CompiledQuery>>();

  constructor(
    private readonly kysely: Kysely<Database>,
    options: SqlStoreOptions = {},
    private readonly storeHooks: StoreHooks = {},
  ) {
    super(kysely, options.journalKey, storeHooks);
    const given = options.observer ?? {};
    const observer: BatchObserver = {
      committed: (size, durationMs) => given.committed?.(size, durationMs),
      failed: (size, error) => {
        this.failedBatches++;
        this.writeFailure = { error: error instanceof Error ? error : new Error(String(error)), since: this.writeFailure?.since ?? new Date().toISOString() };
        given.failed?.(size, error);
      },
    };
    this.journalIndexIntervalMs = options.journalIndexIntervalMs ?? JOURNAL_INDEX_INTERVAL_MS;
    this.node = options.node;
    const count = Math.max(1, storeHooks.committers ?? 1);
    this.batchFrames = Array.from({ length: count }, () => []);
    this.batchSeen = Array.from({ length: count }, () => new Map());
    this.committers = this.batchFrames.map((frames, index) => {
      const seen = this.batchSeen[index]!;
      return new GroupCommitter<Kysely<Database>>(
        {
          // SQLite: a batch that finds the file locked by another process tries again after a
          // pause instead of waiting inside SQLite with the event loop held (write-lock-wait.ts).
          inTransaction: (body) =>
            whenUnlocked((began) =>
              kysely.transaction().execute((tx) => {
                began();
                frames.length = 0;
                seen.clear();
                return body(tx);
              }),
            ),
          // Nothing commits once commits are refused (the batch rolls back). The charge points'
          // rows before the journal: the journal lock is taken last, so a batch holding it never
          // waits on rows another node's batch holds.
          beforeCommit: async (tx) => {
            const refused = storeHooks.commitsRefused?.();
            if (refused) throw refused;
            const queries = this.queriesOn(tx);
            await queries.writeLastSeen(seen);
            const indexDue =
              storeHooks.journalIndexInArrears === true && frames.length > 0 && performance.now() - this.journalIndexedAt >= this.journalIndexIntervalMs;
            if (indexDue) this.journalIndexedAt = performance.now();
            await queries.appendJournal(frames.splice(0), indexDue);
          },
          savepoint: (tx, name) => this.statement(tx, SAVEPOINT, name),
          rollbackToSavepoint: (tx, name) => this.statement(tx, ROLLBACK_TO_SAVEPOINT, name),
          ...(storeHooks.durable ? { durable: storeHooks.durable } : {}),
          ...(storeHooks.releaseSavepoints ? { releaseSavepoint: (tx: Kysely<Database>, name: string) => this.statement(tx, RELEASE_SAVEPOINT, name) } : {}),
          // Both in one round trip (two statements in one text, no parameters).
          ...(storeHooks.savepointRoundTrips
            ? {
                restart: (tx: Kysely<Database>) => this.statement(tx, RESTART, ''),
                replaceSavepoint: (tx: Kysely<Database>, name: string) => this.statement(tx, REPLACE_SAVEPOINT, name),
              }
            : {}),
        },
        500,
        observer,
        options.commitDelayMs ?? 0,
        options.commitIntervalMs ?? 0,
      );
    });
  }

  /** The committer of a charge point's units and frames; the first one for the rest (the API's writes). */
  private route(chargePointId: string | undefined): number {
    return chargePointId === undefined || this.committers.length === 1 ? 0 : committerIndex(chargePointId, this.committers.length);
  }

  /**
   * A statement of the batch's own (savepoints), compiled once per kind and name and run the
   * quickest way the dialect offers. Every unit of a batch opens and releases one, and building
   * them anew through Kysely each time was about 1.6 % of a reconnection storm's main thread.
   * Found by the kind itself, then the name: no key text and no closure made for each unit.
   */
  private async statement(tx: Kysely<Database>, kind: BatchStatement, name: string): Promise<void> {
    let byName = this.batchStatements.get(kind);
    if (!byName) {
      byName = new Map();
      this.batchStatements.set(kind, byName);
    }
    let compiled = byName.get(name);
    if (!compiled) {
      compiled = kind(name).compile(tx);
      byName.set(name, compiled);
    }
    const run = this.storeHooks.runInTransaction;
    // Awaited here, in an async function: SQLite's runner throws at once, and a rollback that
    // fails must reject (group-commit.ts catches that to throw the error that caused it).
    await (run ? run(compiled.sql, compiled.parameters) : tx.executeQuery(compiled));
  }

  /**
   * Applies the migrations not applied yet and says which, or that there were none: an operator
   * upgrading a network wants to see the schema move, and which version it is at.
   * `schema`: where the migration bookkeeping lives (PostgreSQL), so other schemas' never count.
   */
  static async migrate(kysely: Kysely<Database>, dialect: Dialect, schema?: string, log?: StoreLog): Promise<void> {
    const provider = migrationProvider(dialect);
    const migrator = new Migrator({ db: kysely, provider, ...(schema ? { migrationTableSchema: schema } : {}) });
    const { error, results = [] } = await migrator.migrateToLatest();
    if (error) throw newerSchema(error) ?? (error instanceof Error ? error : new Error(String(error)));
    const applied = results.filter((result) => result.status === 'Success').map((result) => result.migrationName);
    const latest = Object.keys(await provider.getMigrations()).at(-1);
    if (applied.length > 0) log?.info({ applied, latest }, `database schema migrated to ${latest}`);
    else log?.info({ latest }, `database schema up to date at ${latest}`);
  }

  /** Checks, changing nothing, that the database holds a Tomada store at this version's schema (existingOnly). */
  static async assertCurrent(kysely: Kysely<Database>, dialect: Dialect, schema?: string): Promise<void> {
    const migrations = await SqlStore.assertSome(kysely, dialect, schema);
    const pending = migrations.filter((migration) => migration.executedAt === undefined).map((migration) => migration.name);
    if (pending.length > 0) {
      throw new StoreNotFound(`the store's schema is older than this version's (${pending.join(', ')} not applied): run \`tomada migrate\` first, or the version that wrote it`);
    }
  }

  /** Checks, changing nothing, that the database holds a Tomada store of some version (mustExist); returns its migrations. */
  static async assertSome(kysely: Kysely<Database>, dialect: Dialect, schema?: string): Promise<readonly MigrationInfo[]> {
    const migrator = new Migrator({ db: kysely, provider: migrationProvider(dialect), ...(schema ? { migrationTableSchema: schema } : {}) });
    const migrations = await migrator.getMigrations();
    if (!migrations.some((migration) => migration.executedAt !== undefined)) throw new StoreNotFound('the database holds no Tomada store (no migration was ever applied to it)');
    return migrations;
  }

  transact<T>(work: (tx: StoreWriter) => Promise<T>, chargePointId?: string, options: TransactOptions = {}): Promise<T> {
    const committer = this.committers[this.route(chargePointId)]!;
    if (options.partOfCall !== true || chargePointId === undefined) return committer.submit((tx) => work(this.queriesOn(tx)), this.settling(chargePointId, options));
    // Not after a failed batch that may have held its message's frames (OwedAnswers).
    const unit = (tx: Kysely<Database>) => {
      this.owed.assertNoneFailed(chargePointId);
      return work(this.queriesOn(tx));
    };
    return committer.submit(unit, this.settling(chargePointId, options));
  }

  noteSeen(chargePointId: string, at: string, options: TransactOptions = {}): Promise<void> {
    const index = this.route(chargePointId);
    const seen = this.batchSeen[index]!;
    const note = async () => {
      const noted = seen.get(chargePointId);
      if (noted === undefined || noted < at) seen.set(chargePointId, at);
    };
    return this.committers[index]!.submit(note, { noWrites: true, ...this.settling(chargePointId, options) });
  }

  /** A unit that handles the charge point's message being answered settles early (TransactOptions.partOfCall). */
  private settling(chargePointId: string | undefined, options: TransactOptions): UnitOptions {
    const early = options.partOfCall === true && chargePointId !== undefined && this.owed.isOpen(chargePointId);
    return early ? { early: (batch) => this.owed.owe(chargePointId, batch) } : {};
  }

  async withFrames<T>(frames: readonly JournalFrame[], message: InboundMessage, work: () => Promise<T>): Promise<T> {
    const chargePointId = frames[0]?.chargePointId ?? undefined;
    // Its answer (journalAnswer with the same message) closes it.
    if (chargePointId !== undefined) this.owed.open(chargePointId, message);
    // Queued before anything `work` writes: units commit in order, so the frames are in the same
    // commit as the data they report (the usual case: both join the next batch) or in an earlier
    // one, never a later one. (No AsyncLocalStorage to hand them to work's first unit: its promise
    // hooks slowed every promise in the process by about 7 %.) With a charge point, the frames'
    // unit settles early, its batch owed to the answer like the message's units.
    const journaled = this.queueFrames(frames, { owed: chargePointId !== undefined });
    journaled.catch(() => undefined); // awaited below, after work
    try {
      return await work();
    } finally {
      await journaled;
    }
  }

  journalAnswer(frames: readonly JournalFrame[], message: InboundMessage): Promise<void> {
    const chargePointId = frames[0]?.chargePointId ?? undefined;
    const owed = chargePointId === undefined ? [] : this.owed.answer(chargePointId, message);
    if (owed.length === 0) return this.journal(frames);
    // The answer usually joins the very batch it is owed, and fails with it. When it lands in a
    // later batch instead, that batch runs after the earlier one's COMMIT: an answer whose
    // message's data failed is then left out of the journal, as it is never sent.
    let failure: { error: unknown } | undefined;
    for (const batch of owed) batch.catch((error: unknown) => (failure ??= { error }));
    const journaled = this.queueFrames(frames, {
      answer: true,
      check: () => {
        if (failure) throw failure.error;
      },
    });
    return Promise.all([journaled, ...owed]).then(() => undefined);
  }

  journal(frames: readonly JournalFrame[]): Promise<void> {
    return this.queueFrames(frames, {});
  }

  /**
   * `owed`: the frames are a charge point's message being handled (they settle early, see
   * withFrames). `answer`: they answer such a message, and may join the batch holding its data.
   * `check`: runs in the batch just before the frames join it; if it throws, they do not.
   */
  private queueFrames(frames: readonly JournalFrame[], how: { owed?: boolean; answer?: boolean; check?: () => void }): Promise<void> {
    if (frames.length === 0) return Promise.resolve();
    // A call's frames are all of one charge point (the journal's callers hand one frame each).
    const chargePointId = frames[0]!.chargePointId ?? undefined;
    const index = this.route(chargePointId);
    const early = how.owed && chargePointId !== undefined ? (batch: Promise<void>) => this.owed.owe(chargePointId, batch) : undefined;
    const work = async () => {
      how.check?.();
      this.batchFrames[index]!.push(...frames);
    };
    return this.committers[index]!.submit(work, { noWrites: true, ...(early ? { early } : {}), ...(how.answer ? { answer: true } : {}) });
  }

  /** Outside a unit: read with the other charge points asked for in this turn (coalesced-reads.ts). */
  override getChargePoint(id: string): Promise<ChargePoint | undefined> {
    return this.chargePointReads.get(id);
  }

  writesFailing(): Error | undefined {
    const failure = this.writeFailure;
    if (failure && !this.probing) this.probing = this.probeWrites(failure).finally(() => (this.probing = undefined));
    return failure?.error;
  }

  async writesFailingAfterProbe(waitMs: number): Promise<Error | undefined> {
    if (this.writesFailing() === undefined) return undefined;
    const probe = this.probing;
    let timer: NodeJS.Timeout | undefined;
    // Bounded: a probe against a database that does not answer waits for its connection's timeout.
    if (probe) await Promise.race([probe, new Promise<void>((resolve) => (timer = setTimeout(resolve, waitMs)))]);
    clearTimeout(timer);
    return this.writeFailure?.error;
  }

  async claimValidation(validation: Validation): Promise<ValidationClaim> {
    const claim = () => this.transact((tx) => tx.startValidation(validation));
    try {
      return await claim();
    } catch (error) {
      // Said once (Store.claimValidation): a second cycle would need a second such race.
      if ((error as { code?: unknown } | null)?.code !== DEADLOCK_DETECTED) throw error;
      return claim();
    }
  }

  /**
   * Writes one event, `storeWritesRecovered`, and clears the failure if that commits and no batch
   * failed meanwhile. Only a write proves writes work: a batch that commits is not enough (one that
   * only read commits on a full disk; one that began before the failure may settle after it), and
   * a node taken out of the load balancer may get no charge point's traffic to prove it.
   */
  private async probeWrites(failure: { error: Error; since: string }): Promise<void> {
    const failedBefore = this.failedBatches;
    const at = new Date().toISOString();
    const written = await this.transact((tx) =>
      tx.insertEvent({ at, chargePointId: null, type: 'storeWritesRecovered', data: { failingSince: failure.since, error: failure.error.message, node: this.node ?? null } }),
    ).then(
      () => true,
      () => false,
    );
    if (written && this.failedBatches === failedBefore) this.writeFailure = undefined;
  }

  async close(): Promise<void> {
    await Promise.all(this.committers.map((committer) => committer.idle()));
    await this.storeHooks.beforeClose?.();
    await this.kysely.destroy();
  }
}
