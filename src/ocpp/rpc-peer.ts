// One end of an OCPP-J conversation, independent of the socket under it: it correlates our CALLs
// with their answers, keeps one CALL in flight in each direction (OCPP-J 1.6 §4.1.1) with a queue
// behind it, times calls out, and answers every inbound frame exactly once. The central system's
// session and the simulator's charge point both use it.
import { randomUUID } from 'node:crypto';
import type { CallGate } from './call-gate.js';
import { echoed } from './echo.js';
import {
  encodeCall,
  encodeCallError,
  encodeCallResult,
  FrameError,
  MessageType,
  parseFrame,
  RpcError,
  type CallFrame,
  type JsonObject,
} from './rpc.js';

/**
 * Characters of a CALLERROR's description that its message (to the operator, the log, the live
 * feed) keeps: a description says in words what went wrong, so more than a code; until 2026-12-07
 * both were kept whole, and one of 800 KB was the API's answer and a log line.
 */
const DESCRIPTION_KEPT_CHARS = 500;

/** The peer answered our CALL with a CALLERROR. */
export class CallErrorResponse extends Error {
  constructor(
    readonly action: string,
    readonly code: string,
    readonly description: string,
    readonly details: JsonObject,
  ) {
    super(`${action} answered with ${echoed(code)}: ${echoed(description, DESCRIPTION_KEPT_CHARS)}`);
    this.name = 'CallErrorResponse';
  }
}

/** Our CALL got no answer in time. */
export class CallTimeoutError extends Error {
  constructor(readonly action: string, readonly timeoutMs: number) {
    super(`${action} got no answer within ${timeoutMs} ms`);
    this.name = 'CallTimeoutError';
  }
}

/** The peer answered our CALL with a CALLRESULT or CALLERROR that could not be read. */
export class MalformedAnswerError extends Error {
  constructor(readonly action: string, reason: string) {
    super(`${action} was answered with an unreadable frame: ${reason}`);
    this.name = 'MalformedAnswerError';
  }
}

/** The conversation ended (socket closed or replaced) before the CALL was answered. */
export class PeerClosedError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'PeerClosedError';
  }
}

/** An inbound CALL, with the exact text it arrived as when it came through receive(). */
export type InboundCall = CallFrame & { raw?: string; /** performance.now() at arrival. */ receivedAt?: number };

export type InboundCallHandler = (call: InboundCall) => Promise<JsonObject>;

export interface RpcPeerEvents {
  /** A frame that is not ours to answer: a CALLRESULT or CALLERROR for no pending call. */
  unexpected?(detail: { messageId: string; type: number; reason: string }): void;
  /** An inbound frame was refused with a CALLERROR. */
  refused?(detail: { messageId: string; code: string; description: string }): void;
  /** Unanswered inbound CALLs went above (true) or back below (false) the high-water mark. */
  backlog?(high: boolean): void;
  /** A frame was written to the peer. */
  sent?(text: string): void;
  /**
   * A received frame that is not an inbound CALL (those reach handleCall with their text), and an
   * inbound CALL never handled: waiting its turn when the connection closed, or arriving after.
   */
  received?(text: string): void;
  /**
   * An inbound CALL was answered, `ms` after it arrived (waits behind earlier CALLs included).
   * `written`: false when the connection had closed meanwhile, so nothing was written.
   */
  answered?(detail: { messageId: string; action: string; ms: number; errorCode?: string | undefined; written: boolean }): void;
}

export interface RpcPeerOptions {
  send: (text: string) => void;
  handleCall: InboundCallHandler;
  callTimeoutMs: number;
  /** Inbound CALLs waiting to be handled beyond which the transport should stop reading. */
  inboundHighWater?: number;
  /**
   * Characters of inbound CALLs waiting to be handled beyond which the transport should stop
   * reading, whatever their number (default INBOUND_HIGH_WATER_CHARS).
   */
  inboundHighWaterChars?: number;
  /**
   * Runs before the answer to an inbound CALL is written, with its exact text (the central
   * system journals it there, so no answer leaves unrecorded). If it fails, the CALL is answered
   * InternalError instead and the peer will retry.
   */
  beforeAnswer?: (text: string) => Promise<void>;
  /** The node's limit on inbound CALLs handled at once, shared by all its peers; absent: none. */
  gate?: CallGate;
  events?: RpcPeerEvents;
}

