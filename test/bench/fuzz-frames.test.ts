// The fuzz scenario's frames come from the run's seed: a run that found something is made again
// with the seed it printed (`npm run bench -- fuzz --seed N`), and a test can count on the frames
// a seed gives (test/bench/fuzz-worker.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { frameSource, type FuzzFrame } from '../../bench/fuzz/frames.js';

const FRAMES = 400;

function frames(seed: number): string[] {
  const next = frameSource({ protocol: 'ocpp1.6', seed, perAction: 3 });
  const show = (frame: FuzzFrame) => JSON.stringify({ ...frame, data: Buffer.isBuffer(frame.data) ? frame.data.toString('base64') : frame.data });
  return Array.from({ length: FRAMES }, () => show(next()));
}

test('one seed makes the same frames, another seed others', () => {
  const first = frames(4);
  assert.deepEqual(frames(4), first, 'the same seed, the same frames in the same order');
  const other = frames(5);
  assert.ok(other.filter((frame, i) => frame !== first[i]).length > FRAMES / 2, 'another seed makes mostly other frames');
  // Every kind is among them, so the sameness covers the choices of kind, pool and mutation.
  const kinds = new Set(first.map((frame) => (JSON.parse(frame) as FuzzFrame).kind));
  assert.deepEqual([...kinds].sort(), ['binary', 'framing', 'invalid', 'stray-answer', 'valid']);
});
