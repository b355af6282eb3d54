// The readings of a (verified) OCMF data set in the domain's terms: energies in Wh with their
// instant in UTC, the meter's clock state, the transaction marker and the data set's page.
import { parseOcmfTime } from './time.js';
import type { CurrentType, MeterState, OcmfMessage, OcmfReading, TimeSync, TransactionMarker } from './types.js';

export { checkPagination, parsePagination, type PaginationCheck } from './pagination.js';

interface ReadingTime {
  /** ISO 8601 UTC with milliseconds. */
  time: string;
  /** TM exactly as the meter wrote it (local time, offset and sync state). */
  reportedTime: string;
  sync: TimeSync;
  transaction: TransactionMarker | null;
  meterState: MeterState;
  /** E: energy unusable, t: time unusable; empty when the meter reports no error. */
  errorFlags: string;
  /** PG of the data set the reading is in. */
  pagination: string;
}

export interface EnergyReading extends ReadingTime {
  /** The reading in Wh, exact to the decimal digits sent (RV × 1000 for kWh); may be fractional. */
  wh: number;
  /** RV and RU as sent. */
  value: number;
  unit: 'Wh' | 'kWh';
  /** The OBIS code of the register read (RI), when given. */
  identifier: string | null;
  currentType: CurrentType | null;
  /** The meter vouches for this energy: its state is G (good) and it flags no energy error (E). */
  energyUsable: boolean;
}

/** A reading without a value: the meter reports an event (an error state) only. */
export type MeterEvent = ReadingTime;

/**
 * kWh → Wh by moving the decimal point in the number's shortest decimal form, so 1.005 kWh is
 * 1005 Wh, not 1004.9999999999999 as a binary multiplication gives.
 */
export function toWh(value: number, unit: 'Wh' | 'kWh'): number {
  if (unit === 'Wh') return value;
  const [mantissa, exponent = '0'] = String(value).split('e');
  return Number(`${mantissa}e${Number(exponent) + 3}`);
}

function timeOf(reading: OcmfReading, pagination: string): ReadingTime {
  // parseOcmf refused any data set whose TM does not parse.
  const t = parseOcmfTime(reading.TM)!;
  return {
    time: t.iso,
    reportedTime: reading.TM,
    sync: t.sync,
    transaction: reading.TX ?? null,
    meterState: reading.ST,
    errorFlags: reading.EF ?? '',
    pagination,
  };
}

/** The energy readings (RU Wh or kWh, with a value), in the data set's order. */
export function energyReadings(message: OcmfMessage): EnergyReading[] {
  const { PG, RD } = message.payload;
  return RD.flatMap((r) => {
    if (r.RV === undefined || (r.RU !== 'Wh' && r.RU !== 'kWh')) return [];
    const base = timeOf(r, PG);
    return [
      {
        ...base,
        wh: toWh(r.RV, r.RU),
        value: r.RV,
        unit: r.RU,
        identifier: r.RI ?? null,
        currentType: r.RT ?? null,
        energyUsable: r.ST === 'G' && !base.errorFlags.includes('E'),
      },
    ];
  });
}

/** The readings that carry no value: events of the meter. */
export function meterEvents(message: OcmfMessage): MeterEvent[] {
  const { PG, RD } = message.payload;
  return RD.filter((r) => r.RV === undefined).map((r) => timeOf(r, PG));
}
