// OCPP 1.5 CancelReservation (central system → charge point).
import { Type, type Static } from '@sinclair/typebox';
import { defineAction } from '../action.js';
import { StringEnum } from './common.js';

export const CancelReservationRequest = Type.Object({ reservationId: Type.Integer() }, { additionalProperties: false });
export type CancelReservationRequest = Static<typeof CancelReservationRequest>;

export const CancelReservationStatus = StringEnum(['Accepted', 'Rejected']);
export type CancelReservationStatus = Static<typeof CancelReservationStatus>;

export const CancelReservationResponse = Type.Object({ status: CancelReservationStatus }, { additionalProperties: false });
export type CancelReservationResponse = Static<typeof CancelReservationResponse>;

export const CancelReservation = defineAction('CancelReservation', CancelReservationRequest, CancelReservationResponse);
