// Session energy from what a charge point reported. Pure: the same inputs always give the same
// energy, source and anomalies, so it can be recomputed at any time (after late samples, or to
// check stored data). docs/METERING.md states these rules in prose.
import { sampleIdentity, type EnergySource, type EnergyTail, type MeterSample } from './model.js';

export interface EnergyInput {
  meterStartWh: number;
  /** null while the transaction is active. */
  meterStopWh: number | null;
  /**
   * Every sample stored for the transaction, in arrival order. The same reading may be there more
   * than once, filed under two connectors (see onceEach).
   */
  samples: readonly MeterSample[];
}

export interface EnergyResult {
  energyWh: number | null;
  source: EnergySource;
  anomalies: string[];
}

export const Anomaly = {
  meterStopBelowMeterStart: 'meterStopBelowMeterStart',
  registerDecreased: 'registerDecreased',
  registerBelowMeterStart: 'registerBelowMeterStart',
  registerAboveMeterStop: 'registerAboveMeterStop',
  intervalSumDiffersFromMeterStop: 'intervalSumDiffersFromMeterStop',
  intervalSeriesDisagree: 'intervalSeriesDisagree',
  unreadableEnergySample: 'unreadableEnergySample',
} as const;

const REGISTER = 'Energy.Active.Import.Register';
const INTERVAL = 'Energy.Active.Import.Interval';
/** The only measurands computeEnergy reads (with signed values, all that signed-meter.ts reads). */
export const ENERGY_MEASURANDS = [REGISTER, INTERVAL] as const;

/** Converts a reported energy reading to Wh; null when it is not a finite number in Wh or kWh. */
/** A plain decimal reading: Number() alone would also take "0x10", "1e3" or "Infinity". */
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)$/;

export function energyToWh(value: string, unit: string): number | null {
  const trimmed = value.trim();
  if (!DECIMAL.test(trimmed)) return null;
  const number = Number(trimmed);
  if (!Number.isFinite(number)) return null;
  if (unit === 'Wh') return readable(number);
  // 1.005 kWh × 1000 is 1004.9999999999999 in binary floating point: rounded to a millionth of a
  // Wh (far below any meter's resolution), a reading equals the Wh it stands for.
  if (unit !== 'kWh') return null;
  const wh = Math.round(number * 1000 * 1e6) / 1e6;
  return readable(wh);
}

/**
 * Past 2^53 Wh (9 million GWh, beyond any meter) a number no longer counts single watt-hours, and
 * past 2^63 no 64-bit column holds it: unreadable, as a kWh figure of ~300 digits (finite, its Wh
 * not) is, rather than an energy that would be stored altered, or not at all on PostgreSQL.
 */
function readable(wh: number): number | null {
  return Math.abs(wh) <= Number.MAX_SAFE_INTEGER ? wh : null;
}

/** A plain energy reading: the session's total, not a phase's, the EV's or a signed value. */
export function isPlainReading(sample: MeterSample, measurand: string): boolean {
  return sample.measurand === measurand && sample.phase === null && sample.location !== 'EV' && sample.format !== 'SignedData';
}

interface Reading {
  at: number;
  order: number;
  wh: number;
  context: string;
}

/**
 * Where a charger may read the session's energy, in the order one is chosen: OCPP's default, the
 * outlet (what the car gets), first. A register at the inlet is another meter, on the grid's side
 * of the charger's own losses: read as one series with the outlet's, it went down and up at every
 * pair of readings.
 */
const METER_LOCATIONS = ['Outlet', 'Cable', 'Inlet', 'Body'];

/** The one location whose readings of `measurand` count: the first of METER_LOCATIONS that has any. */
function meterLocation(samples: readonly MeterSample[], measurand: string): string | undefined {
  const present = new Set(samples.filter((s) => isPlainReading(s, measurand)).map((s) => s.location));
  return METER_LOCATIONS.find((location) => present.has(location));
}

/**
 * The samples that measure the session's total active energy: no phase (a per-phase register is
 * a part, not the total), not the EV's own meter, and of one location. Signed values are verified
 * elsewhere; their plain twin carries the number.
 */
function readings(samples: readonly MeterSample[], measurand: string, anomalies: Set<string>): Reading[] {
  const out: Reading[] = [];
  const location = meterLocation(samples, measurand);
  samples.forEach((sample, order) => {
    if (!isPlainReading(sample, measurand) || sample.location !== location) return;
    const wh = energyToWh(sample.value, sample.unit);
    const at = Date.parse(sample.timestamp);
    if (wh === null || Number.isNaN(at)) {
      anomalies.add(Anomaly.unreadableEnergySample);
      return;
    }
    out.push({ at, order, wh, context: sample.context });
  });
  // Offline samples arrive late: time order decides, arrival order breaks ties.
  return out.sort((a, b) => a.at - b.at || a.order - b.order);
}

