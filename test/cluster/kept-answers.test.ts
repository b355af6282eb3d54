// The answers a node keeps for other nodes' requests (src/cluster/kept-answers.ts): bounded by count
// and bytes, the oldest forgotten first, a forgotten one's id remembered until its keep time ends
// (so its request is never worked out again), an answer being worked out shared by its repeats.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KeptAnswers } from '../../src/cluster/kept-answers.js';

const bytes = (n: number) => new Uint8Array(n);

/** Gives answer `id` of `size` bytes and waits until it is kept. */
async function give(kept: KeptAnswers, id: string, size = 10, keptMs = 60_000): Promise<void> {
  await kept.work(id, keptMs, async () => bytes(size));
  await Promise.resolve();
}

test('past the count, the oldest answers are forgotten, and known as forgotten', async () => {
  const kept = new KeptAnswers({ maxCount: 2, maxBytes: 1_000_000 });
  await give(kept, 'a');
  await give(kept, 'b');
  await give(kept, 'c');
  assert.deepEqual(kept.size, { count: 2, bytes: 2 * 11 });
  assert.equal(kept.get('a'), 'forgotten');
  assert.equal((await (kept.get('b') as Promise<Uint8Array>)).byteLength, 10);
  assert.equal((await (kept.get('c') as Promise<Uint8Array>)).byteLength, 10);
  assert.equal(kept.get('never'), undefined);
});

test('past the bytes, the oldest answers are forgotten; one larger than the limit alone is not kept', async () => {
  const kept = new KeptAnswers({ maxCount: 100, maxBytes: 250 });
  await give(kept, 'a', 100);
  await give(kept, 'b', 100);
  await give(kept, 'c', 100);
  assert.equal(kept.get('a'), 'forgotten');
  assert.deepEqual(kept.size, { count: 2, bytes: 202 });
  await give(kept, 'huge', 1_000);
  assert.equal(kept.get('huge'), 'forgotten');
  assert.deepEqual(kept.size, { count: 2, bytes: 202 }, 'the others stay');
});

test('an answer is kept, and a forgotten id remembered, until its keep time ends', async () => {
  let now = 1_000_000;
  const kept = new KeptAnswers({ maxCount: 1, maxBytes: 1_000_000 }, () => now);
  await give(kept, 'a', 10, 5_000);
  await give(kept, 'b', 10, 60_000);
  assert.equal(kept.get('a'), 'forgotten');
  now += 5_001;
  kept.sweep();
  assert.equal(kept.get('a'), undefined, 'past its keep time: its asker waits no longer');
  assert.notEqual(kept.get('b'), undefined);
  now += 60_000;
  kept.sweep();
  assert.equal(kept.get('b'), undefined);
  assert.deepEqual(kept.size, { count: 0, bytes: 0 });
});

test('an answer being worked out is shared, and a failed one is not kept', async () => {
  const kept = new KeptAnswers({ maxCount: 1, maxBytes: 1_000_000 });
  let finish: (data: Uint8Array) => void = () => undefined;
  const answer = kept.work('a', 60_000, () => new Promise((resolve) => (finish = resolve)));
  await give(kept, 'b');
  assert.equal(kept.get('a'), answer, 'a repeat while it is worked out gets the same promise');
  finish(bytes(3));
  await answer;
  await Promise.resolve();
  assert.equal(kept.get('b'), 'forgotten', 'the one given longest ago goes');
  await kept.work('c', 60_000, () => Promise.reject(new Error('no'))).catch(() => undefined);
  await Promise.resolve();
  assert.equal(kept.get('c'), undefined);
});
