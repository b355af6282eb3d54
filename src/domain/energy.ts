// Session energy from what a charge point reported. Pure: the same inputs always give the same
// energy, source and anomalies, so it can be recomputed at any time (after late samples, or to
// check stored data). docs/METERING.md states these rules in prose.
import { sampleIdentity, type EnergySeriesFigures, type EnergySource, type EnergyTail, type MeterSample } from './model.js';

export interface EnergyInput {
  meterStartWh: number;
  /** null while the transaction is active. */
  meterStopWh: number | null;
  /**
   * Every sample stored for the transaction, in arrival order. The same reading may be there more
   * than once, filed under two connectors (see Series.takenOnce).
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
  intervalSumOutOfRange: 'intervalSumOutOfRange',
} as const;

export const REGISTER = 'Energy.Active.Import.Register';
const INTERVAL = 'Energy.Active.Import.Interval';
/** The only measurands computeEnergy reads (with signed values, all that signed-meter.ts reads). */
export const ENERGY_MEASURANDS = [REGISTER, INTERVAL] as const;

/** A plain decimal reading: Number() alone would also take "0x10", "1e3" or "Infinity". */
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)$/;

/** Converts a reported energy reading to Wh; null when it is not a finite number in Wh or kWh. */
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

/**
 * A plain energy reading, one that measures the session's total active energy: no phase (a
 * per-phase register is a part, not the total), not the EV's own meter, not a signed value (those
 * are verified elsewhere; their plain twin carries the number).
 */
export function isPlainReading(sample: MeterSample, measurand: string): boolean {
  return sample.measurand === measurand && sample.phase === null && sample.location !== 'EV' && sample.format !== 'SignedData';
}

/** A plain energy reading, read. */
interface Reading {
  at: number;
  wh: number;
  context: string;
}

/**
 * Where a charger may read the session's energy, in the order one is chosen: OCPP's default, the
 * outlet (what the car gets), first. A register at the inlet is another meter, on the grid's side
 * of the charger's own losses: read as one series with the outlet's, it went down and up at every
 * pair of readings. Only one location's readings count: the first of these that has any.
 */
const METER_LOCATIONS = ['Outlet', 'Cable', 'Inlet', 'Body'];

/** The location whose plain readings of `measurand` count (the first of METER_LOCATIONS that has any), or undefined. */
export function countedLocation(samples: readonly MeterSample[], measurand: string): string | undefined {
  const present = new Set<string>();
  for (const sample of samples) if (isPlainReading(sample, measurand)) present.add(sample.location);
  return METER_LOCATIONS.find((location) => present.has(location));
}

/** A plain reading's instant and Wh, or null when either cannot be read. */
function readingOf(sample: MeterSample, at: number): Reading | null {
  const wh = energyToWh(sample.value, sample.unit);
  return wh === null || Number.isNaN(at) ? null : { at, wh, context: sample.context };
}

/**
 * One meter location's readings of one measurand, taken in time order (arrival order among
 * readings of one instant): what the energy rules need of them, kept as running figures, so the
 * energy can be read after any reading without going over the ones before (the chart reads it at
 * every instant of a session), and a session's new readings can go on from them (its tail).
 */
class Series {
  /** The figures, but for the latest instant's identities, kept in `instant` while walking. */
  readonly f: EnergySeriesFigures;
  /** The latest interval taken, whose identity is computed only if another of its instant comes. */
  private previous: MeterSample | undefined;
  /** The identities of the latest instant's intervals, once it has a second. */
  private instant: Set<string> | undefined;

  constructor(figures?: EnergySeriesFigures) {
    this.f = figures
      ? { ...figures, instant: null }
      : {
          present: false,
          unreadable: false,
          count: 0,
          first: null,
          last: null,
          highest: null,
          decreased: false,
          clockSum: 0,
          clockCount: 0,
          alignedSum: 0,
          alignedCount: 0,
          periodic: false,
          lastAt: null,
          previousKey: null,
          instant: null,
        };
    if (figures?.instant) this.instant = new Set(figures.instant);
  }

  /** A plain reading of this series, taken in its turn (see EnergyWalk.add). */
  take(sample: MeterSample, at: number): void {
    this.f.present = true;
    const reading = readingOf(sample, at);
    if (reading === null) this.f.unreadable = true;
    else if (sample.measurand === REGISTER) this.register(reading);
    else this.interval(reading, sample);
  }

