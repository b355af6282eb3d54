// From a sampled value's text to an OCMF message. Two steps: unwrap the value (raw OCMF, the
// common JSON wrapper, base64 or hex around either) and split the OCMF string at its `|`
// separators. The payload section is kept as the exact substring received — never re-serialised —
// because the meter's signature covers those bytes and nothing else.
import { decodeBase64, decodeHex, decodeUtf8 } from './encoding.js';
import { validatePayload, validateSignature } from './fields.js';
import type { OcmfError, OcmfMessage } from './types.js';

export type SignedValueWrapper = 'raw' | 'json' | 'base64-json' | 'base64' | 'hex';

export interface UnwrappedValue {
  /** The OCMF string `OCMF|…|…`, exactly as the meter produced it. */
  ocmf: string;
  /** The public key carried in a JSON wrapper, as sent (a claim of the charge point, not a trusted key). */
  publicKey?: string;
  wrapper: SignedValueWrapper;
}

/** Larger values are refused before any decoding (OCPP 2.x allows 32768 characters of signed data). */
export const MAX_SIGNED_VALUE_LENGTH = 65_536;

const HEADER = 'OCMF|';

/** Bytes → the OCMF text they hold, when they are valid UTF-8 starting with the OCMF header. */
function ocmfFromBytes(bytes: Buffer | null): string | null {
  if (bytes === null) return null;
  const text = decodeUtf8(bytes);
  return text !== null && text.startsWith(HEADER) ? text : null;
}

/** The OCMF text in a string that is OCMF itself, or base64 or hex of it. */
function ocmfFromText(text: string): { ocmf: string; encoded: boolean } | null {
  if (text.startsWith(HEADER)) return { ocmf: text, encoded: false };
  const decoded = ocmfFromBytes(decodeHex(text)) ?? ocmfFromBytes(decodeBase64(text));
  return decoded === null ? null : { ocmf: decoded.trim(), encoded: true };
}

function fromJsonWrapper(text: string, wrapper: 'json' | 'base64-json'): UnwrappedValue | OcmfError {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { error: 'the signed value is neither OCMF nor valid JSON' };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return { error: 'the signed value wrapper is not a JSON object' };
  }
  const w = parsed as Record<string, unknown>;
  if (w.encodingMethod !== undefined && (typeof w.encodingMethod !== 'string' || w.encodingMethod.toUpperCase() !== 'OCMF')) {
    return { error: `unsupported encodingMethod ${JSON.stringify(w.encodingMethod)} (only OCMF is verified)` };
  }
  // `signedMeterValue` in the field's 1.6 wrappers, `signedMeterData` in OCPP 2.x's SignedMeterValueType.
  const data = w.signedMeterValue ?? w.signedMeterData;
  if (typeof data !== 'string') return { error: 'the wrapper has no signedMeterValue (or signedMeterData) string' };
  const inner = ocmfFromText(data.trim());
  if (inner === null) return { error: 'the wrapper\'s signed data is not OCMF (raw, base64 or hex)' };
  if (w.publicKey !== undefined && w.publicKey !== null && typeof w.publicKey !== 'string') {
    return { error: 'the wrapper\'s publicKey is not a string' };
  }
  const publicKey = typeof w.publicKey === 'string' && w.publicKey.trim() !== '' ? w.publicKey.trim() : undefined;
  return publicKey === undefined ? { ocmf: inner.ocmf, wrapper } : { ocmf: inner.ocmf, publicKey, wrapper };
}

export function unwrapSignedValue(value: string): UnwrappedValue | OcmfError {
  if (value.length > MAX_SIGNED_VALUE_LENGTH) return { error: `the signed value is longer than ${MAX_SIGNED_VALUE_LENGTH} characters` };
  const text = value.trim();
  if (text.length === 0) return { error: 'the signed value is empty' };
  if (text.startsWith(HEADER)) return { ocmf: text, wrapper: 'raw' };
  if (text.startsWith('{')) return fromJsonWrapper(text, 'json');

  const hex = decodeHex(text);
  const bytes = hex ?? decodeBase64(text);
  const decoded = bytes === null ? null : decodeUtf8(bytes)?.trim();
  if (decoded === undefined || decoded === null) return { error: 'the signed value is neither OCMF, JSON, base64 nor hex' };
  if (decoded.startsWith(HEADER)) return { ocmf: decoded, wrapper: hex === null ? 'base64' : 'hex' };
  if (decoded.startsWith('{') && hex === null) return fromJsonWrapper(decoded, 'base64-json');
  return { error: 'the decoded signed value is neither OCMF nor a JSON wrapper' };
}

export function parseOcmf(text: string): OcmfMessage | OcmfError {
  if (text.length > MAX_SIGNED_VALUE_LENGTH) return { error: `the OCMF data set is longer than ${MAX_SIGNED_VALUE_LENGTH} characters` };
  if (!text.startsWith(HEADER)) return { error: 'the data set does not start with the OCMF header "OCMF|"' };
  const second = text.indexOf('|', HEADER.length);
  if (second < 0) return { error: 'the OCMF data set has no "|" between payload and signature' };
  const payloadText = text.slice(HEADER.length, second);
  const signatureText = text.slice(second + 1);
  // "|" is not allowed inside a section: a fourth section means the data set is not OCMF.
  if (signatureText.includes('|')) return { error: 'the OCMF data set has more than three "|"-separated sections' };

  let payloadJson: unknown;
  try {
    payloadJson = JSON.parse(payloadText);
  } catch {
    return { error: 'the OCMF payload section is not valid JSON' };
  }
  let signatureJson: unknown;
  try {
    signatureJson = JSON.parse(signatureText);
  } catch {
    return { error: 'the OCMF signature section is not valid JSON' };
  }
  const payload = validatePayload(payloadJson);
  if ('error' in payload) return { error: `OCMF payload: ${payload.error}` };
  const signature = validateSignature(signatureJson);
  if ('error' in signature) return { error: `OCMF signature: ${signature.error}` };
  return { text, payloadText, signatureText, payload, signature };
}
