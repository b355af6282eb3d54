// Safe XML parsing into a small namespace-resolved tree (XmlElement), on fast-xml-parser.
//
// Safety, in order:
// 1. characters XML cannot hold are refused (one regular-expression pass);
// 2. a scan refuses any markup declaration (`<!DOCTYPE`, `<!ENTITY`, …) outside comments and
//    CDATA before the parser sees the text: with no DTD there is nothing to expand (no "billion
//    laughs") and nothing external to fetch (no XXE);
// 3. fast-xml-parser's validator checks well-formedness (its parser alone is lenient);
// 4. the parser runs with entity processing off, values kept as raw strings (no number or
//    boolean coercion, no trimming); this module then decodes exactly the five predefined
//    entities and numeric character references (escape.ts), and resolves namespace prefixes
//    by the xmlns declarations in scope at each element.
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { decodeReferences, describeChar, findInvalidXmlChar, XmlSyntaxError } from './escape.js';
import { SoapFault } from './fault.js';
import { XML_NS, XMLNS_NS } from './namespaces.js';

export interface XmlAttribute {
  /** Local name. */
  readonly name: string;
  /** '' for an unprefixed attribute (attributes take no default namespace). */
  readonly namespace: string;
  readonly value: string;
}

/** An element, namespace-resolved. Namespace declarations are in `scope`, not in `attributes`. */
export interface XmlElement {
  /** Local name. */
  readonly name: string;
  /** '' when the element is in no namespace. */
  readonly namespace: string;
  readonly attributes: readonly XmlAttribute[];
  /** Child elements in document order. */
  readonly children: readonly XmlElement[];
  /**
   * The character data directly inside this element (text and CDATA, references decoded,
   * comments left out), concatenated exactly: whitespace between child elements included.
   */
  readonly text: string;
  /** In-scope namespace bindings, prefix → namespace ('' is the default namespace). */
  readonly scope: ReadonlyMap<string, string>;
}

/** Deepest element nesting accepted (an OCPP 1.5 envelope needs 6). */
export const MAX_XML_DEPTH = 64;
/** Most attributes (namespace declarations included) one element may have (OCPP needs 5). */
export const MAX_XML_ATTRIBUTES = 256;

const limitExceeded = (detail: string) => new SoapFault('Sender', `limit exceeded: ${detail}`, { subcode: 'LimitExceeded' });

const notWellFormed = (detail: string, cause?: unknown) =>
  new SoapFault('Sender', `not well-formed XML: ${detail}`, { subcode: 'NotWellFormed', cause });

export const dtdNotAllowed = () =>
  new SoapFault('Sender', 'DTDs are not allowed (no <!DOCTYPE> or other markup declaration may appear)', {
    subcode: 'DtdNotAllowed',
  });

/**
 * A linear scan of the whole document, before any parsing: refuses markup declarations (every
 * '<' outside a comment, CDATA section or processing instruction is looked at, and `<!` there can
 * only be a DOCTYPE or a declaration inside one; the scan stops there without reading it);
 * checks what fast-xml-parser's validator lets through after a self-closing root element (exactly
 * one root element, nothing but whitespace, comments and processing instructions around it); and
 * enforces MAX_XML_DEPTH and MAX_XML_ATTRIBUTES, which keep the parser's work small.
 */
