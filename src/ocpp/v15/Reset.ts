// OCPP 1.5 Reset (central system → charge point).
import { Type, type Static } from '@sinclair/typebox';
import { defineAction } from '../action.js';
import { StringEnum } from './common.js';

export const ResetType = StringEnum(['Hard', 'Soft']);
export type ResetType = Static<typeof ResetType>;

export const ResetRequest = Type.Object({ type: ResetType }, { additionalProperties: false });
export type ResetRequest = Static<typeof ResetRequest>;

export const ResetStatus = StringEnum(['Accepted', 'Rejected']);
export type ResetStatus = Static<typeof ResetStatus>;

export const ResetResponse = Type.Object({ status: ResetStatus }, { additionalProperties: false });
export type ResetResponse = Static<typeof ResetResponse>;

export const Reset = defineAction('Reset', ResetRequest, ResetResponse);
