// OCPP 1.6 Reset (central system → charge point).
import { Type, type Static } from '@sinclair/typebox';
import { defineAction } from '../action.js';
import { AcceptedRejected, StringEnum } from './common.js';

export const ResetRequest = Type.Object({ type: StringEnum(['Hard', 'Soft']) }, { additionalProperties: false });
export type ResetRequest = Static<typeof ResetRequest>;

export const ResetResponse = Type.Object({ status: AcceptedRejected }, { additionalProperties: false });
export type ResetResponse = Static<typeof ResetResponse>;

export const Reset = defineAction('Reset', ResetRequest, ResetResponse);
