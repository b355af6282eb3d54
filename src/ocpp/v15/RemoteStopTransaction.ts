// OCPP 1.5 RemoteStopTransaction (central system → charge point).
import { Type, type Static } from '@sinclair/typebox';
import { defineAction } from '../action.js';
import { RemoteStartStopStatus } from './RemoteStartTransaction.js';

export const RemoteStopTransactionRequest = Type.Object({ transactionId: Type.Integer() }, { additionalProperties: false });
export type RemoteStopTransactionRequest = Static<typeof RemoteStopTransactionRequest>;

export const RemoteStopTransactionResponse = Type.Object({ status: RemoteStartStopStatus }, { additionalProperties: false });
export type RemoteStopTransactionResponse = Static<typeof RemoteStopTransactionResponse>;

export const RemoteStopTransaction = defineAction(
  'RemoteStopTransaction',
  RemoteStopTransactionRequest,
  RemoteStopTransactionResponse,
);
