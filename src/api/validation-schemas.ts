// Bodies and answers of the validation, software-registry and events routes.
import { Type, type Static } from '@sinclair/typebox';
import { ChargePointId, OcppVersion, Transport } from './schemas.js';

const Time = Type.String({ format: 'date-time' });
const NullableTime = Type.Union([Time, Type.Null()]);
const NullableString = Type.Union([Type.String(), Type.Null()]);
const Seconds = (max: number) => Type.Integer({ minimum: 1, maximum: max });
const IdTagText = Type.String({ minLength: 1, maxLength: 20 });

export const ValidationStart = Type.Object(
  {
    chargePointId: ChargePointId,
    connectorId: Type.Integer({ minimum: 1, maximum: 100 }),
    idTag: IdTagText,
    /** Case ids to run; all by default. A campaign of some cases cannot validate software. */
    cases: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 60 }), { minItems: 1, maxItems: 100 })),
    /** The card registered as Blocked for the blocked-card case; generated when absent. */
    blockedIdTag: Type.Optional(IdTagText),
    timing: Type.Optional(
      Type.Object(
        {
          caseTimeoutS: Type.Optional(Seconds(3600)),
          manualTimeoutS: Type.Optional(Seconds(7200)),
          heartbeatIntervalS: Type.Optional(Seconds(3600)),
          pendingIntervalS: Type.Optional(Seconds(3600)),
          offlineS: Type.Optional(Seconds(3600)),
          quietS: Type.Optional(Seconds(600)),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);
export type ValidationStart = Static<typeof ValidationStart>;

export const Confirmation = Type.Object(
  { done: Type.Boolean(), note: Type.Optional(Type.String({ maxLength: 500 })) },
  { additionalProperties: false },
);
export type Confirmation = Static<typeof Confirmation>;

const CaseStatus = Type.Union(['pending', 'running', 'waiting', 'pass', 'fail', 'skipped', 'manual'].map((s) => Type.Literal(s)));

const Case = Type.Object({
  id: Type.String(),
  title: Type.String(),
  messages: Type.Array(Type.String()),
  stimulus: Type.String(),
  expected: Type.String(),
  status: CaseStatus,
  prompt: NullableString,
  action: Type.Union([
    Type.Object({ kind: Type.Literal('presentCard'), idTag: Type.String() }),
    Type.Object({ kind: Type.Literal('plugIn'), connectorId: Type.Integer() }),
    Type.Null(),
  ]),
  reason: NullableString,
  /** Skipped because it does not apply (no signed meter, no connector lock): the campaign can pass without it. */
  notApplicable: Type.Boolean(),
  startedAt: NullableTime,
  finishedAt: NullableTime,
  frames: Type.Array(Type.Object({ at: Time, direction: Type.Union([Type.Literal('in'), Type.Literal('out')]), action: NullableString, frame: Type.String() })),
});

const Software = Type.Object({
  vendor: Type.Optional(Type.String()),
  model: Type.Optional(Type.String()),
  firmwareVersion: Type.Optional(Type.String()),
  ocppVersion: Type.Optional(OcppVersion),
  transport: Type.Optional(Transport),
});

const ValidationFields = {
  id: Type.String(),
  chargePointId: Type.String(),
  connectorId: Type.Integer(),
  idTag: Type.String(),
  blockedIdTag: Type.String(),
  status: Type.Union([Type.Literal('running'), Type.Literal('finished'), Type.Literal('cancelled')]),
  verdict: Type.Union([Type.Literal('pass'), Type.Literal('fail'), Type.Literal('incomplete'), Type.Null()]),
  software: Software,
  timing: Type.Record(Type.String(), Type.Integer()),
  startedAt: Time,
  finishedAt: NullableTime,
  counts: Type.Object({ pass: Type.Integer(), fail: Type.Integer(), skipped: Type.Integer(), manual: Type.Integer(), pending: Type.Integer() }),
  node: Type.Optional(Type.String({ description: 'The node running the campaign, with several nodes' })),
  registry: Type.Optional(
    Type.Object(
      { validated: Type.Boolean(), reason: Type.String() },
      { description: 'Once it ended: whether the campaign validated the software it tested (entered it in the registry), and why (not)' },
    ),
  ),
  trial: Type.Optional(
    Type.String({
      description: 'From the start: the campaign is a trial run, its limits below a validating campaign’s, and validates no software whatever its verdict; names the limits',
    }),
  ),
  cancelling: Type.Optional(
    Type.Object(
      { at: Type.String({ format: 'date-time' }), reason: Type.String() },
      { description: 'Cancelled during its cases, it still runs its wrap-up (stops its sessions, up to about twice caseTimeoutS): when and why; gone once it has ended' },
    ),
  ),
  leftRunning: Type.Optional(
    Type.Array(
      Type.Object({
        transactionId: Type.Integer(),
        connectorId: Type.Integer(),
        reason: Type.String(),
        afterwards: Type.Optional(
          Type.Object(
            { at: Type.String({ format: 'date-time' }), attempts: Type.Integer({ minimum: 0 }), ended: Type.Boolean(), reason: Type.String() },
            { description: 'The latest try to stop it at a return of the charge point after the campaign ended; ended: nothing charges on it any more' },
          ),
        ),
      }),
      {
        description:
          'Sessions the campaign started with its card (or on its connector on another card, when its wrap-up was cut short before the connector was made idle) and could not stop at its end, and why: a remote stop is sent again at each return of the charge point until they end (afterwards)',
      },
    ),
  ),
};

export const Validation = Type.Object({ ...ValidationFields, cases: Type.Array(Case) }, { $id: 'Validation' });
export const ValidationList = Type.Object({ items: Type.Array(Type.Object(ValidationFields)) });

export const CaseCatalog = Type.Object({
  items: Type.Array(Type.Object({ id: Type.String(), title: Type.String(), messages: Type.Array(Type.String()), stimulus: Type.String(), expected: Type.String() })),
});

export const SoftwareApproval = Type.Object(
  {
    vendor: Type.String({ minLength: 1, maxLength: 20 }),
    model: Type.String({ minLength: 1, maxLength: 20 }),
    firmwareVersion: Type.String({ minLength: 1, maxLength: 50 }),
    ocppVersion: OcppVersion,
    transport: Transport,
    /** The bench report this approval refers to (a document reference, a URL). */
    reference: Type.String({ minLength: 1, maxLength: 500 }),
  },
  { additionalProperties: false },
);
export type SoftwareApproval = Static<typeof SoftwareApproval>;

export const ValidatedSoftware = Type.Object({
  id: Type.String(),
  vendor: Type.String(),
  model: Type.String(),
  firmwareVersion: Type.String(),
  ocppVersion: OcppVersion,
  transport: Transport,
  source: Type.Union([Type.Literal('campaign'), Type.Literal('manual')]),
  validationId: NullableString,
  reference: NullableString,
  approvedAt: Time,
  approvedBy: NullableString,
});

export const Event = Type.Object({
  id: Type.Integer(),
  at: Time,
  chargePointId: NullableString,
  type: Type.String(),
  data: Type.Record(Type.String(), Type.Unknown()),
});

export const EventQuery = Type.Object(
  {
    chargePointId: Type.Optional(ChargePointId),
    type: Type.Optional(Type.String({ maxLength: 60 })),
    /** Events after this id, oldest first (follow the stream); without it the newest first. */
    afterId: Type.Optional(Type.Integer({ minimum: 0 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
  },
  { additionalProperties: false },
);
export type EventQuery = Static<typeof EventQuery>;

export const WebhookPut = Type.Object(
  { url: Type.String({ minLength: 1, maxLength: 500 }), secret: Type.String({ minLength: 16, maxLength: 200 }) },
  { additionalProperties: false },
);
export type WebhookPut = Static<typeof WebhookPut>;

export const Webhook = Type.Object({
  operator: Type.String(),
  url: Type.String(),
  lastEventId: Type.Integer(),
  lastError: NullableString,
  createdAt: Time,
  failures: Type.Integer({ description: 'Failed attempts in a row' }),
  nextAttemptAt: Type.Union([Time, Type.Null()], { description: 'After a failure: when the next attempt may be made' }),
  deliveringNode: Type.Union([Type.String(), Type.Null()], { description: 'The node delivering the events while it holds the webhook (one node at a time)' }),
});

export const OperatorName = Type.String({ minLength: 1, maxLength: 100 });
