// The OCPP listener: WebSocket handshakes at /ocpp/{chargePointId} (subprotocol negotiation,
// HTTP Basic auth, admission by the registry) and one JsonSession per admitted connection.
// A second connection with the same id replaces the first.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { JsonProtocolAdapter } from '../adapters/adapter.js';
import type { CommandRouter } from '../domain/commands.js';
import type { Domain } from '../domain/index.js';
import type { ChargePoint } from '../domain/model.js';
import type { Logger } from '../log.js';
import { basicPassword } from './basic-auth.js';
import { JsonSession, type SessionOptions } from './json-session.js';
import type { SoapEndpoint } from './soap-endpoint.js';

export interface OcppServerOptions extends SessionOptions {
  /** Largest accepted frame, in bytes; a bigger one closes the connection with 1009. */
  maxFrameBytes: number;
}

export interface OcppServerDeps {
  domain: Domain;
  router: CommandRouter;
  adapters: readonly JsonProtocolAdapter[];
  /** The OCPP 1.5 SOAP endpoint served on the same port, at SOAP_PATH. */
  soap?: SoapEndpoint;
  log: Logger;
  options: OcppServerOptions;
}

/** A handshake request, with what upgrade() learnt about it before ws completes it. */
type Handshake = IncomingMessage & { chargePointId?: string; chosenProtocol?: string; admitted?: ChargePoint };

/** How long a shutdown waits for charge points to answer the close handshake. */
const CLOSE_GRACE_MS = 2_000;

/** Where OCPP 1.5 SOAP charge points post their messages. */
export const SOAP_PATH = '/ocpp/soap';

