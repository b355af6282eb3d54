// The one HTTP POST of a command to a SOAP charge point's endpoint, as fetch() would make it (the
// same Response), but through node:http(s), which takes a lookup: where the address an endpoint's
// name resolves to must be checked (a From's endpoint, TOMADA_SOAP_ENDPOINT_NETWORKS), it is
// checked on the address the connection is opened to. fetch() resolves the name itself, after any
// check made before it: a name answering a public address to the check and 127.0.0.1 to the
// connection (DNS rebinding) had the command POSTed to the node's own services, and their answer
// journaled among the charge point's frames.
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { Readable } from 'node:stream';
import { guardedLookup } from '../networks.js';

/** Raised by the lookup when the name resolves to an address commands may not go to. */
export class EndpointAddressRefused extends Error {
  readonly code = 'EENDPOINTREFUSED';
}

/**
 * "fetch failed" (its cause the system error), saying whether the request was written whole to a
 * connection before it failed: then the endpoint may have read it and acted on it.
 */
export class EndpointPostFailed extends TypeError {
  constructor(
    readonly sent: boolean,
    cause: Error,
  ) {
    super('fetch failed', { cause });
  }
}

export interface EndpointPost {
  headers: Record<string, string>;
  body: string;
  signal: AbortSignal;
  /**
   * Called once, when the request is written whole to the connection (handed to the system), or
   * at the answer if that comes first: before anything of the answer is read.
   */
  onSent?: () => void;
  /** Why commands may not go to an address the endpoint's name resolves to, undefined when they may; absent: any address. */
  refusal?: ((address: string) => string | undefined) | undefined;
}

/** Statuses whose Response has no body (its constructor refuses one). */
const NO_BODY = new Set([101, 204, 205, 304]);

/**
 * The endpoint's answer, its body to be read from the Response; a redirect is not followed. Fails
 * as fetch() does ("fetch failed" with the system error as its cause: EndpointPostFailed), or with
 * EndpointAddressRefused before any connection is opened.
 */
export function postToEndpoint(url: string, post: EndpointPost): Promise<Response> {
  const target = new URL(url);
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  const { refusal } = post;
  const lookup = refusal && guardedLookup((address) => {
    const why = refusal(address);
    return why === undefined ? undefined : new EndpointAddressRefused(`${target.hostname} resolves to ${why}`);
  });
  return new Promise((resolve, reject) => {
    const request = send(target, {
      method: 'POST',
      headers: { ...post.headers, 'content-length': String(Buffer.byteLength(post.body)) },
      signal: post.signal,
      ...(lookup ? { lookup } : {}),
    });
    // 'finish': the request is handed to an open connection (none comes for a connection refused).
    let sent = false;
    const markSent = () => {
      if (sent) return;
      sent = true;
      post.onSent?.();
    };
    request.once('finish', markSent);
    request.on('response', (response: IncomingMessage) => {
      markSent();
      const status = response.statusCode ?? 0;
      const headers = new Headers();
      for (const [name, value] of Object.entries(response.headers)) {
        if (value === undefined) continue;
        for (const one of Array.isArray(value) ? value : [value]) headers.append(name, one);
      }
      // The timeout ends the body's reading too, as fetch's does, with its own reason (a
      // TimeoutError), not the socket's "aborted": the command timed out, it did not fail.
      const abort = () => response.destroy(post.signal.reason as Error);
      post.signal.addEventListener('abort', abort, { once: true });
      response.once('close', () => post.signal.removeEventListener('abort', abort));
      const body = NO_BODY.has(status) ? null : (Readable.toWeb(response) as ReadableStream<Uint8Array>);
      if (body === null) response.resume();
      try {
        resolve(new Response(body, { status, statusText: response.statusMessage ?? '', headers }));
      } catch (error) {
        response.destroy();
        reject(new Error(`the endpoint answered HTTP ${status}, which cannot be read`, { cause: error }));
      }
    });
    request.on('error', (error: Error) => {
      if (error instanceof EndpointAddressRefused || error.name === 'AbortError') return reject(error);
      reject(new EndpointPostFailed(sent, error));
    });
    request.end(post.body);
  });
}
