// The REST API's bodies and answers, defined once: Fastify validates with them and the OpenAPI
// document is generated from them.
import { Type, type Static } from '@sinclair/typebox';
import { OCPP_INT_MAX, OCPP_INT_MIN } from '../ocpp/integer.js';
import { ConnectorStatuses, SOAP_ENDPOINT_MAX_CHARS } from '../domain/model.js';

const Nullable = <T extends ReturnType<typeof Type.String>>(schema: T) => Type.Union([schema, Type.Null()]);
const Time = Type.String({ format: 'date-time' });
const NullableTime = Type.Union([Time, Type.Null()]);
/**
 * A time a charge point or an operator gave, nullable, in an answer. A nullable field is a union,
 * whose branch the serializer picks by checking the value: a time an earlier version stored past
 * the year 9999 (`+010000-…`, taken until 2026-12-06, refused since) matched neither, and every
 * list holding one answered 500. Such a time is read back as stored, by the middle branch.
 */
export const NullableGivenTime = Type.Union([Time, Type.String({ description: 'a time stored before 2026-12-06 outside the years 0000–9999, as stored' }), Type.Null()]);
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

/**
 * What a tag may be registered as: ConcurrentTx is an answer to a start while the tag charges
 * elsewhere, not a state of the card (registered, Authorize answered it, which OCPP's Authorize
 * never does, and every start was refused with no other session running; until 2026-12-07).
 */
export const RegisteredIdTagStatus = Type.Union([Type.Literal('Accepted'), Type.Literal('Blocked'), Type.Literal('Expired'), Type.Literal('Invalid')]);

export const Transport = Type.Union([Type.Literal('json'), Type.Literal('soap')]);
export const SecurityProfile = Type.Union([Type.Literal(0), Type.Literal(1), Type.Literal(2), Type.Literal(3)]);

export const ChargePointId = Type.String({ pattern: '^[A-Za-z0-9._~:*@-]{1,48}$' });

/** Operator ids are chosen by the administrator: short, and safe in a URL path. */
export const OperatorId = Type.String({ pattern: '^[A-Za-z0-9._~:@-]{1,64}$' });
/** Operators named in a path or query: also the free-text ones kept from before operators were records. */
export const OperatorRef = Type.String({ minLength: 1, maxLength: 100 });
export const OperatorKind = Type.Union([Type.Literal('OPC'), Type.Literal('DPC')]);
export const Connection = Type.Union([Type.Literal('direct'), Type.Literal('platform')]);