const PATH = /^\/ocpp\/([^/?#]+)\/?$/;

function refuse(socket: Duplex, status: number, reason: string, headers: Record<string, string> = {}): void {
  const lines = [`HTTP/1.1 ${status} ${reason}`, 'Connection: close', 'Content-Type: text/plain', ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)];
  socket.end(`${lines.join('\r\n')}\r\n\r\n${reason}\n`);
}

function offeredSubprotocols(request: IncomingMessage): string[] {
  const header = request.headers['sec-websocket-protocol'];
  return (header ?? '').split(',').map((p) => p.trim()).filter((p) => p.length > 0);
}

export class OcppServer {
  readonly http: Server;
  private readonly wss: WebSocketServer;
  private readonly sessions = new Map<string, JsonSession>();

  constructor(private readonly deps: OcppServerDeps) {
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: deps.options.maxFrameBytes,
      // The subprotocol was chosen before the upgrade (see upgrade()); ws only echoes it.
      handleProtocols: (_offered, request) => (request as Handshake).chosenProtocol ?? false,
      // Admission runs after ws has checked the handshake itself, so a malformed handshake (no key,
      // a bad protocol header) is refused before an unknown charge point can be registered.
      verifyClient: (info, done) => {
        this.admit(info.req as Handshake).then(
          (refusal) => (refusal ? done(false, refusal.status, refusal.reason, refusal.headers) : done(true)),
          (error: unknown) => {
            deps.log.error({ err: error }, 'handshake failed');
            done(false, 500, 'Internal Server Error');
          },
        );
      },
    });
    this.http = createServer((request, response) => {
      const path = new URL(request.url ?? '/', 'http://localhost').pathname;
      if (deps.soap && path === SOAP_PATH) {
        if (request.method === 'POST') return void deps.soap.handle(request, response);
        response.writeHead(405, { 'Content-Type': 'text/plain', Allow: 'POST' });
        return void response.end('POST OCPP 1.5 SOAP messages here\n');
      }
      response.writeHead(426, { 'Content-Type': 'text/plain', Upgrade: 'websocket' });
      response.end('This is the OCPP-J endpoint: connect with a WebSocket to /ocpp/{chargePointId}\n');
    });
    this.http.on('upgrade', (request, socket, head) => {
      this.upgrade(request as IncomingMessage, socket, head).catch((error: unknown) => {
        deps.log.error({ err: error }, 'handshake failed');
        refuse(socket, 500, 'Internal Server Error');
      });
    });
  }

  get connectionCount(): number {
    return this.sessions.size;
  }

  listen(port: number, host: string): Promise<number> {
    return new Promise((resolve, reject) => {
      this.http.once('error', reject);
      this.http.listen(port, host, () => {
        const address = this.http.address();
        resolve(typeof address === 'object' && address ? address.port : port);
      });
    });
  }

  async close(): Promise<void> {
    const sessions = [...this.sessions.values()];
    for (const session of sessions) session.close(1001, 'Central system shutting down');
    // A charge point that does not answer the close handshake is not waited for (ws would wait 30 s).
    const grace = setTimeout(() => sessions.forEach((s) => s.terminate()), CLOSE_GRACE_MS);
    await Promise.all(sessions.map((s) => s.closed));
    clearTimeout(grace);
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
  }

  private async upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    socket.on('error', () => socket.destroy());
    const { log, adapters } = this.deps;
    const match = PATH.exec(new URL(request.url ?? '/', 'http://localhost').pathname);
    if (!match) return refuse(socket, 404, 'Not Found');
    let chargePointId: string;
    try {
      chargePointId = decodeURIComponent(match[1]!);
    } catch {
      return refuse(socket, 400, 'Bad Request');
    }
    const remote = request.socket.remoteAddress;
    // Our preference order decides among the versions the charge point offers.
    const offered = offeredSubprotocols(request);
    const adapter = adapters.find((a) => offered.includes(a.subprotocol));
    if (!adapter) {
      log.warn({ chargePointId, offered, remote }, 'handshake refused: no supported OCPP subprotocol offered');
      return refuse(socket, 400, 'Bad Request');
    }
    const handshake: Handshake = Object.assign(request, { chargePointId, chosenProtocol: adapter.subprotocol });
    this.wss.handleUpgrade(handshake, socket, head, (ws) => {
      const chargePoint = handshake.admitted!;
      void this.open(ws, chargePointId, adapter, chargePoint.registrationStatus, chargePoint.lenient, remote);
    });
  }

  /** Decides whether the charge point may connect; resolves with the refusal, if any. */
  private async admit(request: Handshake): Promise<{ status: number; reason: string; headers?: Record<string, string> } | undefined> {
    const chargePointId = request.chargePointId!;
    const admission = await this.deps.domain.registry.admit(chargePointId, basicPassword(request.headers.authorization, chargePointId));
    if (admission.admitted) {
      request.admitted = admission.chargePoint;
      return undefined;
    }
    this.deps.log.warn({ chargePointId, reason: admission.reason, remote: request.socket.remoteAddress }, 'handshake refused');
    if (admission.reason === 'unauthorized') return { status: 401, reason: 'Unauthorized', headers: { 'WWW-Authenticate': 'Basic realm="OCPP"' } };
    // OCPP-J 1.6 §3.2: an unknown charge point identity is answered with 404.
    return { status: 404, reason: 'Not Found' };
  }

  private async open(
    socket: WebSocket,
    chargePointId: string,
    adapter: JsonProtocolAdapter,
    registration: 'Accepted' | 'Pending' | 'Rejected',
    lenient: boolean,
    remote: string | undefined,
  ): Promise<void> {
    const { domain, router, log, options } = this.deps;
    const sessionLog = log.child({ chargePointId });
    const previous = this.sessions.get(chargePointId);
    if (previous) {
      sessionLog.warn({ remote }, 'new connection replaces the live one');
      previous.close(1000, 'Replaced by a newer connection');
    }
    const session = new JsonSession({ chargePointId, socket, adapter, domain, registration, lenient, log: sessionLog, options });
    this.sessions.set(chargePointId, session);
    const detach = router.attach(chargePointId, session);
    sessionLog.info({ remote, subprotocol: adapter.subprotocol }, 'charge point connected');
    void session.closed.then(() => {
      detach();
      if (this.sessions.get(chargePointId) === session) this.sessions.delete(chargePointId);
    });
    try {
      await domain.registry.connected(chargePointId, adapter.ocppVersion, 'json');
    } catch (error) {
      sessionLog.error({ err: error }, 'could not record the connection');
    }
  }
}
