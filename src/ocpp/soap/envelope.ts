// SOAP 1.2 envelopes as OCPP 1.5 uses them: decoding one we receive (a charge point's request, or
// its answer to our command) and encoding one we send (our answer, or our command).
import type { Addressing, SoapHeaders } from './addressing.js';
import { encodeAddressingHeaders } from './addressing.js';
import { escapeAttribute } from './escape.js';
import { SoapFault } from './fault.js';
import {
  OCPP16_CS_NS,
  SOAP11_ENVELOPE_NS,
  SOAP12_ENVELOPE_NS,
  WSA_2004_NS,
  WSA_NS,
  ocppNamespaceInfo,
  type OcppSoapService,
} from './namespaces.js';
import { attributeOf, isXmlWhitespace, parseXml, trimXmlWhitespace, type XmlElement } from './xml.js';

/** Default largest envelope accepted by decodeEnvelope: 256 KiB of UTF-8. */
export const DEFAULT_MAX_ENVELOPE_BYTES = 256 * 1024;

/** The prefix encodeEnvelope binds to the OCPP namespace; bodies from payloadToXml use it. */
export const OCPP_PREFIX = 'ocpp';

export interface DecodeOptions {
  /** Largest input accepted, in bytes of UTF-8 (default DEFAULT_MAX_ENVELOPE_BYTES). */
  maxBytes?: number;
}

export interface DecodedEnvelope {
  soapVersion: '1.2';
  headers: SoapHeaders;
  /** The WS-Addressing namespace the message used, when it carried WS-Addressing headers. */
  addressingNamespace?: string;
  /** Namespace of the body element: an OCPP 1.5 namespace, or SOAP 1.2's for a Fault. */
  namespace: string;
  /** The OCPP service the body belongs to (undefined for a Fault). */
  service?: OcppSoapService;
  /** Local name of the body element, e.g. 'bootNotificationRequest' (or 'Fault'). */
  bodyElement: string;
  /** The body element itself, for xmlToPayload (or readFault). */
  body: XmlElement;
}

const SOAP_ROLE_NEXT = 'http://www.w3.org/2003/05/soap-envelope/role/next';
const SOAP_ROLE_ULTIMATE = 'http://www.w3.org/2003/05/soap-envelope/role/ultimateReceiver';

const invalidEnvelope = (reason: string) => new SoapFault('Sender', reason, { subcode: 'InvalidEnvelope' });
const invalidAddressing = (reason: string) => new SoapFault('Sender', reason, { subcode: 'InvalidAddressingHeader' });

const describe = (e: XmlElement) => (e.namespace === '' ? e.name : `{${e.namespace}}${e.name}`);
const isSoap = (e: XmlElement, name: string) => e.namespace === SOAP12_ENVELOPE_NS && e.name === name;

/**
 * Reads the header blocks: chargeBoxIdentity and WS-Addressing, and the first block that must be
 * understood but is not, which the caller refuses once it has read the others: the fault then
 * answers the message's MessageID (until 2026-12-06 it had no RelatesTo, nor any WS-Addressing).
 * A header given twice, or a From without one Address, is refused after the loop too, and only
 * when every block is understood: SOAP 1.2 (Part 1 §2.6) checks mustUnderstand before anything.
 */
