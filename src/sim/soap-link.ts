// The simulated charge point's link for OCPP 1.5 over SOAP (SOAP 1.2 + WS-Addressing, the 1.5
// WSDLs), in both directions:
//
// - out: every CALL is an HTTP POST of a SOAP envelope to the central system's SOAP endpoint (the
//   CentralSystemService), with the chargeBoxIdentity header and WS-Addressing Action
//   `/<Operation>`, a fresh MessageID, To (that endpoint) and From (our own endpoint, the only way
//   the central system learns where to send commands). One POST at a time, behind a queue, each
//   with the call timeout. The answer is decoded with the project's SOAP codec; a SOAP fault fails
//   the call with SoapFaultResponse (a CallErrorResponse, so the charge point treats it as a
//   refusal, like an OCPP-J CALLERROR).
// - in: a small node:http server, the charge point's ChargePointService. It decodes each POSTed
//   envelope, hands RemoteStartTransaction, RemoteStopTransaction, Reset, UnlockConnector (every
//   ChargePointService operation, in fact: the protocol answers the rest NotImplemented) to the
//   charge point's command handler exactly as the WebSocket link does, and answers with the
//   response envelope (Action `/<Operation>Response`, RelatesTo the request's MessageID), or
//   with a SOAP fault.
//
// SOAP has no connection, so here "connected" means: our command server is listening. The server
// outlives the links (it keeps its port, so the address the central system has stays right);
// a link ends when the central system cannot be reached (a POST fails to connect, or a gateway
// answers 502/503/504), when it is dropped (dropConnection, a simulated network loss) or closed.
// The charge point then does what it does when a WebSocket closes: it keeps its transaction
// messages, opens a new link after its reconnect delay and boots again, and sends the backlog in
// order once the boot is accepted.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { networkInterfaces } from 'node:os';
import { CallErrorResponse, CallTimeoutError, MalformedAnswerError, PeerClosedError } from '../ocpp/rpc-peer.js';
import { MessageType, RpcError, type JsonObject } from '../ocpp/rpc.js';
import {
  DEFAULT_MAX_ENVELOPE_BYTES,
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
  operationOfAction,
  operationOfRequestElement,
  operationOfResponseElement,
  payloadToXml,
  readFault,
  requestAddressing,
  requestElementOf,
  responseAddressing,
  responseElementOf,
  SOAP12_CONTENT_TYPE,
  SoapFault,
  xmlToPayload,
  type DecodedEnvelope,
} from '../ocpp/soap/index.js';
import { violationText } from '../ocpp/validate.js';
import { fetchFailure } from '../fetch-failure.js';
import { centralSystemActions, chargePointActions } from '../ocpp/v15/index.js';
import { centralSystemCertificateHint, type LinkHandlers, type SimLink, type SimTransport } from './link.js';

export interface SoapTransportOptions {
  /** The central system's SOAP endpoint (CentralSystemService), e.g. http://127.0.0.1:9000/ocpp/soap. */
  url: string;
  /** The charge point's id, sent as the chargeBoxIdentity header and expected on every command. */
  chargeBoxIdentity: string;
  /** Sent as HTTP Basic auth on every POST when given. */
  basicAuth: { user: string; password: string } | undefined;
  callTimeoutMs: number;
  /** Where the ChargePointService listens: 127.0.0.1 by default. */
  listenHost: string;
  /** 0: any free port. */
  listenPort: number;
}

/** The central system answered a call with a SOAP fault. */
export class SoapFaultResponse extends CallErrorResponse {
  constructor(
    action: string,
    readonly fault: SoapFault,
  ) {
    const code = fault.subcode === undefined ? fault.code : `${fault.code}/${fault.subcode}`;
    super(action, code, fault.reason, {});
    this.message = `${action} answered with a SOAP fault (${code}): ${fault.reason}`;
    this.name = 'SoapFaultResponse';
  }
}

const CONTENT_TYPE = `${SOAP12_CONTENT_TYPE}; charset=utf-8`;
/** A little more than the codec accepts, so an oversize envelope gets the codec's own fault. */
const MAX_REQUEST_BYTES = DEFAULT_MAX_ENVELOPE_BYTES + 1024;
/** Gateway answers that mean "the central system is not there" rather than "it refused". */
const UNREACHABLE_STATUSES = new Set([502, 503, 504]);

const isOwn = <T extends object>(object: T, key: string): key is Extract<keyof T, string> => Object.hasOwn(object, key);

/** The host to put in our From address: a wildcard listen address is not an address to reach. */
function advertisedHost(listenHost: string): string {
  let host = listenHost;
  if (host === '0.0.0.0' || host === '::' || host === '') {
    const external = Object.values(networkInterfaces())
      .flat()
      .find((i) => i !== undefined && i.family === 'IPv4' && !i.internal);
    host = external?.address ?? '127.0.0.1';
  }
  return host.includes(':') ? `[${host}]` : host;
}

