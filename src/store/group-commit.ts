// Group commit: units of work submitted by many connections at about the same time run one after
// another inside a single database transaction, each behind its own savepoint, and every unit's
// promise settles only once that transaction has committed. One commit (one fsync) then covers a
// whole batch, and no acknowledgement can leave before its data is durable.
//
// An early unit (a charge point's call) settles as soon as it has run, and hands the batch's own
// outcome to whoever answers the call: the batch then waits one turn of the event loop before its
// COMMIT and takes in the journal frames queued meanwhile (the answers built from those early
// results), so a call's data and its answer share one commit. The answer still leaves only once
// that batch is durable.

export interface BatchDatabase<Tx> {
  /** Runs `body` inside one database transaction; resolves after COMMIT, rejects after ROLLBACK. */
  inTransaction(body: (tx: Tx) => Promise<void>): Promise<void>;
  savepoint(tx: Tx, name: string): Promise<void>;
  rollbackToSavepoint(tx: Tx, name: string): Promise<void>;
  /**
   * Where releasing is cheap (SQLite: no round trip), each unit's savepoint is released when the
   * unit ends: nested savepoints that stay open make SQLite copy every page they touch into a
   * statement journal, which cost more than the release.
   */
  releaseSavepoint?(tx: Tx, name: string): Promise<void>;
  /**
   * Where releasing costs a round trip (PostgreSQL), the next unit's savepoint releases the
   * previous unit's in the same one (RELEASE, then SAVEPOINT). Left open, savepoints nest, and on
   * PostgreSQL each that wrote keeps a lock on its transaction id until COMMIT: one entry of the
   * server's shared lock table per unit, which a few nodes' 500-unit batches filled ("out of
   * shared memory"). Released, a batch holds one such entry at a time, whatever its size.
   */
  replaceSavepoint?(tx: Tx, name: string): Promise<void>;
  /**
   * Rolls back everything the transaction did and begins it again. Where a savepoint costs a round
   * trip (PostgreSQL), the batch's first writing unit runs without one: nothing before it needs
   * keeping, so if it fails, this undoes it as ROLLBACK TO its savepoint would have.
   */
  restart?(tx: Tx): Promise<void>;
  /**
   * Runs after the batch's last unit, in its transaction, just before COMMIT (the store writes the
   * batch's journal rows there). If it fails, the whole batch rolls back.
   */
  beforeCommit?(tx: Tx): Promise<void>;
  /**
   * When COMMIT returns before the batch is on disk (SQLite with `synchronous = NORMAL`): resolves
   * once it is. The batch's units settle only then, while the next batch already runs.
   */
  durable?(): Promise<void>;
}

export interface BatchObserver {
  committed?(size: number, durationMs: number): void;
  failed?(size: number, error: unknown): void;
}

export interface UnitOptions {
  /**
   * The unit promises not to touch the database (it only hands something to beforeCommit): it
   * runs without a savepoint, which would cost two round trips for nothing.
   */
  noWrites?: boolean;
  /**
   * Settle the unit as soon as it has run, before its batch commits, if `early` (called then with
   * a promise of that batch's outcome) accepts: the promise resolves once the batch is committed
   * and durable, and rejects if the batch fails (everything in it rolled back). Whoever accepts
   * owns the durability: nothing may leave the process on the unit's word before that promise
   * resolves. When it declines, the unit settles after the batch as any other.
   */
  early?: (batch: Promise<void>) => boolean;
  /**
   * A journal-only unit (noWrites) that may join a batch already running, one holding early
   * units: the answer to a call, built from their results. Other frames wait for the next batch,
   * with the data they report.
   */
  answer?: boolean;
}

interface Unit<Tx> {
  work: (tx: Tx) => Promise<unknown>;
  noWrites: boolean;
  early: ((batch: Promise<void>) => boolean) | undefined;
  answer: boolean;
  /** What its work came to, once it has run in a batch. */
  result?: Outcome;
  /** Settled when it ran (an early unit): the batch's end leaves it alone. */
  settled: boolean;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/** A batch's outcome, for the early units in it. */
class BatchOutcome {
  readonly promise: Promise<void>;
  resolve!: () => void;
  reject!: (error: unknown) => void;
  constructor() {
    this.promise = new Promise<void>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    this.promise.catch(() => undefined); // its owners handle it; none may be left to
  }
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

export class GroupCommitter<Tx> {
  private queue: Unit<Tx>[] = [];
  private running = false;
  /** When the latest batch started (performance.now()). */
  private lastStart = -Infinity;
  /** Batches committed and waiting to be durable before their units settle. */
  private flushing = new Set<Promise<void>>();

  constructor(
    private readonly database: BatchDatabase<Tx>,
    private readonly maxBatch = 500,
    private readonly observer: BatchObserver = {},
    /**
     * How long an idle committer waits before it starts a batch (ms; 0: the next turn of the event
     * loop). Under light load every batch would hold a unit or two and pay a whole COMMIT and sync
     * for it; a millisecond lets the calls arriving meanwhile share them. A busy committer never
     * waits for that: the next batch starts as soon as the previous one is committed, unless
     * `minIntervalMs` holds it back.
     */
    private readonly startDelayMs = 0,
    /**
     * The shortest time between the starts of two batches (ms). A batch's fixed costs (BEGIN,
     * COMMIT with its pages, the sync, settling) do not shrink with it: at a moderate rate a
     * committer that starts the next batch at once runs many small ones, and those costs take a
     * large share of the CPU. A few milliseconds gather several calls into each, and under a heavy load a batch
     * takes longer than that anyway.
     */
    private readonly minIntervalMs = 0,
  ) {}

