// Our OCPP 1.5 schemas against the official 1.5 WSDLs (the oracle). For every operation of both
// services, the WSDL's request and response types are translated into the JSON Schema our
// validators should be (the translation rules are `fromXsdType` and `fromComplexType` below) and
// compared with ours: the same properties in the same order (the SOAP codec writes elements in
// property order), the same required ones, arrays where the WSDL repeats an element, the same
// types, lengths and enumerations, nested types recursively, and the XML role (attribute, text)
// of every property.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { XMLParser } from 'fast-xml-parser';
import type { OcppAction } from '../../src/ocpp/action.js';
import { centralSystemActions, chargePointActions, v15Actions } from '../../src/ocpp/v15/index.js';

const wsdlDir = new URL('../../../shared/ocpp/1.5/', import.meta.url);
const services = {
  CentralSystemService: {
    file: 'ocpp_centralsystemservice_1.5_final.wsdl',
    namespace: 'urn://Ocpp/Cs/2012/06/',
    actions: centralSystemActions as Record<string, OcppAction>,
  },
  ChargePointService: {
    file: 'ocpp_chargepointservice_1.5_final.wsdl',
    namespace: 'urn://Ocpp/Cp/2012/06/',
    actions: chargePointActions as Record<string, OcppAction>,
  },
} as const;
type ServiceName = keyof typeof services;

const missing = Object.values(services)
  .map((s) => new URL(s.file, wsdlDir))
  .filter((url) => !existsSync(url));
const skip =
  missing.length === 0
    ? false
    : `official OCPP 1.5 WSDL files not found: ${missing.map((u) => fileURLToPath(u)).join(', ')} (shared/ beside the repository)`;

const XSD = 'http://www.w3.org/2001/XMLSchema';
const WSDL = 'http://schemas.xmlsoap.org/wsdl/';
const WSAW = 'http://www.w3.org/2006/05/addressing/wsdl';

// ---------------------------------------------------------------- XML as a plain tree

interface XmlNode {
  /** The qualified name as written, e.g. "s:element". */
  tag: string;
  attrs: Record<string, string>;
  children: XmlNode[];
}

/** fast-xml-parser's ordered output (one key per node, attributes under ':@') as XmlNode trees. */
function toTree(ordered: unknown[]): XmlNode[] {
  const nodes: XmlNode[] = [];
  for (const item of ordered as Record<string, unknown>[]) {
    const tag = Object.keys(item).find((k) => k !== ':@');
    if (tag === undefined || tag === '#text' || tag.startsWith('?')) continue;
    nodes.push({
      tag,
      attrs: (item[':@'] ?? {}) as Record<string, string>,
      children: toTree(item[tag] as unknown[]),
    });
  }
  return nodes;
}

function parseXml(text: string): XmlNode {
  const parser = new XMLParser({
    preserveOrder: true,
    ignoreAttributes: false,
    attributeNamePrefix: '',
    parseAttributeValue: false,
    parseTagValue: false,
  });
  const roots = toTree(parser.parse(text) as unknown[]);
  assert.equal(roots.length, 1, 'one document element');
  return roots[0] as XmlNode;
}

/** A WSDL file: its namespace prefixes, and the schema's named types and top-level elements. */
class Wsdl {
  readonly root: XmlNode;
  readonly prefixes = new Map<string, string>();
  readonly complexTypes = new Map<string, XmlNode>();
  readonly simpleTypes = new Map<string, XmlNode>();
  readonly elements = new Map<string, XmlNode>();
  readonly xs: string;
  readonly wsdl: string;

  constructor(
    readonly file: string,
    text: string,
  ) {
    this.root = parseXml(text);
    for (const [name, value] of Object.entries(this.root.attrs)) {
      if (name.startsWith('xmlns:')) this.prefixes.set(name.slice('xmlns:'.length), value);
    }
    this.xs = this.prefixOf(XSD);
    this.wsdl = this.prefixOf(WSDL);
    const schemas = this.all(this.one(this.root, 'types', this.wsdl), 'schema', this.xs);
    assert.equal(schemas.length, 1, `${file}: one schema`);
    const schema = schemas[0] as XmlNode;
    assert.equal(schema.attrs.targetNamespace, this.root.attrs.targetNamespace);
    for (const node of schema.children) {
      const name = node.attrs.name;
      assert.ok(name, `${file}: a schema child without a name`);
      const into = { complexType: this.complexTypes, simpleType: this.simpleTypes, element: this.elements }[this.local(node.tag, this.xs)];
      assert.ok(into, `${file}: unexpected schema child ${node.tag}`);
      assert.ok(!into.has(name), `${file}: ${name} defined twice`);
      into.set(name, node);
    }
  }

