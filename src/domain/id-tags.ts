// The id tag registry that Authorize and StartTransaction answer from. Each tag may be managed by
// one operator (null: the network's own); who may see or change it is decided in access.ts. Any
// Accepted tag works at any charge point of the network, whoever manages it.
import type { OperatorFilter, Store } from '../store/store.js';
import { assertMayPut, ownershipOf, type Scope } from './access.js';
import type { IdTag, OwnedIdTag } from './model.js';

export class IdTags {
  constructor(private readonly store: Store) {}

  /**
   * Creates or changes a tag; `operator` undefined keeps the tag's current operator. `actingFor`:
   * the scope of whoever asks. Another operator's tag is refused (AccessDenied) by the unit that
   * writes it, on what that unit read under the tag's lock (on PostgreSQL the lock waits for
   * another node's unit of the same tag to commit), so a PUT racing another operator's creation
   * of the same tag is refused as if it had come after, never written over it.
   */
  async put(tag: IdTag & { operator?: string | null | undefined }, actingFor: Scope = {}): Promise<{ idTag: OwnedIdTag; created: boolean }> {
    return this.store.transact(async (tx) => {
      await tx.lockIdTag(tag.idTag);
      const existing = await tx.getIdTag(tag.idTag);
      assertMayPut(actingFor, tag.idTag, ownershipOf(existing));
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
