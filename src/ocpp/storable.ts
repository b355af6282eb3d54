// What a call's payload may hold beyond its schema, so that every store keeps it as it came. The
// OCPP-J schemas let through any integer and any string; PostgreSQL's text cannot hold U+0000 and
// its connector ids are 32-bit integers, as every integer of OCPP 1.5 is (xs:int in its WSDL).
// Without this a charge point sending either got InternalError on PostgreSQL, at every resend,
// where SQLite stored the call: the two stores must answer alike.
import { pointerSegment, type Violation } from './validate.js';

/** Fields kept in 32-bit integer columns: the ids of a connector and of a reservation, at the top of every call that has them. */
const INT32_FIELDS = ['connectorId', 'reservationId'];
const INT32_MIN = -2_147_483_648;
const INT32_MAX = 2_147_483_647;
const NUL = '\u0000';

/** The first value of a call's payload that no store could keep as it is, if any. */
export function unstorable(payload: unknown): Violation | undefined {
  if (payload !== null && typeof payload === 'object' && !Array.isArray(payload)) {
    for (const field of INT32_FIELDS) {
      const value = (payload as Record<string, unknown>)[field];
      if (typeof value === 'number' && (value < INT32_MIN || value > INT32_MAX)) {
        return { code: 'PropertyConstraintViolation', path: `/${field}`, message: `must be a 32-bit integer (${INT32_MIN} to ${INT32_MAX})` };
      }
    }
  }
  // Every call is walked, so the walk allocates nothing; the field is named only once one is found.
  if (!holdsNul(payload)) return undefined;
  return { code: 'PropertyConstraintViolation', path: nulPath(payload, ''), message: 'must not contain the NUL character (U+0000)' };
}

function holdsNul(value: unknown): boolean {
  if (typeof value === 'string') return value.includes(NUL);
  if (value === null || typeof value !== 'object') return false;
  if (Array.isArray(value)) {
    for (const item of value) if (holdsNul(item)) return true;
    return false;
  }
  for (const key in value) if (key.includes(NUL) || holdsNul((value as Record<string, unknown>)[key])) return true;
  return false;
}

/** The JSON pointer of the first string (or name) holding a NUL, in a value known to hold one. */
function nulPath(value: unknown, path: string): string {
  if (typeof value === 'string') return path;
  const entries: [string, unknown][] = Array.isArray(value) ? value.map((item, i) => [String(i), item]) : Object.entries(value as object);
  for (const [key, item] of entries) {
    if (key.includes(NUL) || holdsNul(item)) return key.includes(NUL) ? `${path}/${pointerSegment(key)}` : nulPath(item, `${path}/${pointerSegment(key)}`);
  }
  return path;
}
