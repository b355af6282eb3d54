// The one-shot SHA-256 (crypto.hash where Node.js has it) must give exactly what the Hash object
// gave: sample keys and journal links stored before it are compared with keys and links computed
// now (a resent sample's key, `tomada journal verify`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { sha256, streamedSha256 } from '../../src/store/sha256.js';
import { chainHash, GENESIS_HASH } from '../../src/store/journal-chain.js';

// FIPS 180-2's example: SHA-256("abc").
const ABC_HEX = 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad';
const ABC_BASE64URL = Buffer.from(ABC_HEX, 'hex').toString('base64url');

for (const [name, hash] of [['sha256', sha256], ['streamedSha256', streamedSha256]] as const) {
  test(`${name} gives the standard digest of a string and of a buffer, in hex and base64url`, () => {
    assert.equal(hash('abc', 'hex'), ABC_HEX);
    assert.equal(hash(Buffer.from('abc'), 'hex'), ABC_HEX);
    assert.equal(hash('abc', 'base64url'), ABC_BASE64URL);
    // Text is hashed as UTF-8, as createHash().update(string) does.
    assert.equal(hash('Ação €', 'hex'), createHash('sha256').update(Buffer.from('Ação €', 'utf8')).digest('hex'));
  });
}

test('a journal link is the same as the one stored before the one-shot hash', () => {
  const frame = { at: '2026-12-04T23:00:00.000Z', chargePointId: 'CP-1', direction: 'in' as const, protocol: 'ocpp1.6-json', frame: Buffer.from('[2,"1","Heartbeat",{}]') };
  // The link as it was computed with Hash objects: the frame's digest, then the digest of the
  // previous hash and the frame's fields, one per line.
  const content = createHash('sha256').update(frame.frame).digest('hex');
  const link = [GENESIS_HASH, frame.at, frame.chargePointId, frame.direction, frame.protocol, content].join('\n');
  assert.equal(chainHash(GENESIS_HASH, frame), createHash('sha256').update(link).digest('hex'));
});
