// What it would cost to hand every call to another thread and its answer back: the price of the
// one redesign that could use the core Tomada's closed loop leaves idle (a database thread holding
// the domain and the store, the sockets, framing and validation on the main thread; see
// docs/PERFORMANCE.md, "Why the throughput and latency targets are missed").
//
//   node --import tsx bench/thread-hop.ts [--round-trips 200000] [--in-flight 100]
//
// The main thread posts a decoded MeterValues call of the bench's shape (its frame text and its
// payload) to a worker thread, which posts back an answer frame; `--in-flight` calls are kept
// outstanding, as the closed loop's charge points keep theirs. It prints the round trips per
// second and the CPU of both threads together per round trip. Bounded: it stops after the round
// trips asked for.
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';

interface HopCall {
  chargePointId: string;
  uniqueId: string;
  action: string;
  frame: string;
  payload: unknown;
}

function meterValuesCall(n: number): HopCall {
  const sampledValue = [
    { value: String(120_000 + n), measurand: 'Energy.Active.Import.Register', unit: 'Wh', context: 'Sample.Periodic' },
    { value: '11000', measurand: 'Power.Active.Import', unit: 'W', context: 'Sample.Periodic' },
    ...['L1', 'L2', 'L3'].map((phase) => ({ value: '16.0', measurand: 'Current.Import', unit: 'A', phase, context: 'Sample.Periodic' })),
    { value: '230.0', measurand: 'Voltage', unit: 'V', context: 'Sample.Periodic' },
  ];
  const payload = { connectorId: 1, transactionId: 42, meterValue: [{ timestamp: new Date(1_765_000_000_000 + n).toISOString(), sampledValue }] };
  const uniqueId = String(n);
  return { chargePointId: 'BENCH-0001', uniqueId, action: 'MeterValues', frame: JSON.stringify([2, uniqueId, 'MeterValues', payload]), payload };
}

// The worker answers each call with its CALLRESULT frame. Plain JavaScript: a worker thread does
// not get tsx's loader on Node 20.
const WORKER = `
const { parentPort } = require('node:worker_threads');
parentPort.on('message', (call) => parentPort.postMessage({ uniqueId: call.uniqueId, frame: JSON.stringify([3, call.uniqueId, {}]) }));
`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { 'round-trips': { type: 'string', default: '200000' }, 'in-flight': { type: 'string', default: '100' } },
  });
  const total = Number(values['round-trips']);
  const inFlight = Number(values['in-flight']);
  if (!Number.isInteger(total) || total < 1 || !Number.isInteger(inFlight) || inFlight < 1) {
    throw new Error('--round-trips and --in-flight must be positive integers');
  }
  const calls = Array.from({ length: 1_000 }, (_, n) => meterValuesCall(n));
  const worker = new Worker(WORKER, { eval: true });
  let sent = 0;
  let answered = 0;
  const started = process.hrtime.bigint();
  const cpuBefore = process.cpuUsage();
  await new Promise<void>((done, fail) => {
    worker.on('error', fail);
    worker.on('message', () => {
      answered++;
      if (sent < total) worker.postMessage(calls[sent++ % calls.length]);
      if (answered === total) done();
    });
    while (sent < Math.min(inFlight, total)) worker.postMessage(calls[sent++ % calls.length]);
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const cpu = process.cpuUsage(cpuBefore);
  await worker.terminate();
  const cpuUs = (cpu.user + cpu.system) / total;
  console.log(
    `${total} round trips, ${inFlight} in flight: ${Math.round(total / seconds)} per second; ` +
      `${cpuUs.toFixed(1)} µs of CPU per round trip, both threads together`,
  );
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
