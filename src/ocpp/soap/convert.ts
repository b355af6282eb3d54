// Schema-driven mapping between an OCPP body element and its JSON-shaped payload, following the
// convention of xml-mapping.ts. The schema decides what each element, attribute and text is;
// nothing is guessed from the XML's look.
//
// Reading (xmlToPayload) never throws: whatever does not fit the schema is kept in a form the
// validator (validate.ts) then reports precisely —
// - a text that is not a strict integer, number or boolean stays a string (TypeConstraintViolation);
// - an element or attribute the schema does not define becomes an extra property
//   (FormationViolation with additionalProperties: false); non-blank text in an element that
//   holds no text becomes the extra property '#text';
// - a property that should occur once but occurs several times becomes an array, and is named
//   in what readPayload returns as an OccurenceConstraintViolation: in the JSON shape it looks
//   like a wrong type, but what the charge point got wrong is how many times it gave the element;
// - child elements inside what should be a plain value become an object (TypeConstraintViolation);
// - xsi:nil="true" on an optional property: absent; on a required one or an array item: null
//   (TypeConstraintViolation). No OCPP element is nillable.
// Child elements are matched by local name, in any order and whatever their namespace (the WSDLs
// qualify them; some stacks do not). Attributes in an OCPP namespace too: the WSDLs leave them
// unqualified, but a stack that writes `cs:unit="kWh"` means the unit, and reading past it took a
// kWh register for Wh. An attribute of another namespace is an annotation (wsu:Id on a signed
// part, xsi:type, xml:lang) and is left out, unless its local name is one of the message's
// attributes (`foo:unit`): neither reading it as the unit nor leaving it out is sure, so it is kept
// as an extra property, which validation refuses, as is an attribute given twice (`unit` and
// `cs:unit`).
//
// Writing (payloadToXml) follows the schema's property order (XSD sequences are ordered), writes
// arrays as repeated elements, omits absent properties, writes numbers and dates as their JSON
// text, and ignores properties the schema does not define (validate outgoing payloads first). An
// empty optional array is written as nothing and so reads back as absent: XML cannot tell the two
// apart. A required array read with no element is [].
import type { TSchema } from '@sinclair/typebox';
import { describeChar, escapeAttribute, escapeText, findInvalidXmlChar } from './escape.js';
import { SoapFault } from './fault.js';
import { ocppNamespaceInfo, XSI_NS } from './namespaces.js';
import { xmlRole } from './xml-mapping.js';
import { pointerSegment, type Violation } from '../validate.js';
import { attributeOf, isXmlWhitespace, trimXmlWhitespace, type XmlElement } from './xml.js';

type Schema = Record<string, unknown>;
type Kind = 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean' | 'any';
type Json = Record<string, unknown>;

// ---------------------------------------------------------------- reading the schema

const isRecord = (value: unknown): value is Schema =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function kindOfType(type: unknown): Kind {
  switch (type) {
    case 'object':
    case 'array':
    case 'string':
    case 'integer':
    case 'number':
    case 'boolean':
      return type;
    default:
      return 'any';
  }
}

function kindOfValue(value: unknown): Kind {
  if (typeof value === 'string') return 'string';
  if (typeof value === 'boolean') return 'boolean';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  if (Array.isArray(value)) return 'array';
  if (isRecord(value)) return 'object';
  return 'any';
}

/** One kind for several alternatives: their common kind, 'number' for integer|number, else 'any'. */
function combine(kinds: Kind[]): Kind {
  const distinct = new Set(kinds);
  if (distinct.size === 1) return kinds[0] as Kind;
  if (distinct.size === 2 && distinct.has('integer') && distinct.has('number')) return 'number';
  return 'any';
}

/** What a schema describes, as far as reading and writing XML is concerned. */
function kindOf(schema: unknown): Kind {
  if (!isRecord(schema)) return 'any';
  const { type } = schema;
  if (typeof type === 'string') return kindOfType(type);
  if (Array.isArray(type)) {
    const kinds = type.filter((t) => t !== 'null').map(kindOfType);
    return kinds.length > 0 ? combine(kinds) : 'any';
  }
  if ('const' in schema) return kindOfValue(schema.const);
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return combine(schema.enum.map(kindOfValue));
  for (const key of ['anyOf', 'oneOf'] as const) {
    const members = schema[key];
    if (Array.isArray(members) && members.length > 0) return combine(members.map(kindOf));
  }
  if (Array.isArray(schema.allOf)) {
    for (const member of schema.allOf) {
      const kind = kindOf(member);
      if (kind !== 'any') return kind;
    }
  }
  if (isRecord(schema.properties)) return 'object';
  if (schema.items !== undefined) return 'array';
  return 'any';
}

interface ObjectShape {
  properties: Map<string, Schema>;
  required: Set<string>;
}

