// OCPP 1.6 DiagnosticsStatusNotification (charge point → central system).
import { Type, type Static } from '@sinclair/typebox';
import { defineAction } from '../action.js';
import { StringEnum } from './common.js';

export const DiagnosticsStatusNotificationRequest = Type.Object(
  { status: StringEnum(['Idle', 'Uploaded', 'UploadFailed', 'Uploading']) },
  { additionalProperties: false },
);
export type DiagnosticsStatusNotificationRequest = Static<typeof DiagnosticsStatusNotificationRequest>;

export const DiagnosticsStatusNotificationResponse = Type.Object({}, { additionalProperties: false });
export type DiagnosticsStatusNotificationResponse = Static<typeof DiagnosticsStatusNotificationResponse>;

export const DiagnosticsStatusNotification = defineAction(
  'DiagnosticsStatusNotification',
  DiagnosticsStatusNotificationRequest,
  DiagnosticsStatusNotificationResponse,
);
