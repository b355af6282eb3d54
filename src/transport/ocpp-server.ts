// The OCPP listeners: plain (ws://, http://) and, when a certificate is configured, TLS (wss://,
// https://), serving the same paths. WebSocket handshakes at /ocpp/{chargePointId} (failure rate
// limit, subprotocol negotiation, admission: security profile, HTTP Basic, client certificate,
// source address) and one JsonSession per admitted connection; POST /ocpp/soap goes to the SOAP
// endpoint. A second connection with the same id replaces the first.
import { createServer, STATUS_CODES, type IncomingMessage, type ServerResponse, type Server } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { Server as NetServer, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { JsonProtocolAdapter } from '../adapters/adapter.js';
import type { CommandRouter } from '../domain/commands.js';
import type { Domain } from '../domain/index.js';
import type { ChargePoint } from '../domain/model.js';
import type { Logger } from '../log.js';
import { CallGate } from '../ocpp/call-gate.js';
import { encodeFault, SoapFault } from '../ocpp/soap/index.js';
import { AdmissionGate, type Refusal } from './admission.js';
import { JsonSession, type SessionOptions } from './json-session.js';
import type { InboundRates } from './rate-limit.js';
import type { SoapEndpoint } from './soap-endpoint.js';
import { isTls, tlsServerOptions, type TlsMaterial } from './tls.js';

export interface OcppServerOptions extends SessionOptions {
  /** Largest accepted frame, in bytes; a bigger one closes the connection with 1009. */
  maxFrameBytes: number;
  /**
   * A connection must complete its TLS handshake, and send its request headers, within this: a
   * client that connects and sends nothing is dropped.
   */
  handshakeTimeoutMs: number;
  /** A whole HTTP request (a SOAP message with its body) must arrive within this; not shorter than the handshake's. */
  requestTimeoutMs: number;
  /** Inbound OCPP-J CALLs handled at once over all connections; more wait their turn. */
  maxCallsInFlight: number;
}

export interface OcppServerDeps {
  domain: Domain;
  router: CommandRouter;
  adapters: readonly JsonProtocolAdapter[];
  /** The OCPP 1.5 SOAP endpoint served on the same port, at SOAP_PATH. */
  soap?: SoapEndpoint;
  /** Admission shared with the SOAP endpoint (failure limits); absent: admission without failure limits. */
  admission?: AdmissionGate;
  /** Each charge point's inbound message rate, shared with the SOAP endpoint. */
  rates: InboundRates;
  log: Logger;
  options: OcppServerOptions;
}

/**
 * A handshake request, with what upgrade() learnt about it before ws completes it. `admittedAt`:
 * when its admission began, before it read the charge point's settings (performance.now()).
 */
type Handshake = IncomingMessage & { chargePointId?: string; chosenProtocol?: string; admitted?: ChargePoint; admittedAt?: number };

/** How long a shutdown waits for charge points to answer the close handshake. */
const CLOSE_GRACE_MS = 2_000;
const SHUTTING_DOWN = 'Central system shutting down';

/** Where OCPP 1.5 SOAP charge points post their messages. */
export const SOAP_PATH = '/ocpp/soap';

/**
 * The SOAP path, with or without a slash at its end, as a WebSocket charge point's path may have
 * one: a charge point configured with `/ocpp/soap/` was answered 426, "connect with a WebSocket",
 * at every message.
 */
const isSoapPath = (path: string | undefined) => path === SOAP_PATH || path === `${SOAP_PATH}/`;

const PATH = /^\/ocpp\/([^/?#]+)\/?$/;

/** The request's path, or undefined when its target cannot be read as a URL. */
function pathOf(url: string | undefined): string | undefined {
  try {
    return new URL(url ?? '/', 'http://localhost').pathname;
  } catch {
    return undefined;
  }
}

/**
 * Destroys the socket on an error. Registered from a scope of its own: a listener made inside
 * `upgrade` would share that function's closure context, and so keep its handshake request (its
 * headers with it) alive for as long as the connection: 1.8 KiB of heap per charge point.
 */
function destroyOnError(socket: Duplex): void {
  socket.on('error', () => socket.destroy());
}

/** How long a refused handshake's answer may take to leave before its socket is destroyed all the same. */
const REFUSAL_DRAIN_MS = 5_000;

/**
 * Answers a handshake with an HTTP error and lets go of its socket. Past the upgrade event Node's
 * HTTP server applies none of its timeouts to the socket: ended only, it stayed open for as long as
 * the client kept its own side open, and a stranger holding refused handshakes (a wrong path, no
 * subprotocol, an address over its failures) used up the node's file descriptors until charge
 * points could not connect (an audit: 650 held under `ulimit -n 600`). Destroyed once the answer
 * is written, as `ws` does with the refusals it writes.
 */
function refuse(socket: Duplex, status: number, headers: Record<string, string> = {}): void {
  const reason = STATUS_CODES[status] ?? 'Error';
  const lines = [`HTTP/1.1 ${status} ${reason}`, 'Connection: close', 'Content-Type: text/plain', ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)];
  const backstop = setTimeout(() => socket.destroy(), REFUSAL_DRAIN_MS).unref();
  socket.once('close', () => clearTimeout(backstop));
  socket.once('finish', () => socket.destroy());
  socket.end(`${lines.join('\r\n')}\r\n\r\n${reason}\n`);
}

function offeredSubprotocols(request: IncomingMessage): string[] {
  const header = request.headers['sec-websocket-protocol'];
  return (header ?? '').split(',').map((p) => p.trim()).filter((p) => p.length > 0);
}

/**
 * Connections the kernel may hold accepted before Tomada takes them. After an outage thousands of
 * charge points reconnect within a second; Node's default queue (511) overflowed, and each charge
 * point whose connection was dropped waited a TCP retransmission (1 s, then 3 s, 7 s) before trying
 * again: a storm of 8,000 here took 8.3, 17.1 and 16.1 s, against 9.1, 8.1 and 6.5 s with 4096. Linux caps this at
 * net.core.somaxconn (4096 by default since 5.4; docs/OPERATIONS.md says when to raise it).
 */
const ACCEPT_QUEUE = 65_535;

function listenOn(server: NetServer, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host, backlog: ACCEPT_QUEUE }, () => {
      server.off('error', reject);
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : port);
    });
  });
}

