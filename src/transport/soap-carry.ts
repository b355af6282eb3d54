// What one node says to another when it carries a SOAP charge point's message to the node holding
// that charge point (soap-endpoint.ts): the message as it arrived, and the HTTP answer, or the word
// to cut the connection (the charge point is held offline there). Compressed JSON, one TypeBox
// schema each; every body read off the wire is checked, and one that does not fit is never trusted.
import { gunzipSync, gzipSync } from 'node:zlib';
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

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
  }),
]);
export type CarriedAnswer = Static<typeof CarriedAnswer>;

// Compressed: NATS carries 1 MB in one message by default, and TOMADA_MAX_FRAME_BYTES allows larger
// envelopes; XML shrinks several times over. One that still does not fit is handled where it arrived.
export const encodeCarried = (body: CarriedMessage | CarriedAnswer): Uint8Array => gzipSync(JSON.stringify(body));

export function decodeCarried<S extends TSchema>(schema: S, data: Uint8Array): Static<S> | undefined {
  try {
    const body: unknown = JSON.parse(gunzipSync(data).toString('utf8'));
    return Value.Check(schema, body) ? (body as Static<S>) : undefined;
  } catch {
    return undefined;
  }
}
