// Shared helpers of the SOAP interoperability tests: where the official 1.5 WSDLs are, a `soap`
// (npm) client of Tomada's CentralSystemService with the OCPP and WS-Addressing headers, raw
// SOAP posts, and a small namespace-aware reader for the XML Tomada answers with. The reader is
// built on fast-xml-parser directly, not on Tomada's own codec, so the tests do not check the
// codec with itself.
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import type { Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import { XMLParser } from 'fast-xml-parser';
import * as soap from 'soap';
import type { TestTomada } from '../support/tomada.js';

export const SOAP12_NS = 'http://www.w3.org/2003/05/soap-envelope';
export const SOAP11_NS = 'http://schemas.xmlsoap.org/soap/envelope/';
export const WSA_NS = 'http://www.w3.org/2005/08/addressing';
export const WSA_ANONYMOUS = 'http://www.w3.org/2005/08/addressing/anonymous';
export const CS_NS = 'urn://Ocpp/Cs/2012/06/';
export const CP_NS = 'urn://Ocpp/Cp/2012/06/';

const wsdlDir = new URL('../../../shared/ocpp/1.5/', import.meta.url);
export const CS_WSDL = fileURLToPath(new URL('ocpp_centralsystemservice_1.5_final.wsdl', wsdlDir));
export const CP_WSDL = fileURLToPath(new URL('ocpp_chargepointservice_1.5_final.wsdl', wsdlDir));

/** `false` when the files are there, else the reason to skip (passed as node:test's `skip`). */
export function wsdlSkip(...paths: string[]): string | false {
  const missing = paths.filter((p) => !existsSync(p));
  return missing.length === 0 ? false : `official OCPP 1.5 WSDL not found: ${missing.join(', ')} (expected in shared/ocpp/1.5 beside the repository)`;
}

export const soapUrl = (t: TestTomada) => `http://127.0.0.1:${t.ocppPort}/ocpp/soap`;

// ---------------------------------------------------------------- a soap client of Tomada

export interface CentralSystemClient {
  client: soap.Client;
  /** The MessageID of the last request sent. */
  lastMessageId(): string | undefined;
  /** Calls `operation` and returns the decoded answer, the raw response XML and its headers. */
  call(operation: string, args: object): Promise<{ result: any; raw: string; header: any; request: string }>;
}

/**
 * A `soap` client built from the official CentralSystemService WSDL, posting to Tomada, with the
 * `chargeBoxIdentity` header (omitted when `id` is undefined) and WS-Addressing 1.0 headers
 * (Action `/<Operation>` from the WSDL's soapAction, a fresh MessageID per call, To, and From
 * when `from` is given).
 */
export async function centralSystemClient(t: TestTomada, id: string | undefined, from?: string): Promise<CentralSystemClient> {
  const endpoint = soapUrl(t);
  const client = await soap.createClientAsync(CS_WSDL, { forceSoap12Headers: true }, endpoint);
  if (id !== undefined) client.addSoapHeader({ chargeBoxIdentity: id }, '', 'tns', CS_NS);
  let messageId: string | undefined;
  client.addSoapHeader((_method: unknown, _location: unknown, soapAction: string) => {
    messageId = `urn:uuid:${randomUUID()}`;
    return (
      `<wsa:Action xmlns:wsa="${WSA_NS}">${soapAction}</wsa:Action>` +
      `<wsa:MessageID xmlns:wsa="${WSA_NS}">${messageId}</wsa:MessageID>` +
      `<wsa:To xmlns:wsa="${WSA_NS}">${endpoint}</wsa:To>` +
      (from === undefined ? '' : `<wsa:From xmlns:wsa="${WSA_NS}"><wsa:Address>${from}</wsa:Address></wsa:From>`) +
      `<wsa:ReplyTo xmlns:wsa="${WSA_NS}"><wsa:Address>${WSA_ANONYMOUS}</wsa:Address></wsa:ReplyTo>`
    );
  });
  return {
    client,
    lastMessageId: () => messageId,
    async call(operation, args) {
      const method = client[`${operation}Async`] as ((args: object) => Promise<[any, string, any, string]>) | undefined;
      if (typeof method !== 'function') throw new Error(`the WSDL has no operation ${operation}`);
      const [result, raw, header, request] = await method(args);
      return { result, raw, header, request };
    },
  };
}

// ---------------------------------------------------------------- raw posts

export interface RawAnswer {
  status: number;
  contentType: string;
  text: string;
  ms: number;
}

export async function postRaw(t: TestTomada, body: string | Uint8Array, contentType = 'application/soap+xml; charset=utf-8'): Promise<RawAnswer> {
  const started = performance.now();
  const response = await fetch(soapUrl(t), { method: 'POST', headers: { 'content-type': contentType }, body });
  const text = await response.text();
  return { status: response.status, contentType: response.headers.get('content-type') ?? '', text, ms: performance.now() - started };
}

/** A SOAP 1.2 envelope in the 1.5 CentralSystemService namespace, with chosen headers. */
export function envelope(options: {
  body: string;
  id?: string;
  namespace?: string;
  messageId?: string;
  action?: string;
  from?: string;
  /** The WS-Addressing namespace the `wsa` headers are in (default 1.0's, WSA_NS). */
  addressingNamespace?: string;
}): string {
  const ns = options.namespace ?? CS_NS;
  const headers =
    (options.id === undefined ? '' : `<cs:chargeBoxIdentity>${options.id}</cs:chargeBoxIdentity>`) +
    (options.action === undefined ? '' : `<wsa:Action>${options.action}</wsa:Action>`) +
    (options.messageId === undefined ? '' : `<wsa:MessageID>${options.messageId}</wsa:MessageID>`) +
    (options.from === undefined ? '' : `<wsa:From><wsa:Address>${options.from}</wsa:Address></wsa:From>`);
  return (
    `<?xml version="1.0" encoding="UTF-8"?>` +
    `<s:Envelope xmlns:s="${SOAP12_NS}" xmlns:wsa="${options.addressingNamespace ?? WSA_NS}" xmlns:cs="${ns}">` +
    `<s:Header>${headers}</s:Header><s:Body>${options.body}</s:Body></s:Envelope>`
  );
}

// ---------------------------------------------------------------- reading XML answers

export interface Node {
  name: string;
  namespace: string;
  attributes: Record<string, string>;
  children: Node[];
  text: string;
  scope: Map<string, string>;
}

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  processEntities: true,
  htmlEntities: false,
});

