// A small OCPP-J central system for the simulator's tests (1.6 by default, or 1.5 over JSON): a
// real WebSocket server on a free port, one RpcPeer per connection, fixed answers, and a record of
// every frame and CALL. The answers (FakeAnswers) are shared with the SOAP fake
// (fake-soap-central-system.ts).
import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { RpcPeer } from '../../src/ocpp/rpc-peer.js';
import { RpcError, type JsonObject } from '../../src/ocpp/rpc.js';
import { assertOfficialSchemas, officialSchemaErrors } from './official-schemas.js';
import { v15SchemaErrors } from './v15-schemas.js';

export type FakeVersion = '1.5' | '1.6';

/** Errors of a payload against the schemas of `version` (1.6: the official OCA ones). */
export function schemaErrors(version: FakeVersion, action: string, direction: 'request' | 'response', payload: unknown): string[] {
  return version === '1.6'
    ? officialSchemaErrors(direction === 'request' ? action : `${action}Response`, payload)
    : v15SchemaErrors(action, direction, payload);
}

export interface ReceivedCall {
  chargePointId: string;
  /** Which connection of this charge point (1 for the first) the CALL came on. */
  connection: number;
  action: string;
  payload: JsonObject;
  receivedAt: number;
}

export interface FakeOptions {
  /** The OCPP version spoken (subprotocol, answers, schemas); 1.6 by default. */
  version?: FakeVersion;
  /** Boot answer for the n-th BootNotification (1-based) of a charge point. */
  bootStatus?: (n: number) => 'Accepted' | 'Pending' | 'Rejected';
  /** `interval` (1.5: `heartbeatInterval`) in the boot answer, seconds. */
  interval?: number;
  authorizeStatus?: (idTag: string) => string;
  /** idTagInfo status in StartTransaction answers. */
  startStatus?: string;
  /** Answer this CALL with a CALLERROR InternalError instead. */
  refuse?: (action: string, payload: JsonObject) => boolean;
  /** Listen on this port (to bring a central system back where a simulator expects it). */
  port?: number;
}

interface Connection {
  chargePointId: string;
  socket: WebSocket;
  peer: RpcPeer;
}

/** The fake's answers to a charge point's CALLs, in the wording of one version. */
export class FakeAnswers {
  private readonly boots = new Map<string, number>();
  private readonly transactionIds = new Map<string, number>();
  private nextTransactionId = 100;

  constructor(
    private readonly options: FakeOptions,
    private readonly version: FakeVersion,
  ) {}

  /** Throws RpcError for a refused or unknown action. */
  answer(chargePointId: string, action: string, payload: JsonObject): JsonObject {
    const now = new Date().toISOString();
    if (this.options.refuse?.(action, payload)) throw new RpcError('InternalError', `${action} refused by the fake`);
    switch (action) {
      case 'BootNotification': {
        const n = (this.boots.get(chargePointId) ?? 0) + 1;
        this.boots.set(chargePointId, n);
        const status = this.options.bootStatus?.(n) ?? 'Accepted';
        const interval = this.options.interval ?? 60;
        return this.version === '1.6'
          ? { status, currentTime: now, interval }
          : { status, currentTime: now, heartbeatInterval: interval };
      }
      case 'Heartbeat':
        return { currentTime: now };
      case 'Authorize':
        return { idTagInfo: { status: this.options.authorizeStatus?.(String(payload['idTag'])) ?? 'Accepted' } };
      case 'StartTransaction': {
        // Idempotent as the real central system must be: a resent StartTransaction gets the same id.
        const key = JSON.stringify([chargePointId, payload['connectorId'], payload['idTag'], payload['timestamp'], payload['meterStart']]);
        let transactionId = this.transactionIds.get(key);
        if (transactionId === undefined) {
          transactionId = this.nextTransactionId++;
          this.transactionIds.set(key, transactionId);
        }
        return { transactionId, idTagInfo: { status: this.options.startStatus ?? 'Accepted' } };
      }
      case 'StopTransaction':
        return { idTagInfo: { status: 'Accepted' } };
      case 'MeterValues':
      case 'StatusNotification':
        return {};
      default:
        throw new RpcError('NotImplemented', `${action} is not implemented by the fake`);
    }
  }
}