  private prefixOf(namespace: string): string {
    const found = [...this.prefixes].find(([, ns]) => ns === namespace);
    assert.ok(found, `${this.file}: no prefix for ${namespace}`);
    return found[0];
  }

  /** The local part of `qname` if it is in the namespace of `prefix`, else ''. */
  local(qname: string, prefix: string): string {
    return qname.startsWith(`${prefix}:`) ? qname.slice(prefix.length + 1) : '';
  }

  /** A qualified name resolved against the document's prefixes. */
  resolve(qname: string): { namespace: string; name: string } {
    const [prefix, name] = qname.split(':');
    const namespace = this.prefixes.get(prefix ?? '');
    assert.ok(namespace && name, `${this.file}: cannot resolve ${qname}`);
    return { namespace, name };
  }

  all(node: XmlNode, localName: string, prefix: string): XmlNode[] {
    return node.children.filter((c) => c.tag === `${prefix}:${localName}`);
  }

  one(node: XmlNode, localName: string, prefix: string): XmlNode {
    const found = this.all(node, localName, prefix);
    assert.equal(found.length, 1, `${this.file}: expected one ${localName} in ${node.tag} ${node.attrs.name ?? ''}`);
    return found[0] as XmlNode;
  }

  byName(node: XmlNode, localName: string, prefix: string, name: string): XmlNode {
    const found = this.all(node, localName, prefix).filter((c) => c.attrs.name === name);
    assert.equal(found.length, 1, `${this.file}: expected one ${localName} named ${name}`);
    return found[0] as XmlNode;
  }

  /** The operations of the port type: name, the request and response complex types, the WS-Addressing actions. */
  operations(): { name: string; request: XmlNode; response: XmlNode; inputAction?: string; outputAction?: string }[] {
    const portType = this.one(this.root, 'portType', this.wsdl);
    const wsaw = this.prefixOf(WSAW);
    return this.all(portType, 'operation', this.wsdl).map((operation) => {
      const typeOf = (direction: 'input' | 'output') => {
        const io = this.one(operation, direction, this.wsdl);
        const message = this.byName(this.root, 'message', this.wsdl, this.tnsName(io.attrs.message));
        const part = this.one(message, 'part', this.wsdl);
        const element = this.elements.get(this.tnsName(part.attrs.element));
        assert.ok(element, `${this.file}: no element ${part.attrs.element}`);
        const type = this.complexTypes.get(this.tnsName(element.attrs.type));
        assert.ok(type, `${this.file}: no complex type ${element.attrs.type}`);
        return { type, action: io.attrs[`${wsaw}:Action`] };
      };
      const input = typeOf('input');
      const output = typeOf('output');
      return {
        name: operation.attrs.name ?? '',
        request: input.type,
        response: output.type,
        inputAction: input.action,
        outputAction: output.action,
      };
    });
  }

  /** The local name of a QName in the target namespace. */
  tnsName(qname: string | undefined): string {
    assert.ok(qname, `${this.file}: missing reference`);
    const { namespace, name } = this.resolve(qname);
    assert.equal(namespace, this.root.attrs.targetNamespace, `${this.file}: ${qname} is not in the target namespace`);
    return name;
  }
}

// ---------------------------------------------------------------- WSDL types as JSON Schema

type Schema = Record<string, unknown>;

/**
 * The JSON Schema a named XSD type becomes:
 * s:int → integer; s:string → string; s:dateTime → date-time string; s:boolean → boolean;
 * s:anyURI → uri string; a simpleType restricting s:string → string with its maxLength or its
 * enumeration (in the WSDL's order); a complexType → fromComplexType. Anything else fails the test,
 * so a construct this translation does not know cannot pass unnoticed.
 */
