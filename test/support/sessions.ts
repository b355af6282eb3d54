// A running session as the store takes it, for tests that fill a store with many: only what tells
// one from another is given, the rest is what a StartTransaction stores.
import type { NewTransaction } from '../../src/store/store.js';

export function runningSession(fields: Pick<NewTransaction, 'chargePointId' | 'connectorId' | 'idTag' | 'startedAt' | 'meterStartWh'>): NewTransaction {
  return {
    ...fields,
    idTagStatus: 'Accepted',
    stoppedAt: null,
    meterStopWh: null,
    energyWh: null,
    energySource: 'none',
    stopReason: null,
    stopIdTag: null,
    anomalies: [],
    reservationId: null,
    signedMeterStatus: 'absent',
    signedMeterReason: null,
    energyTail: null,
  };
}