function scanDocument(xml: string): void {
  let depth = 0;
  let roots = 0;
  let textFrom = 0; // start of the character data since the last markup
  const outsideRoot = (from: number, to: number) => {
    if (depth === 0 && !isXmlWhitespace(xml.slice(from, to))) throw notWellFormed('text outside the root element');
  };
  let i = xml.indexOf('<');
  while (i !== -1) {
    outsideRoot(textFrom, i);
    let next: number;
    if (xml.startsWith('<!--', i)) {
      const end = xml.indexOf('-->', i + 4);
      if (end === -1) throw notWellFormed('comment is not closed');
      next = end + 3;
    } else if (xml.startsWith('<![CDATA[', i)) {
      if (depth === 0) throw notWellFormed('CDATA section outside the root element');
      const end = xml.indexOf(']]>', i + 9);
      if (end === -1) throw notWellFormed('CDATA section is not closed');
      next = end + 3;
    } else if (xml.startsWith('<?', i)) {
      const end = xml.indexOf('?>', i + 2);
      if (end === -1) throw notWellFormed('processing instruction is not closed');
      next = end + 2;
    } else if (xml.startsWith('<!', i)) {
      if (/^<!(DOCTYPE|ENTITY|ELEMENT|ATTLIST|NOTATION)/i.test(xml.slice(i, i + 10))) throw dtdNotAllowed();
      throw notWellFormed(`unexpected "${xml.slice(i, i + 12)}"`);
    } else {
      // A start, end or empty-element tag: its end is the first '>' outside quotes.
      let j = i + 1;
      let attributes = 0;
      for (;;) {
        const c = xml.charCodeAt(j);
        if (Number.isNaN(c)) throw notWellFormed('tag is not closed');
        if (c === 0x3e /* > */) break;
        if (c === 0x3d /* = */ && ++attributes > MAX_XML_ATTRIBUTES) {
          throw limitExceeded(`an element has more than ${MAX_XML_ATTRIBUTES} attributes`);
        }
        if (c === 0x22 /* " */ || c === 0x27 /* ' */) {
          const close = xml.indexOf(xml.charAt(j), j + 1);
          if (close === -1) throw notWellFormed('attribute value is not closed');
          j = close;
        }
        j++;
      }
      if (xml.charAt(i + 1) === '/') depth--;
      else {
        if (depth === 0 && ++roots > 1) throw notWellFormed('a document must have exactly one root element');
        if (xml.charAt(j - 1) !== '/' && ++depth > MAX_XML_DEPTH) {
          throw limitExceeded(`elements nested more than ${MAX_XML_DEPTH} deep`);
        }
      }
      if (depth < 0) throw notWellFormed('end tag without a start tag');
      next = j + 1;
    }
    textFrom = next;
    i = xml.indexOf('<', next);
  }
  outsideRoot(textFrom, xml.length);
  if (roots === 0) throw notWellFormed('no root element');
}

// Names in the parser's output get a '$' in front (never a character of an XML name), so no
// element name can collide with the parser's own keys or be mangled as a dangerous property name
// (constructor, __proto__, toString…); attributes get '@' for the same reason.
const TAG_MARK = '$';
const ATTR_MARK = '@';

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: ATTR_MARK,
  attributesGroupName: false,
  allowBooleanAttributes: false,
  removeNSPrefix: false,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  cdataPropName: '#cdata',
  commentPropName: false,
  processEntities: false,
  htmlEntities: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  transformTagName: (name) => (name.startsWith(TAG_MARK) ? name : TAG_MARK + name),
  maxNestedTags: MAX_XML_DEPTH + 1, // scanDocument enforces the limit first, with a clearer message
  stopNodes: [],
  unpairedTags: [],
});

type ParsedNode = Record<string, unknown>;

const initialScope: ReadonlyMap<string, string> = new Map([
  ['xml', XML_NS],
  ['', ''],
]);

function splitQName(qname: string): { prefix: string; local: string } {
  const colon = qname.indexOf(':');
  if (colon === -1) return { prefix: '', local: qname };
  const prefix = qname.slice(0, colon);
  const local = qname.slice(colon + 1);
  if (prefix === '' || local === '' || local.includes(':')) throw notWellFormed(`"${qname}" is not a valid qualified name`);
  return { prefix, local };
}

function tagOf(node: ParsedNode): string | undefined {
  for (const key of Object.keys(node)) if (key.startsWith(TAG_MARK)) return key.slice(TAG_MARK.length);
  return undefined;
}

