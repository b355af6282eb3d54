// The session of one charge point connected over OCPP-J: the only code that talks to its socket.
// It feeds frames to the RPC peer, applies the protocol rules of dispatch.ts to each call, keeps
// the connection alive (ping/pong, backpressure), and carries operator commands to the charge point.
import type { RawData, WebSocket } from 'ws';
import type { JsonProtocolAdapter } from '../adapters/adapter.js';
import { answeredActivity, callActivity } from '../domain/activity.js';
import type { CommandTarget } from '../domain/commands.js';
import { ChargePointNotConnected, CommandFailed, CommandTimedOut } from '../domain/errors.js';
import type { Domain } from '../domain/index.js';
import type { Command, CommandResult, RegistrationStatus } from '../domain/model.js';
import type { Logger } from '../log.js';
import type { CallGate } from '../ocpp/call-gate.js';
import { CallErrorResponse, CallTimeoutError, PeerClosedError, RpcPeer, type InboundCall } from '../ocpp/rpc-peer.js';
import type { JsonObject } from '../ocpp/rpc.js';
import { CommandQueue } from './command-queue.js';
import { commandAnswer, dispatchInbound, outboundCall, type DispatchedCall } from './dispatch.js';
import { InboundThrottle, type TokenBucket } from './rate-limit.js';

/**
 * Bytes of frames written to a connection but not yet taken by its socket (ws's bufferedAmount)
 * beyond which the connection is no longer read, until they fall to UNSENT_LOW_WATER_BYTES. A
 * charge point that sent CALLs and read none of the answers had every answer kept in the node's
 * memory: 300 unknown actions of 60 KB, each echoed in its NotImplemented, left 18 MB there, and
 * more without end. A charge point reads each answer before its next CALL (OCPP-J: one CALL in
 * flight), so only one that does not is held back, and one that reads nothing for two ping
 * intervals is dropped as any that answers no ping.
 */
const UNSENT_HIGH_WATER_BYTES = 1024 * 1024;
const UNSENT_LOW_WATER_BYTES = 256 * 1024;

export interface SessionOptions {
  callTimeoutMs: number;
  pingIntervalMs: number;
  /** Unanswered inbound CALLs beyond which the socket stops being read (backpressure). */
  inboundHighWater: number;
  /** Operator commands waiting for this charge point beyond which a new one fails at once (default 10). */
  maxQueuedCommands?: number;
}

export interface SessionInit {
  chargePointId: string;
  socket: WebSocket;
  adapter: JsonProtocolAdapter;
  domain: Domain;
  registration: RegistrationStatus;
  lenient: boolean;
  log: Logger;
  options: SessionOptions;
  /** The charge point's inbound message rate; reading pauses while it is exceeded. Absent: unlimited. */
  inboundRate?: TokenBucket | undefined;
  /** The node's limit on inbound CALLs handled at once, shared by its sessions. */
  gate: CallGate;
  /**
   * The TCP (or TLS) socket under the WebSocket: bytes read on it since the last ping prove the
   * charge point is there as a pong does. On a slow link a large frame takes longer than a ping
   * interval to arrive, and its pong waits behind it in the same stream: counting whole frames and
   * pongs only, the node dropped it mid-frame, at every resend (an audit: a 189 KB stop at 2.5 KB/s).
   */
  wire?: { readonly bytesRead: number };
}

/** What the handling of an inbound call got to: the payload it dispatched, the answer it had. */
interface HandledCall {
  messageId: string;
  payload: unknown;
  response?: JsonObject;
  registration?: RegistrationStatus;
}

export class JsonSession implements CommandTarget {
  readonly chargePointId: string;
  private readonly peer: RpcPeer;
  private readonly log: Logger;
  private registration: RegistrationStatus;
  private alive = true;
  /** The wire's bytesRead at the last ping. */
  private bytesReadAtPing = 0;
  /** The socket is paused because inbound CALLs are backlogged: a pong cannot be read meanwhile. */
  private backlogged = false;
  /** The socket is paused because the charge point does not read what was sent to it (UNSENT_HIGH_WATER_BYTES). */
  private unread = false;
  private readonly throttle: InboundThrottle | undefined;
  private readonly commands: CommandQueue;
  private readonly pingTimer: NodeJS.Timeout;
  private readonly closedPromise: Promise<void>;
  /**
   * The inbound call being handled (the peer handles them one at a time), until its answer is
   * written: only then is what it stored durable, so only then is its activity emitted and a
   * new registration taken.
   */
  private handling: HandledCall | undefined;
  /** The connection's record, when writing it failed as the connection opened (recordLater). */
  private unrecorded: (() => Promise<void>) | undefined;