const sum = (series: readonly Reading[]) => series.reduce((total, r) => total + r.wh, 0);

/**
 * Each reading of `series` (in time order) once. The store keeps a reading once per connector it
 * was filed under, and a session's reading can come on two: some firmwares report the session's
 * meter on connector 0 (with its transactionId), and the stop's transaction data repeats those
 * readings, filed under the session's connector. Summed, an interval counted twice. The samples'
 * keys stay as they are (changing them would rewrite a national network's whole history, and a
 * resend of a message stored before would no longer find its samples): the energy tells the
 * copies apart instead, by what makes two samples the same reading (sampleIdentity). Only readings
 * of the same instant can be the same, so only those are keyed: the chart recomputes the energy
 * at every instant of a session, and keying every reading made it two thirds slower. Each is keyed
 * once, into the set of its instant's: compared pair by pair, the readings of one instant cost
 * their number squared, and one MeterValues of 3,000 intervals stamped alike (a charger whose
 * clock stands still) held a node 23 s, and every later message of the session as long. A
 * register repeated is read again, not added, so registers skip this.
 */
function onceEach(samples: readonly MeterSample[], series: readonly Reading[]): Reading[] {
  const identity = (r: Reading) => JSON.stringify(sampleIdentity(samples[r.order]!));
  /** The identities of the instant being walked, once it has a second reading. */
  let instant: Set<string> | undefined;
  return series.filter((reading, i) => {
    const previous = series[i - 1];
    if (previous?.at !== reading.at) {
      instant = undefined;
      return true;
    }
    instant ??= new Set([identity(previous)]);
    const key = identity(reading);
    if (instant.has(key)) return false;
    instant.add(key);
    return true;
  });
}

/**
 * Interval samples cover consecutive periods of one series. A charger that reports both a
 * transaction-aligned series (periodic readings, with those at the session's begin and end) and a
 * clock-aligned one reports the same energy twice, so only one series is summed: the
 * transaction-aligned one when it has periodic readings. Readings at the begin or end alone are no
 * series beside clock-aligned ones: what such an end reading covers (since the begin, or since
 * the last clock reading) depends on the charger, and taking it alone once replaced a whole
 * session's clock-aligned energy by a begin reading of 0. The clock-aligned series is summed
 * then, and an end reading that tells otherwise is the anomaly `intervalSeriesDisagree`.
 */
function intervalSum(intervals: Reading[], anomalies: Set<string>): number {
  const clock = intervals.filter((r) => r.context === 'Sample.Clock');
  const aligned = intervals.filter((r) => r.context !== 'Sample.Clock');
  if (clock.length === 0 || aligned.some((r) => r.context === 'Sample.Periodic')) return sum(aligned.length > 0 ? aligned : clock);
  const alignedSum = sum(aligned);
  if (alignedSum !== 0 && alignedSum !== sum(clock)) anomalies.add(Anomaly.intervalSeriesDisagree);
  return sum(clock);
}

/** Whether computeEnergy reads this sample at all: a plain register or interval reading. */
export function isEnergyReading(sample: MeterSample): boolean {
  return isPlainReading(sample, REGISTER) || isPlainReading(sample, INTERVAL);
}

/**
 * Whether no sample added later can change computeEnergy's energy: the transaction has stopped and
 * has a readable register reading, so its energy is meterStop − meterStart (later registers do not
 * move it, and intervals count only where there is no readable register at all).
 */
export function energyIsFinal(input: Pick<EnergyInput, 'meterStopWh' | 'samples'>): boolean {
  return input.meterStopWh !== null && readings(input.samples, REGISTER, new Set()).length > 0;
}