export const ChargePointPut = Type.Object(
  {
    /** HTTP Basic password the charge point must present (OCPP security profile 1/2). */
    password: Type.Optional(Type.String({ minLength: 16, maxLength: 40 })),
    /** The operator it belongs to (an administrator assigns any; an operator's own token only its own). */
    operator: Type.Optional(Type.Union([OperatorRef, Type.Null()])),
    /** Connected directly, or through its operator's own platform. */
    connection: Type.Optional(Connection),
    declaredOcppVersion: Type.Optional(Type.Union([OcppVersion, Type.Null()])),
    /** The transport the operator reports, with declaredOcppVersion (compared with what is observed). */
    declaredTransport: Type.Optional(Type.Union([Transport, Type.Null()])),
    registrationStatus: Type.Optional(RegistrationStatus),
    /** Log schema violations of this charge point instead of refusing its messages. */
    lenient: Type.Optional(Type.Boolean()),
    /** Where an OCPP 1.5 SOAP charge point takes commands, when it does not send a WS-Addressing From. */
    soapEndpoint: Type.Optional(Type.Union([Type.String({ format: 'uri', pattern: '^https?://', maxLength: SOAP_ENDPOINT_MAX_CHARS }), Type.Null()])),
    /** true: the SOAP endpoint (this request's, or the one stored) is kept against the charge point's From; false: its next From replaces it. */
    soapEndpointSetByAdministrator: Type.Optional(Type.Boolean()),
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

/**
 * A connector's status as the charge point sent it: one of OCPP's (ConnectorStatuses), or, from a
 * lenient charge point, a word outside them, which lenient mode forgives and stores. Until
 * 2026-12-07 the answer allowed OCPP's only, and one such status made every read of the charge
 * point, and the list of all charge points, a 500.
 */
export const ConnectorStatusText = Type.String({ description: `As the charge point sent it: ${ConnectorStatuses.join(', ')}, or, from a lenient charge point, another word` });

export const Connector = Type.Object({
  connectorId: Type.Integer(),
  status: ConnectorStatusText,
  errorCode: Type.String(),
  info: NullableString,
  updatedAt: Time,
});

export const ChargePoint = Type.Object(
  {
    id: Type.String(),
    connected: Type.Boolean(),
    /** With several nodes: the node its connection is on, while it is connected. */
    node: Type.Optional(Type.String({ description: 'With several nodes (TOMADA_NATS_URL): the node its connection is on, while it is connected' })),
    ocppVersion: Type.Union([OcppVersion, Type.Null()]),
    transport: Type.Union([Type.Literal('json'), Type.Literal('soap'), Type.Null()]),
    soapEndpoint: NullableString,
    soapEndpointSetByAdministrator: Type.Boolean({
      description: "The SOAP endpoint is one an administrator set: the charge point's WS-Addressing From does not replace it until an administrator sets another, or null",
    }),
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
    connection: Connection,
    lenient: Type.Boolean(),
    passwordSet: Type.Boolean(),
    lastSeenAt: NullableTime,
    lastBootAt: NullableTime,
    connectors: Type.Array(Connector),
  },
  { $id: 'ChargePoint' },
);

export const ChargePointList = Type.Object({ items: Type.Array(Type.Ref('ChargePoint')) });

/**
 * Without `limit`, every charge point at once (on a network of thousands, megabytes, and on SQLite
 * the node's event loop held while they are read); with it, a page by id, `afterId` the last id
 * of the page before.
 */
export const ChargePointQuery = Type.Object(
  {
    afterId: Type.Optional(Type.String({ minLength: 1, maxLength: 48 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10000 })),
  },
  { additionalProperties: false },
);
export type ChargePointQuery = Static<typeof ChargePointQuery>;

export const ClusterNode = Type.Object({
  node: Type.String(),
  /** The node that answered. */
  self: Type.Boolean(),
  /** Charge points whose connection is on it. */
  chargePoints: Type.Integer({ minimum: 0 }),
  /** Since its heartbeat was last heard (for the node that answered: its own, back through NATS). */
  lastHeardMsAgo: Type.Integer({ minimum: 0 }),
});

export const ClusterStatus = Type.Object({
  /** False on a node without TOMADA_NATS_URL: it runs alone, and the rest is empty. */
  clustered: Type.Boolean(),
  node: Type.Union([Type.String(), Type.Null()]),
  natsUp: Type.Union([Type.Boolean(), Type.Null()]),
  nodes: Type.Array(ClusterNode),
});

export const IdTagPut = Type.Object(
  {
    status: RegisteredIdTagStatus,
    expiryDate: Type.Optional(Type.Union([Time, Type.Null()])),
    parentIdTag: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 20 }), Type.Null()])),
    /** The operator that manages the tag; null: the network's own. Only an administrator chooses. */
    operator: Type.Optional(Type.Union([OperatorRef, Type.Null()])),
  },
  { additionalProperties: false },
);
export type IdTagPut = Static<typeof IdTagPut>;

export const IdTagParam = Type.String({ minLength: 1, maxLength: 20 });

export const IdTag = Type.Object(
  { idTag: Type.String(), status: IdTagStatus, expiryDate: NullableGivenTime, parentIdTag: NullableString, operator: NullableString },
  { $id: 'IdTag' },
);
export const IdTagList = Type.Object({ items: Type.Array(Type.Ref('IdTag')) });

/**
 * As for charge points: without `limit`, every tag at once (what callers from before paging get,
 * and a script that reconciles its cards takes as the whole registry); with it, a page by the
 * tag's key, `afterId` the last `idTag` of the page before. Tags compare in any case, so the pages
 * are in upper-case order and `afterId` is matched in any case too.
 */
export const IdTagQuery = Type.Object(
  {
    afterId: Type.Optional(IdTagParam),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10000 })),
  },
  { additionalProperties: false },
);
export type IdTagQuery = Static<typeof IdTagQuery>;

/** A connector of a command: an OCPP integer, so that nothing outside it is written on the wire (1e300 went out as `1e+300`). */
export const CommandConnectorId = Type.Integer({ minimum: 1, maximum: OCPP_INT_MAX });
export const RemoteStartBody = Type.Object(
  { idTag: IdTagParam, connectorId: Type.Optional(CommandConnectorId) },
  { additionalProperties: false },
);
/** Transaction ids are OCPP integers (32-bit); anything else cannot name a transaction. */
export const TransactionId = Type.Integer({ minimum: 0, maximum: OCPP_INT_MAX });
export const RemoteStopBody = Type.Object({ transactionId: TransactionId }, { additionalProperties: false });
export const ResetBody = Type.Object({ type: Type.Union([Type.Literal('Soft'), Type.Literal('Hard')]) }, { additionalProperties: false });
export const UnlockBody = Type.Object({ connectorId: CommandConnectorId }, { additionalProperties: false });
export const CommandAnswer = Type.Object({ status: Type.String() });

