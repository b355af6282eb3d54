// The same software validated by two nodes at once, on one PostgreSQL database: two campaigns of
// charge points of one model ending together, or an administrator's approval sent twice through a
// load balancer. Each node looked for the software, found none, and inserted it; the second insert
// waited for the first's commit and then broke the registry's unique index, so that node's
// campaign end (or approval) failed, where on SQLite, one writer at a time, the second found the
// first's entry. Now the second gets the first's entry, and one softwareApproved event is raised.
// store: postgres-only (SQLite has one writer: two nodes on one file take turns).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SoftwareIdentity } from '../../src/domain/model.js';
import { openPostgresStore } from '../../src/store/postgres.js';
import { SoftwareRegistry } from '../../src/validation/software.js';
import { adminQuery, createTestSchema, needsPostgres } from '../support/database.js';

/** Whether an insert into the registry waits on another transaction's lock. */
async function waitingInsert(): Promise<boolean> {
  const { rows } = await adminQuery(`select 1 from pg_stat_activity where wait_event_type = 'Lock' and query like 'insert into "validated_software"%'`);
  return rows.length > 0;
}

const IDENTITY: SoftwareIdentity = { vendor: 'Acme', model: 'DC-50', firmwareVersion: '2.4.1', ocppVersion: '1.6', transport: 'json' };

test('the same software approved on two nodes at once: one entry, both answered with it', async (t) => {
  const skip = await needsPostgres();
  if (skip.skip) return t.skip(skip.skip);
  const schema = await createTestSchema();
  const a = await openPostgresStore(schema.url, { poolSize: 2 });
  const b = await openPostgresStore(schema.url, { poolSize: 2 });
  try {
    const onA = new SoftwareRegistry(a);
    const onB = new SoftwareRegistry(b);
    // Node A's approval inserted and not yet committed when node B's runs.
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    let inserted = () => {};
    const reached = new Promise<void>((resolve) => (inserted = resolve));
    const first = a.transact(async (tx) => {
      const entry = await onA.recordPassedIn(tx, IDENTITY, 'val-a');
      inserted();
      await held;
      return entry;
    });
    await reached;
    const second = b.transact((tx) => onB.recordPassedIn(tx, IDENTITY, 'val-b'));
    // B's insert waits on A's uncommitted entry: seen waiting (or after a bounded wait), A commits.
    for (let i = 0; i < 100 && !(await waitingInsert()); i++) await new Promise((resolve) => setTimeout(resolve, 20));
    release();
    const [byA, byB] = await Promise.allSettled([first, second]);
    assert.equal(byA.status, 'fulfilled');
    assert.equal(byB.status, 'fulfilled', byB.status === 'rejected' ? String(byB.reason) : '');
    assert.equal(byB.status === 'fulfilled' && byA.status === 'fulfilled' && byB.value.id, byA.status === 'fulfilled' && byA.value.id, "B answers with A's entry");

    const listed = await a.listValidatedSoftware();
    assert.deepEqual(listed.map((s) => s.validationId), ['val-a']);
    const approved = await a.listEvents({ type: 'softwareApproved', limit: 10 });
    assert.equal(approved.length, 1, 'one event for one entry');
  } finally {
    await a.close();
    await b.close();
    await schema.drop();
  }
});
