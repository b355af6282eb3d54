// Failed admissions per source address: after `limit` failures within `windowMs` from one address,
// further attempts from it are refused (HTTP 429) before any password is checked, so guessing
// costs an attacker time and costs us no scrypt work. Memory is bounded: at most `maxAddresses`
// addresses, each with at most `limit` timestamps; entries older than the window are pruned.

export interface FailureLimiterOptions {
  /** Failures within the window after which an address is refused. */
  limit: number;
  windowMs: number;
  /** Most addresses remembered; the least recently failing ones are forgotten first. */
  maxAddresses?: number;
  now?: () => number;
}

/** The key an address is counted under: IPv4-mapped IPv6 (`::ffff:192.0.2.1`) as plain IPv4. */
export function addressKey(address: string | undefined): string {
  if (address === undefined || address === '') return 'unknown';
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  return mapped ? mapped[1]! : address.toLowerCase();
}

export class FailureLimiter {
  private readonly failures = new Map<string, number[]>();
  private readonly limit: number;
  private readonly windowMs: number;
  private readonly maxAddresses: number;
  private readonly now: () => number;
  private lastSweep = 0;

  constructor(options: FailureLimiterOptions) {
    this.limit = Math.max(1, options.limit);
    this.windowMs = options.windowMs;
    this.maxAddresses = options.maxAddresses ?? 100_000;
    this.now = options.now ?? Date.now;
  }

  /** Addresses currently remembered (for tests and metrics). */
  get size(): number {
    return this.failures.size;
  }

  /**
   * Seconds until `address` may try again, or 0 when it is not blocked. Cheap: a map lookup and
   * at most `limit` comparisons.
   */
  blockedForS(address: string | undefined): number {
    const key = addressKey(address);
    const times = this.recent(key);
    if (times.length < this.limit) return 0;
    // Blocked until the oldest of the last `limit` failures leaves the window.
    const oldest = times[times.length - this.limit]!;
    return Math.max(1, Math.ceil((oldest + this.windowMs - this.now()) / 1000));
  }

  /** Counts a failure; true when this one reached the limit (the address is blocked from now). */
  record(address: string | undefined): boolean {
    const key = addressKey(address);
    const now = this.now();
    this.sweep(now);
    const times = this.recent(key);
    times.push(now);
    if (times.length > this.limit) times.splice(0, times.length - this.limit);
    // Re-inserted so that the map's order is least recently failing first.
    this.failures.delete(key);
    this.failures.set(key, times);
    while (this.failures.size > this.maxAddresses) {
      const first = this.failures.keys().next();
      if (first.done) break;
      this.failures.delete(first.value);
    }
    return times.length === this.limit;
  }

  /** The failures of `key` still within the window (the stored list, pruned in place). */
  private recent(key: string): number[] {
    const times = this.failures.get(key);
    if (!times) return [];
    const since = this.now() - this.windowMs;
    let drop = 0;
    while (drop < times.length && times[drop]! <= since) drop++;
    if (drop > 0) times.splice(0, drop);
    if (times.length === 0) this.failures.delete(key);
    return times;
  }

  /** Forgets addresses whose last failure left the window; at most once per window. */
  private sweep(now: number): void {
    if (now - this.lastSweep < this.windowMs) return;
    this.lastSweep = now;
    const since = now - this.windowMs;
    for (const [key, times] of this.failures) {
      if ((times[times.length - 1] ?? 0) <= since) this.failures.delete(key);
    }
  }
}
