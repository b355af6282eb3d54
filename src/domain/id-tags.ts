// The id tag registry that Authorize and StartTransaction answer from. Each tag may be managed by
// one operator (null: the network's own); who may see or change it is decided in access.ts. Any
// Accepted tag works at any charge point of the network, whoever manages it.
import type { OperatorFilter, Store } from '../store/store.js';
import type { IdTag, OwnedIdTag } from './model.js';

export class IdTags {
  constructor(private readonly store: Store) {}

  /** Creates or changes a tag; `operator` undefined keeps the tag's current operator. */
  async put(tag: IdTag & { operator?: string | null | undefined }): Promise<{ idTag: OwnedIdTag; created: boolean }> {
    return this.store.transact(async (tx) => {
      const existing = await tx.getIdTag(tag.idTag);
      await tx.putIdTag(tag);
      return { idTag: (await tx.getIdTag(tag.idTag))!, created: !existing };
    });
  }

  get(idTag: string): Promise<OwnedIdTag | undefined> {
    return this.store.getIdTag(idTag);
  }

  list(filter: OperatorFilter = {}): Promise<OwnedIdTag[]> {
    return this.store.listIdTags(filter);
  }
}
