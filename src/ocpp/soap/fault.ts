// SOAP 1.2 faults (SOAP 1.2 Part 1 §5.4): the error every layer of the SOAP codec throws, its
// encoding as a Fault envelope, and reading a Fault a charge point answers us with.
//
// HTTP status (SOAP 1.2 Part 2 §7.5.2.2, table 23): env:Sender → 400 Bad Request; every other
// fault (env:Receiver, env:VersionMismatch, env:MustUnderstand) → 500 Internal Server Error.
import { RpcErrorCodes, type RpcErrorCode } from '../rpc.js';
import { violationText, type Violation } from '../validate.js';
import { encodeAddressingHeaders, type AnsweredMessage, type ResponseAddressing } from './addressing.js';
import { escapeAttribute, escapeText } from './escape.js';
import {
  OCPP15_CS_NS,
  SOAP11_CONTENT_TYPE,
  SOAP11_ENVELOPE_NS,
  SOAP12_CONTENT_TYPE,
  SOAP12_ENVELOPE_NS,
  TOMADA_FAULT_NS,
  WSA_NS,
} from './namespaces.js';
import type { XmlElement } from './xml.js';

export type SoapFaultCode = 'VersionMismatch' | 'MustUnderstand' | 'Sender' | 'Receiver';

const faultCodes: readonly SoapFaultCode[] = ['VersionMismatch', 'MustUnderstand', 'Sender', 'Receiver'];

/** Subcodes Tomada gives its own envelope-level faults (namespace TOMADA_FAULT_NS). */
export type TomadaFaultSubcode =
  | 'NotWellFormed'
  | 'DtdNotAllowed'
  | 'MessageTooLarge'
  | 'LimitExceeded'
  | 'NotSoapEnvelope'
  | 'InvalidEnvelope'
  | 'EmptyBody'
  | 'MultipleBodyElements'
  | 'NotEncodable'
  | 'UnknownCharset'
  | 'CharsetMismatch'
  | 'InvalidCharacterEncoding';

/** WS-Addressing 1.0 SOAP binding fault subcodes (§6.4); their namespace is WSA_NS. */
const wsaSubcodes = new Set([
  'InvalidAddressingHeader',
  'MessageAddressingHeaderRequired',
  'DestinationUnreachable',
  'ActionNotSupported',
  'EndpointUnavailable',
]);

export interface SoapFaultOptions {
  /**
   * The fault's env:Subcode value (local name). Its namespace, unless `subcodeNamespace` says
   * otherwise: the OCPP namespace for an OCPP error code (FormationViolation,
   * TypeConstraintViolation, NotImplemented, …), WS-Addressing for a WS-Addressing fault, and
   * TOMADA_FAULT_NS for anything else.
   */
  subcode?: string;
  subcodeNamespace?: string;
  /** MustUnderstand: the header block that was not understood (written as env:NotUnderstood). */
  notUnderstood?: { namespace: string; name: string };
  /** '1.1' when the message answered was SOAP 1.1: the VersionMismatch fault is then in SOAP 1.1. */
  envelopeVersion?: '1.1' | '1.2';
  /**
   * With a WS-Addressing EndpointUnavailable: in how many milliseconds the message may be sent
   * again, written as the detail WS-Addressing defines for it (wsa:RetryAfter), in the subcode's
   * namespace.
   */
  retryAfterMs?: number;
  cause?: unknown;
}

export class SoapFault extends Error {
  readonly code: SoapFaultCode;
  readonly subcode?: string;
  readonly subcodeNamespace?: string;
  readonly reason: string;
  readonly httpStatus: number;
  readonly notUnderstood?: { namespace: string; name: string };
  readonly envelopeVersion: '1.1' | '1.2';
  readonly retryAfterMs?: number;
  /**
   * The headers of the message this fault answers, when they could be read (set by
   * decodeEnvelope): pass it to faultAddressing() to address the fault.
   */
  answering?: AnsweredMessage;

