// The namespaces and fixed URIs the OCPP SOAP binding uses (WIRE-NOTES.md, OCPP 1.5 SOAP).

/** SOAP 1.2 envelope namespace; the only SOAP version OCPP 1.5 uses. */
export const SOAP12_ENVELOPE_NS = 'http://www.w3.org/2003/05/soap-envelope';
/** The media type of a SOAP 1.2 message over HTTP. */
export const SOAP12_CONTENT_TYPE = 'application/soap+xml';
/** SOAP 1.1 envelope namespace: recognised only to answer it with a VersionMismatch fault. */
export const SOAP11_ENVELOPE_NS = 'http://schemas.xmlsoap.org/soap/envelope/';
/** The media type of a SOAP 1.1 message (used only for the VersionMismatch fault to a 1.1 sender). */
export const SOAP11_CONTENT_TYPE = 'text/xml';

/** WS-Addressing 1.0 (the version the 1.5 WSDLs name). */
export const WSA_NS = 'http://www.w3.org/2005/08/addressing';
/** WS-Addressing 1.0 anonymous address: "answer on the back channel of this HTTP exchange". */
export const WSA_ANONYMOUS = 'http://www.w3.org/2005/08/addressing/anonymous';
/** WS-Addressing 1.0 "none" address: no reply is to be sent. */
export const WSA_NONE = 'http://www.w3.org/2005/08/addressing/none';
/** WS-Addressing 1.0 SOAP binding: the action of a SOAP-defined fault. */
export const WSA_FAULT_ACTION = 'http://www.w3.org/2005/08/addressing/soap/fault';
/**
 * The pre-standard WS-Addressing (member submission, 2004/08), which some SOAP stacks in charge
 * points still send. Read like 1.0 on input; answered in kind (see ResponseAddressing).
 */
export const WSA_2004_NS = 'http://schemas.xmlsoap.org/ws/2004/08/addressing';
export const WSA_2004_ANONYMOUS = 'http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous';
export const WSA_2004_FAULT_ACTION = 'http://schemas.xmlsoap.org/ws/2004/08/addressing/fault';

/** The anonymous address of a WS-Addressing namespace. */
export function anonymousAddressOf(addressingNs: string): string {
  return addressingNs === WSA_2004_NS ? WSA_2004_ANONYMOUS : WSA_ANONYMOUS;
}

/** The action of a SOAP fault in a WS-Addressing namespace. */
export function faultActionOf(addressingNs: string): string {
  return addressingNs === WSA_2004_NS ? WSA_2004_FAULT_ACTION : WSA_FAULT_ACTION;
}

export const XSI_NS = 'http://www.w3.org/2001/XMLSchema-instance';
/** Bound to the prefix `xml` in every document, never declared. */
export const XML_NS = 'http://www.w3.org/XML/1998/namespace';
export const XMLNS_NS = 'http://www.w3.org/2000/xmlns/';

/** OCPP 1.5 CentralSystemService (messages from the charge point to us). */
export const OCPP15_CS_NS = 'urn://Ocpp/Cs/2012/06/';
/** OCPP 1.5 ChargePointService (commands from us to the charge point). */
export const OCPP15_CP_NS = 'urn://Ocpp/Cp/2012/06/';
/** OCPP 1.6 over SOAP: recognised only to be refused (Tomada speaks 1.6 over JSON only). */
export const OCPP16_CS_NS = 'urn://Ocpp/Cs/2015/10/';
export const OCPP16_CP_NS = 'urn://Ocpp/Cp/2015/10/';

/** Fault subcodes that are Tomada's own (not OCPP, not WS-Addressing) live in this namespace. */
export const TOMADA_FAULT_NS = 'urn:tomada:soap-fault';

export type OcppSoapService = 'centralSystem' | 'chargePoint';

export interface OcppNamespaceInfo {
  version: '1.5' | '1.6';
  service: OcppSoapService;
}

const ocppNamespaces: Record<string, OcppNamespaceInfo> = {
  [OCPP15_CS_NS]: { version: '1.5', service: 'centralSystem' },
  [OCPP15_CP_NS]: { version: '1.5', service: 'chargePoint' },
  [OCPP16_CS_NS]: { version: '1.6', service: 'centralSystem' },
  [OCPP16_CP_NS]: { version: '1.6', service: 'chargePoint' },
};

/** Which OCPP version and service a namespace belongs to, or undefined if it is not an OCPP one. */
export function ocppNamespaceInfo(namespace: string): OcppNamespaceInfo | undefined {
  return Object.hasOwn(ocppNamespaces, namespace) ? ocppNamespaces[namespace] : undefined;
}
