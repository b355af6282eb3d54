// The simulated energy meter of one connector. Energy is counted in watt-milliseconds, an integer,
// so the register read in whole Wh never drifts: every sample and the session delta are exact, and
// the simulator can serve as the oracle for what the central system should have computed.

export type EnergyUnit = 'Wh' | 'kWh';
/** How a session's energy is reported: a cumulative register, or the energy of each interval. */
export type EnergyMode = 'register' | 'interval';

const WATT_MS_PER_WH = 3_600_000;

export class EnergyMeter {
  private wattMs: number;

  constructor(initialRegisterWh = 0) {
    if (!Number.isSafeInteger(initialRegisterWh) || initialRegisterWh < 0) {
      throw new RangeError(`initial register must be a non-negative integer Wh, got ${initialRegisterWh}`);
    }
    this.wattMs = initialRegisterWh * WATT_MS_PER_WH;
  }

  /** The register in whole Wh (energy below one Wh stays inside the meter until it completes one). */
  get registerWh(): number {
    return Math.floor(this.wattMs / WATT_MS_PER_WH);
  }

  /** Advances the meter by `powerW` drawn for `durationMs`. */
  advance(powerW: number, durationMs: number): void {
    if (!(powerW >= 0) || !(durationMs >= 0)) throw new RangeError('power and duration must be non-negative');
    this.wattMs += Math.round(powerW * durationMs);
  }
}

/** A value in Wh written in the given unit: "1234567" in Wh, "1234.567" in kWh (always 3 decimals). */
export function formatEnergy(wh: number, unit: EnergyUnit): string {
  if (!Number.isSafeInteger(wh)) throw new RangeError(`energy must be an integer Wh, got ${wh}`);
  if (unit === 'Wh') return String(wh);
  // String arithmetic rather than wh / 1000 so no binary fraction ever reaches the wire.
  const sign = wh < 0 ? '-' : '';
  const abs = Math.abs(wh);
  return `${sign}${Math.floor(abs / 1000)}.${String(abs % 1000).padStart(3, '0')}`;
}
