// OCPP 1.5 StopTransaction (charge point → central system).
import { Type, type Static } from '@sinclair/typebox';
import { defineAction } from '../action.js';
import { DateTime, IdTagInfo, IdToken, MeterValue } from './common.js';

/** Transaction usage details for billing: a list of meter values (1.6 flattens this level away). */
export const TransactionData = Type.Object(
  { values: Type.Optional(Type.Array(MeterValue)) },
  { additionalProperties: false },
);
export type TransactionData = Static<typeof TransactionData>;

/** 1.5 has no stop reason (1.6 adds reason). */
export const StopTransactionRequest = Type.Object(
  {
    transactionId: Type.Integer(),
    idTag: Type.Optional(IdToken),
    timestamp: DateTime,
    /** Meter reading in Wh at the stop. */
    meterStop: Type.Integer(),
    transactionData: Type.Optional(Type.Array(TransactionData)),
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
