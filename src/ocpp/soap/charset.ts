// The text of a SOAP message's bytes, read in the charset the message declares. Three places may
// declare it: the HTTP Content-Type's charset parameter, a byte order mark, and the XML
// declaration's encoding. Those present must agree, or read the bytes as the same text (an ASCII
// body is the same text in UTF-8, ISO-8859-1 and US-ASCII); the first of them, in that order, is
// read with; none: UTF-8, as SOAP 1.2's HTTP binding says. Decoding is strict: bytes not valid in the
// charset are refused, never replaced by U+FFFD (which would store another id tag than was sent).
import { SoapFault } from './fault.js';

/** Where a message named its charset, as the faults say it. */
type CharsetSource = 'the Content-Type' | 'the byte order mark' | 'the XML declaration';

interface NamedCharset {
  /** As the message wrote it. */
  label: string;
  /** Lower case; ISO-8859-1 and US-ASCII as IANA registers them, the rest as TextDecoder names them. */
  name: string;
  source: CharsetSource;
}

/** IANA's labels of ISO-8859-1 (lower case): read byte for byte, not as WHATWG's windows-1252, which TextDecoder gives for them. */
const LATIN1_LABELS = new Set(['iso-8859-1', 'iso_8859-1', 'iso_8859-1:1987', 'iso-ir-100', 'latin1', 'l1', 'ibm819', 'cp819', 'csisolatin1']);
/** IANA's labels of US-ASCII (lower case): bytes above 0x7F are refused, not read as windows-1252. */
const ASCII_LABELS = new Set(['us-ascii', 'ascii', 'ansi_x3.4-1968', 'ansi_x3.4-1986', 'iso-ir-6', 'iso_646.irv:1991', 'iso646-us', 'us', 'ibm367', 'cp367', 'csascii']);
/** UTF-16 with its byte order left to the byte order mark (TextDecoder would take it as little-endian). */
const UTF16 = 'utf-16';

const unknownCharset = (label: string, source: CharsetSource) =>
  new SoapFault('Sender', `the charset "${label}" named by ${source} is not one Tomada can read`, { subcode: 'UnknownCharset' });

/** The charset a label names, or a fault naming the label when Tomada cannot read it. */
function charsetNamed(label: string, source: CharsetSource): NamedCharset {
  const lower = label.toLowerCase();
  if (LATIN1_LABELS.has(lower)) return { label, name: 'iso-8859-1', source };
  if (ASCII_LABELS.has(lower)) return { label, name: 'us-ascii', source };
  if (lower === UTF16) return { label, name: UTF16, source };
  try {
    return { label, name: new TextDecoder(lower).encoding, source };
  } catch {
    throw unknownCharset(label, source);
  }
}

/** The Content-Type's charset parameter (quoted or not), when it has one. */
function contentTypeCharset(contentType: string | undefined): string | undefined {
  const match = /;\s*charset\s*=\s*(?:"([^"]*)"|([^\s;"]+))/i.exec(contentType ?? '');
  return match ? (match[1] ?? match[2]) : undefined;
}

/** The byte order mark's charset and length, when the bytes begin with one. */
function byteOrderMark(bytes: Uint8Array): { charset: string; length: number } | undefined {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return { charset: 'utf-8', length: 3 };
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return { charset: 'utf-16be', length: 2 };
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return { charset: 'utf-16le', length: 2 };
  return undefined;
}

/**
 * The byte order the text's first character `<` is written in (XML 1.0, appendix F): UTF-16
 * little- or big-endian, or undefined for one byte per ASCII character (UTF-8, ISO-8859-1, …).
 */
function utf16OrderOfFirstChar(bytes: Uint8Array): 'utf-16le' | 'utf-16be' | undefined {
  if (bytes[0] === 0x3c && bytes[1] === 0x00) return 'utf-16le';
  if (bytes[0] === 0x00 && bytes[1] === 0x3c) return 'utf-16be';
  return undefined;
}

/** Its first bytes as the XML declaration is written in them: ASCII characters, one or two bytes each. */
function declarationText(bytes: Uint8Array): string {
  const head = Buffer.from(bytes.subarray(0, 256));
  const order = utf16OrderOfFirstChar(head);
  if (order === undefined) return head.toString('latin1');
  // Buffer reads only little-endian UTF-16; swapping a copy reads big-endian.
  const even = head.subarray(0, head.length - (head.length % 2));
  return order === 'utf-16le' ? even.toString('utf16le') : Buffer.from(even).swap16().toString('utf16le');
}

