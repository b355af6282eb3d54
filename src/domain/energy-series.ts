// A session's energy over time, for the dashboard's chart: at each instant a sample was taken, the
// energy the session had delivered by then, by the very rules that give its total (energy.ts), so
// the curve always ends where the stored energy does.
import { computeEnergy, energyTail, extendEnergy, isEnergyReading, type EnergyResult } from './energy.js';
import type { EnergyTail, MeterSample, Transaction } from './model.js';

/** A session's energy at an instant, and what extendEnergy needs to go on from it (null: it cannot). */
interface Reached {
  energy: EnergyResult;
  tail: EnergyTail | null;
}

export interface EnergyPoint {
  at: string;
  energyWh: number;
}

/**
 * Points in time order: the start (0 Wh), one per sample instant with a known energy between the
 * start and the stop, and the stop. A reading stamped before the start or after the stop (a
 * charger's clock, a reading sent late) still counts where the rules say, but has no point of its
 * own: it drew the curve back in time, from after the stop to the stop.
 *
 * The energy by an instant is that of the energy readings up to it, so the readings are walked
 * once in time order (arrival order among those of one instant, as the rules break ties), and each
 * instant's energy goes on from the one before as a session's does when a MeterValues arrives
 * (extendEnergy), or is computed from the readings so far when it cannot. Computed from every
 * sample at every instant, a day's session of a reading a minute and nine other measurands held
 * the node 19 s for one look at its chart, every charge point's answers with it.
 */
export function energySeries(tx: Pick<Transaction, 'startedAt' | 'stoppedAt' | 'meterStartWh' | 'meterStopWh' | 'energyWh'>, samples: readonly MeterSample[]): EnergyPoint[] {
  const points: EnergyPoint[] = [{ at: tx.startedAt, energyWh: 0 }];
  const startMs = Date.parse(tx.startedAt);
  const stopMs = tx.stoppedAt === null ? Infinity : Date.parse(tx.stoppedAt);
  const instants = [...new Set(samples.map((s) => s.timestamp))]
    .map((at) => ({ at, ms: Date.parse(at) }))
    .filter((i) => i.ms > startMs && i.ms < stopMs)
    .sort((a, b) => a.ms - b.ms);
  // Only what the rules read; the sort is stable, so arrival order stays among readings alike in time.
  const readings = samples
    .filter(isEnergyReading)
    .map((sample) => ({ sample, ms: Date.parse(sample.timestamp) }))
    .sort((a, b) => a.ms - b.ms);
  /** The energy once the readings up to `taken` are in, going on from `before` when it can. */
  const energyBy = (before: Reached | undefined, from: number, taken: number): Reached => {
    // As if the session were still running then.
    const session = { meterStartWh: tx.meterStartWh, meterStopWh: null };
    const added = readings.slice(from, taken).map((r) => r.sample);
    const extended = before?.tail ? extendEnergy({ ...session, anomalies: before.energy.anomalies }, before.tail, added) : undefined;
    if (extended) return extended;
    const upTo = readings.slice(0, taken).map((r) => r.sample);
    return { energy: computeEnergy({ ...session, samples: upTo }), tail: energyTail(upTo) };
  };
  let taken = 0;
  let current: Reached | undefined;
  for (const { at, ms } of instants) {
    const from = taken;
    while (taken < readings.length && readings[taken]!.ms <= ms) taken++;
    if (current === undefined || taken > from) current = energyBy(current, from, taken);
    if (current.energy.energyWh !== null) points.push({ at, energyWh: current.energy.energyWh });
  }
  if (tx.stoppedAt !== null && tx.energyWh !== null) points.push({ at: tx.stoppedAt, energyWh: tx.energyWh });
  return points;
}
