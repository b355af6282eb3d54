// OCPP-J RPC framing (OCPP-J 1.6 §4): the three message types, their parsing, and the error codes.
// Pure: no sockets, no timers. The peer that correlates calls lives in rpc-peer.ts.
import { echoed } from './echo.js';

export const MessageType = { Call: 2, CallResult: 3, CallError: 4 } as const;

/** The CALLERROR codes of OCPP-J 1.6 (errata wording; "Occurence" is the spec's own spelling). */
export const RpcErrorCodes = [
  'NotImplemented',
  'NotSupported',
  'InternalError',
  'ProtocolError',
  'SecurityError',
  'FormationViolation',
  'PropertyConstraintViolation',
  'OccurenceConstraintViolation',
  'TypeConstraintViolation',
  'GenericError',
] as const;
export type RpcErrorCode = (typeof RpcErrorCodes)[number];

/** The message id used when an error answers a frame whose own id could not be read. */
export const UNKNOWN_MESSAGE_ID = '-1';

/** Message ids are strings of at most 36 characters (OCPP-J 1.6 §4.1.3). */
export const MAX_MESSAGE_ID_LENGTH = 36;

export type JsonObject = { [key: string]: unknown };

export interface CallFrame {
  type: typeof MessageType.Call;
  messageId: string;
  action: string;
  payload: JsonObject;
}
export interface CallResultFrame {
  type: typeof MessageType.CallResult;
  messageId: string;
  payload: JsonObject;
}
export interface CallErrorFrame {
  type: typeof MessageType.CallError;
  messageId: string;
  errorCode: string;
  errorDescription: string;
  errorDetails: JsonObject;
}
export type Frame = CallFrame | CallResultFrame | CallErrorFrame;

/** An error that is answered to the peer as a CALLERROR. */
export class RpcError extends Error {
  constructor(
    readonly code: RpcErrorCode,
    message: string,
    readonly details: JsonObject = {},
  ) {
    super(message);
    this.name = 'RpcError';
  }
}

/**
 * A frame that could not be read; `messageId` is set when the id itself was readable, and
 * `messageType` when the frame was recognisably a CALL, CALLRESULT or CALLERROR.
 */
export class FrameError extends RpcError {
  constructor(
    message: string,
    readonly messageId: string = UNKNOWN_MESSAGE_ID,
    code: RpcErrorCode = 'FormationViolation',
    readonly messageType?: number,
  ) {
    super(code, message);
    this.name = 'FrameError';
  }
}

function isPlainObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Parses one text frame. Throws FrameError with the most precise code and id it can give. */
export function parseFrame(text: string): Frame {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new FrameError('Frame is not valid JSON');
  }
  if (!Array.isArray(data)) throw new FrameError('Frame is not a JSON array');
  const [type, messageId] = data;
  // An answer is recognised by its type alone, so that one whose id cannot be read is still never
  // answered (a CALLERROR "-1" went back for a charge point's own CALLRESULT).
  const answerType = type === MessageType.CallResult || type === MessageType.CallError ? type : undefined;
  if (typeof messageId !== 'string' || messageId.length === 0) {
    throw new FrameError('Message id is missing or not a non-empty string', UNKNOWN_MESSAGE_ID, 'FormationViolation', answerType);
  }
  if (messageId.length > MAX_MESSAGE_ID_LENGTH) {
    throw new FrameError(`Message id is longer than ${MAX_MESSAGE_ID_LENGTH} characters`, UNKNOWN_MESSAGE_ID, 'FormationViolation', answerType);
  }
  switch (type) {
    case MessageType.Call: {
      const [, , action, payload] = data;
      if (data.length !== 4) throw new FrameError('CALL must have exactly 4 elements', messageId);
      if (typeof action !== 'string' || action.length === 0) {
        throw new FrameError('CALL action is not a non-empty string', messageId);
      }
      if (!isPlainObject(payload)) throw new FrameError('CALL payload is not a JSON object', messageId);
      return { type, messageId, action, payload };
    }
    case MessageType.CallResult: {
      const [, , payload] = data;
      if (data.length !== 3) throw new FrameError('CALLRESULT must have exactly 3 elements', messageId, 'FormationViolation', type);
      if (!isPlainObject(payload)) throw new FrameError('CALLRESULT payload is not a JSON object', messageId, 'FormationViolation', type);
      return { type, messageId, payload };
    }
    case MessageType.CallError: {
      const [, , errorCode, errorDescription, errorDetails] = data;
      // Many chargers leave out the details object; the answer is still perfectly clear.
      if (data.length !== 5 && data.length !== 4) throw new FrameError('CALLERROR must have 5 elements', messageId, 'FormationViolation', type);
      if (typeof errorCode !== 'string' || typeof errorDescription !== 'string' || (data.length === 5 && !isPlainObject(errorDetails))) {
        throw new FrameError('CALLERROR code, description or details have the wrong type', messageId, 'FormationViolation', type);
      }
      return { type, messageId, errorCode, errorDescription, errorDetails: (errorDetails ?? {}) as JsonObject };
    }
    default:
      throw new FrameError(`Unknown message type id ${echoed(JSON.stringify(type) ?? String(type))}`, messageId);
  }
}

export function encodeCall(messageId: string, action: string, payload: object): string {
  return JSON.stringify([MessageType.Call, messageId, action, payload]);
}

export function encodeCallResult(messageId: string, payload: object): string {
  return JSON.stringify([MessageType.CallResult, messageId, payload]);
}

export function encodeCallError(
  messageId: string,
  code: string,
  description: string,
  details: object = {},
): string {
  return JSON.stringify([MessageType.CallError, messageId, code, description, details]);
}