function build(raw: Record<string, any>, parentScope: Map<string, string>): Node {
  const qname = Object.keys(raw).find((k) => k !== ':@') as string;
  const attrs: Record<string, string> = {};
  const scope = new Map(parentScope);
  for (const [key, value] of Object.entries((raw[':@'] ?? {}) as Record<string, string>)) {
    const name = key.slice(1);
    if (name === 'xmlns') scope.set('', value);
    else if (name.startsWith('xmlns:')) scope.set(name.slice(6), value);
    else attrs[name] = value;
  }
  const colon = qname.indexOf(':');
  const prefix = colon === -1 ? '' : qname.slice(0, colon);
  const children: Node[] = [];
  let text = '';
  for (const child of (raw[qname] ?? []) as Record<string, any>[]) {
    if ('#text' in child) text += String(child['#text']);
    else children.push(build(child, scope));
  }
  return { name: colon === -1 ? qname : qname.slice(colon + 1), namespace: scope.get(prefix) ?? '', attributes: attrs, children, text, scope };
}

/** Parses an XML document into a namespace-resolved tree (its root element). */
export function readXml(xml: string): Node {
  const nodes = parser.parse(xml) as Record<string, any>[];
  const root = nodes.find((n) => !Object.keys(n).some((k) => k.startsWith('?')));
  if (!root) throw new Error(`no root element in ${xml.slice(0, 200)}`);
  return build(root, new Map([['', '']]));
}

export function child(node: Node | undefined, namespace: string, name: string): Node | undefined {
  return node?.children.find((c) => c.name === name && c.namespace === namespace);
}

/** The expanded name a QName-valued text (such as a fault code) stands for. */
export function qnameValue(node: Node | undefined): { namespace: string; name: string } | undefined {
  if (!node) return undefined;
  const text = node.text.trim();
  const colon = text.indexOf(':');
  return colon === -1
    ? { namespace: node.scope.get('') ?? '', name: text }
    : { namespace: node.scope.get(text.slice(0, colon)) ?? '?', name: text.slice(colon + 1) };
}

export interface ReadFault {
  code: { namespace: string; name: string } | undefined;
  subcode: { namespace: string; name: string } | undefined;
  reason: string;
  /** The WS-Addressing headers of the fault message, by local name. */
  headers: Record<string, string>;
}

/** The SOAP 1.2 fault of an answer; throws if the answer is not one. */
export function readFault(xml: string): ReadFault {
  const root = readXml(xml);
  if (root.namespace !== SOAP12_NS || root.name !== 'Envelope') throw new Error(`not a SOAP 1.2 envelope: ${xml.slice(0, 300)}`);
  const fault = child(child(root, SOAP12_NS, 'Body'), SOAP12_NS, 'Fault');
  if (!fault) throw new Error(`not a fault: ${xml.slice(0, 300)}`);
  const code = child(fault, SOAP12_NS, 'Code');
  const headers: Record<string, string> = {};
  for (const h of child(root, SOAP12_NS, 'Header')?.children ?? []) if (h.namespace === WSA_NS) headers[h.name] = h.text;
  return {
    code: qnameValue(child(code, SOAP12_NS, 'Value')),
    subcode: qnameValue(child(child(code, SOAP12_NS, 'Subcode'), SOAP12_NS, 'Value')),
    reason: child(child(fault, SOAP12_NS, 'Reason'), SOAP12_NS, 'Text')?.text ?? '',
    headers,
  };
}

/** The WS-Addressing headers of a SOAP 1.2 message, by local name (Address children flattened). */
export function addressingHeaders(xml: string): Record<string, string> {
  const root = readXml(xml);
  const out: Record<string, string> = {};
  for (const h of child(root, SOAP12_NS, 'Header')?.children ?? []) {
    if (h.namespace !== WSA_NS) continue;
    out[h.name] = child(h, WSA_NS, 'Address')?.text ?? h.text;
  }
  return out;
}

// ---------------------------------------------------------------- misc

export function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : 0);
    });
  });
}

export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
