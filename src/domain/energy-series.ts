// A session's energy over time, for the dashboard's chart: at each instant a sample was taken, the
// energy the session had delivered by then, by the very rules that give its total (energy.ts), so
// the curve always ends where the stored energy does.
import { computeEnergy } from './energy.js';
import type { MeterSample, Transaction } from './model.js';

export interface EnergyPoint {
  at: string;
  energyWh: number;
}

/**
 * Points in time order: the start (0 Wh), one per sample instant with a known energy between the
 * start and the stop, and the stop. A reading stamped before the start or after the stop (a
 * charger's clock, a reading sent late) still counts where the rules say, but has no point of its
 * own: it drew the curve back in time, from after the stop to the stop.
 */
export function energySeries(tx: Pick<Transaction, 'startedAt' | 'stoppedAt' | 'meterStartWh' | 'meterStopWh' | 'energyWh'>, samples: readonly MeterSample[]): EnergyPoint[] {
  const points: EnergyPoint[] = [{ at: tx.startedAt, energyWh: 0 }];
  const startMs = Date.parse(tx.startedAt);
  const stopMs = tx.stoppedAt === null ? Infinity : Date.parse(tx.stoppedAt);
  const instants = [...new Set(samples.map((s) => s.timestamp))]
    .map((at) => ({ at, ms: Date.parse(at) }))
    .filter((i) => i.ms > startMs && i.ms < stopMs)
    .sort((a, b) => a.ms - b.ms);
  for (const { at, ms } of instants) {
    // What the session had reported up to this instant, as if it were still running then.
    const upTo = samples.filter((s) => Date.parse(s.timestamp) <= ms);
    const { energyWh } = computeEnergy({ meterStartWh: tx.meterStartWh, meterStopWh: null, samples: upTo });
    if (energyWh !== null) points.push({ at, energyWh });
  }
  if (tx.stoppedAt !== null && tx.energyWh !== null) points.push({ at: tx.stoppedAt, energyWh: tx.energyWh });
  return points;
}
