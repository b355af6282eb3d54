// OCPP 1.5 StartTransaction (charge point → central system).
import { Type, type Static } from '@sinclair/typebox';
import { defineAction } from '../action.js';
import { DateTime, IdTagInfo, IdToken } from './common.js';

export const StartTransactionRequest = Type.Object(
  {
    connectorId: Type.Integer(),
    idTag: IdToken,
    timestamp: DateTime,
    /** Meter reading in Wh at the start. */
    meterStart: Type.Integer(),
    reservationId: Type.Optional(Type.Integer()),
  },
  { additionalProperties: false },
);
export type StartTransactionRequest = Static<typeof StartTransactionRequest>;

export const StartTransactionResponse = Type.Object(
  {
    transactionId: Type.Integer(),
    idTagInfo: IdTagInfo,
  },
  { additionalProperties: false },
);
export type StartTransactionResponse = Static<typeof StartTransactionResponse>;

export const StartTransaction = defineAction('StartTransaction', StartTransactionRequest, StartTransactionResponse);
