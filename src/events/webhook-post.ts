// One POST to an operator's webhook, refused before it connects when the address it would reach is
// in a network webhooks may not reach (TOMADA_WEBHOOK_DENIED_NETWORKS). Operators set their own
// webhook URLs, so without this an operator could aim the central system's POSTs at the services
// beside it (a database port, a cloud's metadata address) and read, from the delivery's lastError,
// which ports answer. The check is made on the address the connection is opened to, after the
// name is resolved, so a name that resolves differently the second time (DNS rebinding) gains
// nothing; a literal address is checked before the request, since it is never looked up.
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request as httpRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { sourceAllowed } from '../domain/registry.js';
import { untrustedCertificateHint } from '../untrusted-certificate.js';

/** The networks no webhook may reach unless the administrator says otherwise: the node's own and private ones. */
export const PRIVATE_NETWORKS: readonly string[] = [
  '0.0.0.0/8', // "this network": 0.0.0.0 reaches the node itself
  '10.0.0.0/8',
  '100.64.0.0/10', // carrier-grade NAT
  '127.0.0.0/8',
  '169.254.0.0/16', // link-local, with the cloud metadata address 169.254.169.254
  '172.16.0.0/12',
  '192.168.0.0/16',
  '192.0.0.0/24', // IETF protocol assignments
  '198.18.0.0/15', // benchmarking, used inside some clouds
  '224.0.0.0/3', // multicast, reserved, broadcast
  '::/128',
  '::1/128',
  'fc00::/7', // unique local
  'fe80::/10', // link-local
  'ff00::/8', // multicast
];

/**
 * The IPv4 address an IPv6 one carries where a gateway would reach it: NAT64 (64:ff9b::/96, on an
 * IPv6-only network a name of a private IPv4 host resolves there) and 6to4 (2002::/16). Checked
 * against the networks too, so the private IPv4 ones cannot be reached through them.
 */
function embeddedIPv4(address: string): string | undefined {
  if (isIP(address) !== 6) return undefined;
  const [head = '', tail] = address.toLowerCase().split('::');
  const groups = (part: string | undefined) => (part ? part.split(':').flatMap((g) => (g.includes('.') ? dottedGroups(g) : [parseInt(g, 16)])) : []);
  const left = groups(head);
  const right = groups(tail);
  const all = tail === undefined ? left : [...left, ...Array<number>(8 - left.length - right.length).fill(0), ...right];
  const v4 = (high: number, low: number) => [high >> 8, high & 255, low >> 8, low & 255].join('.');
  if (all[0] === 0x64 && all[1] === 0xff9b && all.slice(2, 6).every((g) => g === 0)) return v4(all[6]!, all[7]!);
  if (all[0] === 0x2002) return v4(all[1]!, all[2]!);
  return undefined;
}

/** A dotted IPv4 tail of an IPv6 address as its two 16-bit groups. */
function dottedGroups(dotted: string): number[] {
  const [a = 0, b = 0, c = 0, d = 0] = dotted.split('.').map(Number);
  return [(a << 8) | b, (c << 8) | d];
}

/** Raised by the lookup: the connection is never opened. */
class DeniedAddress extends Error {
  constructor(readonly address: string) {
    super(`the address ${address} is in a network webhooks may not reach (TOMADA_WEBHOOK_DENIED_NETWORKS)`);
  }
}

/** Whether an address is in one of the denied networks (IPv4-mapped, NAT64 and 6to4 addresses also as their IPv4 one). */
function denied(networks: readonly string[], address: string): boolean {
  if (networks.length === 0) return false;
  const carried = embeddedIPv4(address);
  return sourceAllowed(networks, address).allowed || (carried !== undefined && sourceAllowed(networks, carried).allowed);
}

/** A lookup that resolves as usual, then refuses the whole name if any address it gives is denied. */
function guardedLookup(networks: readonly string[]): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, '', 0);
      const list = addresses as unknown as LookupAddress[];
      const refused = list.find((entry) => denied(networks, entry.address));
      if (refused) return callback(Object.assign(new DeniedAddress(refused.address), { code: 'EWEBHOOKDENIED' }) as NodeJS.ErrnoException, '', 0);
      if (options.all) return (callback as unknown as (error: null, addresses: LookupAddress[]) => void)(null, list);
      const first = list[0];
      if (!first) return callback(Object.assign(new Error(`${hostname} resolves to no address`), { code: 'ENOTFOUND' }), '', 0);
      callback(null, first.address, first.family);
    });
  };
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
    lookup: guardedLookup(post.deniedNetworks),
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
