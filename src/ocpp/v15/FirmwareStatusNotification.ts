// OCPP 1.5 FirmwareStatusNotification (charge point → central system).
import { Type, type Static } from '@sinclair/typebox';
import { defineAction } from '../action.js';
import { StringEnum } from './common.js';

/** 1.6 adds Downloading, Idle and Installing. */
export const FirmwareStatus = StringEnum(['Downloaded', 'DownloadFailed', 'InstallationFailed', 'Installed']);
export type FirmwareStatus = Static<typeof FirmwareStatus>;

export const FirmwareStatusNotificationRequest = Type.Object({ status: FirmwareStatus }, { additionalProperties: false });
export type FirmwareStatusNotificationRequest = Static<typeof FirmwareStatusNotificationRequest>;

export const FirmwareStatusNotificationResponse = Type.Object({}, { additionalProperties: false });
export type FirmwareStatusNotificationResponse = Static<typeof FirmwareStatusNotificationResponse>;

export const FirmwareStatusNotification = defineAction(
  'FirmwareStatusNotification',
  FirmwareStatusNotificationRequest,
  FirmwareStatusNotificationResponse,
);