  private register(reading: Reading): void {
    const f = this.f;
    if (f.last !== null && reading.wh < f.last) f.decreased = true;
    f.first ??= reading.wh;
    f.last = reading.wh;
    f.highest = f.highest === null ? reading.wh : Math.max(f.highest, reading.wh);
    f.count++;
  }

  /** An interval, unless it is a reading of this instant already taken (see takenOnce). */
  private interval(reading: Reading, sample: MeterSample): void {
    if (!this.takenOnce(reading, sample)) return;
    const f = this.f;
    f.count++;
    // Summed as whole millionths of a Wh (see MICRO_WH).
    const micro = Math.round(reading.wh * MICRO_WH);
    if (reading.context === 'Sample.Clock') {
      f.clockSum += micro;
      f.clockCount++;
    } else {
      f.alignedSum += micro;
      f.alignedCount++;
      if (reading.context === 'Sample.Periodic') f.periodic = true;
    }
  }

  /**
   * Each reading once. The store keeps a reading once per connector it was filed under, and a
   * session's reading can come on two: some firmwares report the session's meter on connector 0
   * (with its transactionId), and the stop's transaction data repeats those readings, filed under
   * the session's connector. Summed, an interval counted twice. The samples' keys stay as they are
   * (changing them would rewrite a national network's whole history, and a resend of a message
   * stored before would no longer find its samples): the energy tells the copies apart instead, by
   * what makes two samples the same reading (sampleIdentity). Only readings of the same instant can
   * be the same, so only those are keyed, each once, into the set of its instant's: compared pair
   * by pair, the readings of one instant cost their number squared, and one MeterValues of 3,000
   * intervals stamped alike (a charger whose clock stands still) held a node 23 s, and every later
   * message of the session as long. A register repeated is read again, not added, so registers
   * skip this.
   */
  private takenOnce(reading: Reading, sample: MeterSample): boolean {
    const f = this.f;
    if (reading.at !== f.lastAt) {
      f.lastAt = reading.at;
      this.instant = undefined;
      this.setPrevious(sample);
      return true;
    }
    this.instant ??= new Set([f.previousKey ?? identity(this.previous!)]);
    this.setPrevious(sample);
    const key = identity(sample);
    if (this.instant.has(key)) return false;
    this.instant.add(key);
    return true;
  }

  private setPrevious(sample: MeterSample): void {
    this.previous = sample;
    this.f.previousKey = null;
  }

  /** The figures as a tail holds them: the latest interval's identity is computed here, once. */
  figures(): EnergySeriesFigures {
    const previousKey = this.f.previousKey ?? (this.previous ? identity(this.previous) : null);
    return { ...this.f, previousKey, instant: this.instant ? [...this.instant] : null };
  }

  /** How many identities a tail would hold for the latest instant. */
  get instantSize(): number {
    return this.instant?.size ?? 0;
  }
}

const identity = (s: MeterSample) => JSON.stringify(sampleIdentity(s));

/**
 * A millionth of a Wh: how finely interval readings are summed (energyToWh reads kWh to it), as
 * whole numbers, divided once. Summed in binary floating point as they came, 55 readings of 0.1 Wh
 * made 5.4999999999999964, rounded to 5 Wh where their 5.5 is 6 (and 15 of them
 * 1.5000000000000002, 2 Wh): which way a session's half Wh went depended on how many readings it had.
 */
const MICRO_WH = 1e6;

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
function intervalSum(intervals: EnergySeriesFigures, anomalies: Set<string>): number {
  const clockSum = intervals.clockSum / MICRO_WH;
  const alignedSum = intervals.alignedSum / MICRO_WH;
  if (intervals.clockCount === 0 || intervals.periodic) return intervals.alignedCount > 0 ? alignedSum : clockSum;
  if (alignedSum !== 0 && alignedSum !== clockSum) anomalies.add(Anomaly.intervalSeriesDisagree);
  return clockSum;
}

/** Whether computeEnergy reads this sample at all: a plain register or interval reading. */
export function isEnergyReading(sample: MeterSample): boolean {
  return isPlainReading(sample, REGISTER) || isPlainReading(sample, INTERVAL);
}

/**
 * Whether no sample added later can change computeEnergy's energy: the transaction has stopped and
 * has a readable register reading at the outlet, so its energy is meterStop − meterStart (later
 * registers do not move it, and intervals count only where the chosen location has no readable
 * register). Not a register elsewhere: the outlet's first register, readable or not, takes its
 * place, and an unreadable one leaves the session to its intervals.
 */