/** The XML declaration's encoding, when the bytes (after any byte order mark) begin with one that names it. */
function declarationCharset(bytes: Uint8Array): string | undefined {
  const match = /^<\?xml[ \t\r\n]+version[ \t\r\n]*=[ \t\r\n]*(["'])[^"']*\1[ \t\r\n]+encoding[ \t\r\n]*=[ \t\r\n]*(["'])([A-Za-z][A-Za-z0-9._-]*)\2/.exec(
    declarationText(bytes),
  );
  return match?.[3];
}

/** Whether two named charsets are one: equal, or UTF-16 without a byte order and one with it. */
function sameCharset(a: NamedCharset, b: NamedCharset): boolean {
  if (a.name === b.name) return true;
  const orderless = a.name === UTF16 ? b : b.name === UTF16 ? a : undefined;
  return orderless !== undefined && (orderless.name === 'utf-16le' || orderless.name === 'utf-16be');
}

/** The charsets the message names, in the order they decide: the Content-Type's, the byte order mark's, the declaration's. */
function namedCharsets(bytes: Uint8Array, contentType: string | undefined): NamedCharset[] {
  const named: NamedCharset[] = [];
  const declared = contentTypeCharset(contentType);
  if (declared !== undefined) named.push(charsetNamed(declared, 'the Content-Type'));
  const mark = byteOrderMark(bytes);
  if (mark) named.push(charsetNamed(mark.charset, 'the byte order mark'));
  const declaration = declarationCharset(mark ? bytes.subarray(mark.length) : bytes);
  if (declaration !== undefined) named.push(charsetNamed(declaration, 'the XML declaration'));
  return named;
}

/** Decodes the bytes strictly in the charset; throws on a byte sequence not valid in it. */
function decodeStrictly(bytes: Uint8Array, name: string): string {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (name === 'iso-8859-1') return buffer.toString('latin1');
  if (name === 'us-ascii') {
    if (buffer.some((byte) => byte > 0x7f)) throw new TypeError('a byte above 0x7F');
    return buffer.toString('latin1');
  }
  const order = name === UTF16 ? (byteOrderMark(bytes)?.charset ?? utf16OrderOfFirstChar(bytes) ?? 'utf-16be') : name;
  // The byte order mark of UTF-8 and UTF-16 is left out of the text (TextDecoder's default).
  return new TextDecoder(order, { fatal: true }).decode(bytes);
}

/**
 * The text each of the named charsets reads the bytes as, when they all read them, and as the same
 * text; undefined otherwise.
 */
function readAlike(bytes: Uint8Array, named: readonly NamedCharset[]): string | undefined {
  let text: string | undefined;
  for (const { name } of named) {
    let read: string;
    try {
      read = decodeStrictly(bytes, name);
    } catch {
      return undefined;
    }
    if (text !== undefined && read !== text) return undefined;
    text = read;
  }
  return text;
}

/**
 * The text of a message body, read in the charset it declares (see the top of this file).
 * Throws a Sender SoapFault: UnknownCharset (a charset Tomada cannot read), CharsetMismatch (two
 * places name different charsets, which read the bytes differently), InvalidCharacterEncoding
 * (bytes not valid in the charset).
 */
export function decodeBodyText(bytes: Uint8Array, contentType: string | undefined): string {
  const named = namedCharsets(bytes, contentType);
  const [charset, ...others] = named;
  const disagreeing = charset && others.find((other) => !sameCharset(charset, other));
  if (charset && disagreeing) {
    // Names that differ but read the bytes alike say one text: a stack writing its HTTP header's
    // charset (ISO-8859-1, US-ASCII) apart from its XML declaration (UTF-8) sends an ASCII body
    // that no reading can mistake. Refused, every message of that charge point was refused.
    const alike = readAlike(bytes, named);
    if (alike !== undefined) return alike;
    throw new SoapFault('Sender', `${charset.source} names the charset "${charset.label}" and ${disagreeing.source} names "${disagreeing.label}"`, {
      subcode: 'CharsetMismatch',
    });
  }
  const name = charset?.name ?? 'utf-8';
  try {
    return decodeStrictly(bytes, name);
  } catch (error) {
    const declared = charset ? `the charset "${charset.label}" named by ${charset.source}` : 'UTF-8, the charset of a message that names none (SOAP 1.2 HTTP binding)';
    throw new SoapFault('Sender', `the body is not valid text in ${declared}`, { subcode: 'InvalidCharacterEncoding', cause: error });
  }
}