function fromXsdType(wsdl: Wsdl, qname: string, where: string): Schema {
  const { namespace, name } = wsdl.resolve(qname);
  if (namespace === XSD) {
    const builtIn: Record<string, Schema> = {
      int: { type: 'integer' },
      string: { type: 'string' },
      dateTime: { type: 'string', format: 'date-time' },
      boolean: { type: 'boolean' },
      anyURI: { type: 'string', format: 'uri' },
    };
    const schema = builtIn[name];
    assert.ok(schema, `${where}: XSD type ${qname} has no translation`);
    return { ...schema };
  }
  assert.equal(namespace, wsdl.root.attrs.targetNamespace, `${where}: ${qname} in an unknown namespace`);
  const complex = wsdl.complexTypes.get(name);
  if (complex) return fromComplexType(wsdl, complex, `${where} (${name})`);
  const simple = wsdl.simpleTypes.get(name);
  assert.ok(simple, `${where}: no type ${qname}`);
  const restriction = wsdl.one(simple, 'restriction', wsdl.xs);
  assert.deepEqual(wsdl.resolve(restriction.attrs.base ?? ''), { namespace: XSD, name: 'string' }, `${where}: ${name} base`);
  const schema: Schema = { type: 'string' };
  const values: string[] = [];
  for (const facet of restriction.children) {
    const kind = wsdl.local(facet.tag, wsdl.xs);
    if (kind === 'enumeration') values.push(facet.attrs.value ?? '');
    else if (kind === 'maxLength') schema.maxLength = Number(facet.attrs.value);
    else assert.fail(`${where}: facet ${facet.tag} of ${name} has no translation`);
  }
  if (values.length > 0) schema.enum = values;
  return schema;
}

/**
 * The JSON Schema of a complex type: an object without additional properties whose properties are
 * - for a sequence: its elements in order; minOccurs ≥ 1 (the default) → required; maxOccurs
 *   "unbounded" or > 1 → an array of the element's type, with minItems = minOccurs when that is
 *   ≥ 1; an element's type is its `type` or its inline complexType;
 * - for simple content (the 1.5 MeterValue `value` element): the text as a required string
 *   property `value` marked `xml: 'text'`, then the attributes in order, marked `xml: 'attribute'`,
 *   required only if use="required".
 */
function fromComplexType(wsdl: Wsdl, complexType: XmlNode, where: string): Schema {
  const properties: Record<string, Schema> = {};
  const required: string[] = [];
  for (const part of complexType.children) {
    const kind = wsdl.local(part.tag, wsdl.xs);
    if (kind === 'annotation') continue;
    if (kind === 'sequence') {
      for (const element of part.children) {
        assert.equal(wsdl.local(element.tag, wsdl.xs), 'element', `${where}: ${element.tag} in a sequence has no translation`);
        const name = element.attrs.name;
        assert.ok(name, `${where}: element without a name`);
        assert.ok(!(name in properties), `${where}: ${name} twice`);
        const at = `${where}.${name}`;
        const minOccurs = Number(element.attrs.minOccurs ?? '1');
        const maxOccurs = element.attrs.maxOccurs ?? '1';
        const inline = element.children.filter((c) => wsdl.local(c.tag, wsdl.xs) === 'complexType');
        let schema: Schema;
        if (element.attrs.type) {
          assert.equal(inline.length, 0, `${at}: both a type and an inline type`);
          schema = fromXsdType(wsdl, element.attrs.type, at);
        } else {
          assert.equal(inline.length, 1, `${at}: no type`);
          schema = fromComplexType(wsdl, inline[0] as XmlNode, at);
        }
        if (maxOccurs === 'unbounded' || Number(maxOccurs) > 1) {
          schema = { type: 'array', items: schema };
          if (minOccurs >= 1) schema.minItems = minOccurs;
          if (maxOccurs !== 'unbounded') schema.maxItems = Number(maxOccurs);
        }
        properties[name] = schema;
        if (minOccurs >= 1) required.push(name);
      }
    } else if (kind === 'simpleContent') {
      const extension = wsdl.one(part, 'extension', wsdl.xs);
      properties.value = { ...fromXsdType(wsdl, extension.attrs.base ?? '', `${where} text`), xml: 'text' };
      required.push('value');
      for (const attribute of extension.children) {
        assert.equal(wsdl.local(attribute.tag, wsdl.xs), 'attribute', `${where}: ${attribute.tag} has no translation`);
        const name = attribute.attrs.name;
        assert.ok(name && !(name in properties), `${where}: attribute without a name, or twice`);
        assert.ok(attribute.attrs.type, `${where}.${name}: attribute without a type`);
        properties[name] = { ...fromXsdType(wsdl, attribute.attrs.type, `${where}@${name}`), xml: 'attribute' };
        if (attribute.attrs.use === 'required') required.push(name);
      }
    } else {
      assert.fail(`${where}: ${part.tag} in a complex type has no translation`);
    }
  }
  return { type: 'object', properties, required, additionalProperties: false };
}

/** A schema as plain data (TypeBox's symbols dropped), with `required` sorted and present. */
function comparable(schema: unknown): unknown {
  const copy = JSON.parse(JSON.stringify(schema)) as Schema;
  const clean = (s: Schema): void => {
    if (s.type === 'object') s.required = [...((s.required as string[] | undefined) ?? [])].sort();
    for (const sub of Object.values((s.properties ?? {}) as Record<string, Schema>)) clean(sub);
    if (s.items) clean(s.items as Schema);
  };
  clean(copy);
  return copy;
}