export function energyIsFinal(input: Pick<EnergyInput, 'meterStopWh' | 'samples'>): boolean {
  return input.meterStopWh !== null && walkOf(input.samples).hasOutletRegister();
}

/** A session's energy readings with their instants, in the order the rules take them. */
export interface TimedReading {
  sample: MeterSample;
  /** The sample's place in arrival order. */
  order: number;
  /** NaN when the timestamp cannot be read. */
  at: number;
}

/**
 * The samples computeEnergy reads, in time order, arrival order breaking ties (offline samples
 * arrive late: time order decides). Those whose time cannot be read come first: they count only as
 * an unreadable reading.
 */
export function inTimeOrder(samples: readonly MeterSample[]): TimedReading[] {
  const timed: TimedReading[] = [];
  samples.forEach((sample, order) => {
    if (isEnergyReading(sample)) timed.push({ sample, order, at: Date.parse(sample.timestamp) });
  });
  const key = (r: TimedReading) => (Number.isNaN(r.at) ? -Infinity : r.at);
  return timed.sort((a, b) => key(a) - key(b) || a.order - b.order);
}

/**
 * A session's energy readings taken one by one in time order (inTimeOrder's), with the energy
 * they give so far readable after each: computeEnergy takes them all, the session's chart reads
 * the energy at every instant. Each meter location's series is kept apart, as only one location's
 * readings count, and which one can change as readings come.
 */
export class EnergyWalk {
  private readonly series = new Map<string, Series>();
  /** The latest instant taken. */
  private latest: number | null = null;

  /** The walk a tail stands for; undefined when the tail is of an earlier shape. */
  static fromTail(tail: EnergyTail): EnergyWalk | undefined {
    if (tail.version !== TAIL_VERSION) return undefined;
    const walk = new EnergyWalk();
    walk.latest = tail.latest;
    for (const [key, figures] of Object.entries(tail.series)) walk.series.set(key, new Series(figures));
    return walk;
  }

  /** Whether `reading` may be taken next: none taken is later (a backlog needs the walk anew). */
  mayTake({ at }: TimedReading): boolean {
    return this.latest === null || Number.isNaN(at) || at >= this.latest;
  }

  add({ sample, at }: TimedReading): void {
    if (!METER_LOCATIONS.includes(sample.location) || !isEnergyReading(sample)) return;
    const key = `${sample.measurand} ${sample.location}`;
    let series = this.series.get(key);
    if (!series) this.series.set(key, (series = new Series()));
    if (!Number.isNaN(at)) this.latest = Math.max(this.latest ?? at, at);
    series.take(sample, at);
  }

