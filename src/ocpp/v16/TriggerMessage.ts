// OCPP 1.6 TriggerMessage (central system → charge point).
import { Type, type Static } from '@sinclair/typebox';
import { defineAction } from '../action.js';
import { StringEnum } from './common.js';

export const TriggerMessageRequest = Type.Object(
  {
    requestedMessage: StringEnum([
      'BootNotification',
      'DiagnosticsStatusNotification',
      'FirmwareStatusNotification',
      'Heartbeat',
      'MeterValues',
      'StatusNotification',
    ]),
    connectorId: Type.Optional(Type.Integer()),
  },
  { additionalProperties: false },
);
export type TriggerMessageRequest = Static<typeof TriggerMessageRequest>;

export const TriggerMessageResponse = Type.Object(
  { status: StringEnum(['Accepted', 'Rejected', 'NotImplemented']) },
  { additionalProperties: false },
);
export type TriggerMessageResponse = Static<typeof TriggerMessageResponse>;

export const TriggerMessage = defineAction('TriggerMessage', TriggerMessageRequest, TriggerMessageResponse);
