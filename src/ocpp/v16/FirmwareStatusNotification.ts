// OCPP 1.6 FirmwareStatusNotification (charge point → central system).
import { Type, type Static } from '@sinclair/typebox';
import { defineAction } from '../action.js';
import { StringEnum } from './common.js';

export const FirmwareStatusNotificationRequest = Type.Object(
  {
    status: StringEnum([
      'Downloaded',
      'DownloadFailed',
      'Downloading',
      'Idle',
      'InstallationFailed',
      'Installing',
      'Installed',
    ]),
  },
  { additionalProperties: false },
);
export type FirmwareStatusNotificationRequest = Static<typeof FirmwareStatusNotificationRequest>;

export const FirmwareStatusNotificationResponse = Type.Object({}, { additionalProperties: false });
export type FirmwareStatusNotificationResponse = Static<typeof FirmwareStatusNotificationResponse>;

export const FirmwareStatusNotification = defineAction(
  'FirmwareStatusNotification',
  FirmwareStatusNotificationRequest,
  FirmwareStatusNotificationResponse,
);