/** The cause of a failed fetch, in a few words ("ECONNREFUSED", "other side closed", …). */
export function soapTransport(options: SoapTransportOptions): SimTransport & { readonly endpoint: string | undefined } {
  return new SoapTransport(options);
}

class SoapTransport implements SimTransport {
  readonly target: string;
  private server: Server | undefined;
  private listening: Promise<string> | undefined;
  private address: string | undefined;
  private current: SoapLink | undefined;
  private shutDown = false;
  private announced = false;

  constructor(private readonly options: SoapTransportOptions) {
    this.target = options.url;
  }

  /** Our ChargePointService address (the From of every request), once listening. */
  get endpoint(): string | undefined {
    return this.address;
  }

  open(handlers: LinkHandlers): SimLink {
    this.current?.terminate();
    const link = new SoapLink(this.options, handlers, () => this.address ?? '', () => {
      if (this.current === link) this.current = undefined;
    });
    this.current = link;
    this.listen().then(
      () => {
        link.up(this.announced ? 'debug' : 'info');
        this.announced = true;
      },
      (error: Error) => link.end(`cannot listen for commands on ${this.options.listenHost}:${this.options.listenPort}: ${error.message}`),
    );
    return link;
  }

  async shutdown(): Promise<void> {
    this.shutDown = true;
    this.current?.terminate();
    const pending = this.listening;
    if (pending) await pending.catch(() => undefined);
    const server = this.server;
    this.server = undefined;
    if (!server?.listening) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  /** Starts the command server once; resolves with its address. A failed start is tried again next time. */
  private listen(): Promise<string> {
    if (this.shutDown) return Promise.reject(new Error('the charge point is stopped'));
    this.listening ??= new Promise<string>((resolve, reject) => {
      const server = createServer((request, response) => void this.serve(request, response));
      server.keepAliveTimeout = 5_000;
      server.once('error', (error) => {
        this.listening = undefined;
        reject(error);
      });
      server.listen(this.options.listenPort, this.options.listenHost, () => {
        server.removeAllListeners('error');
        server.on('error', () => undefined);
        this.server = server;
        const { port } = server.address() as AddressInfo;
        this.address = `http://${advertisedHost(this.options.listenHost)}:${port}/${encodeURIComponent(this.options.chargeBoxIdentity)}`;
        resolve(this.address);
      });
    });
    return this.listening;
  }

  // ---- the ChargePointService ------------------------------------------------------------------

  private async serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (request.method !== 'POST') {
      response.writeHead(405, { allow: 'POST', 'content-type': 'text/plain; charset=utf-8' });
      response.end('POST OCPP 1.5 SOAP ChargePointService requests here\n');
      return;
    }
    let text: string;
    try {
      text = await readBody(request, MAX_REQUEST_BYTES);
    } catch (error) {
      this.sendFault(response, new SoapFault('Sender', (error as Error).message, { subcode: 'MessageTooLarge' }));
      return;
    }
    let decoded: DecodedEnvelope | undefined;
    try {
      decoded = decodeEnvelope(text);
      const { operation, body } = this.operationOf(decoded);
      const answer = await this.answer(operation, body, decoded);
      const definition = chargePointActions[operation];
      const envelope = encodeEnvelope({
        namespace: OCPP15_CP_NS,
        headers: responseAddressing(decoded, operation),
        bodyXml: payloadToXml(answer, definition.response, responseElementOf(operation), OCPP_PREFIX),
      });
      response.writeHead(200, { 'content-type': CONTENT_TYPE });
      response.end(envelope);
    } catch (error) {
      const fault =
        error instanceof SoapFault
          ? error
          : error instanceof RpcError
            ? faultForCode(error.code, error.message, OCPP15_CP_NS)
            : new SoapFault('Receiver', `the charge point could not handle this request: ${(error as Error).message}`, {
                subcode: 'InternalError',
                subcodeNamespace: OCPP15_CP_NS,
              });
      const answering = fault.answering ?? decoded;
      this.current?.log('warn', `answered a SOAP request with a fault: ${fault.message}`);
      this.sendFault(response, fault, answering);
    }
  }

  private sendFault(response: ServerResponse, fault: SoapFault, answering?: Parameters<typeof faultAddressing>[0]): void {
    response.writeHead(fault.httpStatus, { 'content-type': fault.contentType });
    response.end(encodeFault(fault, answering ? faultAddressing(answering) : undefined));
  }

