// What a call's payload may hold beyond its schema, so that every store keeps it as it came. The
// OCPP-J schemas let through any integer and any string; PostgreSQL's text cannot hold U+0000, and
// connector and reservation ids are 32-bit integers in both stores, as every integer of OCPP 1.5
// is (xs:int in its WSDL). Without this a charge point sending either got InternalError on
// PostgreSQL, at every resend, where SQLite stored the call: the two stores must answer alike.
import { nulPointer } from '../domain/text.js';
import type { Violation } from '../ocpp/validate.js';

/** Fields kept in 32-bit integer columns, at the top of every call that has them. */
const INT32_FIELDS = ['connectorId', 'reservationId'];
const INT32_MIN = -2_147_483_648;
const INT32_MAX = 2_147_483_647;

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
  const nul = nulPointer(payload);
  return nul === undefined ? undefined : { code: 'PropertyConstraintViolation', path: nul, message: 'must not contain the NUL character (U+0000)' };
}
