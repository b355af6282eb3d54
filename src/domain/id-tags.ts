// The id tag registry that Authorize and StartTransaction answer from. Each tag may be managed by
// one operator (null: the network's own); who may see or change it is decided in access.ts. Any
// Accepted tag works at any charge point of the network, whoever manages it.
//
// A tag's parent (its group) decides for it when the parent is not usable (authorization.ts), so
// who may name which parent is decided here: an operator names only a tag of its own (naming
// another's would let it hang its cards on a stranger's group, and learn from their Authorize
// answers whether that tag exists and is blocked); an administrator names any. Nobody makes a tag
// its own ancestor.
import type { IdTagFilter, Store, StoreWriter } from '../store/store.js';
import { assertMayPut, ownershipOf, type Scope } from './access.js';
import { InvalidRequest } from './errors.js';
import type { IdTag, OwnedIdTag } from './model.js';
import { assertOperatorHeld } from './operators.js';

/** Id tags compare as the store keys them: case-insensitively (OCPP's IdToken is). */
const sameTag = (a: string, b: string) => a.toUpperCase() === b.toUpperCase();

/** How far up a chain of parents the cycle check reads: far beyond any real grouping. */
const MAX_ANCESTORS = 100;

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
      await assertOperatorHeld(tx, tag.operator);
      await tx.lockIdTag(tag.idTag);
      const existing = await tx.getIdTag(tag.idTag);
      assertMayPut(actingFor, tag.idTag, ownershipOf(existing));
      await assertParentAllowed(tx, tag, existing, actingFor);
      await tx.putIdTag(tag);
      return { idTag: (await tx.getIdTag(tag.idTag))!, created: !existing };
    });
  }

  get(idTag: string): Promise<OwnedIdTag | undefined> {
    return this.store.getIdTag(idTag);
  }

  /** Every tag the filter names, or a page of them by key (IdTagFilter). */
  list(filter: IdTagFilter = {}): Promise<OwnedIdTag[]> {
    return this.store.listIdTags(filter);
  }
}

/**
 * Refuses a parent that `actingFor` may not name for `tag`. An operator's is one of its own tags,
 * or the one the tag already has (a form sends the whole record back); one it does not have and
 * one another operator has are refused in the same words, so the answer tells nothing of the
 * other. The tag itself, or a tag whose parents lead back to it, is refused to everyone.
 */
async function assertParentAllowed(tx: StoreWriter, tag: IdTag, existing: OwnedIdTag | undefined, actingFor: Scope): Promise<void> {
  const parent = tag.parentIdTag;
  if (parent === null) return;
  if (sameTag(parent, tag.idTag)) throw new InvalidRequest(`parentIdTag: "${tag.idTag}" cannot be its own parent`);
  const kept = !!existing?.parentIdTag && sameTag(existing.parentIdTag, parent);
  if (actingFor.operator !== undefined && !kept && (await tx.getIdTag(parent))?.operator !== actingFor.operator) {
    throw new InvalidRequest(`parentIdTag: "${parent}" is not one of your id tags; register the group's id tag (PUT /id-tags/${parent}) before naming it as a parent`);
  }
  let above: string | null = parent;
  for (let i = 0; above !== null && i < MAX_ANCESTORS; i++) {
    const ancestor = await tx.getIdTag(above);
    above = ancestor?.parentIdTag ?? null;
    if (above !== null && sameTag(above, tag.idTag)) throw new InvalidRequest(`parentIdTag: "${parent}" would make a cycle, as "${tag.idTag}" is already among its parents`);
  }
}