/** The properties (in order) and required names of an object schema, through allOf/anyOf/oneOf. */
function shapeOf(schema: unknown, shape: ObjectShape = { properties: new Map(), required: new Set() }, optional = false): ObjectShape {
  if (!isRecord(schema)) return shape;
  if (isRecord(schema.properties)) {
    for (const [name, sub] of Object.entries(schema.properties)) {
      if (!shape.properties.has(name)) shape.properties.set(name, isRecord(sub) ? sub : {});
    }
  }
  if (!optional && Array.isArray(schema.required)) {
    for (const name of schema.required) if (typeof name === 'string') shape.required.add(name);
  }
  if (Array.isArray(schema.allOf)) for (const member of schema.allOf) shapeOf(member, shape, optional);
  for (const key of ['anyOf', 'oneOf'] as const) {
    const members = schema[key];
    if (Array.isArray(members)) for (const member of members) shapeOf(member, shape, true);
  }
  return shape;
}

/** The item schema of an array schema. */
function itemsOf(schema: unknown): Schema {
  if (!isRecord(schema)) return {};
  if (isRecord(schema.items)) return schema.items;
  if (Array.isArray(schema.items) && isRecord(schema.items[0])) return schema.items[0];
  for (const key of ['anyOf', 'oneOf', 'allOf'] as const) {
    const members = schema[key];
    if (Array.isArray(members)) {
      const array = members.find((m) => kindOf(m) === 'array');
      if (array !== undefined) return itemsOf(array);
    }
  }
  return {};
}

/** Sets an own property, even one named __proto__ (which plain assignment would not create). */
function setKey(object: Json, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
  else object[key] = value;
}

// ---------------------------------------------------------------- XML → payload

const integerText = /^[+-]?[0-9]+$/;
const decimalText = /^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/;

/**
 * A text read as `kind`, strictly (XSD lexical forms, surrounding XML whitespace ignored); the
 * text itself when it is not one (the validator reports it). Strings are kept exactly, but for
 * the dateTime and anyURI ones, whose surrounding whitespace XSD collapses (collapsesWhitespace).
 */
function scalarFromText(text: string, kind: Kind, schema?: Schema): unknown {
  if (kind === 'string') return collapsesWhitespace(schema) ? trimXmlWhitespace(text) : text;
  if (kind === 'any' || kind === 'object' || kind === 'array') return text;
  const trimmed = trimXmlWhitespace(text);
  if (kind === 'boolean') {
    if (trimmed === 'true' || trimmed === '1') return true;
    if (trimmed === 'false' || trimmed === '0') return false;
    return text;
  }
  if (kind === 'integer') {
    if (!integerText.test(trimmed)) return text;
    const value = Number(trimmed);
    return Number.isSafeInteger(value) ? value + 0 : text; // + 0 turns -0 into 0
  }
  if (!decimalText.test(trimmed)) return text;
  const value = Number(trimmed);
  return Number.isFinite(value) ? value + 0 : text;
}

/**
 * Whether a string's XSD type collapses whitespace: s:dateTime and s:anyURI do (their whiteSpace
 * facet is fixed to collapse), so `<timestamp>\n  2025-01-01T10:00:00Z\n</timestamp>` is the time
 * itself; s:string and the enumerations and IdTokens restricting it keep their text as it is.
 * (Until 2026-12-06 such a timestamp was a TypeConstraintViolation.)
 */
function collapsesWhitespace(schema: Schema | undefined): boolean {
  return schema?.format === 'date-time' || schema?.format === 'uri';
}

function isNil(element: XmlElement): boolean {
  const nil = attributeOf(element, 'nil', XSI_NS);
  return nil !== undefined && ['true', '1'].includes(trimXmlWhitespace(nil));
}

/** Child elements grouped by local name, groups in order of first appearance. */
function groupChildren(element: XmlElement): Map<string, XmlElement[]> {
  const groups = new Map<string, XmlElement[]>();
  for (const child of element.children) {
    const group = groups.get(child.name);
    if (group) group.push(child);
    else groups.set(child.name, [child]);
  }
  return groups;
}

/** An element read without a schema: its text, or an object of its attributes and children. */
function genericValue(element: XmlElement): unknown {
  const attributes = element.attributes.filter((a) => a.namespace === '');
  if (element.children.length === 0 && attributes.length === 0) return element.text;
  const result: Json = {};
  for (const a of attributes) setKey(result, a.name, a.value);
  for (const [name, elements] of groupChildren(element)) {
    setKey(result, name, elements.length === 1 ? genericValue(elements[0] as XmlElement) : elements.map(genericValue));
  }
  if (!isXmlWhitespace(element.text)) setKey(result, '#text', element.text);
  return result;
}

/** Where a reading is (a JSON pointer), and the elements found repeated so far. */
interface Reading {
  path: string;
  repeated: Violation[];
}