export const Transaction = Type.Object(
  {
    id: Type.Integer(),
    chargePointId: Type.String(),
    connectorId: Type.Integer(),
    idTag: Type.String(),
    idTagStatus: IdTagStatus,
    startedAt: Time,
    stoppedAt: NullableGivenTime,
    meterStartWh: Type.Integer(),
    meterStopWh: Type.Union([Type.Integer(), Type.Null()]),
    energyWh: Type.Union([Type.Integer(), Type.Null()]),
    energySource: Type.Union(['meterStop', 'register', 'interval', 'none'].map((s) => Type.Literal(s))),
    stopReason: NullableString,
    anomalies: Type.Array(Type.String()),
    signedMeterStatus: Type.Union([Type.Literal('verified'), Type.Literal('failed'), Type.Literal('absent')]),
    signedMeterReason: NullableString,
    /** The id tag the StopTransaction named (who stopped it), when it named one. */
    stopIdTag: NullableString,
    /** The reservation the session was started under, as the StartTransaction named it. */
    reservationId: Type.Union([Type.Integer(), Type.Null()]),
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
/**
 * A connector named in a query, to read what was stored of it. Bounded as the columns are
 * (connector_id a 32-bit integer): PostgreSQL refuses a larger value, which would be a 500 instead
 * of this 400. Below 0 too: a charge point's negative connector ids are refused since 2026-12-06,
 * but what was stored of them before can still be read.
 */
export const StoredConnectorId = Type.Integer({ minimum: OCPP_INT_MIN, maximum: OCPP_INT_MAX, description: 'One connector only (0: the charge point as a whole)' });

export const TransactionDetail = Type.Intersect([Type.Ref('Transaction'), Type.Object({ meterValues: Type.Array(MeterSample) })]);

export const TransactionQuery = Type.Object(
  {
    chargePointId: Type.Optional(Type.String()),
    /** Sessions on this operator's charge points (an operator's token sees only its own anyway). */
    operator: Type.Optional(OperatorRef),
    /** Sessions started with this id tag, compared case-insensitively as OCPP id tokens are. */
    idTag: Type.Optional(IdTagParam),
    active: Type.Optional(Type.Boolean()),
    from: Type.Optional(Time),
    to: Type.Optional(Time),
    /**
     * A cursor: sessions with a greater id, oldest first (0 for the first page; then the last id
     * of a page). Sessions stored meanwhile come later, so a walk misses none and repeats none.
     */
    afterId: Type.Optional(TransactionId),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10000 })),
  },
  { additionalProperties: false },
);
export type TransactionQuery = Static<typeof TransactionQuery>;

export const Operator = Type.Object({ id: Type.String(), name: Type.String(), kind: OperatorKind, createdAt: Time }, { $id: 'Operator' });
export const OperatorList = Type.Object({ items: Type.Array(Type.Ref('Operator')) });
export const OperatorPut = Type.Object(
  { name: Type.String({ minLength: 1, maxLength: 200 }), kind: OperatorKind },
  { additionalProperties: false },
);
export type OperatorPut = Static<typeof OperatorPut>;

export const Role = Type.Union([Type.Literal('admin'), Type.Literal('operator'), Type.Literal('readonly')]);
export const Token = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    role: Role,
    operator: NullableString,
    createdAt: Time,
    revokedAt: NullableTime,
    /** From this instant it is refused (401), as a revoked one is; null: until revoked. */
    expiresAt: NullableTime,
  },
  { $id: 'Token' },
);
export const TokenList = Type.Object({ items: Type.Array(Type.Ref('Token')) });
export const TokenPost = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100 }),
    role: Role,
    /** Required for an operator token, optional for a read-only one (then it sees one operator's things), absent for an admin. */
    operator: Type.Optional(Type.Union([OperatorRef, Type.Null()])),
    /** When it stops working: a time in the future, with its offset; null: until revoked; absent: when the calling token expires, or until revoked. */
    expiresAt: Type.Optional(Type.Union([Time, Type.Null()])),
  },
  { additionalProperties: false },
);
export type TokenPost = Static<typeof TokenPost>;
/** A new token: the secret is in `token`, shown this once. */
export const TokenCreated = Type.Intersect([Type.Ref('Token'), Type.Object({ token: Type.String() })]);

export const Me = Type.Object({
  tokenId: Type.String(),
  tokenName: Type.String(),
  role: Role,
  operator: NullableString,
  /** When the token stops working (a script can renew it before); null: until revoked. */
  expiresAt: NullableTime,
});
