// OCPP 1.6 MeterValues (charge point → central system).
import { Type, type Static } from '@sinclair/typebox';
import { defineAction } from '../action.js';
import { MeterValue } from './common.js';

export const MeterValuesRequest = Type.Object(
  {
    /** 0 means the main meter of the charge point. */
    connectorId: Type.Integer(),
    transactionId: Type.Optional(Type.Integer()),
    meterValue: Type.Array(MeterValue),
  },
  { additionalProperties: false },
);
export type MeterValuesRequest = Static<typeof MeterValuesRequest>;

export const MeterValuesResponse = Type.Object({}, { additionalProperties: false });
export type MeterValuesResponse = Static<typeof MeterValuesResponse>;

export const MeterValues = defineAction('MeterValues', MeterValuesRequest, MeterValuesResponse);
