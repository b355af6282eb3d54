// What a call's payload may hold beyond its schema, so that every store keeps it as it came, and
// both answer alike. The OCPP-J schemas let through any number and any string. Without this, a
// charge point sending one that a store cannot keep got InternalError from PostgreSQL at every
// resend, where SQLite stored it, or stored something else than was sent:
// - text with U+0000 or a lone surrogate (src/keepable-text.ts);
// - a connector or reservation id past 32 bits: PostgreSQL's integer columns, and the width of
//   every integer of OCPP 1.5 (xs:int in its WSDL);
// - a connector id below 0: OCPP numbers connectors from 1, with 0 for the charge point as a whole,
//   but its JSON schemas leave the bound out, and a connector -1 was stored, and shown, as one;
//   a session starts on a connector, never on 0 (StartTransaction's connectorId > 0 in OCPP 1.6);
// - a transaction id or a meter start or stop that is not a safe integer (past ±2^53 − 1 it is not
//   even exact in JavaScript, and past 2^63 no 64-bit column holds it);
// - an id tag longer than an index entry holds: the sessions' tags are indexed, and PostgreSQL's
//   index entries end at about 2,700 bytes (a lenient charge point's tag of some kilobytes was
//   stored by SQLite and an InternalError on PostgreSQL). OCPP allows 20 characters; lenient
//   mode forgives a longer tag up to ID_TAG_MAX_BYTES.
// The numbers a charge point's calls store are these five, all at the top of the payload (sampled
// values are text). Other numbers, such as a lenient charge point's extra fields, are not stored.
import { unkeepableText } from '../keepable-text.js';
import type { Violation } from '../ocpp/validate.js';
import { OCPP_INT_MAX, OCPP_INT_MIN } from '../ocpp/integer.js';

interface Range {
  min: number;
  max: number;
  /** What the field must be, in the violation's message. */
  what: string;
}
const INT32: Range = { min: OCPP_INT_MIN, max: OCPP_INT_MAX, what: 'a 32-bit integer' };
const CONNECTOR: Range = { min: 0, max: OCPP_INT_MAX, what: 'a connector number (0: the charge point as a whole)' };
/** A session's connector: StartTransaction names one, never the charge point as a whole. */
const SESSION_CONNECTOR: Range = { min: 1, max: OCPP_INT_MAX, what: 'a connector number (a session never starts on 0, the charge point as a whole)' };
const SAFE: Range = { min: -Number.MAX_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER, what: 'an integer' };
/** The stored integers of a call, with the range their columns hold as sent. */
const STORED_INTEGERS = new Map<string, Range>([
  ['connectorId', CONNECTOR],
  ['reservationId', INT32],
  ['transactionId', SAFE],
  ['meterStart', SAFE],
  ['meterStop', SAFE],
]);

/** StartTransaction's: its connector is a session's. */
const STARTS_STORED_INTEGERS = new Map([...STORED_INTEGERS, ['connectorId', SESSION_CONNECTOR]]);

/** The ranges of `action`'s stored integers. */
function rangesOf(action: string | undefined): Map<string, Range> {
  return action === 'StartTransaction' ? STARTS_STORED_INTEGERS : STORED_INTEGERS;
}

/** The longest id tag stored, in UTF-8 bytes: 50 times OCPP's 20 characters, well inside an index entry. */
const ID_TAG_MAX_BYTES = 1000;

/** The first value of a call's payload that no store could keep as it is, if any. */
export function unstorable(payload: unknown, action?: string): Violation | undefined {
  if (payload !== null && typeof payload === 'object' && !Array.isArray(payload)) {
    const idTag = (payload as Record<string, unknown>).idTag;
    if (typeof idTag === 'string' && Buffer.byteLength(idTag) > ID_TAG_MAX_BYTES) {
      return { code: 'PropertyConstraintViolation', path: '/idTag', message: `must be at most ${ID_TAG_MAX_BYTES} bytes to be stored (OCPP allows 20 characters), got ${Buffer.byteLength(idTag)}` };
    }
    for (const [field, { min, max, what }] of rangesOf(action)) {
      const value = (payload as Record<string, unknown>)[field];
      if (typeof value === 'number' && !(Number.isInteger(value) && value >= min && value <= max)) {
        return { code: 'PropertyConstraintViolation', path: `/${field}`, message: `must be ${what} from ${min} to ${max}` };
      }
    }
  }
  let text;
  try {
    text = unkeepableText(payload);
  } catch (error) {
    // Nesting deeper than the walk's stack (a lenient charge point's extra field of thousands of
    // nested arrays) was an InternalError: the call is as unreadable as a frame that is not JSON.
    if (!(error instanceof RangeError)) throw error;
    return { code: 'FormationViolation', path: '', message: 'is nested too deeply to be read' };
  }
  return text && { code: 'PropertyConstraintViolation', path: text.path, message: text.message };
}
