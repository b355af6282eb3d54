// OCPP 1.5 MeterValues (charge point → central system).
import { Type, type Static } from '@sinclair/typebox';
import { defineAction } from '../action.js';
import { MeterValue } from './common.js';

export const MeterValuesRequest = Type.Object(
  {
    /** 0 means the main meter of the charge point. */
    connectorId: Type.Integer(),
    transactionId: Type.Optional(Type.Integer()),
    /** minOccurs="0": absent means no meter values (1.6 calls the list meterValue). */
    values: Type.Optional(Type.Array(MeterValue)),
  },
  { additionalProperties: false },
);
export type MeterValuesRequest = Static<typeof MeterValuesRequest>;

export const MeterValuesResponse = Type.Object({}, { additionalProperties: false });
export type MeterValuesResponse = Static<typeof MeterValuesResponse>;

export const MeterValues = defineAction('MeterValues', MeterValuesRequest, MeterValuesResponse);
