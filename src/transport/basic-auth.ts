// HTTP Basic credentials as OCPP security profiles 1 and 2 use them: the user name must be the
// charge point's own id.

/** The password of an `Authorization: Basic …` header whose user is `chargePointId`, if any. */
export function basicPassword(header: string | undefined, chargePointId: string): string | undefined {
  const match = header === undefined ? null : /^Basic +(\S+) *$/i.exec(header);
  if (!match) return undefined;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0 || decoded.slice(0, colon) !== chargePointId) return undefined;
  return decoded.slice(colon + 1);
}