export class OcppServer {
  readonly http: Server;
  /** The TLS listener, once listenTls() has been called. */
  https: HttpsServer | undefined;
  private readonly wss: WebSocketServer;
  private readonly sessions = new Map<string, JsonSession>();
  private readonly gate: AdmissionGate;
  /** Inbound calls handled at once, over every connection of this server. */
  readonly callGate: CallGate;
  private readonly handshakeTimeoutMs: number;
  private readonly requestTimeoutMs: number;
  /** close() has begun: no connection is taken any more. */
  private closing = false;
  /** HTTP requests (SOAP messages) not yet answered, so close() can end their connections. */
  private readonly answering = new Set<ServerResponse>();

  constructor(private readonly deps: OcppServerDeps) {
    const { options, log } = deps;
    this.gate = deps.admission ?? new AdmissionGate({ registry: deps.domain.registry, log });
    this.callGate = new CallGate(options.maxCallsInFlight);
    this.handshakeTimeoutMs = options.handshakeTimeoutMs;
    this.requestTimeoutMs = options.requestTimeoutMs;
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: options.maxFrameBytes,
      // The subprotocol was chosen before the upgrade (see upgrade()); ws only echoes it.
      handleProtocols: (_offered, request) => (request as Handshake).chosenProtocol ?? false,
      // Admission runs after ws has checked the handshake itself, so a malformed handshake (no key,
      // a bad protocol header) is refused before an unknown charge point can be registered.
      verifyClient: (info, done) => {
        this.admit(info.req as Handshake).then(
          (refusal) => (refusal ? done(false, refusal.status, STATUS_CODES[refusal.status], refusal.headers) : done(true)),
          (error: unknown) => {
            log.error({ err: error }, 'handshake failed');
            done(false, 500, 'Internal Server Error');
          },
        );
      },
    });
    // A validation campaign holding a charge point offline: its connection dies as on a lost network.
    deps.domain.holds.onHold((chargePointId) => this.sessions.get(chargePointId)?.terminate());
    this.http = createServer(this.httpOptions(), this.onRequest);
    this.http.on('upgrade', this.onUpgrade);
  }

  listen(port: number, host: string): Promise<number> {
    return listenOn(this.http, port, host);
  }

  /** Opens the TLS listener (wss://, https://) beside the plain one, serving the same paths. */
  listenTls(port: number, host: string, material: TlsMaterial): Promise<number> {
    const server = createHttpsServer({ ...tlsServerOptions(material, this.handshakeTimeoutMs), ...this.httpOptions() }, this.onRequest);
    server.on('upgrade', this.onUpgrade);
    // Failed or timed-out TLS handshakes (scanners, wrong protocol versions) are not admissions:
    // noted at debug level only, and the socket is gone.
    server.on('tlsClientError', (error, socket) => {
      this.deps.log.debug({ remote: socket.remoteAddress, err: error.message }, 'TLS handshake failed');
      socket.destroy();
    });
    this.https = server;
    return listenOn(server, port, host);
  }

  /** Whether every opened listener is accepting connections (readiness). */
  get listening(): boolean {
    return this.http.listening && (this.https?.listening ?? true);
  }

  async close(): Promise<void> {
    // The listeners first: a charge point told to go must reconnect elsewhere, not here again,
    // where nobody would close its new connection (and the listener would wait for it).
    this.closing = true;
    // Node's close() ends the idle keep-alive connections only: one busy at this moment (a SOAP
    // charge point's message, or a balancer's pooled connection) would be answered keep-alive and
    // reused, and the listener would wait for as long as messages keep coming on it (18-88 s seen
    // in a rolling restart). Answered with 'Connection: close', it ends after its answer.
    for (const response of this.answering) response.shouldKeepAlive = false;
    const servers: NetServer[] = [this.http, ...(this.https ? [this.https] : [])].filter((s) => s.listening);
    const stopped = Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
    const sessions = [...this.sessions.values()];
    for (const session of sessions) session.close(1001, SHUTTING_DOWN);
    // A charge point that does not answer the close handshake is not waited for (ws would wait 30 s).
    const grace = setTimeout(() => sessions.forEach((s) => s.terminate()), CLOSE_GRACE_MS);
    await Promise.all(sessions.map((s) => s.closed));
    clearTimeout(grace);
    await stopped;
  }

  /**
   * Slow-client limits: request headers (hence a WebSocket handshake) within the handshake
   * timeout, counted from the connection's start, so a silent client is dropped (408); a whole
   * request (a SOAP body) within the request timeout. Checked at least every second.
   */
  private httpOptions() {
    return {
      headersTimeout: this.handshakeTimeoutMs,
      requestTimeout: this.requestTimeoutMs,
      connectionsCheckingInterval: Math.min(1_000, Math.max(25, Math.floor(this.handshakeTimeoutMs / 4))),
    };
  }

  private readonly onRequest = (request: IncomingMessage, response: ServerResponse): void => {
    const { soap, log } = this.deps;
    this.answering.add(response);
    response.once('close', () => this.answering.delete(response));
    try {
      const path = pathOf(request.url);
      if (soap && isSoapPath(path)) {
        if (request.method !== 'POST') {
          response.writeHead(405, { 'Content-Type': 'text/plain', Allow: 'POST' });
          return void response.end('POST OCPP 1.5 SOAP messages here\n');
        }
        const blocked = this.gate.tooManyFailures(request.socket.remoteAddress, { transport: 'soap' });
        if (blocked) return this.refuseSoap(request, response, blocked);
        return void soap.handle(request, response);
      }
      response.writeHead(426, { 'Content-Type': 'text/plain', Upgrade: 'websocket' });
      response.end('This is the OCPP-J endpoint: connect with a WebSocket to /ocpp/{chargePointId}\n');
    } catch (error) {
      // Never a stack trace to the client.
      log.error({ err: error }, 'OCPP HTTP request failed');
      if (!response.headersSent) response.writeHead(500, { 'Content-Type': 'text/plain', Connection: 'close' });
      response.end('Internal Server Error\n');
    }
  };

  /** A SOAP message from an address that failed too often: 429 with a SecurityError fault, body unread. */
  private refuseSoap(request: IncomingMessage, response: ServerResponse, refusal: Refusal): void {
    request.resume();
    const fault = new SoapFault('Sender', 'Too many failed attempts from this address; try again later', { subcode: 'SecurityError' });
    const body = encodeFault(fault);
    response.writeHead(refusal.status, { 'content-type': fault.contentType, 'content-length': Buffer.byteLength(body), connection: 'close', ...refusal.headers });
    response.end(body);
  }

  private readonly onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer): void => {
    this.upgrade(request, socket, head).catch((error: unknown) => {
      this.deps.log.error({ err: error }, 'handshake failed');
      refuse(socket, 500);
    });
  };

  private async upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    destroyOnError(socket);
    if (this.closing) return refuse(socket, 503);
    const { log, adapters } = this.deps;
    const remote = request.socket.remoteAddress;
    const path = pathOf(request.url);
    const match = path === undefined ? null : PATH.exec(path);
    let chargePointId: string | undefined;
    try {
      chargePointId = match ? decodeURIComponent(match[1]!) : undefined;
    } catch {
      chargePointId = undefined;
    }
    // An address that failed too often is refused before anything else is looked at.
    const blocked = this.gate.tooManyFailures(remote, { chargePointId, transport: 'websocket' });
    if (blocked) return refuse(socket, blocked.status, blocked.headers);
    if (!match) return refuse(socket, 404);
    if (chargePointId === undefined) return refuse(socket, 400);
    if (this.deps.domain.holds.isHeld(chargePointId)) return void socket.destroy();
    // Our preference order decides among the versions the charge point offers.
    const offered = offeredSubprotocols(request);
    const adapter = adapters.find((a) => offered.includes(a.subprotocol));
    if (!adapter) {
      log.warn({ chargePointId, offered, remote }, 'handshake refused: no supported OCPP subprotocol offered');
      return refuse(socket, 400);
    }
    // Empty elements of the list (`ocpp1.6,,ocpp1.5`) are allowed (RFC 7230 §7); `ws` reads the
    // header again, strictly, and refused the whole handshake for them.
    request.headers['sec-websocket-protocol'] = offered.join(', ');
    const handshake: Handshake = Object.assign(request, { chargePointId, chosenProtocol: adapter.subprotocol });
    this.wss.handleUpgrade(handshake, socket, head, (ws) => {
      void this.open(ws, socket as Socket, handshake.admitted!, handshake.admittedAt, adapter, remote, isTls(request.socket));
    });
  }

  /** Decides whether the charge point may connect; resolves with the refusal, if any. */
  private async admit(request: Handshake): Promise<Refusal | undefined> {
    request.admittedAt = performance.now();
    const admission = await this.gate.admit(request.chargePointId!, request, 'websocket');
    if (!admission.admitted) return admission.refusal;
    request.admitted = admission.chargePoint;
    return undefined;
  }

  private async open(socket: WebSocket, wire: Socket, chargePoint: ChargePoint, admittedAt: number | undefined, adapter: JsonProtocolAdapter, remote: string | undefined, tls: boolean): Promise<void> {
    const { domain, router, log, options } = this.deps;
    const { id: chargePointId, registrationStatus: registration, lenient } = chargePoint;
    const sessionLog = log.child({ chargePointId });
    // Its handshake began before close(): it is sent away like the others.
    if (this.closing) return void socket.close(1001, SHUTTING_DOWN);
    // Admitted under security settings an edit has changed since: it must connect again, and it
    // must not replace a connection admitted under the new ones.
    const ended = admittedAt === undefined ? undefined : router.endedSince(chargePointId, admittedAt);
    if (ended !== undefined) return void socket.close(1000, ended);
    const previous = this.sessions.get(chargePointId);
    if (previous) {
      sessionLog.warn({ remote }, 'new connection replaces the live one');
      previous.close(1000, 'Replaced by a newer connection');
    }
    const inboundRate = this.deps.rates.bucketFor(chargePointId);
    const session = new JsonSession({ chargePointId, socket, wire, adapter, domain, registration, lenient, log: sessionLog, options, inboundRate, gate: this.callGate });
    this.sessions.set(chargePointId, session);
    const detach = router.attach(chargePointId, session);
    sessionLog.info({ remote, subprotocol: adapter.subprotocol, tls }, 'charge point connected');
    void session.closed.then(() => {
      detach();
      if (this.sessions.get(chargePointId) === session) this.sessions.delete(chargePointId);
    });
    const record = () => domain.registry.connected(chargePointId, adapter.ocppVersion, 'json', {}, chargePoint);
    try {
      await record();
    } catch (error) {
      sessionLog.error({ err: error }, 'could not record the connection: tried again after its next call answered');
      session.recordLater(record);
    }
  }
}
