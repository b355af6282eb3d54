// What nodes say to each other over NATS: JSON bodies, one TypeBox schema per message (the type
// comes from it). Every body read off the wire is checked; a body that does not fit is ignored
// (announcements) or answered with an error (requests), never trusted.
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { headers, type MsgHdrs } from 'nats';
import { ChargePointNotConnected, CommandFailed, CommandTimedOut } from '../domain/errors.js';
import type { CommandResult } from '../domain/model.js';

const NodeId = Type.String({ minLength: 1, maxLength: 200 });
/** Milliseconds since the epoch on the announcing node's clock. */
const Millis = Type.Integer({ minimum: 0 });
/** Random per start of a node's process (Heartbeat). */
const Instance = Type.String({ minLength: 1, maxLength: 100 });

/**
 * `instance`: the announcing process (absent from a node of an earlier version). A process of the
 * node superseded by a later one (ClusterView.superseded) is not heard.
 */
export const Takeover = Type.Object({ node: NodeId, since: Millis, instance: Type.Optional(Instance) });
export type Takeover = Static<typeof Takeover>;

export const Released = Type.Object({ node: NodeId, instance: Type.Optional(Instance) });
export type Released = Static<typeof Released>;

/** Asks the node holding a charge point's connection to end it. */
export const EndConnection = Type.Object({ node: NodeId, reason: Type.String({ maxLength: 500 }) });
export type EndConnection = Static<typeof EndConnection>;

/**
 * A validation campaign on the announcing node left sessions running on the charge point's card
 * (LeftRunningStops): the others stop them at its next return to them. `atOnce`: the campaign was
 * closed as interrupted, and its charge point may be back already; the node holding it tries now.
 */
export const SessionsLeftRunning = Type.Object({ node: NodeId, instance: Instance, atOnce: Type.Boolean() });
export type SessionsLeftRunning = Static<typeof SessionsLeftRunning>;

export const Heartbeat = Type.Object({
  node: NodeId,
  /** Random per start: a restarted node (same id, new instance) starts from an empty view. */
  instance: Instance,
  /** How many charge points the node holds, and an order-free digest of their ids (see digest.ts). */
  count: Type.Integer({ minimum: 0 }),
  digest: Type.Integer({ minimum: 0, maximum: 0xffffffff }),
  /**
   * When the process started, on its clock: of two processes heard under one node id, the one
   * started later is the node, and the other (frozen, or cut off, while it was replaced) is not
   * heard. Absent from a node of an earlier version.
   */
  startedAt: Type.Optional(Millis),
});
export type Heartbeat = Static<typeof Heartbeat>;

/** A node stopping on purpose: the others forget it at once instead of judging it lost later. */
export const Left = Type.Object({ node: NodeId, instance: Heartbeat.properties.instance });
export type Left = Static<typeof Left>;

/** Names one command request, so that its asker can ask for the answer again (AnswerRequest). */
const RequestId = Type.String({ minLength: 1, maxLength: 100 });

export const CommandRequest = Type.Object({
  from: NodeId,
  /** Absent (a node of an older version asks): the holder keeps no answer to be asked for again. */
  id: Type.Optional(RequestId),
  /**
   * How long the holder may keep the command waiting behind earlier ones before it must send it
   * or fail it, counted from when it receives the request (no clock is compared across nodes).
   * Absent (a node of an older version asks): the holder's own limit.
   */
  sendWithinMs: Type.Optional(Type.Integer({ minimum: 0 })),
  /**
   * When the asker sent the request, on its clock. A request that reaches the holder later than
   * its time to be sent allows (the hop stalled: NATS, or the holder frozen) is failed unsent, and
   * the holder's time to send it ends no later than the asker's, give or take the clocks' skew.
   * Absent (an older node asks): only the time from the request's arrival counts.
   */
  sentAt: Type.Optional(Millis),
  command: Type.Union([
    Type.Object({ kind: Type.Literal('remoteStart'), idTag: Type.String(), connectorId: Type.Optional(Type.Integer()) }),
    Type.Object({ kind: Type.Literal('remoteStop'), transactionId: Type.Integer() }),
    Type.Object({ kind: Type.Literal('reset'), type: Type.Union([Type.Literal('Soft'), Type.Literal('Hard')]) }),
    Type.Object({ kind: Type.Literal('unlock'), connectorId: Type.Integer() }),
  ]),
});
export type CommandRequest = Static<typeof CommandRequest>;

const ErrorName = Type.Union([Type.Literal('ChargePointNotConnected'), Type.Literal('CommandTimedOut'), Type.Literal('CommandFailed')]);
export const CommandReply = Type.Union([
  Type.Object({ node: NodeId, result: Type.Object({ status: Type.String() }) }),
  Type.Object({ node: NodeId, error: Type.Object({ name: ErrorName, message: Type.String() }) }),
]);
export type CommandReply = Static<typeof CommandReply>;

