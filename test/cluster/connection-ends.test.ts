// An end asked for a charge point's connection (its security settings changed) also ends a
// connection admitted before it and attached after it: the handshake read the old settings, and
// was not attached yet to be ended. One admitted after the end, or attached with no admission
// (a SOAP charge point's command target), is left alone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LocalRouter } from '../../src/cluster/local-router.js';
import type { CommandTarget } from '../../src/domain/commands.js';

test('a connection admitted before an end and attached after it is ended at once; one admitted after is not', () => {
  const router = new LocalRouter();
  const released: string[] = [];
  const target = (name: string): CommandTarget => ({ execute: async () => ({ status: 'Accepted' }), release: (reason) => released.push(`${name}: ${reason}`) });

  const admittedBefore = performance.now();
  router.endConnection('CP-1', 'its security settings changed: connect again');
  assert.deepEqual(released, [], 'nothing attached to end yet');
  router.attach('CP-1', target('admitted before'), admittedBefore);
  assert.deepEqual(released, ['admitted before: its security settings changed: connect again']);

  router.attach('CP-1', target('admitted after'), performance.now());
  router.attach('CP-1', target('no admission'));
  router.attach('CP-2', target('another charge point'), admittedBefore);
  assert.equal(released.length, 1, JSON.stringify(released));

  router.endConnection('CP-1', 'again');
  assert.deepEqual(released.at(-1), 'no admission: again', 'the attached one is ended');
});
