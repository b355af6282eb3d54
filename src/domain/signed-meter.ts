// A transaction's signed meter status: whether the OCMF-signed readings it received prove its
// unsigned ones. Pure, like energy.ts: recomputed from what is stored whenever it changes.
// docs/METERING.md states these rules.
import { countedLocation, energyToWh, isPlainReading, REGISTER } from './energy.js';
import type { MeterSample, SignedMeterStatus } from './model.js';
import { checkPagination, parsePagination, verifySignedSample, type SignedKeys, type SignedVerdict } from './ocmf/index.js';

export interface SignedMeterInput {
  meterStartWh: number;
  meterStopWh: number | null;
  /** Every sample of the transaction, timestamps canonical. */
  samples: readonly MeterSample[];
  keys: SignedKeys;
  /** Signed identities of this transaction that also arrived in another transaction: replays. */
  replayed: ReadonlySet<string>;
  /** How one signed value is verified: verifySignedSample, or a node's remembered verdicts of it (SignedVerdicts). */
  verify?: (value: string, keys: SignedKeys) => SignedVerdict;
}

export interface SignedMeterResult {
  status: SignedMeterStatus;
  reason: string | null;
}

const failed = (reason: string): SignedMeterResult => ({ status: 'failed', reason });

/**
 * The unsigned energy register readings of the transaction, by instant, in whole Wh: the readable
 * ones of the meter whose readings the energy rules count (the outlet's first; never the car's),
 * read as they read them (the decimal point moved, as the signed side does). Until 2026-12-07 any
 * register of the instant was a twin, the last one winning (an inlet's, the car's, an unreadable
 * one read as 0), and kWh were multiplied in binary (0.5005 kWh was 500 Wh, its signed twin 501):
 * a genuine signed reading could fail.
 */
function unsignedRegisters(samples: readonly MeterSample[]): Map<string, number[]> {
  const location = countedLocation(samples, REGISTER);
  const byTime = new Map<string, number[]>();
  for (const s of samples) {
    if (s.location !== location || !isPlainReading(s, REGISTER)) continue;
    const wh = energyToWh(s.value, s.unit);
    if (wh === null) continue;
    const twins = byTime.get(s.timestamp) ?? [];
    if (!twins.includes(Math.round(wh))) twins.push(Math.round(wh));
    byTime.set(s.timestamp, twins);
  }
  return byTime;
}

/**
 * absent: no signed value; verified: every signed value verified with the meter's key, its pages
 * continuous, none replayed from another transaction, and every signed reading that has an
 * unsigned twin (same instant, or the transaction's begin and end) agreeing with it; failed
 * otherwise, with the first reason.
 */
export function signedMeterStatus(input: SignedMeterInput): SignedMeterResult {
  const signed = input.samples.filter((s) => s.format === 'SignedData');
  if (signed.length === 0) return { status: 'absent', reason: null };
  const unsigned = unsignedRegisters(input.samples);
  const verify = input.verify ?? verifySignedSample;
  const lastPage = new Map<string, string>();
  const sources = new Set<string>();
  const ordered = [...signed].sort((a, b) => a.timestamp.localeCompare(b.timestamp));
  // One reading filed twice (a firmware reports the session's meter on connector 0, then the stop
  // repeats it under the session's connector) is checked once: its page is not a replay. The same
  // data set at another instant still is.
  const checked = new Set<string>();
  for (const sample of ordered) {
    const reading = `${sample.timestamp}|${sample.signedIdentity ?? sample.value}`;
    if (checked.has(reading)) continue;
    checked.add(reading);
    if (sample.signedIdentity && input.replayed.has(sample.signedIdentity)) return failed(`the signed value of ${sample.timestamp} was already received in another transaction (replayed)`);
    const verdict = verify(sample.value, input.keys);
    if (verdict.status === 'failed') return failed(`signed value of ${sample.timestamp}: ${verdict.reason}: ${verdict.detail}`);
    sources.add(verdict.publicKeySource);
    const meter = verdict.meterSerial;
    // A meter counts each context (T transaction, F fiscal) on its own.
    const counter = `${meter}|${parsePagination(verdict.pagination)?.context ?? verdict.pagination}`;
    const page = checkPagination(lastPage.get(counter), verdict.pagination);
    if (!page.ok) return failed(`meter ${meter}: pagination ${page.reason}: ${page.detail}`);
    lastPage.set(counter, verdict.pagination);
    for (const reading of verdict.readingsWh) {
      if (!reading.energyUsable) return failed(`meter ${meter} flags its reading of ${reading.time} as unusable`);
      const wh = Math.round(reading.wh);
      const twins = reading.transaction === 'B' ? [input.meterStartWh] : reading.transaction === 'E' && input.meterStopWh !== null ? [input.meterStopWh] : unsigned.get(reading.time);
      // Two readings of one meter at one instant that differ: the signed one cannot vouch for both.
      const twin = twins?.find((other) => other !== wh);
      if (twin !== undefined) {
        return failed(`signed reading of ${reading.time} is ${wh} Wh but the unsigned one is ${twin} Wh`);
      }
    }
  }
  // A key taken from the charge point's own message proves integrity, not origin: say so.
  return { status: 'verified', reason: sources.has('message') ? 'verified with the public key sent in the message (none registered)' : null };
}
