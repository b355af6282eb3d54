// The id tag registry that Authorize and StartTransaction answer from.
import type { Store } from '../store/store.js';
import type { IdTag } from './model.js';

export class IdTags {
  constructor(private readonly store: Store) {}

  async put(tag: IdTag): Promise<{ idTag: IdTag; created: boolean }> {
    return this.store.transact(async (tx) => {
      const existing = await tx.getIdTag(tag.idTag);
      await tx.putIdTag(tag);
      return { idTag: tag, created: !existing };
    });
  }

  list(): Promise<IdTag[]> {
    return this.store.listIdTags();
  }
}
