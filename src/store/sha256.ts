// SHA-256 of a small input in one call. The store hashes every meter sample (its dedupe key) and
// every journal frame twice (content and link); crypto.hash, one native call without a Hash
// object, took half the time of createHash().update().digest() for inputs of a few hundred bytes
// (docs/PERFORMANCE.md, change 25). It arrived in Node.js 20.12; earlier 20.x releases take the
// longer way, with the same result.
import * as crypto from 'node:crypto';

type HashEncoding = 'hex' | 'base64url';

type Sha256 = (data: string | Buffer, encoding: HashEncoding) => string;

/** Through a Hash object: every Node.js release has it. */
export const streamedSha256: Sha256 = (data, encoding) => crypto.createHash('sha256').update(data).digest(encoding);

const oneShot = (crypto as { hash?: (algorithm: string, data: string | Buffer, encoding: HashEncoding) => string }).hash;

export const sha256: Sha256 = oneShot ? (data, encoding) => oneShot('sha256', data, encoding) : streamedSha256;
