// Mappings that OCPP 1.5 and 1.6 share word for word: most messages kept their field names
// between the versions, so each version's adapter takes these and adds only what differs
// (boot answer, meter value layout, stop reason, connector states).
import type { Domain } from '../domain/index.js';
import { SampleDefaults, type BootInfo, type Command, type CommandResult, type ConnectorStatus, type MeterSample } from '../domain/model.js';
import type { JsonObject } from '../ocpp/rpc.js';
import type * as v15 from '../ocpp/v15/index.js';
import type * as v16 from '../ocpp/v16/index.js';
import type { CallContext, HandledCall, WireCommand } from './adapter.js';

export type Handler<Req> = (domain: Domain, context: CallContext, request: Req) => Promise<HandledCall>;

export function bootInfo(req: v15.BootNotificationRequest | v16.BootNotificationRequest): BootInfo {
  return {
    vendor: req.chargePointVendor,
    model: req.chargePointModel,
    chargePointSerialNumber: req.chargePointSerialNumber,
    chargeBoxSerialNumber: req.chargeBoxSerialNumber,
    firmwareVersion: req.firmwareVersion,
    iccid: req.iccid,
    imsi: req.imsi,
    meterType: req.meterType,
    meterSerialNumber: req.meterSerialNumber,
  };
}

/** One reading (1.6 sampledValue, 1.5 value) as a sample, with the defaults both versions state. */
export function sample(timestamp: string, reading: v15.MeterReading | v16.SampledValue): MeterSample {
  return {
    timestamp,
    value: reading.value,
    measurand: reading.measurand ?? SampleDefaults.measurand,
    unit: reading.unit ?? SampleDefaults.unit,
    context: reading.context ?? SampleDefaults.context,
    format: reading.format ?? SampleDefaults.format,
    location: reading.location ?? SampleDefaults.location,
    phase: ('phase' in reading ? reading.phase : undefined) ?? null,
  };
}

export const heartbeat: Handler<object> = async (domain, { chargePointId }) => ({
  response: { currentTime: await domain.registry.heartbeat(chargePointId) },
});

export const authorize: Handler<v15.AuthorizeRequest | v16.AuthorizeRequest> = async (domain, _context, req) => ({
  response: { idTagInfo: await domain.transactions.authorize(req.idTag) },
});

export const startTransaction: Handler<v15.StartTransactionRequest | v16.StartTransactionRequest> = async (
  domain,
  { chargePointId },
  req,
) => ({
  response: await domain.transactions.start(chargePointId, {
    connectorId: req.connectorId,
    idTag: req.idTag,
    meterStartWh: req.meterStart,
    timestamp: req.timestamp,
    reservationId: req.reservationId,
  }),
});

/** StatusNotification; both versions' states are domain states (1.5's Occupied included). */
export const statusNotification: Handler<v15.StatusNotificationRequest | v16.StatusNotificationRequest> = async (domain, { chargePointId }, req) => {
  await domain.registry.status(chargePointId, {
    connectorId: req.connectorId,
    status: req.status as ConnectorStatus,
    errorCode: req.errorCode,
    info: req.info,
    vendorId: req.vendorId,
    vendorErrorCode: req.vendorErrorCode,
    timestamp: req.timestamp,
  });
  return { response: {} };
};

export const firmwareStatusNotification: Handler<v15.FirmwareStatusNotificationRequest | v16.FirmwareStatusNotificationRequest> = async (domain, { chargePointId }, req) => {
  await domain.registry.jobStatus(chargePointId, 'firmwareStatus', req.status);
  return { response: {} };
};

export const diagnosticsStatusNotification: Handler<v15.DiagnosticsStatusNotificationRequest | v16.DiagnosticsStatusNotificationRequest> = async (domain, { chargePointId }, req) => {
  await domain.registry.jobStatus(chargePointId, 'diagnosticsStatus', req.status);
  return { response: {} };
};

/** No vendor extension is known to Tomada yet: the message is kept and answered as the spec says. */
export const dataTransfer: Handler<v15.DataTransferRequest | v16.DataTransferRequest> = async (domain, { chargePointId }, req) => {
  await domain.registry.note(chargePointId, 'dataTransfer', { vendorId: req.vendorId, messageId: req.messageId ?? null, data: req.data ?? null });
  return { response: { status: 'UnknownVendorId' } };
};

/** The four mandatory commands have the same payloads in 1.5 and 1.6. */
export function wireCommand(command: Command): WireCommand {
  switch (command.kind) {
    case 'remoteStart':
      return {
        action: 'RemoteStartTransaction',
        payload: { idTag: command.idTag, ...(command.connectorId !== undefined ? { connectorId: command.connectorId } : {}) },
      };
    case 'remoteStop':
      return { action: 'RemoteStopTransaction', payload: { transactionId: command.transactionId } };
    case 'reset':
      return { action: 'Reset', payload: { type: command.type } };
    case 'unlock':
      return { action: 'UnlockConnector', payload: { connectorId: command.connectorId } };
  }
}

/** Every answer to the four commands is `{status}`, in both versions. */
export function statusResult(_command: Command, response: JsonObject): CommandResult {
  return { status: String(response.status) };
}
