// OCMF signature algorithms (SA): `ECDSA-<curve>-<hash>`. Four curves are verified — NIST P-256
// and P-384, Brainpool P256r1 and P384r1 — with SHA-256, SHA-384 or SHA-512. The other curves the
// format lists (secp192r1, secp192k1, secp256k1) are refused as unsupported: the 192-bit ones are
// too weak for billing evidence, and none is in use on the network.

export type Curve = 'prime256v1' | 'secp384r1' | 'brainpoolP256r1' | 'brainpoolP384r1';
export type Hash = 'sha256' | 'sha384' | 'sha512';

export interface SignatureAlgorithm {
  /** node:crypto's (OpenSSL's) name of the curve. */
  curve: Curve;
  hash: Hash;
  /** Size of a field element (a coordinate, r or s) in bytes. */
  fieldBytes: 32 | 48;
}

/** Curve names as OCMF writes them, and their usual synonyms, lower-cased. */
const CURVES: Record<string, Curve> = {
  secp256r1: 'prime256v1',
  prime256v1: 'prime256v1',
  'p-256': 'prime256v1',
  nistp256: 'prime256v1',
  secp384r1: 'secp384r1',
  prime384v1: 'secp384r1',
  'p-384': 'secp384r1',
  nistp384: 'secp384r1',
  brainpool256r1: 'brainpoolP256r1',
  brainpoolp256r1: 'brainpoolP256r1',
  brainpool384r1: 'brainpoolP384r1',
  brainpoolp384r1: 'brainpoolP384r1',
};

const HASHES: Record<string, Hash> = { sha256: 'sha256', sha384: 'sha384', sha512: 'sha512' };

export const FIELD_BYTES: Record<Curve, 32 | 48> = {
  prime256v1: 32,
  secp384r1: 48,
  brainpoolP256r1: 32,
  brainpoolP384r1: 48,
};

/** The algorithm an SA names, or null when it is not one this verifier supports. */
export function signatureAlgorithm(sa: string): SignatureAlgorithm | null {
  const m = /^ECDSA-(.+)-(SHA-?\d{3})$/i.exec(sa.trim());
  if (!m) return null;
  const curve = CURVES[m[1]!.toLowerCase()];
  const hash = HASHES[m[2]!.toLowerCase().replace('-', '')];
  if (curve === undefined || hash === undefined) return null;
  return { curve, hash, fieldBytes: FIELD_BYTES[curve] };
}