/** Every property of a schema as a path, depth first, in property order. */
function propertyOrder(schema: Schema, path = ''): string[] {
  const paths: string[] = [];
  for (const [key, sub] of Object.entries((schema.properties ?? {}) as Record<string, Schema>)) {
    paths.push(`${path}/${key}`, ...propertyOrder(sub, `${path}/${key}`));
  }
  if (schema.items) paths.push(...propertyOrder(schema.items as Schema, `${path}[]`));
  return paths;
}

// ---------------------------------------------------------------- the tests

const loaded = new Map<ServiceName, Wsdl>();
function wsdlOf(service: ServiceName): Wsdl {
  let wsdl = loaded.get(service);
  if (!wsdl) {
    const { file } = services[service];
    wsdl = new Wsdl(file, readFileSync(new URL(file, wsdlDir), 'utf8'));
    loaded.set(service, wsdl);
  }
  return wsdl;
}

test('the action records are exactly the operations of the two WSDLs', { skip }, () => {
  for (const [service, { namespace, actions }] of Object.entries(services) as [ServiceName, (typeof services)[ServiceName]][]) {
    const wsdl = wsdlOf(service);
    assert.equal(wsdl.root.attrs.targetNamespace, namespace);
    const operations = wsdl.operations();
    assert.deepEqual(Object.keys(actions).sort(), operations.map((o) => o.name).sort(), service);
    for (const { name, inputAction, outputAction } of operations) {
      assert.equal(actions[name]?.name, name);
      // WS-Addressing actions the SOAP codec relies on.
      assert.deepEqual([inputAction, outputAction], [`/${name}`, `/${name}Response`], `${service} ${name}`);
    }
  }
  assert.equal(Object.keys(centralSystemActions).length, 10);
  assert.equal(Object.keys(chargePointActions).length, 15);
  const all = new Set([...Object.keys(centralSystemActions), ...Object.keys(chargePointActions)]);
  assert.deepEqual(Object.keys(v15Actions).sort(), [...all].sort());
  for (const [name, action] of Object.entries(v15Actions)) assert.equal(action.name, name);
});

test('DataTransfer has identical types in both services, so one schema serves both', { skip }, () => {
  const find = (service: ServiceName) => {
    const wsdl = wsdlOf(service);
    const op = wsdl.operations().find((o) => o.name === 'DataTransfer');
    assert.ok(op);
    return {
      request: fromComplexType(wsdl, op.request, 'DataTransfer request'),
      response: fromComplexType(wsdl, op.response, 'DataTransfer response'),
    };
  };
  assert.deepEqual(find('CentralSystemService'), find('ChargePointService'));
  assert.equal(centralSystemActions.DataTransfer, chargePointActions.DataTransfer);
});

test('the translation of the MeterValue type is the one the 1.5 JSON convention describes', { skip }, () => {
  const wsdl = wsdlOf('CentralSystemService');
  const meterValue = wsdl.complexTypes.get('MeterValue');
  assert.ok(meterValue);
  const schema = fromComplexType(wsdl, meterValue, 'MeterValue');
  const reading = (schema.properties as Record<string, Schema>).value;
  assert.equal(reading?.type, 'array');
  assert.equal(reading?.minItems, 1);
  assert.deepEqual(Object.keys((reading?.items as Schema).properties as Schema), ['value', 'context', 'format', 'measurand', 'location', 'unit']);
  assert.deepEqual((reading?.items as Schema).required, ['value']);
  assert.deepEqual(schema.required, ['timestamp', 'value']);
});

for (const service of Object.keys(services) as ServiceName[]) {
  // Named here so that every operation gets its own test even before the file is read.
  for (const name of Object.keys(services[service].actions)) {
    for (const direction of ['request', 'response'] as const) {
      test(`${service} ${name} ${direction} agrees with the WSDL`, { skip }, () => {
        const wsdl = wsdlOf(service);
        const operation = wsdl.operations().find((o) => o.name === name);
        assert.ok(operation, `${name} is not an operation of ${service}`);
        const expected = fromComplexType(wsdl, operation[direction], `${name} ${direction}`);
        const action = services[service].actions[name] as OcppAction;
        const ours = (direction === 'request' ? action.request : action.response) as unknown as Schema;
        assert.deepEqual(propertyOrder(ours), propertyOrder(expected), 'property names and their order');
        assert.deepEqual(comparable(ours), comparable(expected));
      });
    }
  }
}
