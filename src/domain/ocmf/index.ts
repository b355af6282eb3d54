// Signed meter values (OCMF): one call from a sampled value's text to a verdict. Pure — no I/O,
// no store: the caller supplies the key registered for the charge point's meter and its policy on
// keys sent by the charge point itself, and keeps the last page per meter for checkPagination.
import { createHash } from 'node:crypto';
import { parseOcmf, unwrapSignedValue, type SignedValueWrapper } from './parse.js';
import { energyReadings, meterEvents, type EnergyReading, type MeterEvent } from './readings.js';
import { verifyOcmf, type VerifyFailure } from './verify.js';

export type SignedFailure = 'malformed-value' | 'no-key' | VerifyFailure;

export type PublicKeySource = 'registered' | 'message';

export type SignedVerdict =
  | {
      status: 'verified';
      /** The energy readings, in Wh, in the data set's order. */
      readingsWh: EnergyReading[];
      /** Readings without a value: meter events. */
      events: MeterEvent[];
      /** Which key proved the signature: the operator's registered key, or the one the message carried. */
      publicKeySource: PublicKeySource;
      /** PG of the data set, e.g. `T12`: check continuity per meter with checkPagination. */
      pagination: string;
      /** MS: the signing meter's serial number. */
      meterSerial: string;
      /** GS, when the data set names its gateway. */
      gatewaySerial: string | null;
      signatureAlgorithm: string;
      wrapper: SignedValueWrapper;
    }
  | { status: 'failed'; reason: SignedFailure; detail: string };

export interface SignedKeys {
  /** The key registered for the charge point's meter (hex or base64); it always wins. */
  registered?: string | null | undefined;
  /** Whether a key carried in the message may be used when none is registered. */
  allowFromMessage: boolean;
}

/**
 * What a signed value signs, whatever wrapper or encoding carries it: the SHA-256 of the OCMF
 * text inside. The same data set sent raw, base64 or wrapped has one identity. Undefined when
 * the value holds no OCMF text at all.
 */
export function signedIdentity(value: string): string | undefined {
  const unwrapped = unwrapSignedValue(value);
  return 'error' in unwrapped ? undefined : createHash('sha256').update(unwrapped.ocmf).digest('hex');
}

export function verifySignedSample(value: string, keys: SignedKeys): SignedVerdict {
  const unwrapped = unwrapSignedValue(value);
  if ('error' in unwrapped) return { status: 'failed', reason: 'malformed-value', detail: unwrapped.error };
  const message = parseOcmf(unwrapped.ocmf);
  if ('error' in message) return { status: 'failed', reason: 'malformed-value', detail: message.error };

  const registered = keys.registered?.trim();
  let key: string;
  let publicKeySource: PublicKeySource;
  if (registered) {
    key = registered;
    publicKeySource = 'registered';
  } else if (unwrapped.publicKey !== undefined && keys.allowFromMessage) {
    key = unwrapped.publicKey;
    publicKeySource = 'message';
  } else {
    const detail =
      unwrapped.publicKey === undefined
        ? 'no public key is registered for the meter and the message carries none'
        : 'no public key is registered for the meter, and keys sent by the charge point are not trusted';
    return { status: 'failed', reason: 'no-key', detail };
  }

  const result = verifyOcmf(message, key);
  if (!result.ok) return { status: 'failed', reason: result.reason, detail: result.detail };
  return {
    status: 'verified',
    readingsWh: energyReadings(message),
    events: meterEvents(message),
    publicKeySource,
    pagination: message.payload.PG,
    meterSerial: message.payload.MS,
    gatewaySerial: message.payload.GS ?? null,
    signatureAlgorithm: message.signature.SA,
    wrapper: unwrapped.wrapper,
  };
}

export { parseOcmf, unwrapSignedValue, type SignedValueWrapper, type UnwrappedValue } from './parse.js';
export { verifyOcmf, type VerifyFailure, type VerifyResult } from './verify.js';
export { energyReadings, meterEvents, toWh, type EnergyReading, type MeterEvent } from './readings.js';
export { checkPagination, parsePagination, type Page, type PaginationCheck, type PaginationFailure } from './pagination.js';
export { parseOcmfTime, type OcmfTime } from './time.js';
export { signatureAlgorithm, type SignatureAlgorithm } from './algorithms.js';
export { CurrentTypes, MeterStates, ReadingUnits, TimeSyncStates, TransactionMarkers } from './types.js';
export type * from './types.js';
