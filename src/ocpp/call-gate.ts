// How many inbound CALLs one node handles at once, across all its connections. A call that is
// being handled holds its session's, the domain's and the store's pending work (about 5 KiB of
// closures and suspended functions); a call waiting here holds only its parsed frame. So when
// thousands of charge points send at once (the heartbeat minute of a slow cluster, a network
// coming back), memory grows by the frames, not by the work, and the store still sees batches as
// large as the limit allows. Waiting calls are let in first come, first served.

export class CallGate {
  private handling = 0;
  private readonly waiting: ((() => void) | undefined)[] = [];
  private head = 0;

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`a call gate needs a limit of at least 1, got ${limit}`);
  }

  /** Calls being handled now. */
  get inside(): number {
    return this.handling;
  }

  /** Calls waiting for a place. */
  get queued(): number {
    return this.waiting.length - this.head;
  }

  /**
   * Takes a place: undefined when one was free (no promise, no tick lost), else a promise that
   * resolves once a place has been handed over. Every entry is paired with one leave().
   */
  enter(): Promise<void> | undefined {
    // While calls wait, every place is taken (leave() hands places over), so none can jump the queue.
    if (this.handling < this.limit) {
      this.handling++;
      return undefined;
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  /** Gives a place back: straight to the longest waiting call, if any. */
  leave(): void {
    if (this.queued === 0) {
      this.handling--;
      return;
    }
    const next = this.waiting[this.head]!;
    this.waiting[this.head++] = undefined;
    // The queue is read from its head and cut when it empties, or when most of it has been read:
    // not shifted on every hand-over, which would copy thousands of waiting calls each time.
    if (this.head === this.waiting.length) {
      this.waiting.length = 0;
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.waiting.length) {
      this.waiting.splice(0, this.head);
      this.head = 0;
    }
    next(); // the place stays taken: it passes to that call
  }
}
