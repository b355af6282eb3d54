// The validated-software registry keeps no identity longer than its index holds on PostgreSQL
// (SOFTWARE_IDENTITY_MAX_BYTES, in UTF-8 bytes), on either store: a campaign's end or an approval
// with a longer one is refused, saying why, and nothing is stored. The whole campaign over such a
// charge point is test/validation/long-software.test.ts (PostgreSQL, where the index refused it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestTomada } from '../support/tomada.js';
import { SOFTWARE_IDENTITY_MAX_BYTES, SoftwareRegistry } from '../../src/validation/software.js';
import type { SoftwareIdentity } from '../../src/domain/model.js';

const identity = (firmwareVersion: string): SoftwareIdentity => ({ vendor: 'V'.repeat(20), model: 'M'.repeat(20), firmwareVersion, ocppVersion: '1.6', transport: 'json' });

test('an identity of the most bytes the registry keeps is entered; one byte more, counted in UTF-8, is refused and nothing stored', async () => {
  const t = await startTestTomada();
  try {
    const registry = new SoftwareRegistry(t.store);
    const atBound = identity('F'.repeat(SOFTWARE_IDENTITY_MAX_BYTES - 40));
    assert.equal((await registry.approve(atBound, 'lab report 1', null)).firmwareVersion, atBound.firmwareVersion);

    // 981 characters, 1,961 bytes: under the bound in characters, over it in bytes.
    const accented = identity(`${'é'.repeat(980)}G`);
    await assert.rejects(registry.approve(accented, 'lab report 2', null), /Software cannot be validated: .*\(2001 bytes together\) are longer than the validated-software registry keeps \(2000 bytes/);
    assert.deepEqual((await registry.list()).map((entry) => entry.firmwareVersion.length), [SOFTWARE_IDENTITY_MAX_BYTES - 40]);
  } finally {
    await t.close();
  }
});
