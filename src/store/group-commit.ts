// Group commit: units of work submitted by many connections at about the same time run one after
// another inside a single database transaction, each behind its own savepoint, and every unit's
// promise settles only once that transaction has committed. One commit (one fsync) then covers a
// whole batch, and no acknowledgement can leave before its data is durable.

export interface BatchDatabase<Tx> {
  /** Runs `body` inside one database transaction; resolves after COMMIT, rejects after ROLLBACK. */
  inTransaction(body: (tx: Tx) => Promise<void>): Promise<void>;
  savepoint(tx: Tx, name: string): Promise<void>;
  releaseSavepoint(tx: Tx, name: string): Promise<void>;
  rollbackToSavepoint(tx: Tx, name: string): Promise<void>;
  /**
   * Runs after the batch's last unit, in its transaction, just before COMMIT (the store writes the
   * batch's journal rows there). If it fails, the whole batch rolls back.
   */
  beforeCommit?(tx: Tx): Promise<void>;
}

export interface BatchObserver {
  committed?(size: number, durationMs: number): void;
  failed?(size: number, error: unknown): void;
}

interface Unit<Tx> {
  work: (tx: Tx) => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

export class GroupCommitter<Tx> {
  private queue: Unit<Tx>[] = [];
  private running = false;

  constructor(
    private readonly database: BatchDatabase<Tx>,
    private readonly maxBatch = 500,
    private readonly observer: BatchObserver = {},
  ) {}

  submit<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ work, resolve: resolve as (value: unknown) => void, reject });
      if (!this.running) {
        this.running = true;
        // Let the other connections' work of this turn of the event loop join the batch.
        setImmediate(() => void this.drain());
      }
    });
  }

  /** Resolves when every unit submitted so far has settled. */
  async idle(): Promise<void> {
    while (this.running || this.queue.length > 0) await new Promise((r) => setImmediate(r));
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, this.maxBatch);
        await this.runBatch(batch);
      }
    } finally {
      this.running = false;
    }
  }

  private async runBatch(batch: Unit<Tx>[]): Promise<void> {
    const outcomes: Outcome[] = [];
    const started = performance.now();
    try {
      await this.database.inTransaction(async (tx) => {
        outcomes.length = 0;
        // One name for every unit: each savepoint is released or rolled back and released before
        // the next one opens, and one statement text keeps the prepared-statement cache small.
        const name = 'unit';
        for (const unit of batch) {
          await this.database.savepoint(tx, name);
          try {
            const value = await unit.work(tx);
            await this.database.releaseSavepoint(tx, name);
            outcomes.push({ ok: true, value });
          } catch (error) {
            // Only this unit's writes are undone; the rest of the batch still commits.
            await this.database.rollbackToSavepoint(tx, name);
            await this.database.releaseSavepoint(tx, name);
            outcomes.push({ ok: false, error });
          }
        }
        await this.database.beforeCommit?.(tx);
      });
    } catch (error) {
      this.observer.failed?.(batch.length, error);
      for (const unit of batch) unit.reject(error);
      return;
    }
    this.observer.committed?.(batch.length, performance.now() - started);
    batch.forEach((unit, index) => {
      const outcome = outcomes[index]!;
      if (outcome.ok) unit.resolve(outcome.value);
      else unit.reject(outcome.error);
    });
  }
}
