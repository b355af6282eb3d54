// A small run of the bench's kill scenario (npm run bench -- kill does 10 cycles): charge points
// run sessions, resending each message until it is acknowledged, while the server is killed with
// SIGKILL at random moments and restarted on the same database. Every acknowledged start, meter
// value and stop must then be stored exactly once, and nothing resent may be stored twice. On the
// store under test: a SQLite file, or a fresh PostgreSQL schema every restart comes back to.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { killCycles } from '../../bench/scenarios/kill.js';
import { tomadaArgs } from '../support/cli-entry.js';
import { testPostgresUrl, testStoreKind } from '../support/database.js';

test('SIGKILL under load, 2 cycles: every acknowledged message stored exactly once', async () => {
  const postgres = testStoreKind === 'postgres' ? testPostgresUrl : undefined;
  const result = await killCycles({ cycles: 2, chargePoints: 8, minRunMs: 1500, maxRunMs: 3000, command: tomadaArgs(), quiet: true, postgres });
  assert.equal(result.store, testStoreKind);
  // The load really ran across the kills: sessions were acknowledged before and after them.
  assert.ok(result.acked.start > 2 && result.acked.meter > 2 && result.acked.stop > 0, JSON.stringify(result.acked));
  assert.ok(result.reconnects > 8, 'the charge points reconnected after the kills');
  assert.deepEqual({ lost: result.lost, doubled: result.doubled, problems: result.problems }, { lost: 0, doubled: 0, problems: [] });
});
