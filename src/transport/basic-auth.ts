// HTTP Basic credentials as OCPP security profiles 1 and 2 use them: the user name must be the
// charge point's own id.

/** Longer headers are not credentials we issued (passwords are 16–40 characters): refused unread. */
const MAX_HEADER_LENGTH = 1024;

/** The password of an `Authorization: Basic …` header whose user is `chargePointId`, if any. */
export function basicPassword(header: string | undefined, chargePointId: string): string | undefined {
  if (header === undefined || header.length > MAX_HEADER_LENGTH) return undefined;
  const match = /^Basic +([A-Za-z0-9+/=_-]+) *$/i.exec(header);
  if (!match) return undefined;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  // The user is the id we expect, up to the colon after it: an id may hold colons itself
  // (`MOBI:E:0001`), and read up to its first one, such a charge point's user never matched.
  const user = `${chargePointId}:`;
  return decoded.startsWith(user) ? decoded.slice(user.length) : undefined;
}
