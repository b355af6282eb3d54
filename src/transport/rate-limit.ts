// Inbound message rate of a charge point: a token bucket (a sustained rate plus a burst
// allowance) and the throttle that holds frames above the rate and pauses reading the socket
// meanwhile. Nothing is dropped: every frame is still answered, a flood is only handled more
// slowly, and TCP backpressure holds the rest in the charge point's own send buffer. A SOAP
// message takes from the same bucket; above it, it is refused to be sent again (soap-endpoint.ts).

/** How often a charge point over its rate is logged at warn (the rest at debug). */
const WARNING_INTERVAL_MS = 60_000;

export class TokenBucket {
  private tokens: number;
  private last: number;
  private warnedAt = -Infinity;

  constructor(
    /** Tokens added per second (the sustained rate). */
    readonly ratePerS: number,
    /** The most tokens kept (the burst allowance); the bucket starts full. */
    readonly capacity: number,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = capacity;
    this.last = now();
  }

  /** Takes a token if there is one. */
  tryTake(): boolean {
    this.refill();
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** Milliseconds until a token is there (0: now). */
  msUntilToken(): number {
    this.refill();
    return this.tokens >= 1 ? 0 : Math.ceil(((1 - this.tokens) / this.ratePerS) * 1000);
  }

  /** Whether the bucket is full again (it then carries no state worth keeping). */
  get full(): boolean {
    this.refill();
    return this.tokens >= this.capacity;
  }

  /**
   * Whether a warning that the charge point is over its rate is due: one a minute, over its
   * connections and SOAP messages alike, so that a flood cannot fill the disk with log lines.
   */
  warningDue(): boolean {
    const now = this.now();
    if (now - this.warnedAt < WARNING_INTERVAL_MS) return false;
    this.warnedAt = now;
    return true;
  }

  private refill(): void {
    const now = this.now();
    this.tokens = Math.min(this.capacity, this.tokens + ((now - this.last) / 1000) * this.ratePerS);
    this.last = now;
  }
}

/**
 * Holds a charge point to its message rate. A frame within the rate is handled at once; one above
 * it waits, in order behind the others, and the socket is paused until the waiting frames are
 * due. While paused nothing more is read, so what waits is bounded by what had already been
 * received (one socket read); the rest stays in TCP buffers, and the charge point's own sending
 * blocks. `resume` is called when this throttle releases the socket (the session combines it with
 * its other reason to pause, the inbound backlog).
 */
export class InboundThrottle {
  private readonly waiting: (() => void)[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly bucket: TokenBucket,
    private readonly pause: () => void,
    private readonly resume: () => void,
  ) {}

  /** Whether frames are waiting (and the socket is paused by this throttle). */
  get paused(): boolean {
    return this.timer !== undefined;
  }

  /** Handles one received frame now, or later when the rate allows. */
  admit(handle: () => void): void {
    if (this.waiting.length === 0 && this.bucket.tryTake()) return handle();
    this.waiting.push(handle);
    if (this.timer === undefined) {
      this.pause();
      this.schedule();
    }
  }

  /** Drops waiting frames (the connection is gone). */
  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.waiting.length = 0;
  }

  private schedule(): void {
    this.timer = setTimeout(() => this.drain(), Math.max(1, this.bucket.msUntilToken()));
    this.timer.unref();
  }

  private drain(): void {
    while (this.waiting.length > 0 && this.bucket.tryTake()) this.waiting.shift()!();
    if (this.waiting.length > 0) return this.schedule();
    this.timer = undefined;
    this.resume();
  }
}

/** One bucket per charge point, kept across its reconnections so that reconnecting does not refill it. */
export class InboundRates {
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(
    private readonly ratePerS: number,
    private readonly burst: number,
    /** Buckets kept before the full (idle) ones are forgotten. */
    private readonly sweepAbove = 10_000,
  ) {}

  /** The charge point's bucket; undefined when no rate is configured (0: unlimited). */
  bucketFor(chargePointId: string): TokenBucket | undefined {
    if (this.ratePerS <= 0) return undefined;
    let bucket = this.buckets.get(chargePointId);
    if (!bucket) {
      if (this.buckets.size >= this.sweepAbove) {
        for (const [id, b] of this.buckets) if (b.full) this.buckets.delete(id);
      }
      bucket = new TokenBucket(this.ratePerS, this.burst);
      this.buckets.set(chargePointId, bucket);
    }
    return bucket;
  }
}
