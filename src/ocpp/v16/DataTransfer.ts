// OCPP 1.6 DataTransfer (either direction).
import { Type, type Static } from '@sinclair/typebox';
import { defineAction } from '../action.js';
import { CiString, StringEnum } from './common.js';

export const DataTransferRequest = Type.Object(
  {
    vendorId: CiString(255),
    messageId: Type.Optional(CiString(50)),
    /** Free text without a length limit; its meaning is agreed between the vendors. */
    data: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);
export type DataTransferRequest = Static<typeof DataTransferRequest>;

export const DataTransferResponse = Type.Object(
  {
    status: StringEnum(['Accepted', 'Rejected', 'UnknownMessageId', 'UnknownVendorId']),
    data: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);
export type DataTransferResponse = Static<typeof DataTransferResponse>;

export const DataTransfer = defineAction('DataTransfer', DataTransferRequest, DataTransferResponse);
