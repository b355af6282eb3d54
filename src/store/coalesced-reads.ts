// Point reads asked for in the same turn of the event loop, answered by one statement. After an
// outage thousands of charge points reconnect within a second, and each one's admission reads its
// record: on PostgreSQL every read was a round trip of its own through the pool (a system call to
// send it, one to receive, a pool checkout), 8 % of a storm's main thread. Asked together, they
// share one. Each read still sees what was committed when its statement ran, as it did alone.

/** Reads the values of these keys (each at most once); a key without a value is left out. */
export type ReadMany<V> = (keys: string[]) => Promise<Map<string, V>>;

interface Waiter<V> {
  key: string;
  resolve(value: V | undefined): void;
  reject(error: unknown): void;
}

export class CoalescedReads<V> {
  /** The reads asked for since the last statement, in the order they were asked. */
  private waiting: Waiter<V>[] = [];
  private scheduled = false;
  /** The read running now: the keys asked for meanwhile wait for it and go in the next one. */
  private reading: Promise<void> | undefined;

  constructor(private readonly readMany: ReadMany<V>) {}

  /**
   * The key's value, or undefined when it has none; read with every other key asked for in this
   * turn. Reads answer in the order they were asked, as one connection's reads did: a read asked
   * later never overtakes one asked earlier (on a pool of connections it could).
   */
  get(key: string): Promise<V | undefined> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ key, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.reading) return;
    this.scheduled = true;
    // After the I/O callbacks of this turn: every connection whose handshake arrived with it joins.
    setImmediate(() => this.flush());
  }

  private flush(): void {
    this.scheduled = false;
    const waiting = this.waiting;
    this.waiting = [];
    let read: Promise<Map<string, V>>;
    try {
      read = this.readMany([...new Set(waiting.map((waiter) => waiter.key))]);
    } catch (error) {
      read = Promise.reject(error);
    }
    this.reading = read
      .then(
        (found) => {
          for (const waiter of waiting) waiter.resolve(found.get(waiter.key));
        },
        (error: unknown) => {
          for (const waiter of waiting) waiter.reject(error);
        },
      )
      .finally(() => {
        this.reading = undefined;
        if (this.waiting.length > 0) this.schedule();
      });
  }
}
