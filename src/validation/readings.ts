// Version-neutral reading of the wire payloads a campaign looks at. OCPP 1.5 and 1.6 name most
// fields alike; where they differ (the boot interval, meter values), the difference is here.
import { messageSamples } from '../adapters/message-samples.js';
import { energyToWh } from '../domain/energy.js';
import type { MeterSample, SoftwareIdentity } from '../domain/model.js';
import type { Call } from './watch.js';

export const REGISTER = 'Energy.Active.Import.Register';
export const INTERVAL = 'Energy.Active.Import.Interval';
export const ENERGY_UNITS = ['Wh', 'kWh'];

const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
const number = (value: unknown): number | undefined => (typeof value === 'number' ? value : undefined);

export const field = {
  idTag: (call: Call) => text(call.payload.idTag),
  connectorId: (call: Call) => number(call.payload.connectorId),
  transactionId: (call: Call) => number(call.payload.transactionId),
  status: (call: Call) => text(call.payload.status),
  meterStart: (call: Call) => number(call.payload.meterStart),
  meterStop: (call: Call) => number(call.payload.meterStop),
  reason: (call: Call) => text(call.payload.reason),
  /** The status word of our answer: idTagInfo.status, or status (BootNotification). */
  answerStatus: (call: Call) => {
    const response = call.response ?? {};
    const info = response.idTagInfo as Record<string, unknown> | undefined;
    return text(info?.status) ?? text(response.status);
  },
  answerTransactionId: (call: Call) => number(call.response?.transactionId),
  /** The interval our boot answer gave: `interval` in 1.6, `heartbeatInterval` in 1.5. */
  bootInterval: (call: Call) => number(call.response?.interval) ?? number(call.response?.heartbeatInterval),
};

export const sameTag = (a: string | undefined, b: string | undefined): boolean =>
  a !== undefined && b !== undefined && a.toUpperCase() === b.toUpperCase();

export function samplesOf(call: Call): MeterSample[] {
  return messageSamples(call.ocppVersion, call.action, call.payload);
}

/** A total (no phase) active-energy sample in Wh, or undefined when the sample is not one. */
export function energyWh(sample: MeterSample, measurand: string): number | undefined {
  if (sample.measurand !== measurand || sample.phase !== null || sample.location === 'EV') return undefined;
  if (sample.format === 'SignedData') return undefined;
  return energyToWh(sample.value, sample.unit) ?? undefined;
}

export const BOOT_FIELDS = ['chargePointVendor', 'chargePointModel', 'firmwareVersion'] as const;

const describe = (s: Partial<SoftwareIdentity>) =>
  `${s.vendor ?? '?'} ${s.model ?? '?'}, firmware ${s.firmwareVersion ?? '?'}, OCPP ${s.ocppVersion ?? '?'}`;

/**
 * How a BootNotification's software differs from the software a campaign tests, or undefined when
 * it is that software (or is not a boot). Only what the campaign knew at its start is compared.
 */
export function otherSoftware(call: Call, tested: Partial<SoftwareIdentity>): string | undefined {
  if (call.action !== 'BootNotification') return undefined;
  const booted: Partial<SoftwareIdentity> = {
    vendor: text(call.payload.chargePointVendor),
    model: text(call.payload.chargePointModel),
    firmwareVersion: text(call.payload.firmwareVersion),
    ocppVersion: call.ocppVersion,
  };
  const differs = (['vendor', 'model', 'firmwareVersion', 'ocppVersion'] as const).some((k) => tested[k] !== undefined && booted[k] !== tested[k]);
  return differs ? `the charge point booted as ${describe(booted)} at ${call.at}; the campaign tests ${describe(tested)}` : undefined;
}
