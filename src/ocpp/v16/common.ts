// Types shared by several OCPP 1.6 actions, each defined once.
import { Type, type Static, type TUnsafe } from '@sinclair/typebox';

/**
 * A string enum as a plain JSON Schema `enum`. TypeBox's Union of literals would compile to
 * `anyOf`, whose violation Ajv reports as `anyOf` instead of `enum`; `enum` is what the
 * official schemas use and what validate.ts maps to PropertyConstraintViolation.
 */
export function StringEnum<const T extends readonly string[]>(values: T): TUnsafe<T[number]> {
  return Type.Unsafe<T[number]>({ type: 'string', enum: [...values] });
}

/** CiStringNType of the specification: a case-insensitive string of at most N characters. */
export const CiString = (maxLength: number) => Type.String({ maxLength });

export const DateTime = Type.String({ format: 'date-time' });
/** IdToken: case-insensitive string of at most 20 characters. */
export const IdToken = Type.String({ maxLength: 20 });

/** Accepted/Rejected: the status of several confirmations (the spec names one type per action). */
export const AcceptedRejected = StringEnum(['Accepted', 'Rejected']);

export const AuthorizationStatus = StringEnum(['Accepted', 'Blocked', 'Expired', 'Invalid', 'ConcurrentTx']);
export type AuthorizationStatus = Static<typeof AuthorizationStatus>;

export const IdTagInfo = Type.Object(
  {
    expiryDate: Type.Optional(DateTime),
    parentIdTag: Type.Optional(IdToken),
    status: AuthorizationStatus,
  },
  { additionalProperties: false },
);
export type IdTagInfo = Static<typeof IdTagInfo>;

// ---- Smart charging ----

export const ChargingProfilePurpose = StringEnum(['ChargePointMaxProfile', 'TxDefaultProfile', 'TxProfile']);
export type ChargingProfilePurpose = Static<typeof ChargingProfilePurpose>;

export const ChargingRateUnit = StringEnum(['A', 'W']);
export type ChargingRateUnit = Static<typeof ChargingRateUnit>;

/**
 * A decimal with at most one fractional digit (A or W). Note: Ajv checks multipleOf 0.1 by
 * floating-point division, so without its `multipleOfPrecision` option it refuses values such as
 * 0.3 or 16.3 (0.3 / 0.1 = 2.9999999999999996); see docs/PROTOCOL.md.
 */
const OneDecimal = Type.Number({ multipleOf: 0.1 });

export const ChargingSchedulePeriod = Type.Object(
  {
    startPeriod: Type.Integer(),
    limit: OneDecimal,
    numberPhases: Type.Optional(Type.Integer()),
  },
  { additionalProperties: false },
);
export type ChargingSchedulePeriod = Static<typeof ChargingSchedulePeriod>;

export const ChargingSchedule = Type.Object(
  {
    duration: Type.Optional(Type.Integer()),
    startSchedule: Type.Optional(DateTime),
    chargingRateUnit: ChargingRateUnit,
    chargingSchedulePeriod: Type.Array(ChargingSchedulePeriod),
    minChargingRate: Type.Optional(OneDecimal),
  },
  { additionalProperties: false },
);
export type ChargingSchedule = Static<typeof ChargingSchedule>;

/** RemoteStartTransaction.chargingProfile and SetChargingProfile.csChargingProfiles. */
export const ChargingProfile = Type.Object(
  {
    chargingProfileId: Type.Integer(),
    transactionId: Type.Optional(Type.Integer()),
    stackLevel: Type.Integer(),
    chargingProfilePurpose: ChargingProfilePurpose,
    chargingProfileKind: StringEnum(['Absolute', 'Recurring', 'Relative']),
    recurrencyKind: Type.Optional(StringEnum(['Daily', 'Weekly'])),
    validFrom: Type.Optional(DateTime),
    validTo: Type.Optional(DateTime),
    chargingSchedule: ChargingSchedule,
  },
  { additionalProperties: false },
);
export type ChargingProfile = Static<typeof ChargingProfile>;

// ---- Meter values (MeterValues.meterValue and StopTransaction.transactionData) ----

export const ReadingContext = StringEnum([
  'Interruption.Begin',
  'Interruption.End',
  'Sample.Clock',
  'Sample.Periodic',
  'Transaction.Begin',
  'Transaction.End',
  'Trigger',
  'Other',
]);
export type ReadingContext = Static<typeof ReadingContext>;

export const ValueFormat = StringEnum(['Raw', 'SignedData']);
export type ValueFormat = Static<typeof ValueFormat>;

export const Measurand = StringEnum([
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
  'Power.Offered',
  'Power.Reactive.Export',
  'Power.Reactive.Import',
  'Power.Factor',
  'Current.Import',
  'Current.Export',
  'Current.Offered',
  'Voltage',
  'Frequency',
  'Temperature',
  'SoC',
  'RPM',
]);
export type Measurand = Static<typeof Measurand>;

export const Phase = StringEnum(['L1', 'L2', 'L3', 'N', 'L1-N', 'L2-N', 'L3-N', 'L1-L2', 'L2-L3', 'L3-L1']);
export type Phase = Static<typeof Phase>;

export const Location = StringEnum(['Cable', 'EV', 'Inlet', 'Outlet', 'Body']);
export type Location = Static<typeof Location>;

/**
 * Deliberate difference from the official schemas: both "Celsius" and the misspelt "Celcius" are
 * accepted wherever a unit appears. The official MeterValues schema lists both, but the official
 * StopTransaction schema lists only "Celcius", so a charge point that spells it right in its
 * transaction data would be refused for a typo in the standard.
 */
export const UnitOfMeasure = StringEnum([
  'Wh',
  'kWh',
  'varh',
  'kvarh',
  'W',
  'kW',
  'VA',
  'kVA',
  'var',
  'kvar',
  'A',
  'V',
  'K',
  'Celcius',
  'Celsius',
  'Fahrenheit',
  'Percent',
]);
export type UnitOfMeasure = Static<typeof UnitOfMeasure>;

/** One reading. Only `value` is required: measurand defaults to Energy.Active.Import.Register, unit to Wh. */
export const SampledValue = Type.Object(
  {
    value: Type.String(),
    context: Type.Optional(ReadingContext),
    format: Type.Optional(ValueFormat),
    measurand: Type.Optional(Measurand),
    phase: Type.Optional(Phase),
    location: Type.Optional(Location),
    unit: Type.Optional(UnitOfMeasure),
  },
  { additionalProperties: false },
);
export type SampledValue = Static<typeof SampledValue>;

export const MeterValue = Type.Object(
  {
    timestamp: DateTime,
    sampledValue: Type.Array(SampledValue),
  },
  { additionalProperties: false },
);
export type MeterValue = Static<typeof MeterValue>;
