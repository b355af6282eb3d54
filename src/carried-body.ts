// The bodies one node carries to another over NATS (NodeRequests): an API request and its answer
// (api/forward.ts), a SOAP charge point's message and its answer (transport/soap-carry.ts).
// Compressed JSON: NATS carries 1 MB in one message by default, and JSON of frames or XML shrinks
// several times over. Every body read off the wire is checked against its TypeBox schema; one that
// does not fit (or does not decompress) is undefined, never trusted. Pure, so that every layer may use it.
import { gunzipSync, gzipSync } from 'node:zlib';
import type { Static, TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

export const encodeCarried = (body: unknown): Uint8Array => gzipSync(JSON.stringify(body));

export function decodeCarried<S extends TSchema>(schema: S, data: Uint8Array): Static<S> | undefined {
  try {
    const body: unknown = JSON.parse(gunzipSync(data).toString('utf8'));
    return Value.Check(schema, body) ? (body as Static<S>) : undefined;
  } catch {
    return undefined;
  }
}
