// WS-Addressing as OCPP 1.5 uses it: the headers we read from a message, the headers we write on
// a response or on a command, and the names of operations, elements and actions.
//
// Actions are `/<Operation>` on requests and `/<Operation>Response` on responses (the WSDLs'
// wsaw:Action); body elements are lower-camel `<operation>Request` / `<operation>Response`.
import { randomUUID } from 'node:crypto';
import { escapeText } from './escape.js';
import { WSA_NONE, WSA_NS, anonymousAddressOf, faultActionOf } from './namespaces.js';

/** The addressing headers of a decoded message (text trimmed of XML whitespace). */
export interface SoapHeaders {
  /** OCPP header `chargeBoxIdentity` (any namespace): the charge point's id. */
  chargeBoxIdentity?: string;
  action?: string;
  messageId?: string;
  /** From/Address: where the charge point can be reached (the only way to learn it). */
  from?: string;
  /** ReplyTo/Address: where the response goes (absent: the anonymous back channel). */
  replyTo?: string;
  /** FaultTo/Address: where a fault goes (absent: as ReplyTo). */
  faultTo?: string;
  to?: string;
  relatesTo?: string;
}

/** Headers of a message answering a request (central system → charge point, on the HTTP response). */
export interface ResponseAddressing {
  direction: 'response';
  /** `/<Operation>Response`, or the WS-Addressing fault action for a fault (faultAddressing). */
  action: string;
  /** The request's MessageID. */
  relatesTo?: string;
  /** The request's ReplyTo address (anonymous when absent). */
  to?: string;
  /** Default: a fresh `urn:uuid:…`. */
  messageId?: string;
  /** The WS-Addressing namespace the request used (default WS-Addressing 1.0). */
  addressingNamespace?: string;
}

/** Headers of a command we send (central system → charge point, on a new HTTP request). */
export interface RequestAddressing {
  direction: 'request';
  chargeBoxIdentity: string;
  /** `/<Operation>`. */
  action: string;
  /** The charge point's endpoint. */
  to: string;
  /** Our own address (default anonymous). */
  from?: string;
  /**
   * Where the charge point sends its answer. Default anonymous, meaning the HTTP response of this
   * request (which is how the answer is read; a non-anonymous ReplyTo would ask for a new
   * HTTP request to that address instead).
   */
  replyTo?: string;
  /** Default: a fresh `urn:uuid:…`. */
  messageId?: string;
  /**
   * The WS-Addressing namespace to write (default WS-Addressing 1.0): the one the charge point
   * speaks, so that a stack that knows only 2004/08 finds its Action and MessageID.
   */
  addressingNamespace?: string;
}

export type Addressing = ResponseAddressing | RequestAddressing;

/** A fresh WS-Addressing MessageID. */
export function newMessageId(): string {
  return `urn:uuid:${randomUUID()}`;
}

// ---------------------------------------------------------------- names

const upperFirst = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
const lowerFirst = (s: string) => s.charAt(0).toLowerCase() + s.slice(1);

/** 'bootNotificationRequest' → 'BootNotification'; undefined if the name does not end in Request. */
export function operationOfRequestElement(element: string): string | undefined {
  return element.endsWith('Request') && element.length > 'Request'.length
    ? upperFirst(element.slice(0, -'Request'.length))
    : undefined;
}

/** 'bootNotificationResponse' → 'BootNotification'; undefined if the name does not end in Response. */
export function operationOfResponseElement(element: string): string | undefined {
  return element.endsWith('Response') && element.length > 'Response'.length
    ? upperFirst(element.slice(0, -'Response'.length))
    : undefined;
}

/** 'BootNotification' → 'bootNotificationRequest'. */
export function requestElementOf(operation: string): string {
  return `${lowerFirst(operation)}Request`;
}

/** 'BootNotification' → 'bootNotificationResponse'. */
export function responseElementOf(operation: string): string {
  return `${lowerFirst(operation)}Response`;
}

/** 'BootNotification' → '/BootNotification'. */
export function requestActionOf(operation: string): string {
  return `/${operation}`;
}