function readHeaders(header: XmlElement | undefined): { headers: SoapHeaders; addressingNamespace?: string; notUnderstood?: SoapFault } {
  const headers: SoapHeaders = {};
  let addressingNamespace: string | undefined;
  let notUnderstood: SoapFault | undefined;
  let invalid: SoapFault | undefined;
  const set = (key: keyof SoapHeaders, value: string, what: string) => {
    if (headers[key] !== undefined) invalid ??= (key === 'chargeBoxIdentity' ? invalidEnvelope : invalidAddressing)(`header ${what} appears more than once`);
    else headers[key] = value;
  };
  // A header's value is its text. One holding elements is refused as an OCPP field holding them
  // is: read as the text around them, <x>EVIL</x>CP-1 spoke as CP-1.
  const setText = (key: keyof SoapHeaders, element: XmlElement, what: string) => {
    if (element.children.length > 0) invalid ??= (key === 'chargeBoxIdentity' ? invalidEnvelope : invalidAddressing)(`header ${what} must hold text, not elements`);
    else set(key, trimXmlWhitespace(element.text), what);
  };
  for (const block of header?.children ?? []) {
    let understood = true;
    if (block.name === 'chargeBoxIdentity' && block.namespace !== WSA_NS && block.namespace !== WSA_2004_NS) {
      setText('chargeBoxIdentity', block, 'chargeBoxIdentity');
    } else if (block.namespace === WSA_NS || block.namespace === WSA_2004_NS) {
      addressingNamespace ??= block.namespace;
      const what = `wsa:${block.name}`;
      switch (block.name) {
        case 'Action':
        case 'MessageID':
        case 'To':
        case 'RelatesTo': {
          const key = ({ Action: 'action', MessageID: 'messageId', To: 'to', RelatesTo: 'relatesTo' } as const)[block.name];
          setText(key, block, what);
          break;
        }
        case 'From':
        case 'ReplyTo':
        case 'FaultTo': {
          const addresses = block.children.filter((c) => c.name === 'Address' && c.namespace === block.namespace);
          const key = ({ From: 'from', ReplyTo: 'replyTo', FaultTo: 'faultTo' } as const)[block.name];
          if (addresses.length !== 1) invalid ??= invalidAddressing(`${what} must hold exactly one wsa:Address`);
          else setText(key, addresses[0] as XmlElement, what);
          break;
        }
        default:
          understood = false;
      }
    } else {
      understood = false;
    }
    if (!understood) {
      const mustUnderstand = attributeOf(block, 'mustUnderstand', SOAP12_ENVELOPE_NS);
      const role = attributeOf(block, 'role', SOAP12_ENVELOPE_NS);
      const targeted = role === undefined || [SOAP_ROLE_NEXT, SOAP_ROLE_ULTIMATE].includes(trimXmlWhitespace(role));
      if (targeted && mustUnderstand !== undefined && ['true', '1'].includes(trimXmlWhitespace(mustUnderstand))) {
        notUnderstood ??= new SoapFault('MustUnderstand', `header block ${describe(block)} is not understood`, {
          notUnderstood: { namespace: block.namespace, name: block.name },
        });
      }
    }
  }
  if (invalid && !notUnderstood) throw invalid;
  return { headers, ...(addressingNamespace === undefined ? {} : { addressingNamespace }), ...(notUnderstood ? { notUnderstood } : {}) };
}

/**
 * Decodes a SOAP 1.2 envelope. Throws SoapFault:
 * - Sender: input over `maxBytes` (MessageTooLarge), not well-formed XML (NotWellFormed), a DTD
 *   (DtdNotAllowed), a document that is not an envelope (NotSoapEnvelope), an envelope of the
 *   wrong shape (InvalidEnvelope), an empty Body (EmptyBody) or one with several elements
 *   (MultipleBodyElements), a repeated or malformed WS-Addressing header
 *   (InvalidAddressingHeader), a body in no OCPP namespace (NotImplemented) or in OCPP 1.6's
 *   (NotSupported);
 * - VersionMismatch: a SOAP 1.1 envelope (answered in SOAP 1.1) or an unknown envelope namespace;
 * - MustUnderstand: a header block marked mustUnderstand that is neither chargeBoxIdentity nor
 *   WS-Addressing.
 * A fault raised once the headers were read carries them in `answering`, so it can be addressed.
 */
