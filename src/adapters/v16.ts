// OCPP 1.6 JSON ⇄ domain. Thin on purpose: field names and defaults are mapped here, every rule
// lives in the domain.
import type { Domain } from '../domain/index.js';
import { SampleDefaults, type Command, type CommandResult, type ConnectorStatus, type MeterSample } from '../domain/model.js';
import {
  Authorize,
  BootNotification,
  DataTransfer,
  DiagnosticsStatusNotification,
  FirmwareStatusNotification,
  Heartbeat,
  MeterValues,
  RemoteStartTransaction,
  RemoteStopTransaction,
  Reset,
  StartTransaction,
  StatusNotification,
  StopTransaction,
  UnlockConnector,
  v16Actions,
  type AuthorizeRequest,
  type BootNotificationRequest,
  type DataTransferRequest,
  type DiagnosticsStatusNotificationRequest,
  type FirmwareStatusNotificationRequest,
  type MeterValue,
  type MeterValuesRequest,
  type StartTransactionRequest,
  type StatusNotificationRequest,
  type StopTransactionRequest,
} from '../ocpp/v16/index.js';
import type { JsonObject } from '../ocpp/rpc.js';
import type { CallContext, HandledCall, JsonProtocolAdapter, WireCommand } from './adapter.js';

/** Flattens 1.6 MeterValue/sampledValue lists into samples, applying the spec's defaults. */
export function samplesFrom16(meterValues: readonly MeterValue[] = []): MeterSample[] {
  return meterValues.flatMap((mv) =>
    mv.sampledValue.map((sv) => ({
      timestamp: mv.timestamp,
      value: sv.value,
      measurand: sv.measurand ?? SampleDefaults.measurand,
      unit: sv.unit ?? SampleDefaults.unit,
      context: sv.context ?? SampleDefaults.context,
      format: sv.format ?? SampleDefaults.format,
      location: sv.location ?? SampleDefaults.location,
      phase: sv.phase ?? null,
    })),
  );
}

type Handler = (domain: Domain, context: CallContext, payload: never) => Promise<HandledCall>;

const handlers: Record<string, Handler> = {
  [BootNotification.name]: async (domain, { chargePointId }, req: BootNotificationRequest) => {
    const answer = await domain.registry.boot(chargePointId, {
      vendor: req.chargePointVendor,
      model: req.chargePointModel,
      chargePointSerialNumber: req.chargePointSerialNumber,
      chargeBoxSerialNumber: req.chargeBoxSerialNumber,
      firmwareVersion: req.firmwareVersion,
      iccid: req.iccid,
      imsi: req.imsi,
      meterType: req.meterType,
      meterSerialNumber: req.meterSerialNumber,
    });
    return {
      response: { status: answer.status, currentTime: answer.currentTime, interval: answer.intervalS },
      registration: answer.status,
    };
  },

  [Heartbeat.name]: async (domain, { chargePointId }) => ({
    response: { currentTime: await domain.registry.heartbeat(chargePointId) },
  }),

  [Authorize.name]: async (domain, _context, req: AuthorizeRequest) => ({
    response: { idTagInfo: await domain.transactions.authorize(req.idTag) },
  }),

  [StartTransaction.name]: async (domain, { chargePointId }, req: StartTransactionRequest) => ({
    response: await domain.transactions.start(chargePointId, {
      connectorId: req.connectorId,
      idTag: req.idTag,
      meterStartWh: req.meterStart,
      timestamp: req.timestamp,
      reservationId: req.reservationId,
    }),
  }),

  [StopTransaction.name]: async (domain, { chargePointId }, req: StopTransactionRequest) => {
    const idTagInfo = await domain.transactions.stop(chargePointId, {
      transactionId: req.transactionId,
      idTag: req.idTag,
      meterStopWh: req.meterStop,
      timestamp: req.timestamp,
      reason: req.reason,
      samples: samplesFrom16(req.transactionData),
    });
    return { response: idTagInfo ? { idTagInfo } : {} };
  },

  [MeterValues.name]: async (domain, { chargePointId }, req: MeterValuesRequest) => {
    await domain.transactions.meterValues(chargePointId, {
      connectorId: req.connectorId,
      transactionId: req.transactionId,
      samples: samplesFrom16(req.meterValue),
    });
    return { response: {} };
  },

  [StatusNotification.name]: async (domain, { chargePointId }, req: StatusNotificationRequest) => {
    await domain.registry.status(chargePointId, {
      connectorId: req.connectorId,
      // The 1.6 states are the domain's states.
      status: req.status as ConnectorStatus,
      errorCode: req.errorCode,
      info: req.info,
      vendorId: req.vendorId,
      vendorErrorCode: req.vendorErrorCode,
      timestamp: req.timestamp,
    });
    return { response: {} };
  },

  [FirmwareStatusNotification.name]: async (domain, { chargePointId }, req: FirmwareStatusNotificationRequest) => {
    await domain.registry.note(chargePointId, 'firmwareStatus', { status: req.status });
    return { response: {} };
  },

  [DiagnosticsStatusNotification.name]: async (domain, { chargePointId }, req: DiagnosticsStatusNotificationRequest) => {
    await domain.registry.note(chargePointId, 'diagnosticsStatus', { status: req.status });
    return { response: {} };
  },

  // No vendor extension is known to Tomada yet; the message is kept and answered as the spec says.
  [DataTransfer.name]: async (domain, { chargePointId }, req: DataTransferRequest) => {
    await domain.registry.note(chargePointId, 'dataTransfer', { vendorId: req.vendorId, messageId: req.messageId ?? null, data: req.data ?? null });
    return { response: { status: 'UnknownVendorId' } };
  },
};

const inbound = Object.fromEntries(Object.keys(handlers).map((name) => [name, v16Actions[name as keyof typeof v16Actions]]));
const outbound = { RemoteStartTransaction, RemoteStopTransaction, Reset, UnlockConnector };

export const ocpp16Adapter: JsonProtocolAdapter = {
  ocppVersion: '1.6',
  subprotocol: 'ocpp1.6',
  inbound,
  outbound,
  bootAction: BootNotification.name,

  handle(domain, context, action, payload) {
    const handler = handlers[action];
    if (!handler) throw new Error(`No 1.6 handler for ${action}`);
    return handler(domain, context, payload as never);
  },

  command(command: Command): WireCommand {
    switch (command.kind) {
      case 'remoteStart':
        return {
          action: RemoteStartTransaction.name,
          payload: { idTag: command.idTag, ...(command.connectorId !== undefined ? { connectorId: command.connectorId } : {}) },
        };
      case 'remoteStop':
        return { action: RemoteStopTransaction.name, payload: { transactionId: command.transactionId } };
      case 'reset':
        return { action: Reset.name, payload: { type: command.type } };
      case 'unlock':
        return { action: UnlockConnector.name, payload: { connectorId: command.connectorId } };
    }
  },

  // Every one of the four answers is `{status}` in 1.6.
  commandResult(_command: Command, response: JsonObject): CommandResult {
    return { status: String(response.status) };
  },
};