/** The reading one step down: `segment` (a property name or an index) added to its pointer. */
const below = (at: Reading, segment: string | number): Reading => ({
  path: `${at.path}/${pointerSegment(segment)}`,
  repeated: at.repeated,
});

function elementValue(element: XmlElement, schema: Schema, at: Reading): unknown {
  const kind = kindOf(schema);
  if (kind === 'object') return objectValue(element, schema, at);
  if (kind === 'array') return [isNil(element) ? null : elementValue(element, itemsOf(schema), below(at, 0))];
  if (kind === 'any') return genericValue(element);
  // A plain value: text only. Child elements make it something else, which validation refuses.
  return element.children.length > 0 ? genericValue(element) : scalarFromText(element.text, kind, schema);
}

function objectValue(element: XmlElement, schema: Schema, at: Reading): Json {
  const { properties, required } = shapeOf(schema);
  const known = new Map<string, unknown>();
  const extra: [string, unknown][] = [];
  const roleOf = (name: string) => {
    const sub = properties.get(name);
    return sub === undefined ? undefined : xmlRole(sub);
  };

  for (const attribute of element.attributes) {
    const isOurs = attribute.namespace === '' || ocppNamespaceInfo(attribute.namespace) !== undefined;
    if (!isOurs && roleOf(attribute.name) !== 'attribute') continue;
    if (isOurs && roleOf(attribute.name) === 'attribute' && !known.has(attribute.name)) {
      known.set(attribute.name, scalarFromText(attribute.value, kindOf(properties.get(attribute.name)), properties.get(attribute.name)));
    } else {
      // Another namespace's is named in Clark notation, `{urn:…}unit`, so that it is reported as itself.
      extra.push([isOurs ? attribute.name : `{${attribute.namespace}}${attribute.name}`, attribute.value]);
    }
  }

  const textProperty = [...properties].find(([, sub]) => xmlRole(sub) === 'text');
  if (textProperty) {
    const [name, sub] = textProperty;
    if (element.text !== '' || required.has(name)) known.set(name, scalarFromText(element.text, kindOf(sub)));
  } else if (!isXmlWhitespace(element.text)) {
    extra.push(['#text', element.text]);
  }

  for (const [name, elements] of groupChildren(element)) {
    const sub = properties.get(name);
    if (sub === undefined || xmlRole(sub) !== 'element') {
      extra.push([name, elements.length === 1 ? genericValue(elements[0] as XmlElement) : elements.map(genericValue)]);
    } else if (kindOf(sub) === 'array') {
      const items = itemsOf(sub);
      const list = below(at, name);
      known.set(name, elements.map((e, i) => (isNil(e) ? null : elementValue(e, items, below(list, i)))));
    } else if (elements.length === 1) {
      const only = elements[0] as XmlElement;
      if (!isNil(only)) known.set(name, elementValue(only, sub, below(at, name)));
      else if (required.has(name)) known.set(name, null);
    } else {
      const where = below(at, name);
      at.repeated.push({ code: 'OccurenceConstraintViolation', path: where.path, message: `is given ${elements.length} times: the element ${name} may occur once` });
      known.set(name, elements.map((e, i) => (isNil(e) ? null : elementValue(e, sub, below(where, i)))));
    }
  }

  const result: Json = {};
  for (const [name, sub] of properties) {
    if (known.has(name)) setKey(result, name, known.get(name));
    else if (required.has(name) && xmlRole(sub) === 'element' && kindOf(sub) === 'array') setKey(result, name, []);
  }
  for (const [name, value] of extra) {
    // An extra whose name a defined property already uses (an element named like an attribute
    // property, say) is kept under a marked name, so that it is still reported.
    const key = Object.hasOwn(result, name) ? `${name}#${name === '#text' ? 'extra' : 'unexpected'}` : name;
    if (!Object.hasOwn(result, key)) setKey(result, key, value);
  }
  return result;
}

/**
 * The JSON-shaped payload of an OCPP body element (the `body` of a decoded envelope), read
 * following `schema`, and the first element given more times than the schema allows (in document
 * order), which a receiver reports before validating the payload: the validator would see only an
 * array where a value is due, a TypeConstraintViolation. Never throws: what does not fit is left
 * for the validator to report.
 */
export function readPayload(body: XmlElement, schema: TSchema): { payload: unknown; repeated?: Violation } {
  const at: Reading = { path: '', repeated: [] };
  const payload = elementValue(body, schema as unknown as Schema, at);
  return at.repeated.length > 0 ? { payload, repeated: at.repeated[0] } : { payload };
}

/** The payload alone (readPayload), for a reader that has its own account of what it gets wrong. */
export function xmlToPayload(body: XmlElement, schema: TSchema): unknown {
  return readPayload(body, schema).payload;
}

// ---------------------------------------------------------------- payload → XML

