// One POST to an operator's webhook, refused before it connects when the address it would reach is
// in a network webhooks may not reach (TOMADA_WEBHOOK_DENIED_NETWORKS). Operators set their own
// webhook URLs, so without this an operator could aim the central system's POSTs at the services
// beside it (a database port, a cloud's metadata address) and read, from the delivery's lastError,
// which ports answer. The check is made on the address the connection is opened to, after the
// name is resolved, so a name that resolves differently the second time (DNS rebinding) gains
// nothing; a literal address is checked before the request, since it is never looked up.
import { request as httpRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { guardedLookup, inNetworks as denied } from '../networks.js';
import { untrustedCertificateHint } from '../untrusted-certificate.js';

/** Raised by the lookup: the connection is never opened. */
class DeniedAddress extends Error {
  constructor(readonly address: string) {
    super(`the address ${address} is in a network webhooks may not reach (TOMADA_WEBHOOK_DENIED_NETWORKS)`);
  }
}

export interface WebhookPost {
  url: string;
  headers: Record<string, string>;
  body: string;
  /** Ends the POST: its time is up, or the node stops. */
  signal: AbortSignal;
  deniedNetworks: readonly string[];
}

/** The receiver's status, or a rejection with what went wrong; a redirect is not followed. */
export function postWebhook(post: WebhookPost): Promise<number> {
  const url = new URL(post.url);
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (isIP(host) !== 0 && denied(post.deniedNetworks, host)) return Promise.reject(new DeniedAddress(host));
  const options: RequestOptions = {
    method: 'POST',
    headers: { ...post.headers, 'content-length': String(Buffer.byteLength(post.body)) },
    signal: post.signal,
    lookup: guardedLookup((address) => (denied(post.deniedNetworks, address) ? Object.assign(new DeniedAddress(address), { code: 'EWEBHOOKDENIED' }) : undefined)),
  };
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const request = send(url, options, (response: IncomingMessage) => {
      // The answer's body is not needed: dropped unread, so a huge one costs nothing.
      response.destroy();
      resolve(response.statusCode ?? 0);
    });
    request.on('error', reject);
    request.end(post.body);
  });
}

/** A failed POST in the words an operator reads as the webhook's lastError. */
export function postProblem(error: unknown): string {
  if (error instanceof DeniedAddress) return error.message;
  // An aborted request carries why: its time ran out (the node stopping is not reported).
  const reason = (error as Error).name === 'AbortError' ? (error as { cause?: Error }).cause : undefined;
  if (reason?.name === 'TimeoutError') return 'no answer within the timeout';
  const code = (error as NodeJS.ErrnoException).code;
  return `${(error as Error).message}${code && !(error as Error).message.includes(code) ? ` (${code})` : ''}${untrustedCertificateHint(code, "the receiver's")}`;
}
