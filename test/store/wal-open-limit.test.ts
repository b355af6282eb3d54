// store: sqlite-only. The WAL's sync opens the -wal file at the store's first sync. When that open
// failed because the process had no file descriptor left (EMFILE: a node at its open-file limit,
// 20,000 here, in a reconnection storm), it counted as a failed sync: every later batch was
// refused and rolled back until Tomada was restarted, though nothing had been lost (no sync had
// failed). Such an open must fail only the batch that asked for it; a later sync opens the file
// once descriptors are free again. A WAL file gone (sync-failed.test.ts) stays a lasting failure.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newChargePoint } from '../../src/domain/registry.js';
import { openStore } from '../../src/store/open.js';

/** Opens files until the process has no descriptor left; returns them, to be closed. */
function exhaustDescriptors(): number[] {
  const held: number[] = [];
  for (;;) {
    try {
      held.push(openSync('/dev/null', 'r'));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EMFILE') return held;
      held.forEach((fd) => closeSync(fd));
      throw error;
    }
  }
}

test('a WAL sync that cannot open the file for want of descriptors fails its batch only: once they are free, batches commit and are durable again', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tomada-wal-open-'));
  const path = join(dir, 'tomada.db');
  const store = await openStore(`sqlite:${path}`);
  try {
    const insert = (id: string) => store.transact((tx) => tx.insertChargePoint(newChargePoint(id, 'Accepted', new Date().toISOString())));
    const held = exhaustDescriptors();
    let refused: unknown;
    try {
      // The store's first sync: it must open the -wal file, and cannot.
      refused = await insert('LIMIT-1').then(() => undefined, (error: unknown) => error);
    } finally {
      held.forEach((fd) => closeSync(fd));
    }
    assert.ok(refused instanceof Error, 'the batch whose sync could not open the WAL is refused');
    assert.match(refused.message, /EMFILE/);
    assert.doesNotMatch(refused.message, /can no longer be made durable/);
    // Descriptors free again: the next batch syncs, and so makes the one before it durable too.
    await insert('LIMIT-2');
    // The readiness check's probe proves writes work again, and clears the failure.
    assert.match(String(store.writesFailing()?.message), /EMFILE/);
    await store.transact(async () => undefined);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(store.writesFailing(), undefined, 'writes recovered');
    assert.equal((await store.listEvents({ type: 'storeWritesRecovered' })).length, 1);
    assert.deepEqual((await store.listChargePoints()).map((cp) => cp.id).sort(), ['LIMIT-1', 'LIMIT-2']);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
