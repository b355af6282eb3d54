// What `tomada journal verify` costs (time, heap) on a synthetic journal, two versions of it in
// turns (docs/JOURNAL.md). Run from the repository's root once the code is compiled into
// .build/main/ (node scripts/run-tests.mjs does it):
//   node bench/verify-cost.mjs generate DB SESSIONS   a SQLite file filled through a real Tomada node
//        over OCPP 1.6 JSON, 50 charge points at once: Start, 3 MeterValues of 6 samples, Stop
//   node bench/verify-cost.mjs compare DB ROUNDS A.js B.js   each compiled verify-journal.js in turn,
//        ROUNDS times, every run in a fresh process (A.js: e.g. a copy of the code before, compiled
//        beside it so that its imports resolve)
//   (node --expose-gc bench/verify-cost.mjs run DB MODULE.js: one run, as compare starts it)
import { createRequire } from 'node:module';
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import v8 from 'node:v8';
const BUILD = resolve('.build/main/src');
const require = createRequire(resolve('package.json'));
const [mode, db, arg, ...modules] = process.argv.slice(2);

if (mode === 'generate') {
  const WebSocket = require('ws');
  const { startTomada } = await import(`${BUILD}/app.js`);
  const { loadConfig } = await import(`${BUILD}/config.js`);
  const { createLogger } = await import(`${BUILD}/log.js`);
  const sessions = Number(arg);
  const config = { ...loadConfig({}), host: '127.0.0.1', ocppPort: 0, httpPort: 0, databaseUrl: `sqlite:${db}`, unknownChargePoints: 'accept', adminToken: 'bench-admin-token-0123456789' };
  const t = await startTomada(config, createLogger('silent'));
  await t.domain.idTags.put({ idTag: 'B1', status: 'Accepted', expiryDate: null, parentIdTag: null });
  const CHARGE_POINTS = 50;
  const chargePoint = async (n) => {
    const ws = new WebSocket(`ws://127.0.0.1:${t.ocppPort}/ocpp/BENCH-${n}`, ['ocpp1.6']);
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    let id = 0;
    const waiting = new Map();
    ws.on('message', (data) => {
      const frame = JSON.parse(data.toString());
      waiting.get(frame[1])?.(frame);
    });
    const call = (action, payload) =>
      new Promise((resolve, reject) => {
        const messageId = String(++id);
        waiting.set(messageId, (frame) => (frame[0] === 3 ? resolve(frame[2]) : reject(new Error(JSON.stringify(frame)))));
        ws.send(JSON.stringify([2, messageId, action, payload]));
      });
    await call('BootNotification', { chargePointVendor: 'V', chargePointModel: 'M' });
    for (let s = n; s < sessions; s += CHARGE_POINTS) {
      const t0 = Date.UTC(2025, 0, 1) + s * 60_000;
      const at = (minutes) => new Date(t0 + minutes * 60_000).toISOString();
      const meterStart = s * 100;
      const { transactionId } = await call('StartTransaction', { connectorId: 1, idTag: 'B1', meterStart, timestamp: at(0) });
      for (let k = 1; k <= 3; k++) {
        const sampledValue = [
          { value: String(meterStart + k * 1000), measurand: 'Energy.Active.Import.Register', unit: 'Wh' },
          { value: '11000', measurand: 'Power.Active.Import', unit: 'W' },
          { value: '16.0', measurand: 'Current.Import', unit: 'A', phase: 'L1' },
          { value: '230.1', measurand: 'Voltage', unit: 'V', phase: 'L1-N' },
          { value: String(20 + k), measurand: 'SoC', unit: 'Percent', location: 'EV' },
          { value: '31.5', measurand: 'Temperature', unit: 'Celsius', location: 'Body' },
        ];
        await call('MeterValues', { connectorId: 1, transactionId, meterValue: [{ timestamp: at(k * 10), sampledValue }] });
      }
      await call('StopTransaction', { transactionId, meterStop: meterStart + 3500, timestamp: at(40) });
    }
    ws.close();
  };
  const started = Date.now();
  await Promise.all(Array.from({ length: CHARGE_POINTS }, (_, n) => chargePoint(n)));
  await t.stop();
  console.log(`${sessions} sessions in ${(Date.now() - started) / 1000} s into ${db}`);
} else if (mode === 'run') {
  const { openSqliteStore } = await import(`${BUILD}/store/sqlite.js`);
  const { verifyJournal } = await import(resolve(arg));
  const store = await openSqliteStore(db);
  // The heap after every store call verify makes: its peak, less the heap before the run.
  let peak = 0;
  // And what is live: the heap after a full collection, every 2,000th store call.
  let live = 0;
  let calls = 0;
  const sampled = new Proxy(store, {
    get(target, name) {
      const value = Reflect.get(target, name);
      if (typeof value !== 'function') return value;
      return (...args) => {
        peak = Math.max(peak, v8.getHeapStatistics().used_heap_size);
        if (++calls % 2000 === 0) {
          globalThis.gc();
          live = Math.max(live, v8.getHeapStatistics().used_heap_size);
        }
        return value.apply(target, args);
      };
    },
  });
  globalThis.gc();
  const base = v8.getHeapStatistics().used_heap_size;
  const started = process.hrtime.bigint();
  const report = await verifyJournal(sampled);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  peak = Math.max(peak, v8.getHeapStatistics().used_heap_size);
  await store.close();
  console.log(JSON.stringify({ module: arg, seconds, peakMiB: (peak - base) / 2 ** 20, liveMiB: (live - base) / 2 ** 20, rows: report.rowsChecked, transactions: report.transactionsChecked, mismatches: report.mismatches.length }));
} else if (mode === 'compare') {
  const results = Object.fromEntries(modules.map((module) => [module, []]));
  for (let round = 0; round < Number(arg); round++) {
    for (const module of modules) {
      const child = spawnSync(process.execPath, ['--expose-gc', process.argv[1], 'run', db, module], { encoding: 'utf8' });
      if (child.status !== 0) throw new Error(child.stderr);
      const result = JSON.parse(child.stdout.trim().split('\n').at(-1));
      console.log(JSON.stringify(result));
      results[module].push(result);
    }
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  for (const module of modules) {
    const rs = results[module];
    console.log(`${module}: median ${median(rs.map((r) => r.seconds)).toFixed(2)} s, peak heap ${median(rs.map((r) => r.peakMiB)).toFixed(1)} MiB over the run's start (${rs.map((r) => r.peakMiB.toFixed(0)).join(', ')}), live at most ${median(rs.map((r) => r.liveMiB)).toFixed(1)} MiB (${rs.map((r) => r.seconds.toFixed(2)).join(', ')} s)`);
  }
}
