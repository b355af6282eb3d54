// OCPP 1.6 RemoteStartTransaction (central system → charge point).
import { Type, type Static } from '@sinclair/typebox';
import { defineAction } from '../action.js';
import { AcceptedRejected, ChargingProfile, IdToken } from './common.js';

export const RemoteStartTransactionRequest = Type.Object(
  {
    connectorId: Type.Optional(Type.Integer()),
    idTag: IdToken,
    chargingProfile: Type.Optional(ChargingProfile),
  },
  { additionalProperties: false },
);
export type RemoteStartTransactionRequest = Static<typeof RemoteStartTransactionRequest>;

export const RemoteStartTransactionResponse = Type.Object({ status: AcceptedRejected }, { additionalProperties: false });
export type RemoteStartTransactionResponse = Static<typeof RemoteStartTransactionResponse>;

export const RemoteStartTransaction = defineAction(
  'RemoteStartTransaction',
  RemoteStartTransactionRequest,
  RemoteStartTransactionResponse,
);
