// A campaign's start claims its charge point in the store (Store.startValidation, migration 0025).
import type { Validation } from '../domain/validation/types.js';
import type { Store, StoreWriter } from '../store/store.js';

type Claim = Awaited<ReturnType<StoreWriter['startValidation']>>;

/** PostgreSQL's SQLSTATE for a transaction chosen as a deadlock's victim. */
const DEADLOCK_DETECTED = '40P01';

/**
 * The claim, in a unit of the store's group commit. On PostgreSQL its insert waits on another
 * node's claim of the same charge point until that one commits; if that node's batch then waits
 * on a lock an earlier unit of this batch holds (an id tag's, a row's), PostgreSQL fails one of
 * the two statements, usually the claim, which waited first. Only its unit is rolled back (its
 * savepoint), the other batch then commits, and the claim asked once more gets the true answer:
 * stored, or the campaign it lost to. Said once: a second cycle would need a second such race.
 */
export async function claimCampaign(store: Store, record: Validation): Promise<Claim> {
  try {
    return await claimOnce(store, record);
  } catch (error) {
    if ((error as { code?: unknown } | null)?.code !== DEADLOCK_DETECTED) throw error;
    return claimOnce(store, record);
  }
}

function claimOnce(store: Store, record: Validation): Promise<Claim> {
  return store.transact((tx) => tx.startValidation(record));
}
