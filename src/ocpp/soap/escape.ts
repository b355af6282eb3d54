// XML character rules, both ways: escaping text and attribute values on output, and decoding the
// references an XML document without a DTD may hold (the five predefined entities and numeric
// character references) on input. Nothing else is ever expanded.

/** A character XML 1.0 cannot carry at all, not even as a character reference (XML 1.0 §2.2). */
const invalidXmlChar = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

/** The first character of `text` that XML 1.0 cannot represent, or undefined. */
export function findInvalidXmlChar(text: string): string | undefined {
  const match = invalidXmlChar.exec(text);
  return match ? match[0] : undefined;
}

/** A character as `U+XXXX` for messages. */
export function describeChar(char: string): string {
  return `U+${(char.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
}

/**
 * Escapes element text. `>` is escaped too (so `]]>` can never appear) and CR is written as a
 * reference, since a parser normalises a literal CR to LF (XML 1.0 §2.11).
 */
export function escapeText(text: string): string {
  return text.replace(/[&<>\r]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : '&#13;'));
}

const attributeEscapes: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
  // A parser replaces literal tab, CR and LF in an attribute value by spaces (XML 1.0 §3.3.3).
  '\t': '&#9;',
  '\n': '&#10;',
  '\r': '&#13;',
};

/** Escapes an attribute value for a double- or single-quoted attribute. */
export function escapeAttribute(value: string): string {
  return value.replace(/[&<>"'\t\n\r]/g, (c) => attributeEscapes[c] ?? c);
}

const predefined: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/** Thrown by decodeReferences; the caller turns it into a "not well-formed" fault. */
export class XmlSyntaxError extends Error {
  override name = 'XmlSyntaxError';
}

/**
 * Replaces the five predefined entities and numeric character references of raw text or raw
 * attribute value text. Any other `&…;` is an undeclared entity, and a lone `&` is not allowed:
 * both are well-formedness errors (there is no DTD to declare entities; DTDs are refused).
 */
export function decodeReferences(raw: string): string {
  if (!raw.includes('&')) return raw;
  return raw.replace(/&([^;&\s]*);?/g, (whole, name: string) => {
    if (!whole.endsWith(';')) throw new XmlSyntaxError(`'&' not followed by a reference: "${whole.slice(0, 20)}"`);
    if (Object.hasOwn(predefined, name)) return predefined[name] as string;
    let code: number | undefined;
    if (/^#[0-9]{1,7}$/.test(name)) code = Number.parseInt(name.slice(1), 10);
    else if (/^#x[0-9a-fA-F]{1,6}$/.test(name)) code = Number.parseInt(name.slice(2), 16);
    if (code === undefined) throw new XmlSyntaxError(`undeclared entity reference "&${name.slice(0, 20)};"`);
    if (code > 0x10ffff) throw new XmlSyntaxError(`character reference "&${name};" is out of range`);
    const char = String.fromCodePoint(code);
    if (findInvalidXmlChar(char) !== undefined) {
      throw new XmlSyntaxError(`character reference "&${name};" is not a legal XML character`);
    }
    return char;
  });
}
