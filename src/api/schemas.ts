// The REST API's bodies and answers, defined once: Fastify validates with them and the OpenAPI
// document is generated from them.
import { Type, type Static } from '@sinclair/typebox';
import { ConnectorStatuses } from '../domain/model.js';

const Nullable = <T extends ReturnType<typeof Type.String>>(schema: T) => Type.Union([schema, Type.Null()]);
const Time = Type.String({ format: 'date-time' });
const NullableTime = Type.Union([Time, Type.Null()]);
const NullableString = Nullable(Type.String());

export const ErrorBody = Type.Object({ error: Type.String(), message: Type.String() }, { $id: 'Error' });

export const OcppVersion = Type.Union([Type.Literal('1.5'), Type.Literal('1.6')]);
export const RegistrationStatus = Type.Union([Type.Literal('Accepted'), Type.Literal('Pending'), Type.Literal('Rejected')]);
export const IdTagStatus = Type.Union([
  Type.Literal('Accepted'),
  Type.Literal('Blocked'),
  Type.Literal('Expired'),
  Type.Literal('Invalid'),
  Type.Literal('ConcurrentTx'),
]);

export const Transport = Type.Union([Type.Literal('json'), Type.Literal('soap')]);
export const SecurityProfile = Type.Union([Type.Literal(0), Type.Literal(1), Type.Literal(2), Type.Literal(3)]);

export const ChargePointId = Type.String({ pattern: '^[A-Za-z0-9._~:*@-]{1,48}$' });

export const ChargePointPut = Type.Object(
  {
    /** HTTP Basic password the charge point must present (OCPP security profile 1/2). */
    password: Type.Optional(Type.String({ minLength: 16, maxLength: 40 })),
    operator: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 100 }), Type.Null()])),
    declaredOcppVersion: Type.Optional(Type.Union([OcppVersion, Type.Null()])),
    /** The transport the operator reports, with declaredOcppVersion (compared with what is observed). */
    declaredTransport: Type.Optional(Type.Union([Transport, Type.Null()])),
    registrationStatus: Type.Optional(RegistrationStatus),
    /** Log schema violations of this charge point instead of refusing its messages. */
    lenient: Type.Optional(Type.Boolean()),
    /** Where an OCPP 1.5 SOAP charge point takes commands, when it does not send a WS-Addressing From. */
    soapEndpoint: Type.Optional(Type.Union([Type.String({ format: 'uri', pattern: '^https?://', maxLength: 500 }), Type.Null()])),
    /** OCPP security profile 0–3 (docs/SECURITY.md). */
    securityProfile: Type.Optional(SecurityProfile),
    /** Addresses or CIDRs a SOAP charge point may post from; empty: any. */
    allowedSources: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 50 }), { maxItems: 50 })),
    /** Public key of the charge point's signing meter (OCMF): SubjectPublicKeyInfo or raw point, hex, base64 or PEM. */
    meterPublicKey: Type.Optional(Type.Union([Type.String({ minLength: 16, maxLength: 4000, pattern: '^[\\x20-\\x7E\\r\\n]+$' }), Type.Null()])),
  },
  { additionalProperties: false },
);
export type ChargePointPut = Static<typeof ChargePointPut>;

export const Connector = Type.Object({
  connectorId: Type.Integer(),
  status: Type.Union(ConnectorStatuses.map((s) => Type.Literal(s))),
  errorCode: Type.String(),
  info: NullableString,
  updatedAt: Time,
});

