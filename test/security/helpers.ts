// Shared helpers of the security tests: a Tomada node with its TLS listener, WebSocket and SOAP
// clients that can present passwords and client certificates and choose their source address
// (127.0.0.x are all local), and a minimal OCPP-J call over a raw socket.
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import WebSocket from 'ws';
import type { Config } from '../../src/config.js';
import { startTestTomada, type TestTomada } from '../support/tomada.js';
import type { KeyPair, TestPki } from './pki.js';

export const PASSWORD = 'a-long-enough-password-1234';

export function basic(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

export interface SecureTomada extends TestTomada {
  /** wss://127.0.0.1:PORT/ocpp */
  wssUrl: string;
  soapUrl: string;
  soapsUrl: string;
}

export async function startSecureTomada(pki: TestPki | undefined, overrides: Partial<Config> = {}): Promise<SecureTomada> {
  const t = await startTestTomada({
    ...(pki ? { tls: { certFile: pki.server.certFile, keyFile: pki.server.keyFile, caFile: pki.ca.certFile }, ocppTlsPort: 0 } : {}),
    ...overrides,
  });
  return {
    ...t,
    wssUrl: `wss://127.0.0.1:${t.ocppTlsPort}/ocpp`,
    soapUrl: `http://127.0.0.1:${t.ocppPort}/ocpp/soap`,
    soapsUrl: `https://127.0.0.1:${t.ocppTlsPort}/ocpp/soap`,
  };
}

/** Registers (or edits) a charge point through the operator API. */
export async function register(t: TestTomada, id: string, body: Record<string, unknown>): Promise<void> {
  const answer = await t.api(`/api/v1/charge-points/${id}`, { method: 'PUT', body });
  if (answer.status !== 200 && answer.status !== 201) throw new Error(`PUT ${id}: ${answer.status} ${JSON.stringify(answer.body)}`);
}

export interface ClientSecurity {
  password?: string;
  /** Basic auth for another user name than the id. */
  user?: string;
  /** The client certificate to present. */
  certificate?: KeyPair;
  /** The CA the client trusts for the server's certificate. */
  ca?: Buffer;
  localAddress?: string;
}

export class HandshakeRefused extends Error {
  constructor(
    readonly statusCode: number,
    readonly headers: IncomingHttpHeaders,
  ) {
    super(`handshake refused with HTTP ${statusCode}`);
  }
}

/** Sockets opened by a test, all terminated at the end. */
export class Sockets {
  private readonly open = new Set<WebSocket>();

  /** Opens a WebSocket to `${base}/${id}`; rejects with HandshakeRefused when refused with a status. */
  async connect(base: string, id: string, security: ClientSecurity = {}, protocols = ['ocpp1.6']): Promise<WebSocket> {
    const headers: Record<string, string> = {};
    if (security.password !== undefined) headers.authorization = basic(security.user ?? id, security.password);
    const ws = new WebSocket(`${base}/${encodeURIComponent(id)}`, protocols, {
      headers,
      ...(security.ca ? { ca: security.ca } : {}),
      ...(security.certificate ? { cert: security.certificate.cert, key: security.certificate.key } : {}),
      ...(security.localAddress ? { localAddress: security.localAddress } : {}),
    });
    this.open.add(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('unexpected-response', (_req, res) => {
        res.resume();
        reject(new HandshakeRefused(res.statusCode ?? 0, res.headers));
      });
      ws.once('error', reject);
    });
    return ws;
  }

  closeAll(): void {
    for (const ws of this.open) ws.terminate();
    this.open.clear();
  }
}

/** The status a handshake is refused with (fails if it is accepted). */
export async function refusal(connecting: Promise<WebSocket>): Promise<HandshakeRefused> {
  try {
    const ws = await connecting;
    ws.terminate();
  } catch (error) {
    if (error instanceof HandshakeRefused) return error;
    throw error;
  }
  throw new Error('the handshake was accepted but should have been refused');
}

let counter = 0;

/** Sends a CALL on a raw socket and resolves with the frame answering it. */
export function call(ws: WebSocket, action: string, payload: object, timeoutMs = 5000): Promise<unknown[]> {
  const id = `sec-${++counter}`;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${action} not answered`)), timeoutMs);
    const onMessage = (data: WebSocket.RawData) => {
      const frame = JSON.parse(data.toString()) as unknown[];
      if (frame[1] !== id) return;
      clearTimeout(timer);
      ws.off('message', onMessage);
      resolve(frame);
    };
    ws.on('message', onMessage);
    ws.send(JSON.stringify([2, id, action, payload]));
  });
}

/** The connection works: a BootNotification and a Heartbeat are answered with CALLRESULTs. */
export async function assertWorks(ws: WebSocket): Promise<void> {
  const booted = await call(ws, 'BootNotification', { chargePointVendor: 'V', chargePointModel: 'M' });
  if (booted[0] !== 3 || (booted[2] as { status?: string }).status !== 'Accepted') throw new Error(`boot not accepted: ${JSON.stringify(booted)}`);
  const beat = await call(ws, 'Heartbeat', {});
  if (beat[0] !== 3) throw new Error(`heartbeat not answered: ${JSON.stringify(beat)}`);
}

export interface PostAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

/** POSTs a SOAP message over http or https, with optional Basic auth, client certificate and source address. */
export function postSoap(url: string, xml: string, security: ClientSecurity & { id?: string } = {}): Promise<PostAnswer> {
  const target = new URL(url);
  const headers: Record<string, string> = { 'content-type': 'application/soap+xml; charset=utf-8', 'content-length': String(Buffer.byteLength(xml)) };
  if (security.password !== undefined) headers.authorization = basic(security.user ?? security.id ?? '', security.password);
  const options = {
    method: 'POST',
    host: target.hostname,
    port: target.port,
    path: target.pathname,
    headers,
    agent: false as const,
    ...(security.localAddress ? { localAddress: security.localAddress } : {}),
    ...(security.ca ? { ca: security.ca } : {}),
    ...(security.certificate ? { cert: security.certificate.cert, key: security.certificate.key } : {}),
  };
  return new Promise((resolve, reject) => {
    const req = (target.protocol === 'https:' ? httpsRequest : httpRequest)(options, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(xml);
  });
}

export const CS_NS = 'urn://Ocpp/Cs/2012/06/';

/** A SOAP 1.2 message of charge point `id`; `from`: the address it takes commands at. */
export function soapMessage(id: string, body: string, from?: string): string {
  return (
    '<?xml version="1.0" encoding="UTF-8"?>' +
    `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:wsa="http://www.w3.org/2005/08/addressing" xmlns:cs="${CS_NS}">` +
    `<s:Header><cs:chargeBoxIdentity>${id}</cs:chargeBoxIdentity><wsa:MessageID>urn:uuid:${id}-${++counter}</wsa:MessageID>` +
    (from ? `<wsa:From><wsa:Address>${from}</wsa:Address></wsa:From>` : '') +
    `</s:Header><s:Body>${body}</s:Body></s:Envelope>`
  );
}

export const soapBoot = (id: string, from?: string) =>
  soapMessage(id, '<cs:bootNotificationRequest><cs:chargePointVendor>V</cs:chargePointVendor><cs:chargePointModel>M</cs:chargePointModel></cs:bootNotificationRequest>', from);

/** The fault subcode (local name) of a SOAP answer, or undefined if it is not a fault. */
export function faultSubcode(text: string): string | undefined {
  if (!/<env:Fault>/.test(text)) return undefined;
  return /<env:Subcode><env:Value[^>]*>[^:<]*:([^<]+)<\/env:Value>/.exec(text)?.[1];
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
