// OCPP 1.6 CancelReservation (central system → charge point).
import { Type, type Static } from '@sinclair/typebox';
import { defineAction } from '../action.js';
import { AcceptedRejected } from './common.js';

export const CancelReservationRequest = Type.Object({ reservationId: Type.Integer() }, { additionalProperties: false });
export type CancelReservationRequest = Static<typeof CancelReservationRequest>;

export const CancelReservationResponse = Type.Object({ status: AcceptedRejected }, { additionalProperties: false });
export type CancelReservationResponse = Static<typeof CancelReservationResponse>;

export const CancelReservation = defineAction('CancelReservation', CancelReservationRequest, CancelReservationResponse);