  constructor(private readonly init: SessionInit) {
    this.chargePointId = init.chargePointId;
    this.log = init.log;
    this.registration = init.registration;
    const { socket, options } = init;
    this.peer = new RpcPeer({
      send: (text) => this.write(text),
      handleCall: (call) => this.handleCall(call),
      callTimeoutMs: options.callTimeoutMs,
      inboundHighWater: options.inboundHighWater,
      gate: init.gate,
      // The peer answers one inbound call at a time: the one being handled (or, refused before
      // it was, none the store knows).
      beforeAnswer: (text) => init.domain.journal.answered(this.frame(text), this.handling ?? {}),
      events: {
        sent: (text) => init.domain.journal.record(this.frame(text), 'out'),
        received: (text) => init.domain.journal.record(this.frame(text), 'in'),
        refused: (detail) => this.log.warn(detail, 'frame refused with CALLERROR'),
        answered: (detail) => this.answered(detail),
        unexpected: (detail) => this.log.warn(detail, 'answer for no pending call ignored'),
        backlog: (high) => {
          this.backlogged = high;
          if (high) return socket.pause();
          // Reading again: the pong may have waited behind the backlog, so the peer gets a full interval.
          this.alive = true;
          this.resumeReading();
        },
      },
    });
    // Over its message rate, frames wait in order and the socket is not read until they are due.
    const rate = init.inboundRate;
    this.throttle = rate && new InboundThrottle(rate, () => {
      socket.pause();
      // Said as for SOAP: without it a flood showed only as slower answers, from no one named.
      this.log[rate.warningDue() ? 'warn' : 'debug']({ ratePerS: rate.ratePerS, burst: rate.capacity }, 'frames over the charge point\'s rate (TOMADA_MAX_MESSAGES_PER_SECOND): read more slowly, none dropped');
    }, () => {
      this.alive = true; // as after a backlog: the pong may have waited
      this.resumeReading();
    });
    this.commands = new CommandQueue(init.chargePointId, options.maxQueuedCommands);
    const onFrame = (data: RawData, isBinary: boolean) => {
      this.alive = true; // any frame proves the peer is there
      if (isBinary) {
        init.domain.journal.record(this.frame(Buffer.from(data as Buffer)), 'in');
        this.peer.refuseUnreadable('OCPP-J frames are text frames; binary frame refused');
      } else this.peer.receive(data.toString('utf8'));
    };
    socket.on('message', (data, isBinary) => (this.throttle ? this.throttle.admit(() => onFrame(data, isBinary)) : onFrame(data, isBinary)));
    socket.on('pong', () => (this.alive = true));
    // Dead-peer detection: a charge point that has not answered the previous ping is gone.
    this.pingTimer = setInterval(() => {
      // While we are not reading, the missing pong is our silence, not the peer's.
      if (this.backlogged || this.throttle?.paused) return;
      const bytesRead = init.wire?.bytesRead ?? 0;
      if (bytesRead !== this.bytesReadAtPing) this.alive = true; // part of a frame, or of its pong
      this.bytesReadAtPing = bytesRead;
      if (!this.alive) {
        this.log.warn({ unsentBytes: socket.bufferedAmount }, this.unread ? 'the charge point has read none of its answers since the last ping: connection dropped' : 'no pong since the last ping: connection dropped');
        socket.terminate();
        return;
      }
      this.alive = false;
      socket.ping();
    }, options.pingIntervalMs);
    this.pingTimer.unref();
    this.closedPromise = new Promise((resolve) =>
      socket.once('close', (code, reason) => {
        clearInterval(this.pingTimer);
        this.throttle?.stop();
        this.peer.close(`connection closed (${code}${reason.length ? ` ${reason.toString()}` : ''})`);
        this.log.info({ code }, 'charge point disconnected');
        resolve();
      }),
    );
    socket.on('error', (error) => {
      if ((error as { code?: string }).code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') {
        // ws has closed it with 1009. The charge point will send that frame again: said plainly,
        // with what to change, since a transaction message it cannot deliver holds up the rest.
        this.log.warn(
          { err: error.message },
          'frame larger than TOMADA_MAX_FRAME_BYTES refused, connection closed (1009): the charge point will resend it, and the messages queued behind it wait; if it is legitimate (a long StopTransaction with its transactionData), raise the limit',
        );
      } else this.log.warn({ err: error.message }, 'socket error');
    });
  }

