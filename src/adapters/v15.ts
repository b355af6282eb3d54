// OCPP 1.5 ⇄ domain, for both transports (JSON over WebSocket and SOAP): the payloads are the
// WSDL types either way. What differs from 1.6: the boot answer (heartbeatInterval, no Pending),
// the meter value layout (`values` of `value` readings with attributes), no stop reason.
import type { MeterSample } from '../domain/model.js';
import {
  RemoteStartTransaction,
  RemoteStopTransaction,
  Reset,
  UnlockConnector,
  centralSystemActions,
  v15Actions,
  type BootNotificationRequest,
  type MeterValue,
  type MeterValuesRequest,
  type StopTransactionRequest,
} from '../ocpp/v15/index.js';
import { normalizeMeterValueVariant } from '../ocpp/v15/meter-value-variant.js';
import { readingsIn15Shape } from '../ocpp/v15/readings-in-16-shape.js';
import type { JsonProtocolAdapter, ProtocolAdapter } from './adapter.js';
import * as shared from './shared.js';

/** Flattens 1.5 MeterValue/value lists into samples (1.5 has no phase). */
export function samplesFrom15(meterValues: readonly MeterValue[] = []): MeterSample[] {
  return meterValues.flatMap((mv) => mv.value.map((reading) => shared.sample(mv.timestamp, reading)));
}

const bootNotification: shared.Handler<BootNotificationRequest> = async (domain, { chargePointId, transport }, req) => {
  const answer = await domain.registry.boot(chargePointId, shared.bootInfo(req), { ocppVersion: '1.5', transport });
  // 1.5 has no Pending: a charge point the operator has not accepted yet is told Rejected and
  // boots again after the interval, which is what Pending asks of a 1.6 charge point.
  const status = answer.status === 'Accepted' ? 'Accepted' : 'Rejected';
  return {
    response: { status, currentTime: answer.currentTime, heartbeatInterval: answer.intervalS },
    registration: answer.registration,
  };
};

const meterValues: shared.Handler<MeterValuesRequest> = async (domain, { chargePointId }, req) => {
  await domain.transactions.meterValues(chargePointId, {
    connectorId: req.connectorId,
    transactionId: req.transactionId,
    samples: samplesFrom15(req.values),
  });
  return { response: {} };
};

const stopTransaction: shared.Handler<StopTransactionRequest> = async (domain, { chargePointId }, req) => {
  const idTagInfo = await domain.transactions.stop(chargePointId, {
    transactionId: req.transactionId,
    idTag: req.idTag,
    meterStopWh: req.meterStop,
    timestamp: req.timestamp,
    samples: (req.transactionData ?? []).flatMap((data) => samplesFrom15(data.values)),
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

/** OCPP 1.5 as carried by SOAP. */
export const ocpp15Adapter: ProtocolAdapter = {
  ocppVersion: '1.5',
  inbound: centralSystemActions,
  outbound: { RemoteStartTransaction, RemoteStopTransaction, Reset, UnlockConnector },
  knownActions: new Set(Object.keys(v15Actions)),
  bootAction: 'BootNotification',
  handle(domain, context, action, payload) {
    const handler = Object.hasOwn(handlers, action) ? handlers[action] : undefined;
    if (!handler) throw new Error(`No 1.5 handler for ${action}`);
    return handler(domain, context, payload as never);
  },
  command: shared.wireCommand,
  commandResult: shared.statusResult,
};

/**
 * OCPP 1.5 over JSON/WebSocket, which tolerates the `values` variant of the reading list, and
 * from a lenient charge point readings in 1.6's shape (readings-in-16-shape.ts).
 */
export const ocpp15JsonAdapter: JsonProtocolAdapter = {
  ...ocpp15Adapter,
  subprotocol: 'ocpp1.5',
  normalizeInbound: normalizeMeterValueVariant,
  lenientInbound: readingsIn15Shape,
};
