// A validation campaign against a simulated charge point, both real: Tomada in this process on
// 127.0.0.1, the simulator speaking the chosen protocol, a simulated person acting out the manual
// steps through the operator API.
import { SimulatedChargePoint } from '../../src/sim/charge-point.js';
import { declaredProtocol, type SimFault } from '../../src/sim/faults.js';
import { actAsPerson } from '../../src/sim/person.js';
import type { SimProtocolName } from '../../src/sim/protocols.js';
import type { ChargePointProtocol } from '../../src/sim/protocol.js';
import { ValidatingFloor, type Validation } from '../../src/domain/validation/types.js';
import { ADMIN_TOKEN, type TestTomada } from '../support/tomada.js';

/** Short limits: a simulator answers at once. A trial run: too short for a campaign to validate software. */
export const FAST_TIMING = { caseTimeoutS: 15, manualTimeoutS: 10, heartbeatIntervalS: 2, pendingIntervalS: 4, offlineS: 3, quietS: 1 };

/** The shortest limits with which a passed campaign validates its software (ValidatingFloor). */
export const VALIDATING_TIMING = { ...FAST_TIMING, ...ValidatingFloor };

/** Each campaign its own card: one card charging at two charge points at once is ConcurrentTx. */
export const idTagFor = (chargePointId: string) => `TAG-${chargePointId}`.slice(0, 20);

export interface CampaignRun {
  /** The start's answer (202). */
  started: Validation;
  validation: Validation;
  chargePoint: SimulatedChargePoint;
}

export async function runCampaign(
  tomada: TestTomada,
  options: {
    id: string;
    protocol: SimProtocolName;
    faults?: SimFault[];
    unit?: 'Wh' | 'kWh';
    mode?: 'register' | 'interval';
    person?: boolean;
    cases?: string[];
    /** Words the protocol's messages differently (a 1.6 wording over WebSocket), e.g. to add signed values. */
    wording?: ChargePointProtocol;
    /** Extra charge point settings registered with it (a meter key). */
    settings?: Record<string, unknown>;
    /** The simulator starts a remotely started session only once a vehicle is plugged in. */
    cableRequired?: boolean;
    timing?: Partial<typeof FAST_TIMING>;
    /** Where the simulator connects (a WebSocket one): a balancer in front of several nodes, say. Default: `tomada`. */
    wsUrl?: string;
  },
): Promise<CampaignRun> {
  const faults = options.faults ?? [];
  const declared = declaredProtocol(options.protocol, new Set(faults));
  const put = await tomada.api(`/api/v1/charge-points/${options.id}`, { method: 'PUT', body: { registrationStatus: 'Accepted', ...declared, ...options.settings } });
  if (put.status >= 300) throw new Error(`register: ${put.status} ${JSON.stringify(put.body)}`);
  const idTag = idTagFor(options.id);
  await tomada.api(`/api/v1/id-tags/${idTag}`, { method: 'PUT', body: { status: 'Accepted' } });
  const soap = options.protocol === 'ocpp1.5-soap';
  const chargePoint = new SimulatedChargePoint({
    id: options.id,
    baseUrl: soap ? `http://127.0.0.1:${tomada.ocppPort}/ocpp/soap` : (options.wsUrl ?? tomada.wsUrl),
    protocol: options.wording ?? options.protocol,
    connectors: 2,
    faults,
    cableRequired: options.cableRequired ?? false,
    callTimeoutMs: 8_000,
    reconnectDelayMs: 200,
    minIntervalMs: 200,
    meter: { unit: options.unit ?? 'Wh', mode: options.mode ?? 'register', powerW: 60_000, sampleIntervalMs: 1_000, initialRegisterWh: 1_000 },
  });
  chargePoint.start();
  await chargePoint.ready();
  const stopPerson = options.person === false ? () => undefined : actAsPerson({ apiUrl: tomada.httpUrl, token: ADMIN_TOKEN, chargePoints: [chargePoint], pollMs: 100 });
  try {
    const started = await tomada.api('/api/v1/validations', {
      body: { chargePointId: options.id, connectorId: 1, idTag, timing: { ...FAST_TIMING, ...options.timing }, ...(options.cases ? { cases: options.cases } : {}) },
    });
    if (started.status !== 202) throw new Error(`start: ${started.status} ${JSON.stringify(started.body)}`);
    const validation = await finished(tomada, started.body.id);
    return { started: started.body as Validation, validation, chargePoint };
  } finally {
    stopPerson();
  }
}

export async function finished(tomada: TestTomada, id: string, limitMs = 240_000): Promise<Validation> {
  const until = Date.now() + limitMs;
  while (Date.now() < until) {
    const { body } = await tomada.api(`/api/v1/validations/${id}`);
    if (body.status !== 'running') return body as Validation;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`campaign ${id} still running after ${limitMs} ms`);
}

/** One line per case, for assertion messages. */
export function summary(v: Validation): string {
  return v.cases.map((c) => `${c.id}: ${c.status} — ${c.reason}`).join('\n');
}
