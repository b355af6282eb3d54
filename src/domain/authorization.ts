// What an id tag may do, answered as OCPP's idTagInfo. The rules (docs/PROTOCOL.md):
// an unknown tag is Invalid; a stored Accepted tag past its expiry date is Expired; a tag whose
// parent is registered but not usable inherits the parent's refusal; ConcurrentTx is decided by
// StartTransaction, which knows the tag's other sessions.
import type { StoreReader } from '../store/store.js';
import type { IdTag, IdTagInfo, IdTagStatus } from './model.js';

function ownStatus(tag: IdTag, now: Date): IdTagStatus {
  if (tag.status === 'Accepted' && tag.expiryDate !== null && Date.parse(tag.expiryDate) <= now.getTime()) return 'Expired';
  return tag.status;
}

export async function authorizeIdTag(reader: StoreReader, idTag: string, now: Date): Promise<IdTagInfo> {
  const tag = await reader.getIdTag(idTag);
  if (!tag) return { status: 'Invalid' };
  let status = ownStatus(tag, now);
  let expiryDate = tag.expiryDate;
  if (status === 'Accepted' && tag.parentIdTag !== null) {
    const parent = await reader.getIdTag(tag.parentIdTag);
    if (parent && ownStatus(parent, now) !== 'Accepted' && ownStatus(parent, now) !== 'ConcurrentTx') {
      status = ownStatus(parent, now);
    }
    // A charger keeps the tag in its authorization cache until the expiry it is given: not past
    // its group's (until 2026-12-07 the tag's own, and a card stayed usable offline after its group ended).
    if (parent?.expiryDate != null && (expiryDate === null || Date.parse(parent.expiryDate) < Date.parse(expiryDate))) expiryDate = parent.expiryDate;
  }
  return {
    status,
    ...(expiryDate !== null ? { expiryDate } : {}),
    ...(tag.parentIdTag !== null ? { parentIdTag: tag.parentIdTag } : {}),
  };
}