interface OutboundCall {
  action: string;
  payload: object;
  resolve: (payload: JsonObject) => void;
  reject: (error: Error) => void;
}

interface InFlight extends OutboundCall {
  messageId: string;
  timer: NodeJS.Timeout;
}

/**
 * 4 Mi characters of CALLs waiting on one connection pause its reading, however few they are. With
 * frames of up to 1 MiB (TOMADA_MAX_FRAME_BYTES), 100 waiting CALLs could hold 100 MiB of text and
 * several times that parsed: one connection sending large frames without waiting for answers took
 * a node from 127 to 851 MiB (a review's run, 2026-12-06). A charge point waits for each answer
 * (OCPP-J: one CALL in flight), so this only holds back one that does not.
 */
export const INBOUND_HIGH_WATER_CHARS = 4 * 1024 * 1024;

export class RpcPeer {
  private readonly outboundQueue: OutboundCall[] = [];
  private inFlight: InFlight | undefined;
  private readonly inboundQueue: InboundCall[] = [];
  /** Characters of the raw text of the CALLs in inboundQueue. */
  private inboundChars = 0;
  private handlingInbound = false;
  private backlogHigh = false;
  private closedReason: string | undefined;
  private readonly highWater: number;
  private readonly highWaterChars: number;

  constructor(private readonly options: RpcPeerOptions) {
    this.highWater = options.inboundHighWater ?? 100;
    this.highWaterChars = options.inboundHighWaterChars ?? INBOUND_HIGH_WATER_CHARS;
  }

  get closed(): boolean {
    return this.closedReason !== undefined;
  }

  /** Sends a CALL and resolves with the CALLRESULT payload; queued while another is in flight. */
  call(action: string, payload: object): Promise<JsonObject> {
    if (this.closedReason !== undefined) return Promise.reject(new PeerClosedError(this.closedReason));
    return new Promise((resolve, reject) => {
      this.outboundQueue.push({ action, payload, resolve, reject });
      this.sendNextCall();
    });
  }

  /** Feeds one received text frame. Never throws: every problem becomes a CALLERROR or an event. */
  receive(text: string): void {
    // A frame that crossed the wire is journaled, handled or not (JOURNAL.md).
    if (this.closedReason !== undefined) return this.options.events?.received?.(text);
    let frame;
    try {
      frame = parseFrame(text);
    } catch (error) {
      this.options.events?.received?.(text);
      const e = error as FrameError;
      const isAnswer = e.messageType === MessageType.CallResult || e.messageType === MessageType.CallError;
      if (!isAnswer) return this.refuse(e.messageId, e.code, e.message);
      // An answer is never answered (that would confuse the peer): a broken answer to our own
      // CALL fails that call now rather than at its timeout; any other is only reported.
      if (this.inFlight?.messageId === e.messageId) {
        this.settle(e.messageId, e.messageType!, (call) => call.reject(new MalformedAnswerError(call.action, e.message)));
      } else {
        this.options.events?.unexpected?.({ messageId: e.messageId, type: e.messageType!, reason: e.message });
      }
      return;
    }
    switch (frame.type) {
      case MessageType.Call:
        this.inboundQueue.push({ ...frame, raw: text, receivedAt: performance.now() });
        this.inboundChars += text.length;
        this.updateBacklog();
        void this.drainInbound();
        return;
      case MessageType.CallResult:
        this.options.events?.received?.(text);
        this.settle(frame.messageId, MessageType.CallResult, (call) => call.resolve(frame.payload));
        return;
      case MessageType.CallError:
        this.options.events?.received?.(text);
        this.settle(frame.messageId, MessageType.CallError, (call) =>
          call.reject(new CallErrorResponse(call.action, frame.errorCode, frame.errorDescription, frame.errorDetails)),
        );
        return;
    }
  }

  /** Answers a frame that could not be read at all (a binary frame, say) with a CALLERROR. */
  refuseUnreadable(description: string): void {
    this.refuse(new FrameError(description).messageId, 'FormationViolation', description);
  }

  /** Ends the conversation: the CALL in flight and every queued CALL fail with PeerClosedError. */
  close(reason: string): void {
    if (this.closedReason !== undefined) return;
    this.closedReason = reason;
    const failed = [...(this.inFlight ? [this.inFlight] : []), ...this.outboundQueue.splice(0)];
    if (this.inFlight) clearTimeout(this.inFlight.timer);
    this.inFlight = undefined;
    // CALLs that arrived and never had their turn: journaled as received, unanswered (the charge
    // point sends them again). Until 2026-12-07 they vanished from the journal (an audit).
    for (const call of this.inboundQueue.splice(0)) if (call.raw !== undefined) this.options.events?.received?.(call.raw);
    this.inboundChars = 0;
    for (const call of failed) call.reject(new PeerClosedError(reason));
  }

