// The OCPP 1.5 SOAP codec: SOAP 1.2 envelopes with WS-Addressing, faults, and the schema-driven
// XML ⇄ payload mapping. Pure: no sockets, no HTTP.
export * from './namespaces.js';
export * from './xml-mapping.js';
export { parseXml, MAX_XML_ATTRIBUTES, MAX_XML_DEPTH, type XmlAttribute, type XmlElement } from './xml.js';
export { escapeAttribute, escapeText } from './escape.js';
export * from './fault.js';
export * from './addressing.js';
export * from './envelope.js';
export * from './convert.js';
export { decodeBodyText } from './charset.js';
