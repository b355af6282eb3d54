// What the frame journal tells the activity feed (read by the metrics' error counts and by
// validation campaigns): an answer that could not be journaled was never sent, so it is not
// reported as sent; the InternalError that went in its place is, once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ActivityFeed, type Activity } from '../../src/domain/activity.js';
import { FrameJournal } from '../../src/domain/journal.js';
import type { Store } from '../../src/store/store.js';

const down = new Error('Connection terminated unexpectedly');

function journalOnDownStore(): { journal: FrameJournal; outgoing: string[] } {
  // The store as it is while the database is unreachable: every write fails.
  const store = {
    journalAnswer: async () => { throw down; },
    journal: async () => { throw down; },
    withFrames: async () => { throw down; },
  } as unknown as Store;
  const feed = new ActivityFeed();
  const outgoing: string[] = [];
  feed.listen((activity: Activity) => {
    if (activity.kind === 'frame' && activity.direction === 'out') outgoing.push(activity.text);
  });
  const journal = new FrameJournal(store, () => new Date('2025-03-01T10:00:00Z'), { error: () => {} }, feed);
  return { journal, outgoing };
}

test('an answer that could not be journaled is not reported as sent', async () => {
  const { journal, outgoing } = journalOnDownStore();
  const answer = '[3,"m1",{"transactionId":7,"idTagInfo":{"status":"Accepted"}}]';
  await assert.rejects(journal.answered({ chargePointId: 'CP1', protocol: 'ocpp1.6-json', bytes: answer }, {}), /terminated/);
  assert.deepEqual(outgoing, []);
  // What the charge point gets instead is sent without the journal, and reported once.
  const fallback = '[4,"m1","InternalError","The central system could not record its answer",{}]';
  journal.record({ chargePointId: 'CP1', protocol: 'ocpp1.6-json', bytes: fallback }, 'out');
  assert.deepEqual(outgoing, [fallback]);
});

test('an answer is reported as sent once it is journaled', async () => {
  const feed = new ActivityFeed();
  const seen: string[] = [];
  feed.listen((activity) => {
    if (activity.kind === 'frame') seen.push(`${activity.direction} ${activity.text}`);
  });
  let journaled = false;
  const store = { journalAnswer: async () => { journaled = true; } } as unknown as Store;
  const journal = new FrameJournal(store, () => new Date(), { error: () => {} }, feed);
  await journal.answered({ chargePointId: 'CP1', protocol: 'ocpp1.6-json', bytes: '[3,"m2",{}]' }, {});
  assert.ok(journaled);
  assert.deepEqual(seen, ['out [3,"m2",{}]']);
});
