// The charge points of the kill scenario: each runs charging sessions and resends every message
// until it is acknowledged — through connection losses and server restarts, with exactly the same
// payload, as a real charger does — and remembers every acknowledgement it got, to be checked
// against the database afterwards.
import { BenchClient } from '../lib/bench-client.js';
import { ChargePointScript } from '../lib/charge-point-script.js';

export interface KillWorkerConfig {
  url: string;
  ids: string[];
  /** A call not answered in this time is given up as unanswered, its connection dropped, and resent (default 10 s). */
  answerTimeoutMs?: number;
}

/** One acknowledged message, with what the database must then hold exactly once. */
export type Acked =
  | { kind: 'start'; chargePointId: string; timestamp: string; meterStart: number; idTag: string; transactionId: number }
  | { kind: 'meter'; chargePointId: string; transactionId: number; timestamp: string; value: string }
  | { kind: 'stop'; chargePointId: string; transactionId: number; timestamp: string; meterStop: number };

/** unanswered: calls given up after answerTimeoutMs on a connection the server kept open (a call it dropped). */
export type KillWorkerReport = { type: 'acked'; acked: Acked[]; resends: number; reconnects: number; unanswered: number };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
let stopping = false;
const acked: Acked[] = [];
let resends = 0;
let reconnects = 0;
let unanswered = 0;

async function chargePoint(url: string, id: string, answerTimeoutMs: number): Promise<void> {
  let client: BenchClient | undefined;
  /**
   * One call, given up after answerTimeoutMs: a server that keeps the connection but never answers
   * would otherwise hold this charge point, and the bench's end, forever. The connection is then
   * dropped, so that no late answer meets the resend, which goes on a new one.
   */
  const call = async (action: string, payload: string) => {
    const answer = await client!.call(action, payload, answerTimeoutMs);
    if (answer.errorCode === 'Timeout') {
      unanswered++;
      client!.terminate();
      client = undefined;
    }
    return answer;
  };
  /** Sends until acknowledged (reconnecting and booting as needed); undefined once stopping. */
  const deliver = async (action: string, payload: string): Promise<Record<string, unknown> | undefined> => {
    for (let attempt = 0; !stopping; attempt++) {
      if (attempt > 0) resends++;
      try {
        if (!client || client.closedNow) {
          client = await BenchClient.connect(url, id, { timeoutMs: 5000 });
          reconnects++;
          const boot = await call('BootNotification', ChargePointScript.boot());
          if (!boot.ok) throw new Error('boot refused');
        }
        const answer = await call(action, payload);
        if (answer.ok) return answer.payload;
      } catch {
        // the server is down: try again shortly
      }
      await sleep(100 + Math.random() * 200);
    }
    return undefined;
  };

  const idTag = `K-${id}`.slice(0, 20);
  let meterWh = 1000;
  let clock = Date.parse('2025-01-01T00:00:00Z') + Math.floor(Math.random() * 1e9);
  // Every message has its own time (a second apart), so each is unique and identifiable.
  const tick = () => new Date((clock += 1000)).toISOString();
  while (!stopping) {
    const startedAt = tick();
    const meterStart = meterWh;
    const started = await deliver('StartTransaction', `{"connectorId":1,"idTag":"${idTag}","meterStart":${meterStart},"timestamp":"${startedAt}"}`);
    if (!started) return;
    const transactionId = started.transactionId as number;
    acked.push({ kind: 'start', chargePointId: id, timestamp: startedAt, meterStart, idTag, transactionId });
    for (let i = 0; i < 3; i++) {
      meterWh += 100 + i;
      const at = tick();
      const value = String(meterWh);
      const payload = `{"connectorId":1,"transactionId":${transactionId},"meterValue":[{"timestamp":"${at}","sampledValue":[{"value":"${value}","measurand":"Energy.Active.Import.Register","unit":"Wh"}]}]}`;
      if (!(await deliver('MeterValues', payload))) return;
      acked.push({ kind: 'meter', chargePointId: id, transactionId, timestamp: at, value });
    }
    meterWh += 50;
    const stoppedAt = tick();
    const stopped = await deliver('StopTransaction', `{"transactionId":${transactionId},"meterStop":${meterWh},"timestamp":"${stoppedAt}","reason":"Local"}`);
    if (!stopped) return;
    acked.push({ kind: 'stop', chargePointId: id, transactionId, timestamp: stoppedAt, meterStop: meterWh });
  }
}

let running: Promise<unknown> = Promise.resolve();
process.on('message', (message: { type: 'start'; config: KillWorkerConfig } | { type: 'stop' }) => {
  if (message.type === 'start') {
    running = Promise.all(message.config.ids.map((id) => chargePoint(message.config.url, id, message.config.answerTimeoutMs ?? 10_000)));
    return;
  }
  stopping = true;
  void running.then(() => {
    process.send!({ type: 'acked', acked, resends, reconnects, unanswered } satisfies KillWorkerReport, () => process.exit(0));
  });
});