export function decodeEnvelope(xml: string, options: DecodeOptions = {}): DecodedEnvelope {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_ENVELOPE_BYTES;
  if (typeof xml !== 'string') throw new SoapFault('Sender', 'not well-formed XML: the message is not text', { subcode: 'NotWellFormed' });
  // A string of more UTF-16 units than the limit is over it in UTF-8 too: no need to measure.
  const bytes = xml.length > maxBytes ? undefined : Buffer.byteLength(xml, 'utf8');
  if (bytes === undefined || bytes > maxBytes) {
    throw new SoapFault('Sender', `message too large: ${bytes === undefined ? `over ${xml.length} bytes` : `${bytes} bytes`}, the limit is ${maxBytes} bytes`, {
      subcode: 'MessageTooLarge',
    });
  }

  const root = parseXml(xml);
  if (root.name === 'Envelope' && root.namespace === SOAP11_ENVELOPE_NS) {
    throw new SoapFault('VersionMismatch', `SOAP 1.1 envelopes are not supported: OCPP 1.5 uses SOAP 1.2 (${SOAP12_ENVELOPE_NS})`, {
      envelopeVersion: '1.1',
    });
  }
  if (root.name === 'Envelope' && root.namespace !== SOAP12_ENVELOPE_NS) {
    throw new SoapFault('VersionMismatch', `envelope namespace "${root.namespace}" is not SOAP 1.2 (${SOAP12_ENVELOPE_NS})`);
  }
  if (!isSoap(root, 'Envelope')) {
    throw new SoapFault('Sender', `not a SOAP envelope: the document element is ${describe(root)}, not a SOAP 1.2 Envelope`, {
      subcode: 'NotSoapEnvelope',
    });
  }

  if (!isXmlWhitespace(root.text)) throw invalidEnvelope('character data directly in env:Envelope');
  const [first, second, ...rest] = root.children;
  const header = first !== undefined && isSoap(first, 'Header') ? first : undefined;
  const body = header ? second : first;
  if (body === undefined || !isSoap(body, 'Body')) throw invalidEnvelope('env:Envelope has no env:Body (it must hold an optional env:Header, then env:Body)');
  const after = header ? rest : [second, ...rest].filter((e) => e !== undefined);
  if (after.length > 0) throw invalidEnvelope(`unexpected ${describe(after[0] as XmlElement)} after env:Body`);

  const { notUnderstood, ...answering } = readHeaders(header);
  const withAnswering = (fault: SoapFault) => {
    fault.answering = answering;
    return fault;
  };
  if (notUnderstood) throw withAnswering(notUnderstood);

  if (!isXmlWhitespace(body.text)) throw withAnswering(invalidEnvelope('character data directly in env:Body'));
  const [element, ...others] = body.children;
  if (element === undefined) throw withAnswering(new SoapFault('Sender', 'env:Body is empty: it must hold one OCPP message', { subcode: 'EmptyBody' }));
  if (others.length > 0) {
    throw withAnswering(
      new SoapFault('Sender', `env:Body holds ${body.children.length} elements: it must hold exactly one OCPP message`, {
        subcode: 'MultipleBodyElements',
      }),
    );
  }

  let service: OcppSoapService | undefined;
  if (!isSoap(element, 'Fault')) {
    const info = ocppNamespaceInfo(element.namespace);
    if (info === undefined) {
      throw withAnswering(
        new SoapFault('Sender', `body element ${describe(element)} is not an OCPP 1.5 message`, { subcode: 'NotImplemented' }),
      );
    }
    if (info.version === '1.6') {
      throw withAnswering(
        new SoapFault('Sender', `OCPP 1.6 over SOAP (${element.namespace}) is not supported: use OCPP 1.5 SOAP or OCPP-J (JSON over WebSocket)`, {
          subcode: 'NotSupported',
          subcodeNamespace: OCPP16_CS_NS,
        }),
      );
    }
    service = info.service;
  }
  return {
    soapVersion: '1.2',
    ...answering,
    namespace: element.namespace,
    ...(service ? { service } : {}),
    bodyElement: element.name,
    body: element,
  };
}

export interface EncodeEnvelopeInput {
  /** The OCPP namespace of the body (and of chargeBoxIdentity), bound to OCPP_PREFIX. */
  namespace: string;
  headers: Addressing;
  /** The body element, e.g. from payloadToXml(payload, schema, element, OCPP_PREFIX). */
  bodyXml: string;
}

/**
 * A SOAP 1.2 envelope around `bodyXml`, with the WS-Addressing headers of `headers` (a response:
 * Action, RelatesTo, MessageID, To; a request: chargeBoxIdentity, Action, MessageID, To, From,
 * ReplyTo). Declares `env:`, `wsa:` and `ocpp:` (= `namespace`) on the Envelope.
 */
export function encodeEnvelope({ namespace, headers, bodyXml }: EncodeEnvelopeInput): string {
  const addressingNs = headers.addressingNamespace ?? WSA_NS;
  return (
    '<?xml version="1.0" encoding="UTF-8"?>' +
    `<env:Envelope xmlns:env="${SOAP12_ENVELOPE_NS}" xmlns:wsa="${escapeAttribute(addressingNs)}" xmlns:${OCPP_PREFIX}="${escapeAttribute(namespace)}">` +
    `<env:Header>${encodeAddressingHeaders(headers)}</env:Header>` +
    `<env:Body>${bodyXml}</env:Body>` +
    '</env:Envelope>'
  );
}
