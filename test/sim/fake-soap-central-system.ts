// A small OCPP 1.5 SOAP central system for the simulator's tests: a node:http server whose
// CentralSystemService decodes every POST with the project's SOAP codec, checks its headers and
// validates its payload against the 1.5 schemas, answers as the OCPP-J fake does (FakeAnswers),
// and sends commands to a charge point as SOAP POSTs to the address its From header gave.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { RpcError, type JsonObject } from '../../src/ocpp/rpc.js';
import {
  decodeEnvelope,
  encodeEnvelope,
  encodeFault,
  faultAddressing,
  faultForCode,
  faultFromViolation,
  newMessageId,
  OCPP15_CP_NS,
  OCPP15_CS_NS,
  OCPP_PREFIX,
  operationOfRequestElement,
  payloadToXml,
  readFault,
  requestAddressing,
  requestElementOf,
  responseAddressing,
  responseElementOf,
  SoapFault,
  xmlToPayload,
  type DecodedEnvelope,
  type SoapHeaders,
} from '../../src/ocpp/soap/index.js';
import { centralSystemActions, chargePointActions } from '../../src/ocpp/v15/index.js';
import { FakeAnswers, type FakeOptions, type ReceivedCall } from './fake-central-system.js';
import { v15SchemaErrors } from './v15-schemas.js';

export type SoapFakeOptions = Omit<FakeOptions, 'version'>;

export interface ReceivedRequest {
  chargePointId: string | undefined;
  operation: string | undefined;
  contentType: string | undefined;
  authorization: string | undefined;
  headers: SoapHeaders;
}

export interface CommandExchange {
  /** The HTTP status the charge point answered with. */
  status: number;
  contentType: string | null;
  decoded: DecodedEnvelope;
  /** Our request's MessageID. */
  messageId: string;
}

const isOwn = <T extends object>(object: T, key: string): key is Extract<keyof T, string> => Object.hasOwn(object, key);

export class FakeSoapCentralSystem {
  readonly calls: ReceivedCall[] = [];
  readonly requests: ReceivedRequest[] = [];
  /** Every request or answer of a charge point that the 1.5 schemas refuse. */
  readonly schemaViolations: string[] = [];
  /** Every header a charge point got wrong (content type, WS-Addressing, chargeBoxIdentity). */
  readonly headerViolations: string[] = [];
  /** Where each charge point said (WS-Addressing From) it takes commands. */
  readonly endpoints = new Map<string, string>();
  readonly simProtocol = 'ocpp1.5-soap' as const;
  private readonly answers: FakeAnswers;
  private readonly boots = new Map<string, number>();
  private readonly messageIds = new Set<string>();

  private constructor(
    private readonly server: Server,
    options: SoapFakeOptions,
  ) {
    this.answers = new FakeAnswers(options, '1.5');
    server.on('request', (request, response) => void this.serve(request, response));
  }