  submit<T>(work: (tx: Tx) => Promise<T>, options: UnitOptions = {}): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({
        work,
        noWrites: options.noWrites === true,
        early: options.early,
        answer: options.noWrites === true && options.answer === true,
        settled: false,
        resolve: resolve as (value: unknown) => void,
        reject,
      });
      if (!this.running) {
        this.running = true;
        // Let the other connections' work of this turn of the event loop (or of the delay) join.
        if (this.startDelayMs > 0) setTimeout(() => void this.drain(), this.startDelayMs);
        else setImmediate(() => void this.drain());
      }
    });
  }

  /** Resolves when every unit submitted so far has settled. */
  async idle(): Promise<void> {
    while (this.running || this.queue.length > 0 || this.flushing.size > 0) await new Promise((r) => setImmediate(r));
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const wait = this.lastStart + this.minIntervalMs - performance.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, Math.ceil(wait)));
        this.lastStart = performance.now();
        const batch = this.queue.splice(0, this.maxBatch);
        await this.runBatch(batch);
      }
    } finally {
      this.running = false;
    }
  }

  private async runBatch(batch: Unit<Tx>[]): Promise<void> {
    const started = performance.now();
    const outcome = new BatchOutcome();
    try {
      await this.database.inTransaction(async (tx) => {
        await this.runUnits(tx, batch, 0, outcome);
        if (batch.some((unit) => unit.settled)) {
          // The callers of the early units build their answers now (promise continuations, no
          // I/O): one turn of the event loop lets them queue the answers' frames, which join this
          // batch instead of the next one. Answers only: a CALL frame queued meanwhile stays with
          // the data it reports, which cannot join (other writes may not commit before their turn).
          await new Promise((resolve) => setImmediate(resolve));
          const from = batch.length;
          batch.push(...this.takeQueuedAnswers());
          await this.runUnits(tx, batch, from, outcome);
        }
        await this.database.beforeCommit?.(tx);
      });
    } catch (error) {
      this.fail(batch, error, outcome);
      return;
    }
    const settle = () => {
      this.observer.committed?.(batch.length, performance.now() - started);
      for (const unit of batch) {
        if (unit.settled) continue;
        if (unit.result!.ok) unit.resolve(unit.result!.value);
        else unit.reject(unit.result!.error);
      }
      outcome.resolve();
    };
    if (!this.database.durable) return settle();
    // The next batch runs while this one reaches the disk; syncs finish in commit order.
    const flushed = this.database.durable().then(settle, (error: unknown) => this.fail(batch, error, outcome));
    this.flushing.add(flushed);
    void flushed.finally(() => this.flushing.delete(flushed));
  }

  /** Runs `batch` from `from` on, each unit behind a savepoint unless it writes nothing. */
  private async runUnits(tx: Tx, batch: Unit<Tx>[], from: number, outcome: BatchOutcome): Promise<void> {
    // One name for every unit keeps one statement text (the prepared-statement cache small).
    // Without releaseSavepoint, a unit's savepoint is released by the next unit's
    // (replaceSavepoint), or by COMMIT for the last one: a RELEASE of its own would be a round trip
    // per unit (a quarter of a typical unit's on PostgreSQL). ROLLBACK TO names the most recent
    // savepoint of that name, this unit's, undoing only the writes made since it.
    const name = 'unit';
    const writers = batch.slice(0, from).filter((unit) => !unit.noWrites).length;
    let first = this.database.restart !== undefined && writers === 0;
    // Whether an earlier unit of this batch left its savepoint open (never where units release theirs).
    let open = this.database.releaseSavepoint === undefined && writers > (this.database.restart !== undefined ? 1 : 0);
    for (const unit of batch.slice(from)) {
      if (unit.noWrites) {
        unit.result = await unit.work(tx).then((value) => ({ ok: true, value }) as const, (error: unknown) => ({ ok: false, error }) as const);
      } else {
        // The first unit that may write needs no savepoint: nothing before it to keep (see
        // BatchDatabase.restart).
        const bare = first;
        first = false;
        if (!bare) {
          if (open && this.database.replaceSavepoint) await this.database.replaceSavepoint(tx, name);
          else await this.database.savepoint(tx, name);
          open = this.database.releaseSavepoint === undefined;
        }
        try {
          unit.result = { ok: true, value: await unit.work(tx) };
        } catch (error) {
          // Only this unit's writes are undone; the rest of the batch still commits. If that
          // cannot be done, the error that made the database end the transaction (SQLite after a
          // full disk; a lost connection) fails the batch, not the rollback's own error.
          await (bare ? this.database.restart!(tx) : this.database.rollbackToSavepoint(tx, name)).catch(() => {
            throw error;
          });
          unit.result = { ok: false, error };
        }
        if (!bare) await this.database.releaseSavepoint?.(tx, name);
      }
      if (unit.early?.(outcome.promise)) {
        unit.settled = true;
        if (unit.result.ok) unit.resolve(unit.result.value);
        else unit.reject(unit.result.error);
      }
    }
  }

  /** Takes the answers out of the queue, in their order. */
  private takeQueuedAnswers(): Unit<Tx>[] {
    const answers: Unit<Tx>[] = [];
    const rest: Unit<Tx>[] = [];
    for (const unit of this.queue) (unit.answer ? answers : rest).push(unit);
    if (answers.length > 0) this.queue = rest;
    return answers;
  }

  private fail(batch: Unit<Tx>[], error: unknown, outcome: BatchOutcome): void {
    this.observer.failed?.(batch.length, error);
    for (const unit of batch) if (!unit.settled) unit.reject(error);
    outcome.reject(error);
  }
}
