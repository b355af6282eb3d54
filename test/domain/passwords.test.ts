// Charge point passwords: scrypt hashes, and the memory of successful checks that spares a SOAP
// charge point one scrypt per message without ever accepting a wrong or replaced password.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hashPassword, verifyPassword, verifyPasswordRemembered } from '../../src/domain/passwords.js';

test('a stored hash verifies its password only, and never contains it', async () => {
  const stored = await hashPassword('correct horse battery staple');
  assert.ok(!stored.includes('correct horse'));
  assert.ok(stored.startsWith('scrypt$'));
  assert.equal(await verifyPassword('correct horse battery staple', stored), true);
  assert.equal(await verifyPassword('correct horse battery stapler', stored), false);
  assert.notEqual(await hashPassword('correct horse battery staple'), stored, 'a fresh salt each time');
});

test('remembered checks never accept a wrong password, a replaced one, or outlive their time', async () => {
  const first = await hashPassword('first-password-0001');
  const now = Date.now();
  assert.equal(await verifyPasswordRemembered('first-password-0001', first, now), true);
  assert.equal(await verifyPasswordRemembered('first-password-0001', first, now + 1000), true, 'remembered');
  assert.equal(await verifyPasswordRemembered('wrong-password-0001', first, now + 1000), false, 'a wrong one is still checked');
  const second = await hashPassword('second-password-001');
  assert.equal(await verifyPasswordRemembered('first-password-0001', second, now + 2000), false, 'the old password does not open the new hash');
  assert.equal(await verifyPasswordRemembered('second-password-001', second, now + 2000), true);
  // Past its time the check runs again (and still succeeds for the right password).
  assert.equal(await verifyPasswordRemembered('first-password-0001', first, now + 11 * 60_000), true);
});