function buildElement(node: ParsedNode, qname: string, parentScope: ReadonlyMap<string, string>): XmlElement {
  const rawAttributes = (node[':@'] ?? {}) as Record<string, unknown>;
  let scope = parentScope;
  const plain: { prefix: string; local: string; value: string }[] = [];
  for (const [key, raw] of Object.entries(rawAttributes)) {
    if (!key.startsWith(ATTR_MARK) || typeof raw !== 'string') throw notWellFormed(`unexpected attribute "${key}"`);
    const name = key.slice(ATTR_MARK.length);
    if (raw.includes('<')) throw notWellFormed(`'<' in the value of attribute "${name}"`);
    // Attribute-value normalisation (XML 1.0 §3.3.3): literal whitespace becomes a space, then
    // references are decoded (so &#10; stays a line feed).
    const value = decodeReferences(raw.replace(/[\t\n\r]/g, ' '));
    if (name === 'xmlns' || name.startsWith('xmlns:')) {
      const prefix = name === 'xmlns' ? '' : name.slice('xmlns:'.length);
      if (prefix === 'xmlns' || (prefix === 'xml') !== (value === XML_NS) || value === XMLNS_NS) {
        throw notWellFormed(`reserved namespace binding "${name}"`);
      }
      if (prefix !== '' && value === '') throw notWellFormed(`namespace prefix "${prefix}" bound to an empty name`);
      if (scope === parentScope) scope = new Map(parentScope);
      (scope as Map<string, string>).set(prefix, value);
    } else {
      plain.push({ ...splitQName(name), value });
    }
  }

  const resolve = (prefix: string, what: string) => {
    const namespace = scope.get(prefix);
    if (namespace === undefined) throw notWellFormed(`undeclared namespace prefix "${prefix}" in "${what}"`);
    return namespace;
  };
  const { prefix, local } = splitQName(qname);
  const namespace = resolve(prefix, qname);
  const attributes: XmlAttribute[] = [];
  const seen = new Set<string>();
  for (const a of plain) {
    const attributeNs = a.prefix === '' ? '' : resolve(a.prefix, `${a.prefix}:${a.local}`);
    const key = `{${attributeNs}}${a.local}`;
    if (seen.has(key)) throw notWellFormed(`attribute "${a.local}" repeated on <${qname}>`);
    seen.add(key);
    attributes.push({ name: a.local, namespace: attributeNs, value: a.value });
  }

  const children: XmlElement[] = [];
  let text = '';
  const content = node[TAG_MARK + qname];
  for (const child of Array.isArray(content) ? (content as ParsedNode[]) : []) {
    if (typeof child['#text'] === 'string') {
      text += decodeReferences(child['#text']);
    } else if (Array.isArray(child['#cdata'])) {
      for (const part of child['#cdata'] as ParsedNode[]) if (typeof part['#text'] === 'string') text += part['#text'];
    } else {
      const childTag = tagOf(child);
      if (childTag !== undefined) children.push(buildElement(child, childTag, scope));
    }
  }
  return { name: local, namespace, attributes, children, text, scope };
}

/**
 * Parses a whole document into its root element. Throws SoapFault (Sender): "not well-formed
 * XML: …" for anything that is not namespace-well-formed XML, "DTDs are not allowed" for a DTD.
 */
export function parseXml(xml: string): XmlElement {
  const input = xml.startsWith('\uFEFF') ? xml.slice(1) : xml;
  const bad = findInvalidXmlChar(input);
  if (bad !== undefined) throw notWellFormed(`character ${describeChar(bad)} is not allowed in XML`);
  scanDocument(input);
  const check = XMLValidator.validate(input, { allowBooleanAttributes: false });
  if (check !== true) {
    const where = check.err.col === undefined ? `line ${check.err.line}` : `line ${check.err.line}, column ${check.err.col}`;
    throw notWellFormed(`${check.err.msg} (${where})`);
  }
  let nodes: unknown;
  try {
    nodes = parser.parse(input);
  } catch (error) {
    throw notWellFormed(error instanceof Error ? error.message.slice(0, 200) : 'parser error', error);
  }
  const roots = (Array.isArray(nodes) ? (nodes as ParsedNode[]) : []).filter((n) => tagOf(n) !== undefined);
  const [root] = roots;
  if (root === undefined || roots.length !== 1) throw notWellFormed('a document must have exactly one root element');
  try {
    return buildElement(root, tagOf(root) as string, initialScope);
  } catch (error) {
    if (error instanceof XmlSyntaxError) throw notWellFormed(error.message, error);
    throw error;
  }
}

/** The value of the unqualified (or `namespace`-qualified) attribute `name`, or undefined. */
export function attributeOf(element: XmlElement, name: string, namespace = ''): string | undefined {
  return element.attributes.find((a) => a.name === name && a.namespace === namespace)?.value;
}

const isSpace = (code: number) => code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d;

/**
 * `text` without leading and trailing XML whitespace (space, tab, CR, LF), which is what XSD's
 * whitespace facet removes from numbers, booleans, dates and URIs. A loop, not a regular
 * expression: `\s+$` backtracks quadratically on long inner runs of spaces.
 */
export function trimXmlWhitespace(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && isSpace(text.charCodeAt(start))) start++;
  while (end > start && isSpace(text.charCodeAt(end - 1))) end--;
  return start === 0 && end === text.length ? text : text.slice(start, end);
}

export function isXmlWhitespace(text: string): boolean {
  return !/[^ \t\r\n]/.test(text);
}
