// OCPP 1.6 JSON wording of the simulator's messages (field names from the OCA 1.6 JSON schemas);
// what 1.5 words the same is in protocol-shared.ts.
import type { JsonObject } from '../ocpp/rpc.js';
import { v16Actions } from '../ocpp/v16/index.js';
import { bootAnswerReader, commandReader, energyReadings, sharedMessages } from './protocol-shared.js';
import type { ChargePointProtocol, Command, CommandOutcome, ConnectorStatus, EnergyReading, OutboundCall, StopTransactionInput } from './protocol.js';

function meterValue(reading: EnergyReading): JsonObject {
  return { timestamp: reading.timestamp.toISOString(), sampledValue: energyReadings(reading) };
}

export const ocpp16: ChargePointProtocol = {
  ...sharedMessages,
  subprotocol: 'ocpp1.6',

  readBootAnswer: bootAnswerReader('interval'),

  reportedStatus: (status: ConnectorStatus) => status,

  statusNotification(connectorId: number, status: ConnectorStatus, timestamp: Date): OutboundCall {
    return {
      action: 'StatusNotification',
      payload: { connectorId, errorCode: 'NoError', status, timestamp: timestamp.toISOString() },
    };
  },

  meterValues(connectorId: number, transactionId: number | undefined, reading: EnergyReading): OutboundCall {
    return {
      action: 'MeterValues',
      payload: {
        connectorId,
        ...(transactionId === undefined ? {} : { transactionId }),
        meterValue: [meterValue(reading)],
      },
    };
  },

  stopTransaction(input: StopTransactionInput): OutboundCall {
    return {
      action: 'StopTransaction',
      payload: {
        transactionId: input.transactionId,
        idTag: input.idTag,
        meterStop: input.meterStopWh,
        timestamp: input.timestamp.toISOString(),
        reason: input.reason,
        transactionData: [meterValue(input.final)],
      },
    };
  },

  readCommand: commandReader(v16Actions),

  answerCommand(command: Command, outcome: CommandOutcome): JsonObject {
    // 1.6 words UnlockConnector's answer itself; every other command answers Accepted/Rejected.
    if (command.kind === 'Unlock') {
      const status = outcome === 'NotSupported' ? 'NotSupported' : outcome === 'Rejected' ? 'UnlockFailed' : 'Unlocked';
      return { status };
    }
    return { status: outcome === 'Rejected' || outcome === 'NotSupported' ? 'Rejected' : 'Accepted' };
  },
};
