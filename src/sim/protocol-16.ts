// OCPP 1.6 JSON wording of the simulator's messages (field names from the OCA 1.6 JSON schemas).
import { RpcError, type JsonObject } from '../ocpp/rpc.js';
import { formatEnergy } from './meter.js';
import type {
  BootAnswer,
  BootInfo,
  ChargePointProtocol,
  Command,
  CommandOutcome,
  ConnectorStatus,
  EnergyReading,
  OutboundCall,
  RegistrationStatus,
  StartTransactionAnswer,
  StartTransactionInput,
  StopTransactionInput,
} from './protocol.js';

const registrationStatuses: readonly RegistrationStatus[] = ['Accepted', 'Pending', 'Rejected'];

/** The sampled values of one reading: the energy, then the power when known. */
function sampledValues(reading: EnergyReading): JsonObject[] {
  const values: JsonObject[] = [
    {
      value: formatEnergy(reading.wh, reading.unit),
      context: reading.context,
      format: 'Raw',
      measurand: reading.mode === 'register' ? 'Energy.Active.Import.Register' : 'Energy.Active.Import.Interval',
      location: 'Outlet',
      unit: reading.unit,
    },
  ];
  if (reading.powerW !== undefined) {
    values.push({
      value: String(Math.round(reading.powerW)),
      context: reading.context,
      format: 'Raw',
      measurand: 'Power.Active.Import',
      location: 'Outlet',
      unit: 'W',
    });
  }
  return values;
}

function meterValue(reading: EnergyReading): JsonObject {
  return { timestamp: reading.timestamp.toISOString(), sampledValue: sampledValues(reading) };
}

function field(payload: JsonObject, name: string): unknown {
  const value = payload[name];
  if (value === undefined) throw new RpcError('OccurenceConstraintViolation', `${name} is required`);
  return value;
}

function integerField(payload: JsonObject, name: string): number {
  const value = field(payload, name);
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new RpcError('TypeConstraintViolation', `${name} must be an integer`);
  }
  return value;
}

function stringField(payload: JsonObject, name: string): string {
  const value = field(payload, name);
  if (typeof value !== 'string') throw new RpcError('TypeConstraintViolation', `${name} must be a string`);
  return value;
}

function idTagInfoStatus(payload: JsonObject): string {
  const info = payload['idTagInfo'];
  const status = typeof info === 'object' && info !== null ? (info as JsonObject)['status'] : undefined;
  return typeof status === 'string' ? status : 'Invalid';
}

export const ocpp16: ChargePointProtocol = {
  subprotocol: 'ocpp1.6',

  bootNotification(info: BootInfo): OutboundCall {
    return {
      action: 'BootNotification',
      payload: {
        chargePointVendor: info.vendor,
        chargePointModel: info.model,
        chargePointSerialNumber: info.serialNumber,
        firmwareVersion: info.firmwareVersion,
      },
    };
  },

  readBootAnswer(payload: JsonObject): BootAnswer {
    const status = payload['status'];
    const interval = payload['interval'];
    return {
      // An answer we cannot read is treated as Pending: ask again later rather than give up.
      status: registrationStatuses.find((s) => s === status) ?? 'Pending',
      intervalSeconds: typeof interval === 'number' && interval >= 0 ? interval : 0,
    };
  },

  heartbeat: () => ({ action: 'Heartbeat', payload: {} }),

  authorize: (idTag: string) => ({ action: 'Authorize', payload: { idTag } }),

  readAuthorizeAnswer: idTagInfoStatus,

  reportedStatus: (status: ConnectorStatus) => status,

  statusNotification(connectorId: number, status: ConnectorStatus, timestamp: Date): OutboundCall {
    return {
      action: 'StatusNotification',
      payload: { connectorId, errorCode: 'NoError', status, timestamp: timestamp.toISOString() },
    };
  },

  startTransaction(input: StartTransactionInput): OutboundCall {
    return {
      action: 'StartTransaction',
      payload: {
        connectorId: input.connectorId,
        idTag: input.idTag,
        meterStart: input.meterStartWh,
        timestamp: input.timestamp.toISOString(),
      },
    };
  },

  readStartTransactionAnswer(payload: JsonObject): StartTransactionAnswer {
    const transactionId = payload['transactionId'];
    if (typeof transactionId !== 'number' || !Number.isInteger(transactionId)) {
      throw new Error(`StartTransaction answer has no integer transactionId: ${JSON.stringify(payload)}`);
    }
    return { transactionId, idTagStatus: idTagInfoStatus(payload) };
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

  readCommand(action: string, payload: JsonObject): Command {
    switch (action) {
      case 'RemoteStartTransaction': {
        const connectorId = payload['connectorId'] === undefined ? undefined : integerField(payload, 'connectorId');
        return { kind: 'RemoteStart', connectorId, idTag: stringField(payload, 'idTag') };
      }
      case 'RemoteStopTransaction':
        return { kind: 'RemoteStop', transactionId: integerField(payload, 'transactionId') };
      case 'Reset': {
        const type = stringField(payload, 'type');
        if (type !== 'Soft' && type !== 'Hard') {
          throw new RpcError('PropertyConstraintViolation', 'type must be Soft or Hard');
        }
        return { kind: 'Reset', type };
      }
      case 'UnlockConnector':
        return { kind: 'Unlock', connectorId: integerField(payload, 'connectorId') };
      default:
        throw new RpcError('NotImplemented', `The simulator does not implement ${action}`);
    }
  },

  answerCommand(command: Command, outcome: CommandOutcome): JsonObject {
    // 1.6 words UnlockConnector's answer itself; every other command answers Accepted/Rejected.
    if (command.kind === 'Unlock') {
      const status = outcome === 'NotSupported' ? 'NotSupported' : outcome === 'Rejected' ? 'UnlockFailed' : 'Unlocked';
      return { status };
    }
    return { status: outcome === 'Rejected' || outcome === 'NotSupported' ? 'Rejected' : 'Accepted' };
  },
};
