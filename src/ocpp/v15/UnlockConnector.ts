// OCPP 1.5 UnlockConnector (central system → charge point).
import { Type, type Static } from '@sinclair/typebox';
import { defineAction } from '../action.js';
import { StringEnum } from './common.js';

export const UnlockConnectorRequest = Type.Object({ connectorId: Type.Integer() }, { additionalProperties: false });
export type UnlockConnectorRequest = Static<typeof UnlockConnectorRequest>;

/** 1.6 has Unlocked/UnlockFailed/NotSupported instead. */
export const UnlockStatus = StringEnum(['Accepted', 'Rejected']);
export type UnlockStatus = Static<typeof UnlockStatus>;

export const UnlockConnectorResponse = Type.Object({ status: UnlockStatus }, { additionalProperties: false });
export type UnlockConnectorResponse = Static<typeof UnlockConnectorResponse>;

export const UnlockConnector = defineAction('UnlockConnector', UnlockConnectorRequest, UnlockConnectorResponse);
