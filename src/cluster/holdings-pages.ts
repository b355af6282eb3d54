// A node's full list of holdings, read by another node in pages (HoldingsRequest). Paged by
// position over the live list, a read while charge points came and went skipped or repeated some
// (a charge point leaving moved every later one a place up), so the view it made did not match the
// node's digest, and every heartbeat asked for another read, 50 pages at 100,000 charge points.
// The pages now come from one copy of the list, taken when the first page is asked for; the asker
// applies the announcements it heard meanwhile on top of it (see the router's fetchHoldings).
import { randomUUID } from 'node:crypto';
import type { HoldingsReply, HoldingsRequest } from './wire.js';

/** Holdings per page of a holdings reply: well under NATS's 1 MB message limit. */
export const HOLDINGS_PAGE = 2_000;
/** A copy not asked for this long is dropped: its asker gave up, or died. */
const KEPT_UNUSED_MS = 10_000;
/** Copies kept at most (each asker has one while it reads): the oldest go first. */
const KEPT_AT_MOST = 16;

interface Copy {
  holdings: [string, number][];
  usedAt: number;
}

export class HoldingsPages {
  private readonly copies = new Map<string, Copy>();

  constructor(private readonly now: () => number) {}

  /**
   * The page asked for. A first page (offset 0) is cut from a new copy of `current()`, which the
   * reply names when more pages follow; later pages come from the copy their request names. A
   * request naming a copy no longer kept gets an empty page naming none: its asker reads again
   * later. A request that names none past the first page (an asker of an earlier version) is paged
   * by position over the live list, as that version did.
   */
  page(request: HoldingsRequest | undefined, current: () => [string, number][]): HoldingsReply {
    const now = this.now();
    this.sweep(now);
    const offset = request?.offset ?? 0;
    const name = offset > 0 ? request?.snapshot : undefined;
    if (name !== undefined) {
      const copy = this.copies.get(name);
      if (!copy) return { holdings: [], total: 0 };
      copy.usedAt = now;
      if (offset + HOLDINGS_PAGE >= copy.holdings.length) this.copies.delete(name);
      return { holdings: copy.holdings.slice(offset, offset + HOLDINGS_PAGE), total: copy.holdings.length, snapshot: name };
    }
    const all = current();
    if (offset > 0) return { holdings: all.slice(offset, offset + HOLDINGS_PAGE), total: all.length };
    if (all.length <= HOLDINGS_PAGE) return { holdings: all, total: all.length };
    const snapshot = randomUUID();
    this.copies.set(snapshot, { holdings: all, usedAt: now });
    while (this.copies.size > KEPT_AT_MOST) this.copies.delete(this.copies.keys().next().value!);
    return { holdings: all.slice(0, HOLDINGS_PAGE), total: all.length, snapshot };
  }

  private sweep(now: number): void {
    for (const [name, copy] of this.copies) if (now - copy.usedAt > KEPT_UNUSED_MS) this.copies.delete(name);
  }
}
