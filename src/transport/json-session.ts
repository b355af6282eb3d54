// The session of one charge point connected over OCPP-J: the only code that talks to its socket.
// It validates every frame against the negotiated version's schemas, enforces the registration
// gate, hands calls to the adapter, and carries operator commands to the charge point.
import type { WebSocket } from 'ws';
import type { JsonProtocolAdapter } from '../adapters/adapter.js';
import type { CommandTarget } from '../domain/commands.js';
import { ChargePointNotAccepted, CommandFailed, CommandTimedOut, DomainError } from '../domain/errors.js';
import type { Domain } from '../domain/index.js';
import type { Command, CommandResult, RegistrationStatus } from '../domain/model.js';
import type { Logger } from '../log.js';
import { CallErrorResponse, CallTimeoutError, RpcPeer } from '../ocpp/rpc-peer.js';
import { RpcError, type CallFrame, type JsonObject } from '../ocpp/rpc.js';
import { violationText } from '../ocpp/validate.js';

export interface SessionOptions {
  callTimeoutMs: number;
  pingIntervalMs: number;
  /** Unanswered inbound CALLs beyond which the socket stops being read (backpressure). */
  inboundHighWater: number;
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
}

export class JsonSession implements CommandTarget {
  readonly chargePointId: string;
  private readonly peer: RpcPeer;
  private readonly log: Logger;
  private registration: RegistrationStatus;
  private alive = true;
  private readonly pingTimer: NodeJS.Timeout;
  private readonly closedPromise: Promise<void>;

  constructor(private readonly init: SessionInit) {
    this.chargePointId = init.chargePointId;
    this.log = init.log;
    this.registration = init.registration;
    const { socket, options } = init;
    this.peer = new RpcPeer({
      send: (text) => socket.send(text),
      handleCall: (call) => this.handleCall(call),
      callTimeoutMs: options.callTimeoutMs,
      inboundHighWater: options.inboundHighWater,
      events: {
        refused: (detail) => this.log.warn(detail, 'frame refused with CALLERROR'),
        unexpected: (detail) => this.log.warn(detail, 'answer for no pending call ignored'),
        backlog: (high) => (high ? socket.pause() : socket.resume()),
      },
    });
    socket.on('message', (data, isBinary) => {
      if (isBinary) this.peer.refuseUnreadable('OCPP-J frames are text frames; binary frame refused');
      else this.peer.receive(data.toString('utf8'));
    });
    socket.on('pong', () => (this.alive = true));
    // Dead-peer detection: a charge point that has not answered the previous ping is gone.
    this.pingTimer = setInterval(() => {
      if (!this.alive) {
        this.log.warn({}, 'no pong since the last ping: connection dropped');
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
        this.peer.close(`connection closed (${code}${reason.length ? ` ${reason.toString()}` : ''})`);
        this.log.info({ code }, 'charge point disconnected');
        resolve();
      }),
    );
    socket.on('error', (error) => this.log.warn({ err: error.message }, 'socket error'));
  }

  get closed(): Promise<void> {
    return this.closedPromise;
  }

  /** Closes the connection; calls in flight fail with the reason. */
  close(code: number, reason: string): void {
    this.peer.close(reason);
    this.init.socket.close(code, reason);
  }

  async execute(command: Command): Promise<CommandResult> {
    const { adapter } = this.init;
    const wire = adapter.command(command);
    const action = adapter.outbound[wire.action];
    const checked = action?.validateRequest(wire.payload);
    if (!action || !checked?.ok) {
      throw new CommandFailed(`Command ${command.kind} cannot be expressed in OCPP ${adapter.ocppVersion}`);
    }
    let response: JsonObject;
    try {
      response = await this.peer.call(wire.action, wire.payload);
    } catch (error) {
      if (error instanceof CallTimeoutError) throw new CommandTimedOut(error.message);
      if (error instanceof CallErrorResponse) throw new CommandFailed(error.message);
      throw new CommandFailed(`${wire.action} failed: ${(error as Error).message}`);
    }
    const answer = action.validateResponse(response);
    if (!answer.ok) {
      this.log.warn({ action: wire.action, violation: answer.violation }, 'invalid answer to our call');
      if (!this.init.lenient) throw new CommandFailed(`${wire.action} answer is invalid: ${violationText(answer.violation)}`);
    }
    return adapter.commandResult(command, response);
  }

  private async handleCall(call: CallFrame): Promise<JsonObject> {
    const { adapter, domain } = this.init;
    const action = adapter.inbound[call.action];
    if (!action) {
      const known = adapter.outbound[call.action] !== undefined;
      throw new RpcError(known ? 'NotSupported' : 'NotImplemented', `Action ${call.action} is ${known ? 'not supported from a charge point' : 'unknown'}`);
    }
    const request = action.validateRequest(call.payload);
    if (!request.ok) {
      if (!this.init.lenient) throw new RpcError(request.violation.code, violationText(request.violation));
      this.log.warn({ action: call.action, violation: request.violation }, 'schema violation accepted (lenient mode)');
    }
    if (call.action !== adapter.bootAction && this.registration !== 'Accepted') {
      throw new RpcError('SecurityError', `Charge point is ${this.registration}: only ${adapter.bootAction} is allowed until it is Accepted`);
    }
    try {
      const handled = await adapter.handle(domain, { chargePointId: this.chargePointId, log: this.log }, call.action, call.payload);
      if (handled.registration) this.registration = handled.registration;
      const response = action.validateResponse(handled.response);
      if (!response.ok) {
        this.log.error({ action: call.action, violation: response.violation }, 'our own answer fails its schema');
        throw new RpcError('InternalError', 'The central system produced an invalid answer');
      }
      return handled.response as JsonObject;
    } catch (error) {
      if (error instanceof RpcError) throw error;
      if (error instanceof ChargePointNotAccepted) throw new RpcError('SecurityError', error.message);
      if (!(error instanceof DomainError)) this.log.error({ err: error, action: call.action }, 'call failed');
      throw new RpcError('InternalError', 'The central system could not handle this call');
    }
  }
}
