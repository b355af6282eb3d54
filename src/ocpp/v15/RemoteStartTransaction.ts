// OCPP 1.5 RemoteStartTransaction (central system → charge point).
import { Type, type Static } from '@sinclair/typebox';
import { defineAction } from '../action.js';
import { IdToken, StringEnum } from './common.js';

/** 1.5 has no charging profile (1.6 adds chargingProfile). */
export const RemoteStartTransactionRequest = Type.Object(
  {
    idTag: IdToken,
    connectorId: Type.Optional(Type.Integer()),
  },
  { additionalProperties: false },
);
export type RemoteStartTransactionRequest = Static<typeof RemoteStartTransactionRequest>;

/** The WSDL's RemoteStartStopStatus, shared with RemoteStopTransaction. */
export const RemoteStartStopStatus = StringEnum(['Accepted', 'Rejected']);
export type RemoteStartStopStatus = Static<typeof RemoteStartStopStatus>;

export const RemoteStartTransactionResponse = Type.Object({ status: RemoteStartStopStatus }, { additionalProperties: false });
export type RemoteStartTransactionResponse = Static<typeof RemoteStartTransactionResponse>;

export const RemoteStartTransaction = defineAction(
  'RemoteStartTransaction',
  RemoteStartTransactionRequest,
  RemoteStartTransactionResponse,
);
