// Strict text ⇄ bytes decoders. Buffer.from(text, 'hex' | 'base64') silently skips what it cannot
// read, so a damaged value would decode to other bytes; these refuse instead (null).

const HEX = /^(?:[0-9a-fA-F]{2})+$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{2,3})?$/;
const BASE64URL = /^[A-Za-z0-9_-]+={0,2}$/;

export function decodeHex(text: string): Buffer | null {
  return HEX.test(text) ? Buffer.from(text, 'hex') : null;
}

/** Standard base64 (padding optional) or base64url; null for anything else or nothing. */
export function decodeBase64(text: string): Buffer | null {
  if (text.length === 0) return null;
  if (BASE64.test(text)) return Buffer.from(text, 'base64');
  if (BASE64URL.test(text) && text.length % 4 !== 1) return Buffer.from(text, 'base64url');
  return null;
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Bytes as UTF-8 text, or null when they are not valid UTF-8. Valid UTF-8 round-trips exactly, so
 * the text's UTF-8 encoding is again the bytes received (what a signature covers).
 */
export function decodeUtf8(bytes: Uint8Array): string | null {
  try {
    return utf8.decode(bytes);
  } catch {
    return null;
  }
}

/** Printable ASCII (and whitespace) only: decoded bytes that are text, not binary key material. */
export function isPrintableAscii(bytes: Uint8Array): boolean {
  if (bytes.length === 0) return false;
  for (const b of bytes) {
    if (!((b >= 0x20 && b <= 0x7e) || b === 0x09 || b === 0x0a || b === 0x0d)) return false;
  }
  return true;
}
