// store: sqlite-only. Once a sync of the WAL has failed, no batch commits: what is refused is not
// stored. The sync fails for real here: the -wal file is removed before the store's first sync
// opens it (a file system gone, as far as the sync can tell). The batch whose sync failed was
// committed already (COMMIT comes before the sync, on every store), but every later one must be
// rolled back: committed, a call answered InternalError was stored all the same (and stored
// again at each resend of a message that is no resend to the store, a DataTransfer), an operator
// told 500 found the change made, and each readiness check's probe left a `storeWritesRecovered`
// event, saying writes had recovered while they had not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newChargePoint } from '../../src/domain/registry.js';
import { openStore } from '../../src/store/open.js';
import { PART_OF_CALL } from '../../src/store/store.js';

const NOT_DURABLE = /Commits can no longer be made durable/;

const frame = (direction: 'in' | 'out', text: string) => ({ at: new Date().toISOString(), chargePointId: 'SYNC-1', direction, protocol: 'ocpp1.6-json', frame: Buffer.from(text) });

test('after a failed sync, every batch is refused and rolled back: no call, no write of the API, no probe of /ready is stored', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tomada-sync-'));
  const path = join(dir, 'tomada.db');
  const store = await openStore(`sqlite:${path}`);
  try {
    unlinkSync(`${path}-wal`);
    const insert = (id: string) => store.transact((tx) => tx.insertChargePoint(newChargePoint(id, 'Accepted', new Date().toISOString())));
    // Committed before its sync failed: refused, and stored (the window between COMMIT and the disk's word).
    await assert.rejects(insert('SYNC-1'), NOT_DURABLE);
    // Every later batch is refused, and rolled back.
    await assert.rejects(insert('SYNC-2'), NOT_DURABLE);
    // A charge point's call: its unit settles before the commit, and its answer fails.
    const call = {};
    const reported = new Date().toISOString();
    await store.withFrames([frame('in', 'status')], call, () =>
      store.transact((tx) => tx.recordStatus('SYNC-1', { connectorId: 1, status: 'Faulted', errorCode: 'GroundFailure', timestamp: reported }, reported, '9999-12-31T23:59:59.999Z'), 'SYNC-1', PART_OF_CALL),
    );
    await assert.rejects(store.journalAnswer([frame('out', 'answer')], call), NOT_DURABLE);
    // Three readiness checks: each starts a probe write while none runs.
    for (let i = 0; i < 3; i++) {
      assert.match(String(store.writesFailing()?.message), NOT_DURABLE);
      // Queued behind the probe: settled, the probe's batch has settled too.
      await store.transact(async () => undefined).catch(() => undefined);
      await new Promise((resolve) => setImmediate(resolve));
    }
    assert.match(String(store.writesFailing()?.message), NOT_DURABLE, 'writes still fail');

    assert.deepEqual((await store.listChargePoints()).map((cp) => cp.id), ['SYNC-1'], 'nothing refused after the failure was stored');
    assert.deepEqual(await store.statusHistory('SYNC-1', { limit: 10 }), [], 'the refused status is not in the history');
    assert.deepEqual((await store.listJournal({ limit: 10 })).map((row) => row.frame.toString()), [], 'nor its frames in the journal');
    assert.deepEqual(await store.listEvents({ type: 'storeWritesRecovered' }), [], 'no probe says writes recovered');
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
