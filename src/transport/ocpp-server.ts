// The OCPP listener: WebSocket handshakes at /ocpp/{chargePointId} (subprotocol negotiation,
// HTTP Basic auth, admission by the registry) and one JsonSession per admitted connection.
// A second connection with the same id replaces the first.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { JsonProtocolAdapter } from '../adapters/adapter.js';
import type { CommandRouter } from '../domain/commands.js';
import type { Domain } from '../domain/index.js';
import type { Logger } from '../log.js';
import { JsonSession, type SessionOptions } from './json-session.js';

export interface OcppServerOptions extends SessionOptions {
  /** Largest accepted frame, in bytes; a bigger one closes the connection with 1009. */
  maxFrameBytes: number;
}

export interface OcppServerDeps {
  domain: Domain;
  router: CommandRouter;
  adapters: readonly JsonProtocolAdapter[];
  log: Logger;
  options: OcppServerOptions;
}

const PATH = /^\/ocpp\/([^/?#]+)\/?$/;

function refuse(socket: Duplex, status: number, reason: string, headers: Record<string, string> = {}): void {
  const lines = [`HTTP/1.1 ${status} ${reason}`, 'Connection: close', 'Content-Type: text/plain', ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)];
  socket.end(`${lines.join('\r\n')}\r\n\r\n${reason}\n`);
}

function basicPassword(request: IncomingMessage, chargePointId: string): string | undefined {
  const header = request.headers.authorization;
  if (!header?.startsWith('Basic ')) return undefined;
  const decoded = Buffer.from(header.slice('Basic '.length), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0 || decoded.slice(0, colon) !== chargePointId) return undefined;
  return decoded.slice(colon + 1);
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
      handleProtocols: (_offered, request) => (request as IncomingMessage & { chosenProtocol?: string }).chosenProtocol ?? false,
    });
    this.http = createServer((_request, response) => {
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
    for (const session of this.sessions.values()) session.close(1001, 'Central system shutting down');
    await Promise.all([...this.sessions.values()].map((s) => s.closed));
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
  }

  private async upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    socket.on('error', () => socket.destroy());
    const { log, adapters, domain } = this.deps;
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
    const admission = await domain.registry.admit(chargePointId, basicPassword(request, chargePointId));
    if (!admission.admitted) {
      log.warn({ chargePointId, reason: admission.reason, remote }, 'handshake refused');
      if (admission.reason === 'unauthorized') return refuse(socket, 401, 'Unauthorized', { 'WWW-Authenticate': 'Basic realm="OCPP"' });
      // OCPP-J 1.6 §3.2: an unknown charge point identity is answered with 404.
      return refuse(socket, 404, 'Not Found');
    }
    (request as IncomingMessage & { chosenProtocol?: string }).chosenProtocol = adapter.subprotocol;
    this.wss.handleUpgrade(request, socket, head, (ws) => {
      void this.open(ws, chargePointId, adapter, admission.chargePoint.registrationStatus, admission.chargePoint.lenient, remote);
    });
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
