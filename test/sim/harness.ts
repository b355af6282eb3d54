// Shared set-up for the simulator tests: a fake central system and simulators that are always
// stopped when the test ends, and helpers to read what arrived (in 1.6 or 1.5 wording).
import type { TestContext } from 'node:test';
import { SimulatedChargePoint, type ChargePointOptions } from '../../src/sim/charge-point.js';
import type { JsonObject } from '../../src/ocpp/rpc.js';
import type { SimProtocolName } from '../../src/sim/protocols.js';
import { FakeCentralSystem, type FakeOptions, type ReceivedCall } from './fake-central-system.js';
import { FakeSoapCentralSystem, type SoapFakeOptions } from './fake-soap-central-system.js';

/** What simulator() needs of a fake central system (the OCPP-J one or the SOAP one). */
export interface SimTarget {
  readonly baseUrl: string;
  /** The protocol a simulator speaks to this fake. */
  readonly simProtocol: SimProtocolName;
}

export async function fakeCentralSystem(t: TestContext, options: FakeOptions = {}): Promise<FakeCentralSystem> {
  const fake = await FakeCentralSystem.start(options);
  t.after(() => fake.close());
  return fake;
}

export async function soapCentralSystem(t: TestContext, options: SoapFakeOptions = {}): Promise<FakeSoapCentralSystem> {
  const fake = await FakeSoapCentralSystem.start(options);
  t.after(() => fake.close());
  return fake;
}

/** A started simulator with fast test timings; stopped when the test ends. */
export function simulator(
  t: TestContext,
  fake: SimTarget,
  options: Partial<ChargePointOptions> = {},
): SimulatedChargePoint {
  const cp = new SimulatedChargePoint({
    id: 'CP-1',
    baseUrl: fake.baseUrl,
    protocol: fake.simProtocol,
    callTimeoutMs: 2_000,
    reconnectDelayMs: 100,
    minIntervalMs: 50,
    ...options,
    meter: { sampleIntervalMs: 50, ...options.meter },
  });
  t.after(() => cp.stop());
  cp.start();
  return cp;
}

/** The transaction messages received, with a resent copy (same action and payload) removed. */
export function transactionMessages(calls: ReceivedCall[], chargePointId = 'CP-1'): ReceivedCall[] {
  const seen = new Set<string>();
  return calls.filter((c) => {
    if (c.chargePointId !== chargePointId) return false;
    if (!['StartTransaction', 'MeterValues', 'StopTransaction'].includes(c.action)) return false;
    const key = `${c.action} ${JSON.stringify(c.payload)}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** The timestamp a transaction message reports. */
export function timestampOf(call: ReceivedCall): string {
  if (call.action === 'MeterValues') return String(meterValueList(call.payload)[0]?.['timestamp']);
  return String(call.payload['timestamp']);
}

/**
 * The meter values of a MeterValues or StopTransaction payload: 1.6 `meterValue` and
 * `transactionData`, 1.5 `values` and `transactionData[*].values`.
 */
export function meterValueList(payload: JsonObject): JsonObject[] {
  const direct = payload['meterValue'] ?? payload['values'];
  if (direct !== undefined) return direct as JsonObject[];
  const data = (payload['transactionData'] ?? []) as JsonObject[];
  return data.flatMap((entry) => ('timestamp' in entry ? [entry] : ((entry['values'] ?? []) as JsonObject[])));
}

/** The readings of one meter value: 1.6 `sampledValue`, 1.5 `value`. */
export function sampledValues(meterValue: JsonObject | undefined): JsonObject[] {
  return (meterValue?.['sampledValue'] ?? meterValue?.['value'] ?? []) as JsonObject[];
}

/** The energy sample of a MeterValues or StopTransaction payload. */
export function energySample(payload: JsonObject): JsonObject {
  const sample = sampledValues(meterValueList(payload)[0]).find((v) => String(v['measurand']).startsWith('Energy.'));
  if (!sample) throw new Error(`no energy sample in ${JSON.stringify(payload)}`);
  return sample;
}

/** A sampled value in integer Wh, read exactly (no floating point) from a Wh or 3-decimal kWh string. */
export function valueInWh(sample: JsonObject): number {
  const text = String(sample['value']);
  if (sample['unit'] === 'kWh') {
    const match = /^(\d+)\.(\d{3})$/.exec(text);
    if (!match) throw new Error(`kWh value is not a 3-decimal string: ${text}`);
    return Number(match[1]) * 1000 + Number(match[2]);
  }
  if (!/^\d+$/.test(text)) throw new Error(`Wh value is not an integer string: ${text}`);
  return Number(text);
}