const notEncodable = (detail: string) =>
  new SoapFault('Receiver', `cannot encode the message as XML: ${detail}`, { subcode: 'NotEncodable' });

/** An XML 1.0 Name without a colon (what a property name must be to become an element). */
const ncName = /^[\p{L}_][\p{L}\p{N}_.\-\u00B7\u0300-\u036F\u203F-\u2040]*$/u;

function checkName(name: string): string {
  if (!ncName.test(name)) throw notEncodable(`"${name}" is not a valid XML name`);
  return name;
}

/** A plain value's text: strings as they are, numbers and dates as their JSON text. */
function scalarText(value: unknown, path: string): string {
  const where = path === '' ? 'the payload' : path;
  let text: string;
  if (typeof value === 'string') text = value;
  else if (typeof value === 'boolean') text = value ? 'true' : 'false';
  else if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw notEncodable(`${where} is ${value}, which is not a JSON number`);
    text = JSON.stringify(value);
  } else if (typeof value === 'bigint') text = value.toString();
  else if (value instanceof Date) {
    const json = value.toJSON();
    if (json === null) throw notEncodable(`${where} is an invalid date`);
    text = json;
  } else {
    throw notEncodable(`${where} is ${value === null ? 'null' : typeof value} where a plain value is expected`);
  }
  const bad = findInvalidXmlChar(text);
  if (bad !== undefined) throw notEncodable(`${where} holds ${describeChar(bad)}, which XML 1.0 cannot carry`);
  return text;
}

class XmlWriter {
  constructor(private readonly prefix: string) {}

  qname(name: string): string {
    return this.prefix === '' ? checkName(name) : `${this.prefix}:${checkName(name)}`;
  }

  element(name: string, value: unknown, schema: Schema, where: string, declarations = ''): string {
    if (value === undefined) return '';
    const qname = this.qname(name);
    if (value === null) return `<${qname}${declarations} xmlns:xsi="${XSI_NS}" xsi:nil="true"/>`;
    if (Array.isArray(value)) {
      return value.map((item, i) => this.element(name, item, kindOf(schema) === 'array' ? itemsOf(schema) : schema, `${where}/${i}`)).join('');
    }
    if (isRecord(value) && !(value instanceof Date)) {
      return kindOf(schema) === 'object'
        ? this.object(qname, value, schema, where, declarations)
        : this.generic(qname, value, where, declarations);
    }
    const text = escapeText(scalarText(value, where));
    return text === '' ? `<${qname}${declarations}/>` : `<${qname}${declarations}>${text}</${qname}>`;
  }

  private object(qname: string, value: Json, schema: Schema, where: string, declarations: string): string {
    let attributes = '';
    let text = '';
    let children = '';
    for (const [name, sub] of shapeOf(schema).properties) {
      const v = Object.hasOwn(value, name) ? value[name] : undefined;
      if (v === undefined) continue;
      const path = `${where}/${name}`;
      const role = xmlRole(sub);
      if (role === 'attribute') attributes += ` ${checkName(name)}="${escapeAttribute(scalarText(v, path))}"`;
      else if (role === 'text') text += escapeText(scalarText(v, path));
      else children += this.element(name, v, sub, path);
    }
    const content = text + children;
    return content === '' ? `<${qname}${declarations}${attributes}/>` : `<${qname}${declarations}${attributes}>${content}</${qname}>`;
  }

  /** An object whose schema says nothing: each own property as a child element. */
  private generic(qname: string, value: Json, where: string, declarations: string): string {
    let children = '';
    for (const [name, v] of Object.entries(value)) children += this.element(name, v, {}, `${where}/${name}`);
    return children === '' ? `<${qname}${declarations}/>` : `<${qname}${declarations}>${children}</${qname}>`;
  }
}

/**
 * `payload` as the element `elementName` (e.g. 'bootNotificationResponse'), it and its children
 * prefixed `namespacePrefix` ('' for none). The prefix is declared by the enclosing envelope
 * (encodeEnvelope binds OCPP_PREFIX), or here when `namespaceUri` is given. Throws SoapFault
 * (Receiver, subcode NotEncodable) for what XML cannot carry: a character outside XML 1.0, a
 * number that is not finite, a name that is not an XML name.
 */
export function payloadToXml(
  payload: unknown,
  schema: TSchema,
  elementName: string,
  namespacePrefix: string,
  namespaceUri?: string,
): string {
  const declarations =
    namespaceUri === undefined
      ? ''
      : ` ${namespacePrefix === '' ? 'xmlns' : `xmlns:${checkName(namespacePrefix)}`}="${escapeAttribute(namespaceUri)}"`;
  if (payload === undefined) throw notEncodable('the payload is undefined');
  return new XmlWriter(namespacePrefix).element(elementName, payload, schema as unknown as Schema, '', declarations);
}
