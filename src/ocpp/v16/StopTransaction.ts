// OCPP 1.6 StopTransaction (charge point → central system).
import { Type, type Static } from '@sinclair/typebox';
import { defineAction } from '../action.js';
import { DateTime, IdTagInfo, IdToken, MeterValue, StringEnum } from './common.js';

export const StopReason = StringEnum([
  'EmergencyStop',
  'EVDisconnected',
  'HardReset',
  'Local',
  'Other',
  'PowerLoss',
  'Reboot',
  'Remote',
  'SoftReset',
  'UnlockCommand',
  'DeAuthorized',
]);
export type StopReason = Static<typeof StopReason>;

export const StopTransactionRequest = Type.Object(
  {
    idTag: Type.Optional(IdToken),
    /** Meter reading in Wh at the stop. */
    meterStop: Type.Integer(),
    timestamp: DateTime,
    transactionId: Type.Integer(),
    /** Absent means Local. */
    reason: Type.Optional(StopReason),
    /** The same MeterValue as MeterValues, so "Celsius" is accepted here too (see common.ts UnitOfMeasure). */
    transactionData: Type.Optional(Type.Array(MeterValue)),
  },
  { additionalProperties: false },
);
export type StopTransactionRequest = Static<typeof StopTransactionRequest>;

export const StopTransactionResponse = Type.Object(
  { idTagInfo: Type.Optional(IdTagInfo) },
  { additionalProperties: false },
);
export type StopTransactionResponse = Static<typeof StopTransactionResponse>;

export const StopTransaction = defineAction('StopTransaction', StopTransactionRequest, StopTransactionResponse);
