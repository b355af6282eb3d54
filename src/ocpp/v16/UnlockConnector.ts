// OCPP 1.6 UnlockConnector (central system → charge point).
import { Type, type Static } from '@sinclair/typebox';
import { defineAction } from '../action.js';
import { StringEnum } from './common.js';

export const UnlockConnectorRequest = Type.Object({ connectorId: Type.Integer() }, { additionalProperties: false });
export type UnlockConnectorRequest = Static<typeof UnlockConnectorRequest>;

export const UnlockConnectorResponse = Type.Object(
  { status: StringEnum(['Unlocked', 'UnlockFailed', 'NotSupported']) },
  { additionalProperties: false },
);
export type UnlockConnectorResponse = Static<typeof UnlockConnectorResponse>;

export const UnlockConnector = defineAction('UnlockConnector', UnlockConnectorRequest, UnlockConnectorResponse);