  constructor(code: SoapFaultCode, reason: string, options: SoapFaultOptions = {}) {
    super(options.subcode ? `${code}/${options.subcode}: ${reason}` : `${code}: ${reason}`, { cause: options.cause });
    this.name = 'SoapFault';
    this.code = code;
    this.reason = reason;
    this.httpStatus = code === 'Sender' ? 400 : 500;
    this.envelopeVersion = options.envelopeVersion ?? '1.2';
    if (options.subcode !== undefined) {
      this.subcode = options.subcode;
      this.subcodeNamespace = options.subcodeNamespace ?? defaultSubcodeNamespace(options.subcode);
    }
    if (options.notUnderstood) this.notUnderstood = options.notUnderstood;
    if (options.retryAfterMs !== undefined) this.retryAfterMs = options.retryAfterMs;
  }

  /** The Content-Type of the encoded fault (SOAP 1.1 only for a VersionMismatch to a 1.1 sender). */
  get contentType(): string {
    return `${this.isSoap11() ? SOAP11_CONTENT_TYPE : SOAP12_CONTENT_TYPE}; charset=utf-8`;
  }

  isSoap11(): boolean {
    return this.envelopeVersion === '1.1' && this.code === 'VersionMismatch';
  }
}

function defaultSubcodeNamespace(subcode: string): string {
  if ((RpcErrorCodes as readonly string[]).includes(subcode)) return OCPP15_CS_NS;
  if (wsaSubcodes.has(subcode)) return WSA_NS;
  return TOMADA_FAULT_NS;
}

/**
 * The fault answering an OCPP-level error (the OCPP-J code as subcode): InternalError is the
 * receiver's fault, every other code the sender's.
 */
export function faultForCode(code: RpcErrorCode, reason: string, subcodeNamespace?: string): SoapFault {
  return new SoapFault(code === 'InternalError' ? 'Receiver' : 'Sender', reason, {
    subcode: code,
    ...(subcodeNamespace ? { subcodeNamespace } : {}),
  });
}

/** The fault answering a payload that failed validation (validate.ts): Sender, subcode its code. */
export function faultFromViolation(violation: Violation, subcodeNamespace?: string): SoapFault {
  return faultForCode(violation.code, violationText(violation), subcodeNamespace);
}

// ---------------------------------------------------------------- encoding

const MAX_REASON_LENGTH = 1000;

/** The reason as it may be written: within XML's character set and a sane length. */
function reasonText(reason: string): string {
  const clean = reason.replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '\uFFFD');
  return clean.length > MAX_REASON_LENGTH ? `${clean.slice(0, MAX_REASON_LENGTH)}…` : clean;
}

/**
 * A SOAP 1.2 Fault envelope for `fault`, with WS-Addressing response headers when `addressing` is
 * given (see faultAddressing() in addressing.ts for the fault's own action and destination). A
 * VersionMismatch answering a SOAP 1.1 message is written in SOAP 1.1 with the env:Upgrade header
 * (SOAP 1.2 Part 1, appendix A); its content type is `fault.contentType`.
 */
