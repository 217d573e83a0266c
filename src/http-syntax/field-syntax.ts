// The syntax of HTTP field names and values (RFC 9110 5.1, 5.5), shared by
// both sides of the proxy: the client-facing request parser and the
// backend-facing response parser and writer. Lookup tables and index
// ranges, so the parsers can check a head a character at a time without
// allocating.

/** tchar (RFC 9110 5.6.2): the characters of a token, such as a field name or a method. */
const TOKEN = new Uint8Array(256);
for (const c of "!#$%&'*+-.^_`|~") TOKEN[c.charCodeAt(0)] = 1;
for (let c = 48; c <= 57; c++) TOKEN[c] = 1;
for (let c = 65; c <= 90; c++) TOKEN[c] = 1;
for (let c = 97; c <= 122; c++) TOKEN[c] = 1;

/** A character code that may appear in a token. */
export function isTokenChar(c: number): boolean {
  return TOKEN[c] === 1;
}

/** s[from, to) is a non-empty token. */
export function isTokenRange(s: string, from: number, to: number): boolean {
  if (from >= to) return false;
  for (let i = from; i < to; i++) {
    if (TOKEN[s.charCodeAt(i)] !== 1) return false;
  }
  return true;
}

/** bytes[from, to) is a non-empty token: isTokenRange over the bytes a name was read from. */
export function isTokenBytes(bytes: Uint8Array, from: number, to: number): boolean {
  if (from >= to) return false;
  for (let i = from; i < to; i++) {
    if (TOKEN[bytes[i]!] !== 1) return false;
  }
  return true;
}

/** A field name is a token (RFC 9110 5.1). */
export function isFieldName(name: string): boolean {
  return isTokenRange(name, 0, name.length);
}

/**
 * s[from, to) holds no control character but tab (obs-text, bytes 0x80-0xFF,
 * is allowed): a CR, LF or NUL would break whatever frames the field next.
 */
export function isFieldValueRange(s: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09) || c === 0x7f) return false;
  }
  return true;
}

/**
 * bytes[from, to) holds no control character but tab: isFieldValueRange
 * over the bytes a value was read from, which costs a third of reading
 * the string's characters one at a time.
 */
export function isFieldValueBytes(bytes: Uint8Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = bytes[i]!;
    if ((c < 0x20 && c !== 0x09) || c === 0x7f) return false;
  }
  return true;
}

/** No control characters but tab in a field value. */
export function isFieldValue(value: string): boolean {
  return isFieldValueRange(value, 0, value.length);
}

/**
 * s[from, to) equals `lower` (lower-case ASCII) but for the case of its
 * letters, as field names, Connection options and transfer codings
 * compare; without allocating, unlike toLowerCase().
 */
export function equalsLowerCase(s: string, from: number, to: number, lower: string): boolean {
  if (to - from !== lower.length) return false;
  for (let i = from; i < to; i++) {
    let c = s.charCodeAt(i);
    if (c >= 65 && c <= 90) c += 32;
    if (c !== lower.charCodeAt(i - from)) return false;
  }
  return true;
}

/**
 * bytes[from, from + lower.length), a token's bytes, spell `lower`
 * (lower-case letters, digits and '-') but for the case of their letters:
 * a field name compared where it was read, without a string. Only in a
 * token does OR-ing 0x20 change nothing but a letter's case (a CR would
 * pass for '-').
 */
export function bytesEqualLowerCase(bytes: Uint8Array, from: number, lower: string): boolean {
  for (let i = 0; i < lower.length; i++) {
    if ((bytes[from + i]! | 0x20) !== lower.charCodeAt(i)) return false;
  }
  return true;
}

/** `s` equals `lower` (lower-case ASCII) but for the case of its letters; no allocation. */
export function equalsIgnoringCase(s: string, lower: string): boolean {
  return s === lower || equalsLowerCase(s, 0, s.length, lower);
}
