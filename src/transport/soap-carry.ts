// What one node says to another when it carries a SOAP charge point's message to the node holding
// that charge point (soap-endpoint.ts): the message as it arrived, and the HTTP answer, or the word
// to cut the connection (the charge point is held offline there). One TypeBox schema each, sent
// and read as every carried body is (carried-body.ts). An envelope that does not fit in NATS even
// compressed is handled where it arrived.
import { Type, type Static } from '@sinclair/typebox';

/** The NodeRequests service SOAP messages are carried on. */
export const SOAP_SERVICE = 'soap';

export const CarriedMessage = Type.Object({
  /** The node the charge point's message reached. */
  from: Type.String({ minLength: 1 }),
  /** The charge point's source address there, for the holder's log. */
  remote: Type.Optional(Type.String()),
  /** The SOAP envelope as it arrived, already admitted by the node it reached. */
  text: Type.String(),
});
export type CarriedMessage = Static<typeof CarriedMessage>;

export const CarriedAnswer = Type.Union([
  Type.Object({ drop: Type.Literal(true) }),
  Type.Object({
    status: Type.Integer({ minimum: 100, maximum: 599 }),
    contentType: Type.String(),
    body: Type.String(),
    /** Its Retry-After header, in seconds (a message over its charge point's rate). */
    retryAfterS: Type.Optional(Type.Integer({ minimum: 0 })),
  }),
]);
export type CarriedAnswer = Static<typeof CarriedAnswer>;