  /** The energy of the readings taken so far, for a session that began at meterStart (and stopped at meterStop). */
  energy({ meterStartWh, meterStopWh }: Pick<EnergyInput, 'meterStartWh' | 'meterStopWh'>): EnergyResult {
    const anomalies = new Set<string>();
    const registers = this.chosen(REGISTER);
    const intervals = this.chosen(INTERVAL);
    if (registers?.unreadable || intervals?.unreadable) anomalies.add(Anomaly.unreadableEnergySample);
    if (meterStopWh !== null && meterStopWh < meterStartWh) anomalies.add(Anomaly.meterStopBelowMeterStart);
    if (registers?.decreased) anomalies.add(Anomaly.registerDecreased);
    if (registers?.first != null && registers.first < meterStartWh) anomalies.add(Anomaly.registerBelowMeterStart);

    let energyWh: number | null;
    let source: EnergySource;
    // Each interval is readable, but their sum may not be: past 2^53 Wh it no longer counts single
    // watt-hours, and past 2^63 no energy column holds it (PostgreSQL refused it, and every later
    // message of the session with it; SQLite kept a float). Such a sum is no energy.
    const sum = !registers?.count && intervals?.count ? intervalSum(intervals, anomalies) : undefined;
    const sumHeld = sum !== undefined && Math.abs(Math.round(sum)) <= Number.MAX_SAFE_INTEGER;
    if (sum !== undefined && !sumHeld) anomalies.add(Anomaly.intervalSumOutOfRange);
    if (sum !== undefined && sumHeld) {
      energyWh = sum;
      source = 'interval';
      if (meterStopWh !== null && meterStopWh !== meterStartWh && meterStopWh - meterStartWh !== Math.round(energyWh)) {
        anomalies.add(Anomaly.intervalSumDiffersFromMeterStop);
      }
    } else if (meterStopWh !== null) {
      energyWh = meterStopWh - meterStartWh;
      source = 'meterStop';
      if (registers?.highest != null && registers.highest > meterStopWh) anomalies.add(Anomaly.registerAboveMeterStop);
    } else if (registers?.last != null) {
      energyWh = registers.last - meterStartWh;
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
   * The walk as a session's tail; null when a tail would hold too many identities of one instant
   * (a charger whose clock stands still: the energy is then recomputed from the samples).
   */
  tail(): EnergyTail | null {
    const series: Record<string, EnergySeriesFigures> = {};
    for (const [key, s] of this.series) {
      if (s.instantSize > MAX_TAIL_INSTANT) return null;
      series[key] = s.figures();
    }
    return { version: TAIL_VERSION, latest: this.latest, series };
  }

  /** Whether the outlet, the location no other takes the place of, has a readable register reading. */
  hasOutletRegister(): boolean {
    return (this.series.get(`${REGISTER} ${METER_LOCATIONS[0]}`)?.f.count ?? 0) > 0;
  }

  /** The figures of the series of `measurand` that counts: that of the first of METER_LOCATIONS that has any. */
  private chosen(measurand: string): EnergySeriesFigures | undefined {
    for (const location of METER_LOCATIONS) {
      const series = this.series.get(`${measurand} ${location}`);
      if (series?.f.present) return series.f;
    }
    return undefined;
  }
}

/**
 * The meaning of a tail's figures. A tail of another version is no tail (the session's energy is
 * recomputed once, and a tail of this version written), so it changes whenever a figure is read
 * differently, not only when one is added: 2 held the interval sums in Wh (main from 9a5c804 to
 * c6e733b, on 2026-12-07 only), 3 in millionths of a Wh. Read as millionths, 5,000 Wh in a tail of
 * 2 were 0.005 Wh, and the session's next readings were added to nearly nothing.
 */
const TAIL_VERSION = 3;

/** Readings of one instant a tail keeps the identities of; a session's tail is written at every message. */
const MAX_TAIL_INSTANT = 64;

/** The walk of `samples` taken to its end. */
function walkOf(samples: readonly MeterSample[]): EnergyWalk {
  const walk = new EnergyWalk();
  for (const reading of inTimeOrder(samples)) walk.add(reading);
  return walk;
}

export function computeEnergy(input: EnergyInput): EnergyResult {
  return walkOf(input.samples).energy(input);
}

/** A signed value is checked against every other reading of its session: its energy needs them all. */
function isSigned(sample: MeterSample): boolean {
  return sample.format === 'SignedData';
}

/**
 * computeEnergy's result, and what extendEnergy needs to go on from `input.samples` (all of a
 * session's energy samples): null when its energy can only be recomputed from all of them.
 */
export function computeEnergyAndTail(input: EnergyInput): { energy: EnergyResult; tail: EnergyTail | null } {
  const walk = walkOf(input.samples);
  return { energy: walk.energy(input), tail: input.samples.some(isSigned) ? null : walk.tail() };
}

/** The tail of a session with these samples. */
export function energyTail(samples: readonly MeterSample[]): EnergyTail | null {
  return computeEnergyAndTail({ meterStartWh: 0, meterStopWh: null, samples }).tail;
}

export interface ExtendedEnergy {
  energy: EnergyResult;
  tail: EnergyTail;
}

/**
 * A session's energy after `added` (its new samples, in arrival order), from its tail alone,
 * without reading its earlier samples back: the same result as computeEnergy over all of them
 * (test/domain/energy-extend.test.ts checks it). A stop extends it too (`meterStopWh` set, `added`
 * its transactionData, maybe none). undefined when that takes every sample: `added` holds a signed
 * value, or a reading older than the latest taken (an offline backlog), or the tail is of an
 * earlier shape.
 */
export function extendEnergy(session: Pick<EnergyInput, 'meterStartWh' | 'meterStopWh'>, tail: EnergyTail, added: readonly MeterSample[]): ExtendedEnergy | undefined {
  if (added.some(isSigned)) return undefined;
  const walk = EnergyWalk.fromTail(tail);
  const readings = inTimeOrder(added);
  if (!walk || !readings.every((r) => walk.mayTake(r))) return undefined;
  for (const reading of readings) walk.add(reading);
  const extended = walk.tail();
  return extended ? { energy: walk.energy(session), tail: extended } : undefined;
}