export class FakeCentralSystem {
  readonly calls: ReceivedCall[] = [];
  readonly frames: Array<{ chargePointId: string; direction: 'in' | 'out'; text: string }> = [];
  /** Every CALL from, and answer of, a charge point that the version's schemas refuse. */
  readonly schemaViolations: string[] = [];
  readonly handshakes: Array<{ chargePointId: string; protocol: string; authorization: string | undefined }> = [];
  readonly version: FakeVersion;
  private readonly server: WebSocketServer;
  private readonly connections = new Map<string, Connection>();
  private readonly connectionCount = new Map<string, number>();
  private readonly answers: FakeAnswers;

  private constructor(server: WebSocketServer, options: FakeOptions) {
    this.server = server;
    this.version = options.version ?? '1.6';
    this.answers = new FakeAnswers(options, this.version);
    server.on('connection', (socket, request) => this.accept(socket, request));
  }

  static async start(options: FakeOptions = {}): Promise<FakeCentralSystem> {
    if ((options.version ?? '1.6') === '1.6') assertOfficialSchemas();
    const subprotocol = `ocpp${options.version ?? '1.6'}`;
    const server = new WebSocketServer({
      host: '127.0.0.1',
      port: options.port ?? 0,
      handleProtocols: (protocols) => (protocols.has(subprotocol) ? subprotocol : false),
    });
    await new Promise<void>((resolve, reject) => {
      server.once('listening', resolve);
      server.once('error', reject);
    });
    return new FakeCentralSystem(server, options);
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  get baseUrl(): string {
    return `ws://127.0.0.1:${this.port}/ocpp`;
  }

  get simProtocol(): 'ocpp1.6-json' | 'ocpp1.5-json' {
    return this.version === '1.6' ? 'ocpp1.6-json' : 'ocpp1.5-json';
  }

  callsOf(action: string, chargePointId?: string): ReceivedCall[] {
    return this.calls.filter((c) => c.action === action && (chargePointId === undefined || c.chargePointId === chargePointId));
  }

  isConnected(chargePointId: string): boolean {
    return this.connections.has(chargePointId);
  }

  /** Sends a CALL to a connected charge point and resolves with its answer. */
  call(chargePointId: string, action: string, payload: JsonObject): Promise<JsonObject> {
    const connection = this.connections.get(chargePointId);
    if (!connection) return Promise.reject(new Error(`${chargePointId} is not connected`));
    return connection.peer.call(action, payload).then((answer) => {
      this.schemaViolations.push(...schemaErrors(this.version, action, 'response', answer));
      return answer;
    });
  }

  async close(): Promise<void> {
    for (const { socket } of this.connections.values()) socket.terminate();
    for (const client of this.server.clients) client.terminate();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(socket: WebSocket, request: IncomingMessage): void {
    const chargePointId = decodeURIComponent((request.url ?? '').split('/').pop() ?? '');
    const connection = (this.connectionCount.get(chargePointId) ?? 0) + 1;
    this.connectionCount.set(chargePointId, connection);
    this.handshakes.push({ chargePointId, protocol: socket.protocol, authorization: request.headers.authorization });
    const peer = new RpcPeer({
      send: (text) => {
        this.frames.push({ chargePointId, direction: 'out', text });
        socket.send(text);
      },
      handleCall: async (call) => {
        this.calls.push({ chargePointId, connection, action: call.action, payload: call.payload, receivedAt: Date.now() });
        this.schemaViolations.push(...schemaErrors(this.version, call.action, 'request', call.payload));
        const answer = this.answers.answer(chargePointId, call.action, call.payload);
        this.schemaViolations.push(...schemaErrors(this.version, call.action, 'response', answer));
        return answer;
      },
      callTimeoutMs: 2_000,
    });
    const entry = { chargePointId, socket, peer };
    this.connections.set(chargePointId, entry);
    socket.on('message', (data) => {
      const text = String(data);
      this.frames.push({ chargePointId, direction: 'in', text });
      peer.receive(text);
    });
    socket.on('close', () => {
      peer.close('closed');
      if (this.connections.get(chargePointId) === entry) this.connections.delete(chargePointId);
    });
  }
}

/** Polls until the condition holds; fails the test with `what` after `timeoutMs`. */
export async function waitFor(what: string, condition: () => boolean, timeoutMs = 3_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
