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
import { RpcError, type JsonObject } from '../ocpp/rpc.js';
import { violationText } from '../ocpp/validate.js';
import { chargePointActions } from '../ocpp/v15/index.js';
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

// Pending is not a 1.5 status, but an answer carrying it is read as what it means (ask again later).
const registrationStatuses: readonly RegistrationStatus[] = ['Accepted', 'Pending', 'Rejected'];

/** The 1.5 ChargePointStatus of a simulator connector state. */
const statusOf: Record<ConnectorStatus, string> = {
  Available: 'Available',
  Preparing: 'Occupied',
  Charging: 'Occupied',
  Finishing: 'Occupied',
  Unavailable: 'Unavailable',
  Faulted: 'Faulted',
};

/** The readings of one MeterValue: the energy, then the power when known. */
function readings(reading: EnergyReading): JsonObject[] {
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
  return { timestamp: reading.timestamp.toISOString(), value: readings(reading) };
}

function idTagInfoStatus(payload: JsonObject): string {
  const info = payload['idTagInfo'];
  const status = typeof info === 'object' && info !== null ? (info as JsonObject)['status'] : undefined;
  return typeof status === 'string' ? status : 'Invalid';
}

/** The commands the simulator acts on; every other ChargePointService operation is NotImplemented. */
const handled = ['RemoteStartTransaction', 'RemoteStopTransaction', 'Reset', 'UnlockConnector'] as const;
type HandledAction = (typeof handled)[number];

/** Checks a command payload against its 1.5 schema; a violation is the RpcError its code names. */
function validCommand(action: HandledAction, payload: JsonObject): JsonObject {
  const result = chargePointActions[action].validateRequest(payload);
  if (!result.ok) throw new RpcError(result.violation.code, `${action}: ${violationText(result.violation)}`);
  return result.value as JsonObject;
}

export const ocpp15: ChargePointProtocol = {
  subprotocol: 'ocpp1.5',

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
    const interval = payload['heartbeatInterval'];
    return {
      // An answer we cannot read is treated as Pending: ask again later rather than give up.
      status: registrationStatuses.find((s) => s === status) ?? 'Pending',
      intervalSeconds: typeof interval === 'number' && interval >= 0 ? interval : 0,
    };
  },

  heartbeat: () => ({ action: 'Heartbeat', payload: {} }),

  authorize: (idTag: string) => ({ action: 'Authorize', payload: { idTag } }),

  readAuthorizeAnswer: idTagInfoStatus,

  reportedStatus: (status: ConnectorStatus) => statusOf[status],

  statusNotification(connectorId: number, status: ConnectorStatus, timestamp: Date): OutboundCall {
    return {
      action: 'StatusNotification',
      payload: { connectorId, status: statusOf[status], errorCode: 'NoError', timestamp: timestamp.toISOString() },
    };
  },

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

  readCommand(action: string, payload: JsonObject): Command {
    switch (action) {
      case 'RemoteStartTransaction': {
        const p = validCommand(action, payload);
        return { kind: 'RemoteStart', connectorId: p['connectorId'] as number | undefined, idTag: p['idTag'] as string };
      }
      case 'RemoteStopTransaction':
        return { kind: 'RemoteStop', transactionId: validCommand(action, payload)['transactionId'] as number };
      case 'Reset':
        return { kind: 'Reset', type: validCommand(action, payload)['type'] as 'Soft' | 'Hard' };
      case 'UnlockConnector':
        return { kind: 'Unlock', connectorId: validCommand(action, payload)['connectorId'] as number };
      default:
        throw new RpcError('NotImplemented', `The simulator does not implement ${action}`);
    }
  },

  answerCommand(command: Command, outcome: CommandOutcome): JsonObject {
    // Every 1.5 command the simulator handles answers Accepted or Rejected (UnlockConnector too).
    return { status: outcome === 'Accepted' || outcome === 'Unlocked' ? 'Accepted' : 'Rejected' };
  },
};