export function computeEnergy(input: EnergyInput): EnergyResult {
  const anomalies = new Set<string>();
  const registers = readings(input.samples, REGISTER, anomalies);
  const intervals = onceEach(input.samples, readings(input.samples, INTERVAL, anomalies));
  const { meterStartWh, meterStopWh } = input;

  if (meterStopWh !== null && meterStopWh < meterStartWh) anomalies.add(Anomaly.meterStopBelowMeterStart);
  for (let i = 1; i < registers.length; i++) {
    if (registers[i]!.wh < registers[i - 1]!.wh) anomalies.add(Anomaly.registerDecreased);
  }
  const firstRegister = registers[0];
  const lastRegister = registers[registers.length - 1];
  if (firstRegister && firstRegister.wh < meterStartWh) anomalies.add(Anomaly.registerBelowMeterStart);

  let energyWh: number | null;
  let source: EnergySource;
  if (registers.length === 0 && intervals.length > 0) {
    energyWh = intervalSum(intervals, anomalies);
    source = 'interval';
    if (meterStopWh !== null && meterStopWh !== meterStartWh && meterStopWh - meterStartWh !== Math.round(energyWh)) {
      anomalies.add(Anomaly.intervalSumDiffersFromMeterStop);
    }
  } else if (meterStopWh !== null) {
    energyWh = meterStopWh - meterStartWh;
    source = 'meterStop';
    if (registers.some((r) => r.wh > meterStopWh)) anomalies.add(Anomaly.registerAboveMeterStop);
  } else if (lastRegister) {
    energyWh = lastRegister.wh - meterStartWh;
    source = 'register';
  } else {
    energyWh = null;
    source = 'none';
  }
  return {
    energyWh: energyWh === null ? null : Math.round(energyWh),
    source,
    anomalies: [...anomalies].sort(),
  };
}

/**
 * Interval readings (a choice between series), signed values (checked against every other
 * reading) and registers read anywhere but the outlet (a choice between meters) need all of a
 * session's samples; outlet registers alone do not.
 */
function needsEverySample(sample: MeterSample): boolean {
  return sample.measurand === INTERVAL || sample.format === 'SignedData' || (isPlainReading(sample, REGISTER) && sample.location !== 'Outlet');
}

/**
 * What extendEnergy needs to go on from `samples` (all of a session's energy samples), or null
 * when its energy can only be recomputed from all of them.
 */
export function energyTail(samples: readonly MeterSample[]): EnergyTail | null {
  if (samples.some(needsEverySample)) return null;
  const last = readings(samples, REGISTER, new Set()).at(-1);
  return { lastRegister: last ? { at: samples[last.order]!.timestamp, wh: last.wh } : null };
}

export interface ExtendedEnergy {
  energy: EnergyResult;
  tail: EnergyTail;
}

/**
 * A session's energy after `added` (its new samples, in arrival order), from what was computed
 * before and its tail alone, without reading its earlier samples back: the same result as
 * computeEnergy over all of them (test/domain/energy-extend.test.ts checks it). A stop extends it
 * too (`meterStopWh` set, `added` its transactionData, maybe none). undefined when that takes
 * every sample: `added` holds an interval or signed value, or a register reading older than the
 * latest one (an offline backlog); or the session has stopped and its registers once went down,
 * so the latest may not be the highest.
 */
export function extendEnergy(
  session: { meterStartWh: number; meterStopWh: number | null; anomalies: readonly string[] },
  tail: EnergyTail,
  added: readonly MeterSample[],
): ExtendedEnergy | undefined {
  if (added.some(needsEverySample)) return undefined;
  const { meterStartWh, meterStopWh } = session;
  const anomalies = new Set(session.anomalies);
  const registers = readings(added, REGISTER, anomalies);
  let previous = tail.lastRegister;
  if (previous && registers.length > 0 && registers[0]!.at < Date.parse(previous.at)) return undefined;
  // The new readings all come after the earlier ones: they only add pairs at the end of the series.
  for (const reading of registers) {
    if (previous === null && reading.wh < meterStartWh) anomalies.add(Anomaly.registerBelowMeterStart);
    if (previous !== null && reading.wh < previous.wh) anomalies.add(Anomaly.registerDecreased);
    previous = { at: added[reading.order]!.timestamp, wh: reading.wh };
  }
  let energy: EnergyResult;
  if (meterStopWh !== null) {
    // The stop's reading is the energy; the registers only check it, and with none ever lower
    // than the one before, the latest is the highest.
    if (anomalies.has(Anomaly.registerDecreased)) return undefined;
    if (meterStopWh < meterStartWh) anomalies.add(Anomaly.meterStopBelowMeterStart);
    if (previous !== null && previous.wh > meterStopWh) anomalies.add(Anomaly.registerAboveMeterStop);
    energy = { energyWh: Math.round(meterStopWh - meterStartWh), source: 'meterStop', anomalies: [...anomalies].sort() };
  } else {
    energy =
      previous === null
        ? { energyWh: null, source: 'none', anomalies: [...anomalies].sort() }
        : { energyWh: Math.round(previous.wh - meterStartWh), source: 'register', anomalies: [...anomalies].sort() };
  }
  return { energy, tail: { lastRegister: previous } };
}
