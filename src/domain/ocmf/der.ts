// The little DER this verifier needs: a SubjectPublicKeyInfo around a bare EC point (meters often
// print only the point), and the shape of an ECDSA signature, SEQUENCE { INTEGER r, INTEGER s }.
import type { Curve } from './algorithms.js';

/** id-ecPublicKey, 1.2.840.10045.2.1. */
const EC_PUBLIC_KEY = Buffer.from('06072a8648ce3d0201', 'hex');

/** The named-curve OIDs, as encoded TLVs. */
const CURVE_OIDS: Record<Curve, Buffer> = {
  prime256v1: Buffer.from('06082a8648ce3d030107', 'hex'), // 1.2.840.10045.3.1.7
  secp384r1: Buffer.from('06052b81040022', 'hex'), // 1.3.132.0.34
  brainpoolP256r1: Buffer.from('06092b2403030208010107', 'hex'), // 1.3.36.3.3.2.8.1.1.7
  brainpoolP384r1: Buffer.from('06092b240303020801010b', 'hex'), // 1.3.36.3.3.2.8.1.1.11
};

function length(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let rest = n; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest % 256);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function tlv(tag: number, content: Buffer): Buffer {
  return Buffer.concat([Buffer.from([tag]), length(content.length), content]);
}

/** SubjectPublicKeyInfo (DER) for an EC point (04‖X‖Y, or compressed 02/03‖X) on a named curve. */
export function spkiFromPoint(curve: Curve, point: Buffer): Buffer {
  const algorithm = tlv(0x30, Buffer.concat([EC_PUBLIC_KEY, CURVE_OIDS[curve]]));
  const key = tlv(0x03, Buffer.concat([Buffer.from([0x00]), point]));
  return tlv(0x30, Buffer.concat([algorithm, key]));
}

/** Reads a DER length at `at`; the length and where the content starts, or null if not minimal DER. */
function readLength(der: Buffer, at: number): { length: number; start: number } | null {
  const first = der[at];
  if (first === undefined) return null;
  if (first < 0x80) return { length: first, start: at + 1 };
  if (first !== 0x81) return null; // an ECDSA signature is never 256 bytes or more
  const second = der[at + 1];
  if (second === undefined || second < 0x80) return null;
  return { length: second, start: at + 2 };
}

/** A positive INTEGER in minimal encoding, of at most fieldBytes (+1 for a sign byte); the end, or null. */
function readInteger(der: Buffer, at: number, fieldBytes: number): number | null {
  if (der[at] !== 0x02) return null;
  const len = readLength(der, at + 1);
  if (len === null || len.length === 0 || len.length > fieldBytes + 1) return null;
  const end = len.start + len.length;
  if (end > der.length) return null;
  const lead = der[len.start]!;
  if (lead & 0x80) return null; // negative
  if (lead === 0 && len.length > 1 && !(der[len.start + 1]! & 0x80)) return null; // superfluous zero
  return end;
}

/** Whether the bytes are a DER ECDSA signature for a curve whose field elements have fieldBytes. */
export function isDerEcdsaSignature(der: Buffer, fieldBytes: number): boolean {
  if (der[0] !== 0x30) return false;
  const seq = readLength(der, 1);
  if (seq === null || seq.start + seq.length !== der.length) return false;
  const afterR = readInteger(der, seq.start, fieldBytes);
  if (afterR === null) return false;
  const afterS = readInteger(der, afterR, fieldBytes);
  return afterS === der.length;
}
