// OCPP 1.5 DataTransfer (either direction: both WSDLs define identical types, so one file serves
// the CentralSystemService and the ChargePointService operation).
import { Type, type Static } from '@sinclair/typebox';
import { defineAction } from '../action.js';
import { StringEnum } from './common.js';

/** No length limits in 1.5 (1.6: vendorId 255, messageId 50). */
export const DataTransferRequest = Type.Object(
  {
    vendorId: Type.String(),
    messageId: Type.Optional(Type.String()),
    data: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);
export type DataTransferRequest = Static<typeof DataTransferRequest>;

export const DataTransferStatus = StringEnum(['Accepted', 'Rejected', 'UnknownMessageId', 'UnknownVendorId']);
export type DataTransferStatus = Static<typeof DataTransferStatus>;

export const DataTransferResponse = Type.Object(
  {
    status: DataTransferStatus,
    data: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);
export type DataTransferResponse = Static<typeof DataTransferResponse>;

export const DataTransfer = defineAction('DataTransfer', DataTransferRequest, DataTransferResponse);
