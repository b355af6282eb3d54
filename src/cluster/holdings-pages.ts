// A node's full list of holdings, read by another node in pages (HoldingsRequest). Paged by
// position over the live list, a read while charge points came and went skipped or repeated some
// (a charge point leaving moved every later one a place up), so the view it made did not match the
// node's digest, and every heartbeat asked for another read, 50 pages at 100,000 charge points.
// The pages of a read now come from one copy of the list, taken when its first page is asked for;
// the reader applies the announcements it heard meanwhile on top of it (the router's fetchHoldings).
import { randomUUID } from 'node:crypto';
import type { HoldingsReply, HoldingsRequest } from './wire.js';

/** Holdings per page of a holdings reply: well under NATS's 1 MB message limit. */
export const HOLDINGS_PAGE = 2_000;
/** A copy not asked for this long is dropped: its reader gave up, or died. */
const KEPT_UNUSED_MS = 10_000;
/** Copies kept at most (each reader has one while it reads): the oldest go first. */
const KEPT_AT_MOST = 16;

/**
 * The list as it was: the ids (the holdings' own strings) and their times, side by side: 1.5 MiB
 * for 100,000 charge points (ten copies, the heap after a full collection), against about 9 MB as
 * [id, time] pairs.
 */
interface Copy {
  ids: string[];
  sinces: Float64Array;
  usedAt: number;
}

export class HoldingsPages {
  private readonly copies = new Map<string, Copy>();

  constructor(private readonly now: () => number) {}

  /**
   * The page asked for from `holdings` (id → its connection's time). A first page asking for a
   * copy is cut from a new one, which the reply names when more pages follow; later pages come from
   * the copy their request names. A request naming a copy no longer kept gets an empty page naming
   * none: its reader reads again later. A reader of an earlier version asks for no copy and names
   * none: it is paged by position over the live list, as that version was.
   */
  page(request: HoldingsRequest | undefined, holdings: ReadonlyMap<string, { since: number }>): HoldingsReply {
    const offset = request?.offset ?? 0;
    const name = offset > 0 ? request?.snapshot : undefined;
    if (name !== undefined) {
      const copy = this.copies.get(name);
      if (!copy) return { holdings: [], total: 0 };
      copy.usedAt = this.now();
      if (offset + HOLDINGS_PAGE >= copy.ids.length) this.copies.delete(name);
      return { holdings: cut(copy, offset), total: copy.ids.length, snapshot: name };
    }
    if (offset > 0 || request?.copy !== true || holdings.size <= HOLDINGS_PAGE) return { holdings: livePage(holdings, offset), total: holdings.size };
    const copy: Copy = { ids: [...holdings.keys()], sinces: new Float64Array(holdings.size), usedAt: this.now() };
    let index = 0;
    for (const holding of holdings.values()) copy.sinces[index++] = holding.since;
    const snapshot = randomUUID();
    this.sweep();
    this.copies.set(snapshot, copy);
    while (this.copies.size > KEPT_AT_MOST) this.copies.delete(this.copies.keys().next().value!);
    return { holdings: cut(copy, 0), total: copy.ids.length, snapshot };
  }

  /** Drops the copies unused too long (the router's tick calls it, so a quiet node keeps none). */
  sweep(): void {
    const now = this.now();
    for (const [name, copy] of this.copies) if (now - copy.usedAt > KEPT_UNUSED_MS) this.copies.delete(name);
  }
}

function cut(copy: Copy, offset: number): [string, number][] {
  const end = Math.min(copy.ids.length, offset + HOLDINGS_PAGE);
  const page: [string, number][] = [];
  for (let i = offset; i < end; i++) page.push([copy.ids[i]!, copy.sinces[i]!]);
  return page;
}

function livePage(holdings: ReadonlyMap<string, { since: number }>, offset: number): [string, number][] {
  const page: [string, number][] = [];
  let index = 0;
  for (const [id, holding] of holdings) {
    if (index++ < offset) continue;
    if (page.length === HOLDINGS_PAGE) break;
    page.push([id, holding.since]);
  }
  return page;
}
