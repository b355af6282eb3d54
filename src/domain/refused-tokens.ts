// Bearer tokens refused lately, remembered a short while so that a client repeating one (a script
// or a poller left with a revoked, expired or mistyped token, retrying in a loop) costs the node a
// hash and a map lookup per request instead of a store read. Only refusals are kept: a token
// that works is read from the store each time, so a revocation applies at once. A refusal stays
// right unless the token's secret is made valid afterwards, which only TOMADA_ADMIN_TOKEN can be
// (set again at a node's start); that token then waits out the rest of its time here. Memory is
// bounded: past `atMost` tokens, the least recently refused are forgotten.

/** How long a refusal is remembered: short, so a token made valid afterwards waits little. */
export const REFUSED_FOR_MS = 10_000;
/** Tokens remembered at most: far more than the stale tokens of misconfigured clients. */
export const REFUSED_AT_MOST = 1_000;

export class RefusedTokens<T> {
  /** By token hash, in the order they were refused (the oldest first). */
  private readonly refusals = new Map<string, { until: number; refusal: T }>();

  constructor(
    private readonly forMs = REFUSED_FOR_MS,
    private readonly atMost = REFUSED_AT_MOST,
  ) {}

  /** The refusal remembered for this token hash at `now`, if any. */
  get(tokenHash: string, now: number): T | undefined {
    const entry = this.refusals.get(tokenHash);
    if (entry === undefined) return undefined;
    if (entry.until > now) return entry.refusal;
    this.refusals.delete(tokenHash);
    return undefined;
  }

  remember(tokenHash: string, refusal: T, now: number): void {
    this.refusals.delete(tokenHash);
    this.refusals.set(tokenHash, { until: now + this.forMs, refusal });
    if (this.refusals.size > this.atMost) this.refusals.delete(this.refusals.keys().next().value!);
  }
}
