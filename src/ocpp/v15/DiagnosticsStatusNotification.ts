// OCPP 1.5 DiagnosticsStatusNotification (charge point → central system).
import { Type, type Static } from '@sinclair/typebox';
import { defineAction } from '../action.js';
import { StringEnum } from './common.js';

/** 1.6 adds Idle and Uploading. */
export const DiagnosticsStatus = StringEnum(['Uploaded', 'UploadFailed']);
export type DiagnosticsStatus = Static<typeof DiagnosticsStatus>;

export const DiagnosticsStatusNotificationRequest = Type.Object(
  { status: DiagnosticsStatus },
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
