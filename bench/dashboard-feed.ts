// What an open dashboard costs the charge points of a national network: a node on SQLite with
// 13,000 registered charge points (two connectors each), one of them connected and sending a
// Heartbeat due every 20 ms, measured in turns with no dashboard, with the live feed reading the whole
// network at every interval (as it did before 2026-12-05), and with the feed as it is (the charge
// points that acted, and the whole network paced by its cost: src/api/live-feed.ts).
//
//   node --import tsx bench/dashboard-feed.ts [--charge-points 13000] [--seconds 30] [--rounds 1]
//
// Each turn reports the Heartbeats' round trips (p50, p99, max) and the event loop's utilisation,
// first while the dashboard opens (its first listener is sent the whole state), then steady. On
// SQLite a read holds the event loop, so what the feed reads, every charge point waits for. The
// Heartbeat's client runs in the node's process: its round trip is what the loop let through.
// Bounded: every turn stops after its seconds.
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { LiveFeed, type FeedOptions } from '../src/api/live-feed.js';
import { TestClient } from '../test/support/ocpp-client.js';
import { startSqliteTestTomada, type TestTomada } from '../test/support/tomada.js';
import { registerNetwork } from './lib/network.js';
import { printTable, saveResult } from './lib/report.js';

const { values } = parseArgs({
  options: {
    'charge-points': { type: 'string', default: '13000' },
    seconds: { type: 'string', default: '30' },
    rounds: { type: 'string', default: '1' },
  },
});
const count = Number(values['charge-points']);
const seconds = Number(values.seconds);
const rounds = Number(values.rounds);

interface Window {
  heartbeats: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  eventLoopPercent: number;
}

/**
 * A Heartbeat due every 20 ms for `ms` (or until `until` resolves), each timed from when it was
 * due, not from when it could be sent: a Heartbeat that fell due while the loop was held counts
 * the wait (a closed loop would send one call through a long hold, and hide it).
 */
async function heartbeats(client: TestClient, ms: number, until?: Promise<unknown>): Promise<Window> {
  let over = false;
  void until?.then(() => (over = true));
  const times: number[] = [];
  const answers: Promise<void>[] = [];
  const before = performance.eventLoopUtilization();
  const start = performance.now();
  for (let i = 0; !over; i++) {
    const due = start + i * 20;
    if (due - start > ms) break;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    answers.push(client.call('Heartbeat', {}).then(() => void times.push(performance.now() - due)));
  }
  await Promise.all(answers);
  const loop = performance.eventLoopUtilization(before);
  times.sort((a, b) => a - b);
  const at = (q: number) => Math.round(times[Math.min(times.length - 1, Math.floor(times.length * q))]! * 10) / 10;
  return { heartbeats: times.length, p50Ms: at(0.5), p99Ms: at(0.99), maxMs: at(1), eventLoopPercent: Math.round(loop.utilization * 100) };
}

const FEEDS: Record<string, Partial<FeedOptions> | undefined> = {
  'no dashboard': undefined,
  'whole network every interval (before)': { pageSize: Number.MAX_SAFE_INTEGER, fullReadSpacing: 0 },
  'acted + paced full reads (now)': {},
};

const t = await startSqliteTestTomada({ unknownChargePoints: 'accept' });
const results: { feed: string; round: number; opening?: Window & { openMs: number }; steady: Window }[] = [];
try {
  registerNetwork(t.dbPath, count);
  const client = await TestClient.connect(t.wsUrl, 'NET00000');
  await client.call('BootNotification', { chargePointVendor: 'Vendor0', chargePointModel: 'Model0' });
  for (let round = 1; round <= rounds; round++) {
    for (const [name, options] of Object.entries(FEEDS)) {
      if (!options) {
        results.push({ feed: name, round, steady: await heartbeats(client, seconds * 1000) });
        continue;
      }
      const feed = new LiveFeed(t.domain, options);
      let sent = 0;
      // The stream's work per message short of the socket: its event's text (counted, not written).
      const listener = { visible: () => true, send: (_message: unknown, json: string) => void (sent += `event: x\ndata: ${json}\n\n`.length) };
      const started = performance.now();
      const subscribed = feed.subscribe(listener);
      const opening = await heartbeats(client, 60_000, subscribed);
      const remove = await subscribed;
      const openMs = Math.round(performance.now() - started);
      const steady = await heartbeats(client, seconds * 1000);
      remove();
      // A read the feed had started goes on after its last listener left: it is not the next turn's.
      await sleep(3000);
      results.push({ feed: name, round, opening: { ...opening, openMs }, steady });
      console.log(`${name}: opened in ${openMs} ms, ${(sent / 1e6).toFixed(1)} MB sent in all`);
    }
  }
  await client.close();
} finally {
  await t.close();
}

printTable(
  `live feed, ${count} charge points on SQLite, ${seconds} s steady per turn`,
  results.map((r) => ({
    feed: r.feed,
    round: r.round,
    'open ms': r.opening?.openMs ?? '',
    'opening p99 / max ms': r.opening ? `${r.opening.p99Ms} / ${r.opening.maxMs}` : '',
    'steady p50 / p99 / max ms': `${r.steady.p50Ms} / ${r.steady.p99Ms} / ${r.steady.maxMs}`,
    'event loop %': r.steady.eventLoopPercent,
    heartbeats: r.steady.heartbeats,
  })),
);
saveResult('dashboard-feed', { chargePoints: count, seconds, rounds, results });
