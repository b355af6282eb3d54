// OCPP 1.5 wording of the simulator's messages: the WSDL element names as JSON keys, as OCPP 1.5
// over JSON carries them and as the SOAP codec maps them to and from XML (src/ocpp/v15). The same
// wording serves `ocpp1.5-json` (WebSocket link) and `ocpp1.5-soap` (soap-link.ts).
//
// Where 1.5 differs from 1.6 (WIRE-NOTES.md, the 1.5 WSDLs):
// - connector status: Available, Occupied, Faulted, Unavailable, Reserved; the simulator's
//   Preparing, Charging and Finishing are all Occupied;
// - BootNotification.conf gives `heartbeatInterval` (1.6: `interval`) and knows no Pending;
// - a MeterValue is `{timestamp, value: [{value, context, format, measurand, location, unit}]}`,
//   MeterValues carries them as `values`, StopTransaction as `transactionData: [{values: […]}]`;
// - StopTransaction has no `reason` (the simulator still records it in sessions());
// - UnlockConnector answers Accepted or Rejected.
import type { JsonObject } from '../ocpp/rpc.js';
import { chargePointActions } from '../ocpp/v15/index.js';
import { bootAnswerReader, commandReader, energyReadings, sharedMessages } from './protocol-shared.js';
import type { ChargePointProtocol, Command, CommandOutcome, ConnectorStatus, EnergyReading, OutboundCall, StopTransactionInput } from './protocol.js';

/** The 1.5 ChargePointStatus of a simulator connector state. */
const statusOf: Record<ConnectorStatus, string> = {
  Available: 'Available',
  Preparing: 'Occupied',
  Charging: 'Occupied',
  Finishing: 'Occupied',
  Unavailable: 'Unavailable',
  Faulted: 'Faulted',
};

function meterValue(reading: EnergyReading): JsonObject {
  return { timestamp: reading.timestamp.toISOString(), value: energyReadings(reading) };
}

export const ocpp15: ChargePointProtocol = {
  ...sharedMessages,
  subprotocol: 'ocpp1.5',

  readBootAnswer: bootAnswerReader('heartbeatInterval'),

  reportedStatus: (status: ConnectorStatus) => statusOf[status],

  statusNotification(connectorId: number, status: ConnectorStatus, timestamp: Date): OutboundCall {
    return {
      action: 'StatusNotification',
      payload: { connectorId, status: statusOf[status], errorCode: 'NoError', timestamp: timestamp.toISOString() },
    };
  },

  meterValues(connectorId: number, transactionId: number | undefined, reading: EnergyReading): OutboundCall {
    return {
      action: 'MeterValues',
      payload: {
        connectorId,
        ...(transactionId === undefined ? {} : { transactionId }),
        values: [meterValue(reading)],
      },
    };
  },

  stopTransaction(input: StopTransactionInput): OutboundCall {
    // No reason in 1.5: the WSDL's StopTransactionRequest ends with meterStop and transactionData.
    return {
      action: 'StopTransaction',
      payload: {
        transactionId: input.transactionId,
        idTag: input.idTag,
        timestamp: input.timestamp.toISOString(),
        meterStop: input.meterStopWh,
        transactionData: [{ values: [meterValue(input.final)] }],
      },
    };
  },

  readCommand: commandReader(chargePointActions),

  answerCommand(_command: Command, outcome: CommandOutcome): JsonObject {
    // Every 1.5 command the simulator handles answers Accepted or Rejected (UnlockConnector too).
    return { status: outcome === 'Accepted' || outcome === 'Unlocked' ? 'Accepted' : 'Rejected' };
  },
};