  get closed(): Promise<void> {
    return this.closedPromise;
  }

  /** Closes the connection; calls in flight fail with the reason. */
  close(code: number, reason: string): void {
    this.peer.close(reason);
    this.init.socket.close(code, reason);
  }

  /** This connection is to end: the charge point connected to another node, or its admission no longer holds. */
  release(reason: string): void {
    this.log.warn({ reason }, 'connection ended by the central system');
    this.close(1000, reason);
  }

  /**
   * The connection could not be recorded as it opened (the store failing for a moment after the
   * admission's read): `record` is tried again after the next call this connection has answered,
   * when writes work again, until it succeeds. Without it the charge point's OCPP version and
   * transport (and the ocppVersionChanged event) stayed as they were until it reconnected.
   */
  recordLater(record: () => Promise<void>): void {
    this.unrecorded = record;
  }

  /** Drops the connection without a close handshake; calls in flight fail. */
  terminate(): void {
    this.peer.close('connection terminated');
    this.init.socket.terminate();
  }

  /**
   * The queue is kept here rather than left to the peer's: only here does a command's deadline
   * apply until it is written (the peer writes each CALL as soon as the previous one is done).
   */
  execute(command: Command, sendBy?: number): Promise<CommandResult> {
    return this.commands.run(() => this.send(command), sendBy);
  }

  private async send(command: Command): Promise<CommandResult> {
    const call = outboundCall(this.init.adapter, command);
    const action = call.action.name;
    // Commands go one at a time, so the peer writes this one at once, unless the connection closed
    // while it waited its turn: then it never left, and the operator must be able to tell that
    // from one that did (a Reset or a RemoteStart retried after "may have been carried out" could
    // be done twice).
    if (this.peer.closed) {
      throw new ChargePointNotConnected(`${action} was not sent: the connection of charge point "${this.chargePointId}" closed while it waited its turn; retrying is safe`);
    }
    let response: JsonObject;
    try {
      response = await this.peer.call(action, call.payload);
    } catch (error) {
      if (error instanceof CallTimeoutError) throw new CommandTimedOut(error.message);
      if (error instanceof CallErrorResponse) throw new CommandFailed(error.message);
      if (error instanceof PeerClosedError) throw new CommandFailed(`${action}: the connection closed before the charge point answered (${error.message}); it may have been carried out`);
      throw new CommandFailed(`${action} failed: ${(error as Error).message}`);
    }
    return commandAnswer(this.init.adapter, call, command, response, { log: this.log, isLenient: () => this.isLenient() });
  }

  /**
   * Whether schema violations are only logged. The operator may switch it while the charge point is
   * connected, so it is read when a violation needs it (rare) rather than kept from the handshake.
   */
  private async isLenient(): Promise<boolean> {
    try {
      return (await this.init.domain.registry.chargePoint(this.chargePointId))?.lenient ?? this.init.lenient;
    } catch (error) {
      this.log.warn({ err: (error as Error).message }, 'could not read the lenient setting: using the one from the handshake');
      return this.init.lenient;
    }
  }

  private async handleCall(call: InboundCall): Promise<JsonObject> {
    const { adapter, domain } = this.init;
    const normalized = adapter.normalizeInbound ? adapter.normalizeInbound(call.action, call.payload) : call.payload;
    const converted = adapter.lenientInbound?.(call.action, normalized) ?? normalized;
    // Nothing awaited on the common path: the shape is rare.
    const payload = converted === normalized ? normalized : await this.ifLenient(call.action, normalized, converted);
    const handling: HandledCall = { messageId: call.messageId, payload };
    this.handling = handling;
    // The CALL is journaled in the same commit as what it reports (or alone, if it reports nothing).
    const frame = this.frame(call.raw ?? JSON.stringify([2, call.messageId, call.action, call.payload]));
    const dispatched = await domain.journal.received(frame, handling, () => this.dispatch(call.action, payload));
    handling.response = dispatched.response;
    if (dispatched.registration) handling.registration = dispatched.registration;
    return dispatched.response;
  }