  /** The ChargePointService operation a decoded request asks for, checked against its headers. */
  private operationOf(decoded: DecodedEnvelope): { operation: keyof typeof chargePointActions; body: DecodedEnvelope['body'] } {
    const { headers } = decoded;
    if (decoded.service !== 'chargePoint') {
      throw new SoapFault('Sender', `${decoded.bodyElement} (${decoded.namespace}) is not a ChargePointService request (${OCPP15_CP_NS})`, {
        subcode: 'NotImplemented',
        subcodeNamespace: OCPP15_CP_NS,
      });
    }
    const operation = operationOfRequestElement(decoded.bodyElement);
    if (operation === undefined || !isOwn(chargePointActions, operation)) {
      throw new SoapFault('Sender', `${decoded.bodyElement} is not an operation of the OCPP 1.5 ChargePointService`, {
        subcode: 'NotImplemented',
        subcodeNamespace: OCPP15_CP_NS,
      });
    }
    if (headers.action === undefined) {
      throw new SoapFault('Sender', 'the WS-Addressing Action header is required', { subcode: 'MessageAddressingHeaderRequired' });
    }
    if (operationOfAction(headers.action) !== operation) {
      throw new SoapFault('Sender', `Action ${headers.action} does not match the body ${decoded.bodyElement} (expected /${operation})`, {
        subcode: 'ActionNotSupported',
      });
    }
    if (headers.messageId === undefined) {
      throw new SoapFault('Sender', 'the WS-Addressing MessageID header is required on a request', {
        subcode: 'MessageAddressingHeaderRequired',
      });
    }
    if (headers.chargeBoxIdentity === undefined) {
      throw faultForCode('ProtocolError', 'the chargeBoxIdentity header is required', OCPP15_CP_NS);
    }
    if (headers.chargeBoxIdentity !== this.options.chargeBoxIdentity) {
      throw new SoapFault(
        'Sender',
        `this is charge point ${this.options.chargeBoxIdentity}, not ${headers.chargeBoxIdentity}`,
        { subcode: 'DestinationUnreachable' },
      );
    }
    return { operation, body: decoded.body };
  }

  /** The payload's schema check, then the charge point's own handler (the protocol decides). */
  private async answer(operation: keyof typeof chargePointActions, body: DecodedEnvelope['body'], decoded: DecodedEnvelope): Promise<JsonObject> {
    const definition = chargePointActions[operation];
    const checked = definition.validateRequest(xmlToPayload(body, definition.request));
    if (!checked.ok) throw faultFromViolation(checked.violation, OCPP15_CP_NS);
    const link = this.current;
    if (!link?.isUp) {
      throw new SoapFault('Receiver', 'the charge point is offline: it has no link to its central system', {
        subcode: 'EndpointUnavailable',
      });
    }
    const answer = await link.handleCall({
      type: MessageType.Call,
      messageId: decoded.headers.messageId ?? newMessageId(),
      action: operation,
      payload: checked.value as JsonObject,
    });
    const valid = definition.validateResponse(answer);
    if (!valid.ok) throw new RpcError('InternalError', `the charge point's own answer is invalid: ${violationText(valid.violation)}`);
    return answer;
  }
}