/**
 * Asks the process asked again for the answer to a request (a command, or an ask: askHeaders),
 * which NATS lost: the asker's link dropped while the answer was on its way (core NATS delivers at
 * most once, and keeps nothing for a subscriber that is away). The process answers with the answer
 * it kept, as it sent it (a CommandReply, or the service's answer), when it comes if the work is
 * still going on, or with AnswerUnknown when it has no record of the request.
 */
export const AnswerRequest = Type.Object({ id: RequestId });
export type AnswerRequest = Static<typeof AnswerRequest>;

export const AnswerUnknown = Type.Object({ node: NodeId, unknown: Type.Literal(true) });
export type AnswerUnknown = Static<typeof AnswerUnknown>;

/**
 * The process asked had the answer but no longer keeps it (kept-answers.ts: the oldest go first
 * past its limits), so the work may have been done. Also an AnswerUnknown: an asker of an earlier
 * version waits on for the answer, as it would for one never had. Given too to a request by name
 * whose id came before (a command's repeat gets a CommandReply saying the same).
 */
export const AnswerForgotten = Type.Object({ node: NodeId, unknown: Type.Literal(true), forgotten: Type.Literal(true) });
export type AnswerForgotten = Static<typeof AnswerForgotten>;

/**
 * A request to another node by name (NodeRequests: an API request, a SOAP message) names itself
 * in NATS headers, since its body is the service's own: its id, for the answer to be asked for
 * again (AnswerRequest), and how long its asker waits, which is how long the answer is kept.
 * Absent (a node of an older version asks): the node asked keeps no answer.
 */
const ASK_ID = 'Tomada-Request-Id';
const ASK_WAIT_MS = 'Tomada-Wait-Ms';
/** The longest an answer is kept for an asker, whatever it says it waits. */
const MAX_KEPT_MS = 10 * 60_000;

export function askHeaders(id: string, waitMs: number): MsgHdrs {
  const h = headers();
  h.set(ASK_ID, id);
  h.set(ASK_WAIT_MS, String(Math.max(0, Math.ceil(waitMs))));
  return h;
}

/** The id and wait a request's headers give, or undefined when they do not name it (rightly). */
export function askNamed(h: MsgHdrs | undefined): { id: string; waitMs: number } | undefined {
  const id = h?.get(ASK_ID) ?? '';
  const waitMs = Number(h?.get(ASK_WAIT_MS));
  if (!Value.Check(RequestId, id) || !Number.isInteger(waitMs) || waitMs < 0) return undefined;
  return { id, waitMs: Math.min(waitMs, MAX_KEPT_MS) };
}

/** The copy of the holdings its later pages are read from (holdings-pages.ts); absent from a node of an earlier version. */
const SnapshotName = Type.String({ minLength: 1, maxLength: 100 });

export const HoldingsRequest = Type.Object({
  offset: Type.Integer({ minimum: 0 }),
  /** A first page asking for its read's pages to come from one copy (a reader of an earlier version pages by position). */
  copy: Type.Optional(Type.Boolean()),
  /** The copy later pages are cut from, as the first page's reply named it. */
  snapshot: Type.Optional(SnapshotName),
});
export type HoldingsRequest = Static<typeof HoldingsRequest>;

export const HoldingsReply = Type.Object({
  /** [charge point id, since] pairs from `offset` on. */
  holdings: Type.Array(Type.Tuple([Type.String(), Millis])),
  /** How many the node holds in all; the asker pages on until it has read them. */
  total: Type.Integer({ minimum: 0 }),
  /** The copy the pages come from, when more than one page follows: later requests name it. */
  snapshot: Type.Optional(SnapshotName),
});
export type HoldingsReply = Static<typeof HoldingsReply>;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function encode<T>(body: T): Uint8Array {
  return encoder.encode(JSON.stringify(body));
}

/** The body as T, or undefined when it is not JSON of that shape. */
export function decode<S extends TSchema>(schema: S, data: Uint8Array): Static<S> | undefined {
  let body: unknown;
  try {
    body = JSON.parse(decoder.decode(data));
  } catch {
    return undefined;
  }
  return Value.Check(schema, body) ? (body as Static<S>) : undefined;
}

const errorClasses = { ChargePointNotConnected, CommandTimedOut, CommandFailed } as const;

/** A command's failure on the holding node, as it travels back; anything but a domain error is not described. */
export function errorReply(node: string, error: unknown): CommandReply {
  for (const [name, errorClass] of Object.entries(errorClasses)) {
    if (error instanceof errorClass) return { node, error: { name: name as keyof typeof errorClasses, message: error.message } };
  }
  return { node, error: { name: 'CommandFailed', message: `Node ${node} could not carry out the command` } };
}

/** The holding node's answer, or its failure thrown as the same domain error. */
export function resultOf(reply: CommandReply): CommandResult {
  if ('result' in reply) return { status: reply.result.status };
  throw new errorClasses[reply.error.name](reply.error.message);
}
