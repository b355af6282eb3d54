// The pages of a node's holdings (no NATS): one copy per read, whatever changes meanwhile; a copy
// gone makes its reader read again; a reader of an earlier version still pages by position.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HOLDINGS_PAGE, HoldingsPages } from '../../src/cluster/holdings-pages.js';

const entries = (from: number, to: number): [string, number][] => Array.from({ length: to - from }, (_, i) => [`CP-${from + i}`, from + i]);
const held = (list: [string, number][]) => new Map(list.map(([id, since]) => [id, { since }]));

test('the pages of one read come from the list as it was at the first page, whatever changes meanwhile', () => {
  let now = 0;
  const pages = new HoldingsPages(() => now);
  const live = held(entries(0, 2 * HOLDINGS_PAGE + 10));
  const first = pages.page({ offset: 0, copy: true }, live);
  assert.ok(first.snapshot, 'more pages follow: the copy is named');
  assert.equal(first.holdings.length, HOLDINGS_PAGE);
  // The oldest hundred leave, a hundred new ones come.
  for (const [id] of entries(0, 100)) live.delete(id);
  for (const [id, since] of entries(10_000, 10_100)) live.set(id, { since });
  now += 1_000;
  const second = pages.page({ offset: HOLDINGS_PAGE, snapshot: first.snapshot }, live);
  const third = pages.page({ offset: 2 * HOLDINGS_PAGE, snapshot: first.snapshot }, live);
  assert.deepEqual([...first.holdings, ...second.holdings, ...third.holdings], entries(0, 2 * HOLDINGS_PAGE + 10), 'every entry of the first list once');
  assert.equal(third.snapshot, first.snapshot);
  // Its last page served, the copy is dropped: asked again, it is gone.
  assert.deepEqual(pages.page({ offset: HOLDINGS_PAGE, snapshot: first.snapshot }, live), { holdings: [], total: 0 });
});

test('a copy unused for 10 s is dropped; a list of one page, or a reader asking for no copy, gets the live list by position', () => {
  let now = 0;
  const pages = new HoldingsPages(() => now);
  const live = held(entries(0, HOLDINGS_PAGE + 1));
  const first = pages.page({ offset: 0, copy: true }, live);
  now += 10_001;
  pages.sweep();
  const late = pages.page({ offset: HOLDINGS_PAGE, snapshot: first.snapshot }, live);
  assert.equal(late.snapshot, undefined, 'gone: the reply names no copy, and the reader reads again');
  assert.deepEqual(late.holdings, []);
  assert.deepEqual(pages.page({ offset: 0, copy: true }, held(entries(0, 5))), { holdings: entries(0, 5), total: 5 });
  // A reader of an earlier version: no copy asked for, none kept, pages by position.
  const older = pages.page({ offset: 0 }, live);
  assert.equal(older.snapshot, undefined);
  assert.equal(older.holdings.length, HOLDINGS_PAGE);
  assert.deepEqual(pages.page({ offset: HOLDINGS_PAGE }, live), { holdings: [[`CP-${HOLDINGS_PAGE}`, HOLDINGS_PAGE]], total: HOLDINGS_PAGE + 1 });
});
