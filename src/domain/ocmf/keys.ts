// A meter's public key, as operators register it and charge points send it, into a node:crypto
// key for the curve the data set's SA names. Accepted spellings of the same key:
// - hex or base64 of a DER SubjectPublicKeyInfo, or of the bare EC point (04‖X‖Y, compressed
//   02/03‖X, or X‖Y without the 04) — the point is read on the SA's curve;
// - hex printed with spaces, colons or a leading 0x (as on a meter's label);
// - the OCA envelope `oca:base16:<type>:<key>` / `oca:base64:<type>:<key>`, and base64 of it, or
//   base64 of the hex text (both seen in OCPP 1.6 signed-value wrappers);
// - PEM (`-----BEGIN PUBLIC KEY-----`).
import { createPublicKey, type KeyObject } from 'node:crypto';
import type { SignatureAlgorithm } from './algorithms.js';
import { spkiFromPoint } from './der.js';
import { decodeBase64, decodeHex, isPrintableAscii } from './encoding.js';

export type KeyFailure = 'malformed-key' | 'key-curve-mismatch';
export type KeyResult = { key: KeyObject } | { reason: KeyFailure; detail: string };

const malformed = (detail: string): KeyResult => ({ reason: 'malformed-key', detail });

/** The key's bytes from its text, or the PEM text itself; an error string when unreadable. */
function keyMaterial(text: string, depth = 0): Buffer | { pem: string } | { error: string } {
  const t = text.trim();
  if (t.includes('-----BEGIN')) return { pem: t };
  const envelope = /^oca:([^:]+):([^:]*):(.*)$/is.exec(t);
  if (envelope) {
    const encoding = envelope[1]!.toLowerCase();
    const printed = envelope[3]!;
    if (encoding === 'base16') {
      // The printed key may carry spaces or other separators and a leading 0x: only hex digits count.
      const bytes = decodeHex(printed.trim().replace(/^0x/i, '').replace(/[^0-9a-fA-F]/g, ''));
      return bytes ?? { error: 'the OCA key envelope does not hold hex' };
    }
    if (encoding === 'base64') return decodeBase64(printed.replace(/\s/g, '')) ?? { error: 'the OCA key envelope does not hold base64' };
    return { error: `unknown key encoding "${envelope[1]}" in the OCA envelope` };
  }
  const hex = decodeHex(t.replace(/^0x/i, '').replace(/[\s:]/g, ''));
  if (hex !== null) return hex;
  const bytes = decodeBase64(t.replace(/\s/g, ''));
  if (bytes === null) return { error: 'the key is neither hex nor base64' };
  // Base64 of text (hex, or an OCA envelope) rather than of key bytes: read the text once more.
  if (depth === 0 && isPrintableAscii(bytes)) return keyMaterial(bytes.toString('latin1'), 1);
  return bytes;
}

/** The point in a bare-point key, for the algorithm's curve, or why it does not fit. */
function pointFor(bytes: Buffer, algorithm: SignatureAlgorithm): Buffer | KeyResult {
  const n = algorithm.fieldBytes;
  const first = bytes[0];
  if (bytes.length === 2 * n + 1 && first === 0x04) return bytes;
  if (bytes.length === n + 1 && (first === 0x02 || first === 0x03)) return bytes;
  if (bytes.length === 2 * n) return Buffer.concat([Buffer.from([0x04]), bytes]);
  const other = n === 32 ? 48 : 32;
  if (bytes.length === 2 * other + 1 || bytes.length === other + 1 || bytes.length === 2 * other) {
    return { reason: 'key-curve-mismatch', detail: `the key is a ${other * 8}-bit point, but ${algorithm.curve} is ${n * 8}-bit` };
  }
  return malformed(`the key is neither a DER SubjectPublicKeyInfo nor an EC point (${bytes.length} bytes)`);
}

/** A bare-point key (pointFor) as a key, or why it is not one. */
function pointKey(bytes: Buffer, algorithm: SignatureAlgorithm): KeyResult {
  const point = pointFor(bytes, algorithm);
  if (!Buffer.isBuffer(point)) {
    // Bytes that begin as a DER SEQUENCE does and are no point either: most likely a damaged DER key.
    const damagedDer = bytes[0] === 0x30 && 'reason' in point && point.reason === 'malformed-key';
    return damagedDer ? malformed('the key is not a valid DER SubjectPublicKeyInfo') : point;
  }
  try {
    return { key: createPublicKey({ key: spkiFromPoint(algorithm.curve, point), format: 'der', type: 'spki' }) };
  } catch {
    return malformed(`the key is not a point on ${algorithm.curve}`);
  }
}

function spkiKey(der: Buffer): KeyObject | undefined {
  try {
    return createPublicKey({ key: der, format: 'der', type: 'spki' });
  } catch {
    return undefined;
  }
}

export function importPublicKey(text: string, algorithm: SignatureAlgorithm): KeyResult {
  const material = keyMaterial(text);
  if ('error' in material) return malformed(material.error);
  let key: KeyObject;
  if ('pem' in material) {
    try {
      key = createPublicKey(material.pem);
    } catch {
      return malformed('the PEM text is not a public key');
    }
  } else {
    // A DER SubjectPublicKeyInfo starts with 0x30 (a SEQUENCE); so does one bare X‖Y point in 256.
    // DER first, then the point: their lengths differ, so at most one of them reads the bytes.
    const der = material[0] === 0x30 ? spkiKey(material) : undefined;
    const imported = der ? { key: der } : pointKey(material, algorithm);
    if (!('key' in imported)) return imported;
    key = imported.key;
  }
  if (key.asymmetricKeyType !== 'ec') return malformed(`the key is not an EC key (${key.asymmetricKeyType ?? 'unknown type'})`);
  const curve = key.asymmetricKeyDetails?.namedCurve;
  if (curve !== algorithm.curve) {
    return { reason: 'key-curve-mismatch', detail: `the key is on ${curve ?? 'an unnamed curve'}, but the data set is signed on ${algorithm.curve}` };
  }
  return { key };
}