  static async start(options: SoapFakeOptions = {}): Promise<FakeSoapCentralSystem> {
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
    });
    return new FakeSoapCentralSystem(server, options);
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}/ocpp/soap`;
  }

  callsOf(action: string, chargePointId?: string): ReceivedCall[] {
    return this.calls.filter((c) => c.action === action && (chargePointId === undefined || c.chargePointId === chargePointId));
  }

  async close(): Promise<void> {
    if (!this.server.listening) return;
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  /** Posts a raw envelope to the charge point's endpoint; the answer decoded (a fault too). */
  async post(chargePointId: string, xml: string, contentType = 'application/soap+xml; charset=utf-8'): Promise<{ status: number; contentType: string | null; decoded: DecodedEnvelope }> {
    const endpoint = this.endpoints.get(chargePointId);
    if (!endpoint) throw new Error(`${chargePointId} gave no From address`);
    const response = await fetch(endpoint, { method: 'POST', headers: { 'content-type': contentType }, body: xml, signal: AbortSignal.timeout(2_000) });
    return { status: response.status, contentType: response.headers.get('content-type'), decoded: decodeEnvelope(await response.text()) };
  }

  /** A command envelope as Tomada's SOAP client writes it. */
  commandEnvelope(chargePointId: string, operation: string, payload: JsonObject, messageId = newMessageId(), bodyXml?: string): string {
    const endpoint = this.endpoints.get(chargePointId) ?? 'http://unknown.invalid/';
    const schema = isOwn(chargePointActions, operation) ? chargePointActions[operation].request : undefined;
    return encodeEnvelope({
      namespace: OCPP15_CP_NS,
      headers: requestAddressing({ chargeBoxIdentity: chargePointId, operation, to: endpoint, messageId }),
      bodyXml: bodyXml ?? payloadToXml(payload, schema ?? ({} as never), requestElementOf(operation), OCPP_PREFIX),
    });
  }

  /** Sends a command and returns the whole exchange; the answer's payload is checked against the schema. */
  async exchange(chargePointId: string, operation: string, payload: JsonObject): Promise<CommandExchange> {
    const messageId = newMessageId();
    const answer = await this.post(chargePointId, this.commandEnvelope(chargePointId, operation, payload, messageId));
    return { ...answer, messageId };
  }

  /**
   * Sends a command and resolves with the payload of the answer; a SOAP fault rejects with it.
   * The answer's WS-Addressing headers are checked (headerViolations).
   */
  async call(chargePointId: string, operation: string, payload: JsonObject): Promise<JsonObject> {
    const { status, contentType, decoded, messageId } = await this.exchange(chargePointId, operation, payload);
    const fault = readFault(decoded.body);
    if (fault) throw fault;
    const problems: string[] = [];
    if (status !== 200) problems.push(`HTTP ${status}`);
    if (!contentType?.startsWith('application/soap+xml')) problems.push(`content type ${contentType}`);
    if (decoded.namespace !== OCPP15_CP_NS) problems.push(`namespace ${decoded.namespace}`);
    if (decoded.bodyElement !== responseElementOf(operation)) problems.push(`body ${decoded.bodyElement}`);
    if (decoded.headers.action !== `/${operation}Response`) problems.push(`Action ${decoded.headers.action}`);
    if (decoded.headers.relatesTo !== messageId) problems.push(`RelatesTo ${decoded.headers.relatesTo} (sent ${messageId})`);
    this.headerViolations.push(...problems.map((p) => `${operation} answer: ${p}`));
    const answer = isOwn(chargePointActions, operation) ? xmlToPayload(decoded.body, chargePointActions[operation].response) : {};
    this.schemaViolations.push(...v15SchemaErrors(operation, 'response', answer));
    return answer as JsonObject;
  }

  // ---- the CentralSystemService ----------------------------------------------------------------

  private async serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    let decoded: DecodedEnvelope | undefined;
    try {
      if (request.method !== 'POST' || request.url !== '/ocpp/soap') throw new SoapFault('Sender', `${request.method} ${request.url} is not the SOAP endpoint`);
      decoded = decodeEnvelope(text);
      const { headers } = decoded;
      const operation = operationOfRequestElement(decoded.bodyElement);
      this.requests.push({
        chargePointId: headers.chargeBoxIdentity,
        operation,
        contentType: request.headers['content-type'],
        authorization: request.headers.authorization,
        headers,
      });
      this.checkHeaders(decoded, operation, request.headers['content-type']);
      if (decoded.namespace !== OCPP15_CS_NS || operation === undefined || !isOwn(centralSystemActions, operation)) {
        throw faultForCode('NotImplemented', `${decoded.bodyElement} is not a CentralSystemService request`);
      }
      const chargePointId = headers.chargeBoxIdentity ?? '';
      if (headers.from) this.endpoints.set(chargePointId, headers.from);
      const definition = centralSystemActions[operation];
      const payload = xmlToPayload(decoded.body, definition.request) as JsonObject;
      if (operation === 'BootNotification') this.boots.set(chargePointId, (this.boots.get(chargePointId) ?? 0) + 1);
      this.calls.push({
        chargePointId,
        connection: Math.max(1, this.boots.get(chargePointId) ?? 0),
        action: operation,
        payload,
        receivedAt: Date.now(),
      });
      const errors = v15SchemaErrors(operation, 'request', payload);
      this.schemaViolations.push(...errors);
      const checked = definition.validateRequest(payload);
      if (!checked.ok) throw faultFromViolation(checked.violation);
      const answer = this.answers.answer(chargePointId, operation, payload);
      this.schemaViolations.push(...v15SchemaErrors(operation, 'response', answer));
      response.writeHead(200, { 'content-type': 'application/soap+xml; charset=utf-8' });
      response.end(
        encodeEnvelope({
          namespace: OCPP15_CS_NS,
          headers: responseAddressing(decoded, operation),
          bodyXml: payloadToXml(answer, definition.response, responseElementOf(operation), OCPP_PREFIX),
        }),
      );
    } catch (error) {
      const fault =
        error instanceof SoapFault ? error : error instanceof RpcError ? faultForCode(error.code, error.message) : new SoapFault('Receiver', String(error));
      const answering = fault.answering ?? decoded;
      response.writeHead(fault.httpStatus, { 'content-type': fault.contentType });
      response.end(encodeFault(fault, answering ? faultAddressing(answering) : undefined));
    }
  }

  private checkHeaders(decoded: DecodedEnvelope, operation: string | undefined, contentType: string | undefined): void {
    const { headers } = decoded;
    const problems: string[] = [];
    if (contentType !== 'application/soap+xml; charset=utf-8') problems.push(`content type ${contentType}`);
    if (!headers.chargeBoxIdentity) problems.push('no chargeBoxIdentity');
    if (headers.action !== `/${operation}`) problems.push(`Action ${headers.action}`);
    if (!headers.messageId?.startsWith('urn:uuid:')) problems.push(`MessageID ${headers.messageId}`);
    else if (this.messageIds.has(headers.messageId)) problems.push(`MessageID ${headers.messageId} used twice`);
    else this.messageIds.add(headers.messageId);
    if (headers.to !== this.baseUrl) problems.push(`To ${headers.to}`);
    if (!headers.from?.startsWith('http://127.0.0.1:')) problems.push(`From ${headers.from}`);
    if (decoded.addressingNamespace !== 'http://www.w3.org/2005/08/addressing') problems.push(`WS-Addressing ${decoded.addressingNamespace}`);
    this.headerViolations.push(...problems.map((p) => `${operation ?? decoded.bodyElement}: ${p}`));
  }
}

/** A SOAP fault's code and subcode, as "Sender/NotImplemented". */
export function faultName(error: unknown): string {
  if (!(error instanceof SoapFault)) return `not a SOAP fault: ${String(error)}`;
  return error.subcode === undefined ? error.code : `${error.code}/${error.subcode}`;
}
