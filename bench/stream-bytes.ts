// What a dashboard downloads when it opens on a national network: the live stream's first state
// (every charge point, then `ready`) on a node on SQLite with 13,000 registered charge points (two
// connectors each), read plain and gzip in turns over real HTTP, each until its `ready` event.
//
//   node --import tsx bench/stream-bytes.ts [--charge-points 13000] [--rounds 3]
//
// Reports the bytes on the wire, the bytes of events they carry, the time from the request to
// `ready`, and the main thread's busy time and the process's CPU meanwhile (the node and this
// client share the process: the client's part is the same in both but for gunzip), per encoding,
// medians over the rounds.
import { request as httpRequest } from 'node:http';
import { parseArgs } from 'node:util';
import { createGunzip } from 'node:zlib';
import { ADMIN_TOKEN, startSqliteTestTomada } from '../test/support/tomada.js';
import { registerNetwork } from './lib/network.js';
import { printTable, saveResult } from './lib/report.js';

const { values } = parseArgs({
  options: {
    'charge-points': { type: 'string', default: '13000' },
    rounds: { type: 'string', default: '3' },
  },
});
const count = Number(values['charge-points']);
const rounds = Number(values.rounds);

interface Reading {
  wireBytes: number;
  eventBytes: number;
  chargePoints: number;
  readyMs: number;
  mainThreadBusyMs: number;
  cpuMs: number;
}

/** Opens the stream, reads until `ready`, then closes it. */
function readFirstState(url: string, gzip: boolean): Promise<Reading> {
  const started = performance.now();
  const loop = performance.eventLoopUtilization();
  const cpu = process.cpuUsage();
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(gzip ? { 'accept-encoding': 'gzip' } : {}) } }, (res) => {
      let wireBytes = 0;
      res.on('data', (chunk: Buffer) => (wireBytes += chunk.length));
      const body = res.headers['content-encoding'] === 'gzip' ? res.pipe(createGunzip()) : res;
      // Events are counted as whole blocks arrive; the text is never kept whole (appending to and
      // searching 11 MB for every chunk would time this client, not the node).
      let eventBytes = 0;
      let chargePoints = 0;
      let pending = '';
      body.setEncoding('utf8');
      body.on('data', (chunk: string) => {
        eventBytes += Buffer.byteLength(chunk);
        const blocks = (pending + chunk).split('\n\n');
        pending = blocks.pop()!;
        for (const block of blocks) {
          if (block.startsWith('event: chargePoint\n')) chargePoints++;
          if (!block.startsWith('event: ready\n')) continue;
          const { user, system } = process.cpuUsage(cpu);
          const mainThreadBusyMs = performance.eventLoopUtilization(loop).active;
          resolve({ wireBytes, eventBytes, chargePoints, readyMs: performance.now() - started, mainThreadBusyMs, cpuMs: (user + system) / 1000 });
          req.destroy();
          return;
        }
      });
      body.on('error', () => undefined);
    });
    req.on('error', (error) => (error.message.includes('socket hang up') ? undefined : reject(error)));
    req.end();
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const t = await startSqliteTestTomada();
try {
  registerNetwork(t.dbPath, count);
  const readings: Record<'plain' | 'gzip', Reading[]> = { plain: [], gzip: [] };
  for (let round = 0; round < rounds; round++) {
    // Alternating which goes first, so neither always meets a warmer node.
    for (const mode of round % 2 === 0 ? (['plain', 'gzip'] as const) : (['gzip', 'plain'] as const)) {
      const reading = await readFirstState(`${t.httpUrl}/api/v1/stream`, mode === 'gzip');
      if (reading.chargePoints !== count) throw new Error(`${mode}: ${reading.chargePoints} charge points before ready, expected ${count}`);
      readings[mode].push(reading);
    }
  }
  const rows = (['plain', 'gzip'] as const).map((mode) => ({
    encoding: mode,
    'MB on the wire': (median(readings[mode].map((r) => r.wireBytes)) / 1e6).toFixed(2),
    'MB of events': (median(readings[mode].map((r) => r.eventBytes)) / 1e6).toFixed(2),
    'ms to ready': median(readings[mode].map((r) => r.readyMs)).toFixed(0),
    'main thread busy ms': median(readings[mode].map((r) => r.mainThreadBusyMs)).toFixed(0),
    'CPU ms': median(readings[mode].map((r) => r.cpuMs)).toFixed(0),
  }));
  printTable(`the live stream's first state, ${count} charge points, median of ${rounds}`, rows);
  saveResult('stream-bytes', { chargePoints: count, rounds, readings });
} finally {
  await t.close();
}