function readBody(request: IncomingMessage, maxBytes: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        reject(new Error(`message too large: over ${maxBytes} bytes`));
        request.resume();
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

interface QueuedCall {
  action: string;
  payload: JsonObject;
  resolve(payload: JsonObject): void;
  reject(error: Error): void;
}

/** One "connection": the calls to the central system, one POST at a time. */
class SoapLink implements SimLink {
  private readonly queue: QueuedCall[] = [];
  private busy = false;
  private inFlight: AbortController | undefined;
  private endedReason: string | undefined;
  private opened = false;

  constructor(
    private readonly options: SoapTransportOptions,
    private readonly handlers: LinkHandlers,
    private readonly ownAddress: () => string,
    private readonly released: () => void,
  ) {}

  /** Listening, not ended: commands are handled and calls may be sent. */
  get isUp(): boolean {
    return this.opened && this.endedReason === undefined;
  }

  handleCall: LinkHandlers['handleCall'] = (call) => this.handlers.handleCall(call);

  log(level: 'debug' | 'info' | 'warn', message: string): void {
    this.handlers.log(level, message);
  }

  /** The command server listens: the link is up. */
  up(level: 'debug' | 'info'): void {
    if (this.endedReason !== undefined) return;
    this.opened = true;
    this.handlers.log(level, `SOAP ChargePointService listening at ${this.ownAddress()}`);
    this.handlers.opened();
  }

  call(action: string, payload: JsonObject): Promise<JsonObject> {
    if (this.endedReason !== undefined) return Promise.reject(new PeerClosedError(this.endedReason));
    return new Promise((resolve, reject) => {
      this.queue.push({ action, payload, resolve, reject });
      void this.pump();
    });
  }

  close(): Promise<void> {
    this.end('link closed');
    return Promise.resolve();
  }

  terminate(): void {
    this.end('connection dropped');
  }

  /** Ends the link: the POST in flight is abandoned, queued calls fail, the charge point hears of it once. */
  end(reason: string): void {
    if (this.endedReason !== undefined) return;
    this.endedReason = reason;
    this.inFlight?.abort();
    for (const call of this.queue.splice(0)) call.reject(new PeerClosedError(reason));
    this.released();
    this.handlers.closed(reason);
  }

  private async pump(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      for (let next = this.queue.shift(); next; next = this.queue.shift()) {
        try {
          next.resolve(await this.post(next.action, next.payload));
        } catch (error) {
          next.reject(error as Error);
        }
      }
    } finally {
      this.busy = false;
    }
  }

  private async post(action: string, payload: JsonObject): Promise<JsonObject> {
    if (this.endedReason !== undefined) throw new PeerClosedError(this.endedReason);
    if (!isOwn(centralSystemActions, action)) throw new Error(`${action} is not a CentralSystemService operation`);
    const definition = centralSystemActions[action];
    const messageId = newMessageId();
    const envelope = encodeEnvelope({
      namespace: OCPP15_CS_NS,
      headers: requestAddressing({
        chargeBoxIdentity: this.options.chargeBoxIdentity,
        operation: action,
        to: this.options.url,
        from: this.ownAddress(),
        messageId,
      }),
      bodyXml: payloadToXml(payload, definition.request, requestElementOf(action), OCPP_PREFIX),
    });
    const headers: Record<string, string> = { 'content-type': CONTENT_TYPE };
    if (this.options.basicAuth) {
      const { user, password } = this.options.basicAuth;
      headers['authorization'] = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
    }

    const controller = new AbortController();
    this.inFlight = controller;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, this.options.callTimeoutMs);
    let status: number;
    let text: string;
    try {
      const response = await fetch(this.options.url, { method: 'POST', headers, body: envelope, signal: controller.signal });
      status = response.status;
      text = await response.text();
    } catch (error) {
      if (this.endedReason !== undefined) throw new PeerClosedError(this.endedReason);
      if (timedOut) throw new CallTimeoutError(action, this.options.callTimeoutMs);
      const failure = fetchFailure(error);
      const reason = `central system unreachable at ${this.options.url} (${failure})${centralSystemCertificateHint(failure)}`;
      this.end(reason);
      throw new PeerClosedError(reason);
    } finally {
      clearTimeout(timer);
      if (this.inFlight === controller) this.inFlight = undefined;
    }
    if (this.endedReason !== undefined) throw new PeerClosedError(this.endedReason);
    return this.read(action, messageId, status, text);
  }

  /** The payload of the central system's answer; throws for a fault or an unreadable answer. */
  private read(action: keyof typeof centralSystemActions, messageId: string, status: number, text: string): JsonObject {
    let decoded: DecodedEnvelope;
    try {
      decoded = decodeEnvelope(text);
    } catch (error) {
      if (UNREACHABLE_STATUSES.has(status)) {
        const reason = `central system unavailable at ${this.options.url} (HTTP ${status})`;
        this.end(reason);
        throw new PeerClosedError(reason);
      }
      throw new MalformedAnswerError(action, `HTTP ${status}, not a SOAP 1.2 envelope: ${(error as Error).message}`);
    }
    const fault = readFault(decoded.body);
    if (fault) throw new SoapFaultResponse(action, fault);
    if (decoded.namespace !== OCPP15_CS_NS || operationOfResponseElement(decoded.bodyElement) !== action) {
      throw new MalformedAnswerError(action, `answered with ${decoded.bodyElement} in ${decoded.namespace}, expected ${responseElementOf(action)} in ${OCPP15_CS_NS}`);
    }
    if (status < 200 || status > 299) throw new MalformedAnswerError(action, `a response envelope with HTTP status ${status}`);
    const { relatesTo } = decoded.headers;
    if (relatesTo !== undefined && relatesTo !== messageId) {
      throw new MalformedAnswerError(action, `RelatesTo ${relatesTo} is not our MessageID ${messageId}`);
    }
    if (relatesTo === undefined) this.handlers.log('warn', `${action} answer has no WS-Addressing RelatesTo`);
    const definition = centralSystemActions[action];
    const payload = xmlToPayload(decoded.body, definition.response);
    const checked = definition.validateResponse(payload);
    // Read anyway, as the WebSocket link does: the protocol's readers are lenient.
    if (!checked.ok) this.handlers.log('warn', `${action} answer does not conform to the 1.5 schema: ${violationText(checked.violation)}`);
    return payload as JsonObject;
  }
}