/** 'BootNotification' → '/BootNotificationResponse'. */
export function responseActionOf(operation: string): string {
  return `/${operation}Response`;
}

/**
 * The operation an Action names: the text after its last '/', so '/BootNotification' and the
 * 'urn://Ocpp/Cs/2012/06/BootNotification' some stacks send both give 'BootNotification'
 * (a response action keeps its 'Response' suffix).
 */
export function operationOfAction(action: string): string {
  return action.slice(action.lastIndexOf('/') + 1);
}

// ---------------------------------------------------------------- building addressing

/** What a response needs to know of the request it answers. */
export interface AnsweredMessage {
  headers: SoapHeaders;
  addressingNamespace?: string;
}

function usableAddress(address: string | undefined): string | undefined {
  return address && address !== WSA_NONE ? address : undefined;
}

/** The addressing of our response to `request` for `operation` (its Action `/<Operation>Response`). */
export function responseAddressing(request: AnsweredMessage, operation: string): ResponseAddressing {
  return {
    direction: 'response',
    action: responseActionOf(operation),
    ...(request.headers.messageId ? { relatesTo: request.headers.messageId } : {}),
    ...(usableAddress(request.headers.replyTo) ? { to: request.headers.replyTo } : {}),
    ...(request.addressingNamespace ? { addressingNamespace: request.addressingNamespace } : {}),
  };
}

/**
 * The addressing of a fault answering `request`: the WS-Addressing SOAP fault action, sent to the
 * request's FaultTo, else its ReplyTo (WS-Addressing 1.0 Core §3.4). Without a request whose
 * headers could be read, omit the addressing.
 */
export function faultAddressing(request: AnsweredMessage): ResponseAddressing {
  const to = usableAddress(request.headers.faultTo) ?? usableAddress(request.headers.replyTo);
  return {
    direction: 'response',
    action: faultActionOf(request.addressingNamespace ?? WSA_NS),
    ...(request.headers.messageId ? { relatesTo: request.headers.messageId } : {}),
    ...(to ? { to } : {}),
    ...(request.addressingNamespace ? { addressingNamespace: request.addressingNamespace } : {}),
  };
}

/** The addressing of a command `operation` we send to a charge point at `to`. */
export function requestAddressing(options: {
  chargeBoxIdentity: string;
  operation: string;
  to: string;
  from?: string;
  replyTo?: string;
  messageId?: string;
  addressingNamespace?: string;
}): RequestAddressing {
  const { operation, ...rest } = options;
  return { direction: 'request', ...rest, action: requestActionOf(operation) };
}

// ---------------------------------------------------------------- encoding

/**
 * The header blocks of `addressing`, prefixed `wsa:` (and `ocpp:` for chargeBoxIdentity): the
 * enclosing envelope declares both prefixes.
 */
export function encodeAddressingHeaders(addressing: Addressing): string {
  const element = (name: string, text: string) => `<wsa:${name}>${escapeText(text)}</wsa:${name}>`;
  const endpoint = (name: string, address: string) =>
    `<wsa:${name}><wsa:Address>${escapeText(address)}</wsa:Address></wsa:${name}>`;
  const messageId = addressing.messageId ?? newMessageId();
  if (addressing.direction === 'response') {
    const anonymous = anonymousAddressOf(addressing.addressingNamespace ?? WSA_NS);
    return (
      element('Action', addressing.action) +
      (addressing.relatesTo !== undefined ? element('RelatesTo', addressing.relatesTo) : '') +
      element('MessageID', messageId) +
      element('To', addressing.to ?? anonymous)
    );
  }
  const anonymous = anonymousAddressOf(addressing.addressingNamespace ?? WSA_NS);
  return (
    `<ocpp:chargeBoxIdentity>${escapeText(addressing.chargeBoxIdentity)}</ocpp:chargeBoxIdentity>` +
    element('Action', addressing.action) +
    element('MessageID', messageId) +
    element('To', addressing.to) +
    endpoint('From', addressing.from ?? anonymous) +
    endpoint('ReplyTo', addressing.replyTo ?? anonymous)
  );
}
