// Checks an OCMF data set's signature: ECDSA over the UTF-8 bytes of the payload section exactly
// as received, with the curve and hash its SA names, the DER signature in SD (hex or base64 as SE
// says), and a public key from outside the data set (the format never carries its own key).
import { verify as verifySignature } from 'node:crypto';
import { signatureAlgorithm } from './algorithms.js';
import { isDerEcdsaSignature } from './der.js';
import { decodeBase64, decodeHex } from './encoding.js';
import { DEFAULT_MIME } from './fields.js';
import { importPublicKey } from './keys.js';
import type { OcmfMessage } from './types.js';

export type VerifyFailure =
  | 'unsupported-algorithm'
  | 'malformed-key'
  | 'key-curve-mismatch'
  | 'malformed-signature'
  | 'signature-mismatch';

export type VerifyResult = { ok: true } | { ok: false; reason: VerifyFailure; detail: string };

const fail = (reason: VerifyFailure, detail: string): VerifyResult => ({ ok: false, reason, detail });

export function verifyOcmf(message: OcmfMessage, publicKey: string): VerifyResult {
  const { SA, SE, SM, SD } = message.signature;
  const algorithm = signatureAlgorithm(SA);
  if (algorithm === null) return fail('unsupported-algorithm', `signature algorithm "${SA}" is not supported`);

  const imported = importPublicKey(publicKey, algorithm);
  if ('reason' in imported) return fail(imported.reason, imported.detail);

  if (SM !== DEFAULT_MIME) return fail('malformed-signature', `signature type "${SM}" is not supported (only ${DEFAULT_MIME})`);
  const signature = SE === 'hex' ? decodeHex(SD) : decodeBase64(SD);
  if (signature === null) return fail('malformed-signature', `SD is not ${SE}`);
  if (!isDerEcdsaSignature(signature, algorithm.fieldBytes)) {
    return fail('malformed-signature', `SD is not a DER ECDSA signature for ${algorithm.curve}`);
  }

  const signed = Buffer.from(message.payloadText, 'utf8');
  let valid: boolean;
  try {
    valid = verifySignature(algorithm.hash, signed, { key: imported.key, dsaEncoding: 'der' }, signature);
  } catch {
    return fail('malformed-signature', 'the signature could not be checked');
  }
  return valid ? { ok: true } : fail('signature-mismatch', 'the signature does not match the payload and key');
}