  /**
   * `converted`, another version's shape of the payload put in the one its schema reads, when the
   * charge point is lenient (read only then); else the payload as it came, for validation to refuse.
   */
  private async ifLenient(action: string, payload: unknown, converted: unknown): Promise<unknown> {
    if (!(await this.isLenient())) return payload;
    this.log.warn({ action }, "readings in another OCPP version's shape converted to this one's (lenient mode)");
    return converted;
  }

  /**
   * An inbound call was answered (`errorCode`: with an error, or its answer could not be journaled;
   * `written`: false when the connection had closed, but what it stored is durable all the same).
   */
  private answered({ messageId, action, ms, errorCode, written }: { messageId: string; action: string; ms: number; errorCode?: string | undefined; written: boolean }): void {
    const { domain, adapter } = this.init;
    const handling = this.handling?.messageId === messageId ? this.handling : undefined;
    this.handling = undefined;
    if (errorCode === undefined && handling?.registration) this.registration = handling.registration;
    if (errorCode === undefined && written && this.unrecorded) this.recordAgain(this.unrecorded);
    if (!domain.activity.listened) return;
    if (handling) domain.activity.emit(callActivity(this.chargePointId, adapter.ocppVersion, action, handling.payload, { response: handling.response, errorCode }));
    // Only an answer that was written has a time the charge point waited.
    if (written) domain.activity.emit(answeredActivity(this.chargePointId, action, ms / 1000, errorCode));
  }

  private recordAgain(record: () => Promise<void>): void {
    this.unrecorded = undefined;
    record().then(
      () => this.log.info({}, 'connection recorded, after its first write failed'),
      (error: unknown) => {
        if (!this.peer.closed) this.unrecorded ??= record;
        this.log.warn({ err: (error as Error).message }, 'could not record the connection yet: tried again after its next call');
      },
    );
  }

  /** Sends a frame; stops reading while the charge point leaves too much of what it was sent unread. */
  private write(text: string): void {
    const { socket } = this.init;
    socket.send(text, this.taken);
    if (!this.unread && socket.bufferedAmount > UNSENT_HIGH_WATER_BYTES) {
      this.unread = true;
      socket.pause();
      this.log.warn({ unsentBytes: socket.bufferedAmount }, 'the charge point does not read its answers: its frames are not read until it does');
    }
  }

  /** A frame was taken by the socket: reading resumes once enough of what waited is (one function for all frames). */
  private readonly taken = (): void => {
    if (this.unread && this.init.socket.bufferedAmount <= UNSENT_LOW_WATER_BYTES) {
      this.unread = false;
      this.resumeReading();
    }
  };

  /** Reads the socket again, unless another reason to pause it still holds. */
  private resumeReading(): void {
    if (!this.backlogged && !this.throttle?.paused && !this.unread) this.init.socket.resume();
  }

  private frame(bytes: string | Buffer) {
    return { chargePointId: this.chargePointId, protocol: `${this.init.adapter.subprotocol}-json`, bytes };
  }

  /** The software policy's hold on this charge point now (read afresh: a boot, an approval or a campaign's end changes it). */
  private async softwareHold(): Promise<RegistrationStatus | undefined> {
    const { registry } = this.init.domain;
    const chargePoint = await registry.chargePoint(this.chargePointId);
    return chargePoint && registry.softwareHold(chargePoint, { ocppVersion: this.init.adapter.ocppVersion, transport: 'json' });
  }

  private dispatch(action: string, payload: unknown): Promise<DispatchedCall> {
    const { adapter, domain } = this.init;
    return dispatchInbound(
      {
        adapter,
        domain,
        chargePointId: this.chargePointId,
        log: this.log,
        transport: 'json',
        registration: this.registration,
        softwareHold: () => this.softwareHold(),
        isLenient: () => this.isLenient(),
      },
      action,
      payload,
    );
  }
}
