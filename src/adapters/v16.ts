// OCPP 1.6 JSON ⇄ domain. Thin on purpose: the messages 1.5 and 1.6 share come from shared.ts;
// here are only the 1.6 boot answer, the 1.6 meter value layout and the stop reason.
import type { MeterSample } from '../domain/model.js';
import {
  RemoteStartTransaction,
  RemoteStopTransaction,
  Reset,
  UnlockConnector,
  v16Actions,
  type BootNotificationRequest,
  type MeterValue,
  type MeterValuesRequest,
  type StopTransactionRequest,
} from '../ocpp/v16/index.js';
import type { JsonProtocolAdapter } from './adapter.js';
import * as shared from './shared.js';

/** Flattens 1.6 MeterValue/sampledValue lists into samples, applying the spec's defaults. */
export function samplesFrom16(meterValues: readonly MeterValue[] = []): MeterSample[] {
  return meterValues.flatMap((mv) => mv.sampledValue.map((sv) => shared.sample(mv.timestamp, sv)));
}

const bootNotification: shared.Handler<BootNotificationRequest> = async (domain, { chargePointId, transport }, req) => {
  const answer = await domain.registry.boot(chargePointId, shared.bootInfo(req), { ocppVersion: '1.6', transport });
  return {
    response: { status: answer.status, currentTime: answer.currentTime, interval: answer.intervalS },
    registration: answer.registration,
  };
};

const meterValues: shared.Handler<MeterValuesRequest> = async (domain, { chargePointId }, req) => {
  await domain.transactions.meterValues(chargePointId, {
    connectorId: req.connectorId,
    transactionId: req.transactionId,
    samples: samplesFrom16(req.meterValue),
  });
  return { response: {} };
};

const stopTransaction: shared.Handler<StopTransactionRequest> = async (domain, { chargePointId }, req) => {
  const idTagInfo = await domain.transactions.stop(chargePointId, {
    transactionId: req.transactionId,
    idTag: req.idTag,
    meterStopWh: req.meterStop,
    timestamp: req.timestamp,
    // OCPP 1.6: a StopTransaction without a reason was stopped locally.
    reason: req.reason ?? 'Local',
    samples: samplesFrom16(req.transactionData),
  });
  return { response: idTagInfo ? { idTagInfo } : {} };
};

const handlers: Record<string, shared.Handler<never>> = {
  BootNotification: bootNotification,
  Heartbeat: shared.heartbeat,
  Authorize: shared.authorize,
  StartTransaction: shared.startTransaction,
  StopTransaction: stopTransaction,
  MeterValues: meterValues,
  StatusNotification: shared.statusNotification,
  FirmwareStatusNotification: shared.firmwareStatusNotification,
  DiagnosticsStatusNotification: shared.diagnosticsStatusNotification,
  DataTransfer: shared.dataTransfer,
};

export const ocpp16Adapter: JsonProtocolAdapter = {
  ocppVersion: '1.6',
  subprotocol: 'ocpp1.6',
  inbound: Object.fromEntries(Object.keys(handlers).map((name) => [name, v16Actions[name as keyof typeof v16Actions]])),
  outbound: { RemoteStartTransaction, RemoteStopTransaction, Reset, UnlockConnector },
  knownActions: new Set(Object.keys(v16Actions)),
  bootAction: 'BootNotification',
  handle(domain, context, action, payload) {
    const handler = Object.hasOwn(handlers, action) ? handlers[action] : undefined;
    if (!handler) throw new Error(`No 1.6 handler for ${action}`);
    return handler(domain, context, payload as never);
  },
  command: shared.wireCommand,
  commandResult: shared.statusResult,
};
