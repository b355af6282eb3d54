// Types shared by several OCPP 1.5 actions, each defined once, as the 1.5 WSDLs define them
// (CentralSystemService urn://Ocpp/Cs/2012/06/, ChargePointService urn://Ocpp/Cp/2012/06/).
// Property order is the WSDL's <s:sequence> order: the SOAP codec writes elements in that order.
import { Type, type SchemaOptions, type Static, type TUnsafe } from '@sinclair/typebox';
import { xmlAttribute, xmlText } from '../soap/xml-mapping.js';
import { StringEnum as PlainStringEnum } from '../v16/common.js';

/**
 * A string enum as a plain JSON Schema `enum` (see v16/common.ts for why not a Union), with
 * extra schema options such as the XML mapping of soap/xml-mapping.ts.
 */
export function StringEnum<const T extends readonly string[]>(values: T, options: SchemaOptions = {}): TUnsafe<T[number]> {
  return Type.Unsafe<T[number]>({ ...PlainStringEnum(values), ...options });
}

/** s:dateTime. */
export const DateTime = Type.String({ format: 'date-time' });
/** s:anyURI. */
export const AnyUri = Type.String({ format: 'uri' });

// ---- String simple types (XSD restrictions of s:string by maxLength; case-insensitive) ----

/** IdToken: identification token, e.g. RFID or credit card number, at most 20 characters. */
export const IdToken = Type.String({ maxLength: 20 });
export const ChargeBoxSerialNumber = Type.String({ maxLength: 25 });
export const ChargePointModel = Type.String({ maxLength: 20 });
export const ChargePointSerialNumber = Type.String({ maxLength: 25 });
export const ChargePointVendor = Type.String({ maxLength: 20 });
export const FirmwareVersion = Type.String({ maxLength: 50 });
export const IccidString = Type.String({ maxLength: 20 });
export const ImsiString = Type.String({ maxLength: 20 });
export const MeterSerialNumber = Type.String({ maxLength: 25 });
export const MeterType = Type.String({ maxLength: 25 });

// ---- Authorization (shared by both services) ----

export const AuthorizationStatus = StringEnum(['Accepted', 'Blocked', 'Expired', 'Invalid', 'ConcurrentTx']);
export type AuthorizationStatus = Static<typeof AuthorizationStatus>;

/** Note the order: status comes first in 1.5 (the 1.6 JSON schema lists it last). */
export const IdTagInfo = Type.Object(
  {
    status: AuthorizationStatus,
    expiryDate: Type.Optional(DateTime),
    parentIdTag: Type.Optional(IdToken),
  },
  { additionalProperties: false },
);
export type IdTagInfo = Static<typeof IdTagInfo>;

// ---- Connector status (StatusNotification) ----

/** 1.5 has Occupied where 1.6 splits it into Preparing, Charging, SuspendedEV/EVSE and Finishing. */
export const ChargePointStatus = StringEnum(['Available', 'Occupied', 'Faulted', 'Unavailable', 'Reserved']);
export type ChargePointStatus = Static<typeof ChargePointStatus>;

export const ChargePointErrorCode = StringEnum([
  'ConnectorLockFailure',
  'HighTemperature',
  'Mode3Error',
  'NoError',
  'PowerMeterFailure',
  'PowerSwitchFailure',
  'ReaderFailure',
  'ResetFailure',
  'GroundFailure',
  'OverCurrentFailure',
  'UnderVoltage',
  'WeakSignal',
  'OtherError',
]);
export type ChargePointErrorCode = Static<typeof ChargePointErrorCode>;

// ---- Meter values (MeterValues.values and StopTransaction.transactionData.values) ----

const readingContexts = [
  'Interruption.Begin',
  'Interruption.End',
  'Sample.Clock',
  'Sample.Periodic',
  'Transaction.Begin',
  'Transaction.End',
] as const;
export const ReadingContext = StringEnum(readingContexts);
export type ReadingContext = Static<typeof ReadingContext>;

const valueFormats = ['Raw', 'SignedData'] as const;
export const ValueFormat = StringEnum(valueFormats);
export type ValueFormat = Static<typeof ValueFormat>;

const measurands = [
  'Energy.Active.Export.Register',
  'Energy.Active.Import.Register',
  'Energy.Reactive.Export.Register',
  'Energy.Reactive.Import.Register',
  'Energy.Active.Export.Interval',
  'Energy.Active.Import.Interval',
  'Energy.Reactive.Export.Interval',
  'Energy.Reactive.Import.Interval',
  'Power.Active.Export',
  'Power.Active.Import',
  'Power.Reactive.Export',
  'Power.Reactive.Import',
  'Current.Export',
  'Current.Import',
  'Voltage',
  'Temperature',
] as const;
export const Measurand = StringEnum(measurands);
export type Measurand = Static<typeof Measurand>;

const locations = ['Inlet', 'Outlet', 'Body'] as const;
export const Location = StringEnum(locations);
export type Location = Static<typeof Location>;

/** 1.5 units: "Amp" and "Volt" (1.6: "A", "V"), and "Celsius" spelt right (1.6 also has "Celcius"). */
const unitsOfMeasure = ['Wh', 'kWh', 'varh', 'kvarh', 'W', 'kW', 'var', 'kvar', 'Amp', 'Volt', 'Celsius'] as const;
export const UnitOfMeasure = StringEnum(unitsOfMeasure);
export type UnitOfMeasure = Static<typeof UnitOfMeasure>;

/**
 * One reading: the WSDL's anonymous type of MeterValue's `value` element, whose text is the
 * reading and whose attributes qualify it. In JSON the text is the `value` key beside the
 * attribute keys. Defaults when an attribute is absent (given in the WSDL only as comments):
 * context Sample.Periodic, format Raw, measurand Energy.Active.Import.Register, location Outlet,
 * unit Wh.
 */
export const MeterReading = Type.Object(
  {
    value: Type.String(xmlText),
    context: Type.Optional(StringEnum(readingContexts, xmlAttribute)),
    format: Type.Optional(StringEnum(valueFormats, xmlAttribute)),
    measurand: Type.Optional(StringEnum(measurands, xmlAttribute)),
    location: Type.Optional(StringEnum(locations, xmlAttribute)),
    unit: Type.Optional(StringEnum(unitsOfMeasure, xmlAttribute)),
  },
  { additionalProperties: false },
);
export type MeterReading = Static<typeof MeterReading>;

/**
 * A timestamp and its readings (at least one). Some 1.5 JSON chargers name the list `values`;
 * meter-value-variant.ts renames it before validation.
 */
export const MeterValue = Type.Object(
  {
    timestamp: DateTime,
    value: Type.Array(MeterReading, { minItems: 1 }),
  },
  { additionalProperties: false },
);
export type MeterValue = Static<typeof MeterValue>;
