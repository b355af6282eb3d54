// A connector of the simulated charge point and the session charging on it. The session record is
// what the simulator itself measured: the oracle a test compares the central system against.
import { EnergyMeter, type EnergyMode, type EnergyUnit } from './meter.js';
import type { ConnectorStatus, EnergyReading, StopReason } from './protocol.js';

export interface SimSession {
  chargePointId: string;
  connectorId: number;
  /** Given by the central system's StartTransaction answer; undefined until then (or if refused). */
  transactionId: number | undefined;
  idTag: string;
  meterStartWh: number;
  meterStopWh: number | undefined;
  /** meterStopWh − meterStartWh, once stopped. */
  deliveredWh: number | undefined;
  stopReason: StopReason | undefined;
  startedAt: string;
  stoppedAt: string | undefined;
}

export interface MeterSettings {
  mode: EnergyMode;
  unit: EnergyUnit;
  powerW: number;
  sampleIntervalMs: number;
}

export class ActiveSession {
  /** Register at the previous reading, for interval mode. */
  private lastReadingWh: number;
  /** Set once a stop is decided, so a second command for the same session is refused. */
  stopping = false;
  timer: NodeJS.Timeout | undefined;

  constructor(readonly record: SimSession) {
    this.lastReadingWh = record.meterStartWh;
  }

  /** The reading to report now: the register, or the energy since the previous reading. */
  reading(meter: MeterSettings, registerWh: number, timestamp: Date, context: EnergyReading['context']): EnergyReading {
    const wh = meter.mode === 'register' ? registerWh : registerWh - this.lastReadingWh;
    this.lastReadingWh = registerWh;
    return {
      timestamp,
      context,
      mode: meter.mode,
      unit: meter.unit,
      wh,
      ...(context === 'Sample.Periodic' ? { powerW: meter.powerW } : {}),
    };
  }
}

export class Connector {
  status: ConnectorStatus = 'Available';
  session: ActiveSession | undefined;
  /** Claimed by a session being authorized, so no other start takes the connector meanwhile. */
  reserved = false;
  readonly meter: EnergyMeter;

  constructor(
    readonly id: number,
    initialRegisterWh: number,
  ) {
    this.meter = new EnergyMeter(initialRegisterWh);
  }

  get free(): boolean {
    return !this.session && !this.reserved && this.status === 'Available';
  }
}
