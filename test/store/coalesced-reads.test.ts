// Reads asked for in the same turn share one read of all their keys; each asker gets its own key's
// value (or undefined), a failed read fails each of them, and the next turn reads again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CoalescedReads } from '../../src/store/coalesced-reads.js';

function recording(values: Record<string, number>) {
  const reads: string[][] = [];
  const reader = new CoalescedReads<number>(async (keys) => {
    reads.push(keys);
    return new Map(keys.filter((key) => key in values).map((key) => [key, values[key]!]));
  });
  return { reads, reader };
}

test('reads of one turn are one read of their distinct keys, each answered with its own value', async () => {
  const { reads, reader } = recording({ a: 1, b: 2, c: 3 });
  const settled: string[] = [];
  const answers = await Promise.all(['a', 'b', 'a', 'missing', 'c'].map((key, i) => reader.get(key).finally(() => settled.push(`${i}:${key}`))));
  assert.deepEqual(answers, [1, 2, 1, undefined, 3]);
  assert.deepEqual(reads, [['a', 'b', 'missing', 'c']]);
  // Answered in the order asked, a repeated key in its own place, as one connection's reads were.
  assert.deepEqual(settled, ['0:a', '1:b', '2:a', '3:missing', '4:c']);

  // The next turn is a read of its own.
  assert.equal(await reader.get('b'), 2);
  assert.deepEqual(reads, [['a', 'b', 'missing', 'c'], ['b']]);
});

test('a read that fails fails every asker of its turn, and the next turn reads again', async () => {
  let fail = true;
  const reader = new CoalescedReads<string>(async (keys) => {
    if (fail) throw new Error('database gone');
    return new Map(keys.map((key) => [key, key.toUpperCase()]));
  });
  const results = await Promise.allSettled([reader.get('x'), reader.get('y')]);
  assert.deepEqual(results.map((r) => r.status), ['rejected', 'rejected']);
  assert.match(String((results[0] as PromiseRejectedResult).reason), /database gone/);
  fail = false;
  assert.equal(await reader.get('x'), 'X');
});

test('a read that throws before it starts fails its askers too', async () => {
  const reader = new CoalescedReads<string>(() => {
    throw new Error('no connection');
  });
  await assert.rejects(reader.get('x'), /no connection/);
});

test('a key asked for while a read runs waits for it and goes in the next read: answers keep the order they were asked in', async () => {
  const reads: string[][] = [];
  let finishFirst!: () => void;
  const firstDone = new Promise<void>((resolve) => (finishFirst = resolve));
  const reader = new CoalescedReads<string>(async (keys) => {
    reads.push(keys);
    // The first read is slow; a later one would be quick (another connection of a pool).
    if (reads.length === 1) await firstDone;
    return new Map(keys.map((key) => [key, key]));
  });
  const order: string[] = [];
  const first = reader.get('first').then((v) => order.push(v!));
  await new Promise((resolve) => setImmediate(resolve)); // the first read has started
  const second = reader.get('second').then((v) => order.push(v!));
  const third = reader.get('third').then((v) => order.push(v!));
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.deepEqual(reads, [['first']], 'nothing else is read while the first read runs');
  finishFirst();
  await Promise.all([first, second, third]);
  assert.deepEqual(order, ['first', 'second', 'third']);
  assert.deepEqual(reads, [['first'], ['second', 'third']]);
});
