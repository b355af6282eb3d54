// What the simulator says the same way in OCPP 1.5 and 1.6: most messages kept their field names
// between the versions. protocol-15.ts and protocol-16.ts take these and add what differs.
import type { OcppAction } from '../ocpp/action.js';
import { RpcError, type JsonObject } from '../ocpp/rpc.js';
import { violationText } from '../ocpp/validate.js';
import { formatEnergy } from './meter.js';
import type {
  BootAnswer,
  BootInfo,
  ChargePointProtocol,
  Command,
  EnergyReading,
  OutboundCall,
  RegistrationStatus,
  StartTransactionAnswer,
  StartTransactionInput,
} from './protocol.js';

/** Pending is not a 1.5 status, but an answer carrying it is read as what it means (ask again later). */
const registrationStatuses: readonly RegistrationStatus[] = ['Accepted', 'Pending', 'Rejected'];

/** The readings of one sample (1.6 sampledValue, 1.5 value): the energy, then the power when known. */
export function energyReadings(reading: EnergyReading): JsonObject[] {
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

function idTagInfoStatus(payload: JsonObject): string {
  const info = payload['idTagInfo'];
  const status = typeof info === 'object' && info !== null ? (info as JsonObject)['status'] : undefined;
  return typeof status === 'string' ? status : 'Invalid';
}

/** The boot answer, whose interval 1.6 calls `interval` and 1.5 `heartbeatInterval`. */
export function bootAnswerReader(intervalField: string): (payload: JsonObject) => BootAnswer {
  return (payload) => {
    const status = payload['status'];
    const interval = payload[intervalField];
    return {
      // An answer we cannot read is treated as Pending: ask again later rather than give up.
      status: registrationStatuses.find((s) => s === status) ?? 'Pending',
      intervalSeconds: typeof interval === 'number' && interval >= 0 ? interval : 0,
    };
  };
}

/**
 * The four commands the simulator acts on, checked against the version's own schemas (a
 * violation is the RpcError its code names); any other action is NotImplemented.
 */
export function commandReader(actions: Readonly<Record<string, OcppAction>>): (action: string, payload: JsonObject) => Command {
  const valid = (action: string, payload: JsonObject): JsonObject => {
    const result = actions[action]!.validateRequest(payload);
    if (!result.ok) throw new RpcError(result.violation.code, `${action}: ${violationText(result.violation)}`);
    return payload;
  };
  return (action, payload) => {
    switch (action) {
      case 'RemoteStartTransaction': {
        const p = valid(action, payload);
        return { kind: 'RemoteStart', connectorId: p['connectorId'] as number | undefined, idTag: p['idTag'] as string };
      }
      case 'RemoteStopTransaction':
        return { kind: 'RemoteStop', transactionId: valid(action, payload)['transactionId'] as number };
      case 'Reset':
        return { kind: 'Reset', type: valid(action, payload)['type'] as 'Soft' | 'Hard' };
      case 'UnlockConnector':
        return { kind: 'Unlock', connectorId: valid(action, payload)['connectorId'] as number };
      default:
        throw new RpcError('NotImplemented', `The simulator does not implement ${action}`);
    }
  };
}

/** The messages both versions word identically. */
export const sharedMessages: Pick<
  ChargePointProtocol,
  'bootNotification' | 'heartbeat' | 'authorize' | 'readAuthorizeAnswer' | 'startTransaction' | 'readStartTransactionAnswer'
> = {
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

  heartbeat: () => ({ action: 'Heartbeat', payload: {} }),

  authorize: (idTag: string) => ({ action: 'Authorize', payload: { idTag } }),

  readAuthorizeAnswer: idTagInfoStatus,

  startTransaction(input: StartTransactionInput): OutboundCall {
    return {
      action: 'StartTransaction',
      payload: {
        connectorId: input.connectorId,
        idTag: input.idTag,
        timestamp: input.timestamp.toISOString(),
        meterStart: input.meterStartWh,
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
};