export function encodeFault(fault: SoapFault, addressing?: ResponseAddressing): string {
  if (fault.isSoap11()) return encodeSoap11VersionMismatch(fault);
  const addressingNs = addressing?.addressingNamespace ?? WSA_NS;
  const headers: string[] = [];
  if (addressing) headers.push(encodeAddressingHeaders(addressing));
  if (fault.code === 'VersionMismatch') headers.push(upgradeHeader('env'));
  if (fault.notUnderstood) {
    headers.push(
      `<env:NotUnderstood xmlns:nu="${escapeAttribute(fault.notUnderstood.namespace)}" qname="nu:${escapeAttribute(fault.notUnderstood.name)}"/>`,
    );
  }
  const subcode =
    fault.subcode === undefined
      ? ''
      : `<env:Subcode><env:Value xmlns:sc="${escapeAttribute(fault.subcodeNamespace ?? TOMADA_FAULT_NS)}">sc:${escapeText(fault.subcode)}</env:Value></env:Subcode>`;
  const detail =
    fault.retryAfterMs === undefined
      ? ''
      : `<env:Detail><ra:RetryAfter xmlns:ra="${escapeAttribute(fault.subcodeNamespace ?? WSA_NS)}">${Math.ceil(fault.retryAfterMs)}</ra:RetryAfter></env:Detail>`;
  return (
    '<?xml version="1.0" encoding="UTF-8"?>' +
    `<env:Envelope xmlns:env="${SOAP12_ENVELOPE_NS}"${addressing ? ` xmlns:wsa="${escapeAttribute(addressingNs)}"` : ''}>` +
    (headers.length > 0 ? `<env:Header>${headers.join('')}</env:Header>` : '') +
    '<env:Body><env:Fault>' +
    `<env:Code><env:Value>env:${fault.code}</env:Value>${subcode}</env:Code>` +
    `<env:Reason><env:Text xml:lang="en">${escapeText(reasonText(fault.reason))}</env:Text></env:Reason>` +
    detail +
    '</env:Fault></env:Body></env:Envelope>'
  );
}

function upgradeHeader(prefix: string): string {
  return (
    `<${prefix}:Upgrade><${prefix}:SupportedEnvelope xmlns:up="${SOAP12_ENVELOPE_NS}" qname="up:Envelope"/></${prefix}:Upgrade>`
  );
}

function encodeSoap11VersionMismatch(fault: SoapFault): string {
  return (
    '<?xml version="1.0" encoding="UTF-8"?>' +
    `<soap:Envelope xmlns:soap="${SOAP11_ENVELOPE_NS}" xmlns:env="${SOAP12_ENVELOPE_NS}">` +
    `<soap:Header>${upgradeHeader('env')}</soap:Header>` +
    '<soap:Body><soap:Fault><faultcode>soap:VersionMismatch</faultcode>' +
    `<faultstring>${escapeText(reasonText(fault.reason))}</faultstring>` +
    '</soap:Fault></soap:Body></soap:Envelope>'
  );
}

// ---------------------------------------------------------------- reading

/**
 * The SoapFault a decoded Fault body element carries (a charge point's answer to one of our
 * commands), or undefined if `body` is not a SOAP 1.2 Fault.
 */
export function readFault(body: XmlElement): SoapFault | undefined {
  if (body.namespace !== SOAP12_ENVELOPE_NS || body.name !== 'Fault') return undefined;
  const child = (parent: XmlElement | undefined, name: string) =>
    parent?.children.find((c) => c.name === name && c.namespace === SOAP12_ENVELOPE_NS);
  const codeElement = child(body, 'Code');
  const codeValue = child(codeElement, 'Value');
  const subcodeValue = child(child(codeElement, 'Subcode'), 'Value');
  const reason = child(child(body, 'Reason'), 'Text')?.text.trim() ?? '';
  const codeName = codeValue ? resolveQNameValue(codeValue) : undefined;
  const code: SoapFaultCode =
    codeName?.namespace === SOAP12_ENVELOPE_NS && (faultCodes as readonly string[]).includes(codeName.name)
      ? (codeName.name as SoapFaultCode)
      : 'Receiver';
  const subcode = subcodeValue ? resolveQNameValue(subcodeValue) : undefined;
  return new SoapFault(code, reason || '(no reason given)', subcode ? { subcode: subcode.name, subcodeNamespace: subcode.namespace } : {});
}

/** The expanded name an element's QName-valued text stands for (prefix resolved in its scope). */
function resolveQNameValue(element: XmlElement): { namespace: string; name: string } {
  const text = element.text.trim();
  const colon = text.indexOf(':');
  const prefix = colon === -1 ? '' : text.slice(0, colon);
  const name = colon === -1 ? text : text.slice(colon + 1);
  return { namespace: element.scope.get(prefix) ?? '', name };
}
