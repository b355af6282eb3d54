// The charge points of the soak scenario: each goes round a whole visit again and again, as a
// network's chargers do over months: connect, boot, status, a charging session (start, two meter
// values, stop), a heartbeat, and hang up. With `strangers`, each visit comes under a new id, as
// new chargers joining the network (or a scanner trying ids) do.
import { BenchClient } from '../lib/bench-client.js';
import { ChargePointScript } from '../lib/charge-point-script.js';

export interface SoakWorkerConfig {
  url: string;
  ids: string[];
  strangers: boolean;
}

export type SoakWorkerReport = { type: 'done'; visits: number; calls: number; errors: number; firstError?: string };

let stopping = false;
let visits = 0;
let calls = 0;
let errors = 0;
let firstError: string | undefined;

function failed(what: string): void {
  errors++;
  firstError ??= what;
}

async function visit(url: string, id: string, idTag: string, meter: { wh: number }): Promise<void> {
  const client = await BenchClient.connect(url, id, { timeoutMs: 10_000 });
  try {
    const call = async (action: string, payload: string) => {
      calls++;
      const answer = await client.call(action, payload);
      if (!answer.ok) failed(`${action}: ${answer.errorCode}`);
      return answer.payload;
    };
    const now = () => new Date().toISOString();
    await call('BootNotification', ChargePointScript.boot());
    await call('StatusNotification', ChargePointScript.status());
    const started = await call('StartTransaction', `{"connectorId":1,"idTag":"${idTag}","meterStart":${meter.wh},"timestamp":"${now()}"}`);
    const authorized = (started.idTagInfo as { status?: string } | undefined)?.status;
    if (authorized !== 'Accepted') failed(`StartTransaction: id tag ${idTag} ${authorized}`);
    const transactionId = Number(started.transactionId);
    for (let i = 0; i < 2; i++) {
      meter.wh += 50;
      await call('MeterValues', `{"connectorId":1,"transactionId":${transactionId},"meterValue":[{"timestamp":"${now()}","sampledValue":[{"value":"${meter.wh}","measurand":"Energy.Active.Import.Register","unit":"Wh"}]}]}`);
    }
    meter.wh += 50;
    await call('StopTransaction', `{"transactionId":${transactionId},"meterStop":${meter.wh},"timestamp":"${now()}","reason":"Local"}`);
    await call('Heartbeat', '{}');
    visits++;
  } finally {
    await client.close();
  }
}

async function chargePoint(config: SoakWorkerConfig, id: string): Promise<void> {
  const meter = { wh: 1000 };
  // Registered as Accepted before the run (registerIdTags).
  const idTag = ChargePointScript.idTagOf(id);
  for (let n = 0; !stopping; n++) {
    try {
      await visit(config.url, config.strangers ? `${id}-${n}` : id, idTag, meter);
    } catch (error) {
      failed((error as Error).message);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

let running: Promise<unknown> = Promise.resolve();
process.on('message', (message: { type: 'start'; config: SoakWorkerConfig } | { type: 'stop' }) => {
  if (message.type === 'start') {
    running = Promise.all(message.config.ids.map((id) => chargePoint(message.config, id)));
    return;
  }
  stopping = true;
  void running.then(() => {
    process.send!({ type: 'done', visits, calls, errors, ...(firstError ? { firstError } : {}) } satisfies SoakWorkerReport, () => process.exit(0));
  });
});