  /** Writes the answer once it is recorded; false when it could not be, and an InternalError went instead. */
  private async answer(messageId: string, text: string): Promise<boolean> {
    if (!this.options.beforeAnswer) {
      this.write(text);
      return true;
    }
    try {
      await this.options.beforeAnswer(text);
    } catch {
      // Announced, so the transport can still try to journal it on its own.
      this.write(encodeCallError(messageId, 'InternalError', 'The central system could not record its answer'));
      return false;
    }
    this.write(text, false);
    return true;
  }

  private refuse(messageId: string, code: string, description: string): void {
    this.options.events?.refused?.({ messageId, code, description });
    this.write(encodeCallError(messageId, code, description));
  }

  /** `announce`: report the frame as sent (answers that went through beforeAnswer were recorded there). */
  private write(text: string, announce = true): void {
    if (this.closedReason !== undefined) return;
    try {
      this.options.send(text);
      if (announce) this.options.events?.sent?.(text);
    } catch {
      // The socket is going away; its close handler ends this peer.
    }
  }

  private settle(messageId: string, type: number, done: (call: InFlight) => void): void {
    const call = this.inFlight;
    if (!call || call.messageId !== messageId) {
      this.options.events?.unexpected?.({ messageId, type, reason: 'no pending call has this message id' });
      return;
    }
    clearTimeout(call.timer);
    this.inFlight = undefined;
    done(call);
    this.sendNextCall();
  }

  private sendNextCall(): void {
    if (this.inFlight || this.closedReason !== undefined) return;
    const next = this.outboundQueue.shift();
    if (!next) return;
    const messageId = randomUUID();
    const timer = setTimeout(() => {
      if (this.inFlight?.messageId !== messageId) return;
      this.inFlight = undefined;
      next.reject(new CallTimeoutError(next.action, this.options.callTimeoutMs));
      this.sendNextCall();
    }, this.options.callTimeoutMs);
    this.inFlight = { ...next, messageId, timer };
    this.write(encodeCall(messageId, next.action, next.payload));
  }

  // Inbound CALLs are handled one at a time, in arrival order: a charge point's backlog must be
  // stored in the order it was sent, and each answer goes out only after its work is committed.
  // Each also takes a place at the node's gate, if there is one, until its answer is written.
  private async drainInbound(): Promise<void> {
    if (this.handlingInbound) return;
    this.handlingInbound = true;
    const gate = this.options.gate;
    try {
      while (this.inboundQueue.length > 0) {
        const turn = gate?.enter();
        if (turn) await turn;
        // Closed while it waited: the queue is empty, and the place goes back at once.
        const call = this.inboundQueue.shift();
        if (call?.raw !== undefined) this.inboundChars -= call.raw.length;
        try {
          if (call) await this.handleInbound(call);
        } finally {
          gate?.leave();
        }
      }
    } finally {
      this.handlingInbound = false;
      this.updateBacklog();
    }
  }

  private async handleInbound(call: InboundCall): Promise<void> {
    this.updateBacklog();
    let answer: string;
    let errorCode: string | undefined;
    try {
      answer = encodeCallResult(call.messageId, await this.options.handleCall(call));
    } catch (error) {
      errorCode = error instanceof RpcError ? error.code : 'InternalError';
      const description = error instanceof RpcError ? error.message : 'The central system could not handle this call';
      this.options.events?.refused?.({ messageId: call.messageId, code: errorCode, description });
      answer = encodeCallError(call.messageId, errorCode, description);
    }
    if (!(await this.answer(call.messageId, answer))) errorCode = 'InternalError';
    const ms = call.receivedAt === undefined ? 0 : performance.now() - call.receivedAt;
    this.options.events?.answered?.({ messageId: call.messageId, action: call.action, ms, errorCode, written: this.closedReason === undefined });
  }

  private updateBacklog(): void {
    const high = this.inboundQueue.length >= this.highWater || this.inboundChars >= this.highWaterChars;
    if (high !== this.backlogHigh) {
      this.backlogHigh = high;
      this.options.events?.backlog?.(high);
    }
  }
}
