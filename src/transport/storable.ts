// What a call's payload may hold beyond its schema, so that every store keeps it as it came, and
// both answer alike. The OCPP-J schemas let through any number and any string. Without this, a
// charge point sending one that a store cannot keep got InternalError from PostgreSQL at every
// resend, where SQLite stored it, or stored something else than was sent:
// - text with U+0000 or a lone surrogate (src/keepable-text.ts);
// - a connector or reservation id past 32 bits: PostgreSQL's integer columns, and the width of
//   every integer of OCPP 1.5 (xs:int in its WSDL);
// - any number that is not a safe integer (past ±2^53 − 1 it is not even exact in JavaScript, and
//   past 2^63 no 64-bit column holds it). A call from a charge point has no fractional number:
//   its numbers (connector, transaction and reservation ids, meter start and stop) are integers at
//   the top of the payload; sampled values are text.
import { unkeepableText } from '../keepable-text.js';
import type { Violation } from '../ocpp/validate.js';

const INT32_FIELDS = new Set(['connectorId', 'reservationId']);
const INT32_MIN = -2_147_483_648;
const INT32_MAX = 2_147_483_647;

/** The first value of a call's payload that no store could keep as it is, if any. */
export function unstorable(payload: unknown): Violation | undefined {
  if (payload !== null && typeof payload === 'object' && !Array.isArray(payload)) {
    for (const field in payload) {
      const value = (payload as Record<string, unknown>)[field];
      if (typeof value !== 'number') continue;
      if (INT32_FIELDS.has(field) && (value < INT32_MIN || value > INT32_MAX)) {
        return { code: 'PropertyConstraintViolation', path: `/${field}`, message: `must be a 32-bit integer (${INT32_MIN} to ${INT32_MAX})` };
      }
      if (!Number.isSafeInteger(value)) {
        return { code: 'PropertyConstraintViolation', path: `/${field}`, message: `must be an integer from -${Number.MAX_SAFE_INTEGER} to ${Number.MAX_SAFE_INTEGER}` };
      }
    }
  }
  const text = unkeepableText(payload);
  return text && { code: 'PropertyConstraintViolation', path: text.path, message: text.message };
}
