// OCMF pagination (PG): each signing meter numbers its data sets per context — T for readings
// in a transaction, F for fiscal (clock-aligned) readings — counting up by exactly 1. Between two
// data sets of one meter and context nothing may go missing (a gap) and nothing may come twice
// (a repeat or an older page is a replayed value).
import { PAGINATION } from './fields.js';

export type PaginationContext = 'T' | 'F';

export interface Page {
  context: PaginationContext;
  number: bigint;
}

export function parsePagination(pg: string): Page | null {
  const m = PAGINATION.exec(pg);
  return m ? { context: m[1] as PaginationContext, number: BigInt(m[2]!) } : null;
}

export type PaginationFailure = 'malformed' | 'context-mismatch' | 'repeat' | 'backwards' | 'gap';

export type PaginationCheck = { ok: true } | { ok: false; reason: PaginationFailure; detail: string };

/**
 * Whether `next` may follow `previous`, the last page accepted from the same meter in the same
 * context (keep one per meter serial and context letter). Without a previous page, any page is a
 * valid start: a meter's counter does not restart per transaction.
 */
export function checkPagination(previous: string | undefined, next: string): PaginationCheck {
  const page = parsePagination(next);
  if (page === null) return { ok: false, reason: 'malformed', detail: `"${next}" is not a pagination (T1, F12)` };
  if (previous === undefined) return { ok: true };
  const before = parsePagination(previous);
  if (before === null) return { ok: false, reason: 'malformed', detail: `"${previous}" is not a pagination (T1, F12)` };
  if (before.context !== page.context) {
    return { ok: false, reason: 'context-mismatch', detail: `${previous} and ${next} count in different contexts` };
  }
  if (page.number === before.number) return { ok: false, reason: 'repeat', detail: `${next} was already received (a replayed value)` };
  if (page.number < before.number) return { ok: false, reason: 'backwards', detail: `${next} is older than ${previous} (a replayed value)` };
  const missing = page.number - before.number - 1n;
  if (missing > 0n) {
    return { ok: false, reason: 'gap', detail: `${missing} page${missing === 1n ? '' : 's'} missing between ${previous} and ${next}` };
  }
  return { ok: true };
}