export const ChargePoint = Type.Object(
  {
    id: Type.String(),
    connected: Type.Boolean(),
    ocppVersion: Type.Union([OcppVersion, Type.Null()]),
    transport: Type.Union([Type.Literal('json'), Type.Literal('soap'), Type.Null()]),
    soapEndpoint: NullableString,
    securityProfile: SecurityProfile,
    allowedSources: Type.Array(Type.String()),
    meterPublicKey: NullableString,
    declaredOcppVersion: Type.Union([OcppVersion, Type.Null()]),
    declaredTransport: Type.Union([Transport, Type.Null()]),
    /** Its software (vendor, model, firmware, OCPP version, transport) is in the validated registry; null: not fully reported yet. */
    softwareValidated: Type.Union([Type.Boolean(), Type.Null()]),
    vendor: NullableString,
    model: NullableString,
    firmwareVersion: NullableString,
    serialNumber: NullableString,
    chargeBoxSerialNumber: NullableString,
    meterType: NullableString,
    meterSerialNumber: NullableString,
    iccid: NullableString,
    imsi: NullableString,
    registrationStatus: RegistrationStatus,
    operator: NullableString,
    lenient: Type.Boolean(),
    passwordSet: Type.Boolean(),
    lastSeenAt: NullableTime,
    lastBootAt: NullableTime,
    connectors: Type.Array(Connector),
  },
  { $id: 'ChargePoint' },
);

export const ChargePointList = Type.Object({ items: Type.Array(Type.Ref('ChargePoint')) });

export const IdTagPut = Type.Object(
  {
    status: IdTagStatus,
    expiryDate: Type.Optional(Type.Union([Time, Type.Null()])),
    parentIdTag: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 20 }), Type.Null()])),
  },
  { additionalProperties: false },
);
export type IdTagPut = Static<typeof IdTagPut>;

export const IdTagParam = Type.String({ minLength: 1, maxLength: 20 });

export const IdTag = Type.Object(
  { idTag: Type.String(), status: IdTagStatus, expiryDate: NullableTime, parentIdTag: NullableString },
  { $id: 'IdTag' },
);
export const IdTagList = Type.Object({ items: Type.Array(Type.Ref('IdTag')) });

export const RemoteStartBody = Type.Object(
  { idTag: IdTagParam, connectorId: Type.Optional(Type.Integer({ minimum: 1 })) },
  { additionalProperties: false },
);
/** Transaction ids are OCPP integers (32-bit); anything else cannot name a transaction. */
export const TransactionId = Type.Integer({ minimum: 0, maximum: 2_147_483_647 });
export const RemoteStopBody = Type.Object({ transactionId: TransactionId }, { additionalProperties: false });
export const ResetBody = Type.Object({ type: Type.Union([Type.Literal('Soft'), Type.Literal('Hard')]) }, { additionalProperties: false });
export const UnlockBody = Type.Object({ connectorId: Type.Integer({ minimum: 1 }) }, { additionalProperties: false });
export const CommandAnswer = Type.Object({ status: Type.String() });

export const Transaction = Type.Object(
  {
    id: Type.Integer(),
    chargePointId: Type.String(),
    connectorId: Type.Integer(),
    idTag: Type.String(),
    idTagStatus: IdTagStatus,
    startedAt: Time,
    stoppedAt: NullableTime,
    meterStartWh: Type.Integer(),
    meterStopWh: Type.Union([Type.Integer(), Type.Null()]),
    energyWh: Type.Union([Type.Integer(), Type.Null()]),
    energySource: Type.Union(['meterStop', 'register', 'interval', 'none'].map((s) => Type.Literal(s))),
    stopReason: NullableString,
    anomalies: Type.Array(Type.String()),
    signedMeterStatus: Type.Union([Type.Literal('verified'), Type.Literal('failed'), Type.Literal('absent')]),
    signedMeterReason: NullableString,
  },
  { $id: 'Transaction' },
);
export const TransactionList = Type.Object({ items: Type.Array(Type.Ref('Transaction')) });

export const MeterSample = Type.Object({
  timestamp: Time,
  value: Type.String(),
  measurand: Type.String(),
  unit: Type.String(),
  context: Type.String(),
  format: Type.String(),
  location: Type.String(),
  phase: NullableString,
  connectorId: Type.Integer(),
});
export const TransactionDetail = Type.Intersect([Type.Ref('Transaction'), Type.Object({ meterValues: Type.Array(MeterSample) })]);

export const TransactionQuery = Type.Object(
  {
    chargePointId: Type.Optional(Type.String()),
    active: Type.Optional(Type.Boolean()),
    from: Type.Optional(Time),
    to: Type.Optional(Time),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10000 })),
  },
  { additionalProperties: false },
);
export type TransactionQuery = Static<typeof TransactionQuery>;
