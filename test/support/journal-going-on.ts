// A store as `journal verify` meets it on a running network: frames and what they report keep
// committing after the verification has fixed where the journal ends.
import type { Store } from '../../src/store/store.js';

/** `store`, whose first journalSeqBounds runs `meanwhile` once the bounds are read, before it answers. */
export function journalGoingOn(store: Store, meanwhile: () => Promise<void>): Store {
  let once = false;
  const live = Object.create(store) as Store;
  live.journalSeqBounds = async (range) => {
    const bounds = await store.journalSeqBounds(range);
    if (!once) {
      once = true;
      await meanwhile();
    }
    return bounds;
  };
  return live;
}
