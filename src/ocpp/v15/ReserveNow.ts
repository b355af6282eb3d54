// OCPP 1.5 ReserveNow (central system → charge point).
import { Type, type Static } from '@sinclair/typebox';
import { defineAction } from '../action.js';
import { DateTime, IdToken, StringEnum } from './common.js';

export const ReserveNowRequest = Type.Object(
  {
    connectorId: Type.Integer(),
    expiryDate: DateTime,
    idTag: IdToken,
    parentIdTag: Type.Optional(IdToken),
    reservationId: Type.Integer(),
  },
  { additionalProperties: false },
);
export type ReserveNowRequest = Static<typeof ReserveNowRequest>;

export const ReservationStatus = StringEnum(['Accepted', 'Faulted', 'Occupied', 'Rejected', 'Unavailable']);
export type ReservationStatus = Static<typeof ReservationStatus>;

export const ReserveNowResponse = Type.Object({ status: ReservationStatus }, { additionalProperties: false });
export type ReserveNowResponse = Static<typeof ReserveNowResponse>;

export const ReserveNow = defineAction('ReserveNow', ReserveNowRequest, ReserveNowResponse);
