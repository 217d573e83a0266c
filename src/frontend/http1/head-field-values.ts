// The values of the request header fields the HTTP/1.1 request parser acts
// on itself, since they frame the body or pick the route: Content-Length,
// Transfer-Encoding, Connection and Host. Each reader is strict where a
// lenient reading could frame a message differently from the next hop.
import { equalsLowerCase, isTokenChar } from '../../http-syntax/field-syntax.js';

const SP = 32;
const HT = 9;
const COMMA = 44;
const SEMICOLON = 59;
const COLON = 58;
const OPEN_BRACKET = 91;

/** A Content-Length value (1*DIGIT) as a byte count; -1 when it is not one, or not a safe integer. */
export function contentLengthValue(value: string): number {
  const n = value.length;
  // 16 digits reach 10^16, past Number.MAX_SAFE_INTEGER: checked exactly below.
  if (n === 0 || n > 16) return -1;
  let result = 0;
  for (let i = 0; i < n; i++) {
    const d = value.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    result = result * 10 + d;
  }
  return result > Number.MAX_SAFE_INTEGER ? -1 : result;
}

/** What a Transfer-Encoding field value (all its lines joined) means for a request. */
export const enum TransferCodings {
  /** `chunked` alone: the one framing fairway reads. */
  Chunked = 0,
  /** Not a list of codings (an empty element, a stray character, parameters on chunked). */
  Malformed = 1,
  /** The last coding is not chunked, or chunked comes twice: no reliable length (400, RFC 9112 6.3). */
  NotChunkedLast = 2,
  /** chunked last, after codings fairway does not decode (501, RFC 9112 6.1). */
  Unsupported = 3,
}

/**
 * Reads `transfer-coding *( OWS "," OWS transfer-coding )`, each coding a
 * token with optional `;` parameters. Empty list elements, which RFC 9110
 * 5.6.1 lets recipients skip, are refused: nothing legitimate sends them
 * here, and a reader that skips them differently from the next hop could
 * see chunked where it sees none.
 */
export function transferCodingsOf(value: string): TransferCodings {
  const n = value.length;
  let chunkedCount = 0;
  let lastIsChunked = false;
  let others = false;
  let i = 0;
  for (;;) {
    while (i < n && (value.charCodeAt(i) === SP || value.charCodeAt(i) === HT)) i++;
    const start = i;
    while (i < n && isTokenChar(value.charCodeAt(i))) i++;
    if (i === start) return TransferCodings.Malformed;
    const chunked = equalsLowerCase(value, start, i, 'chunked');
    while (i < n && (value.charCodeAt(i) === SP || value.charCodeAt(i) === HT)) i++;
    if (i < n && value.charCodeAt(i) === SEMICOLON) {
      // Parameters belong to codings fairway does not decode anyway; chunked has none.
      if (chunked) return TransferCodings.Malformed;
      while (i < n && value.charCodeAt(i) !== COMMA) i++;
    }
    if (chunked) chunkedCount++;
    else others = true;
    lastIsChunked = chunked;
    if (i === n) break;
    if (value.charCodeAt(i) !== COMMA) return TransferCodings.Malformed;
    i++;
  }
  if (!lastIsChunked || chunkedCount > 1) return TransferCodings.NotChunkedLast;
  return others ? TransferCodings.Unsupported : TransferCodings.Chunked;
}

/** Connection options the parser acts on, as bits. */
export const enum ConnectionOption {
  Close = 1,
  KeepAlive = 2,
  Upgrade = 4,
}

/** The options of a Connection field value (a comma list of tokens, any case); others are ignored. */
export function connectionOptions(value: string): number {
  let options = 0;
  const n = value.length;
  let i = 0;
  while (i < n) {
    let end = value.indexOf(',', i);
    if (end === -1) end = n;
    let from = i;
    let to = end;
    while (from < to && (value.charCodeAt(from) === SP || value.charCodeAt(from) === HT)) from++;
    while (to > from && (value.charCodeAt(to - 1) === SP || value.charCodeAt(to - 1) === HT)) to--;
    if (equalsLowerCase(value, from, to, 'close')) options |= ConnectionOption.Close;
    else if (equalsLowerCase(value, from, to, 'keep-alive')) options |= ConnectionOption.KeepAlive;
    else if (equalsLowerCase(value, from, to, 'upgrade')) options |= ConnectionOption.Upgrade;
    i = end + 1;
  }
  return options;
}

/** What Expect field values ask for (RFC 9110 10.1.1), as bits: several lines are or-ed. */
export const enum Expectation {
  None = 0,
  Continue = 1,
  /** Anything but 100-continue, the one expectation defined: 417. */
  Other = 2,
}

/**
 * Reads `#expectation`. Each element must be 100-continue (any case, no
 * parameters, since none are defined); empty elements are skipped, as RFC
 * 9110 5.6.1 lets recipients.
 */
export function expectationOf(value: string): Expectation {
  if (value === '100-continue') return Expectation.Continue;
  let result = Expectation.None;
  const n = value.length;
  let i = 0;
  while (i < n) {
    let end = value.indexOf(',', i);
    if (end === -1) end = n;
    let from = i;
    let to = end;
    while (from < to && (value.charCodeAt(from) === SP || value.charCodeAt(from) === HT)) from++;
    while (to > from && (value.charCodeAt(to - 1) === SP || value.charCodeAt(to - 1) === HT)) to--;
    if (equalsLowerCase(value, from, to, '100-continue')) result |= Expectation.Continue;
    else if (to > from) return Expectation.Other;
    i = end + 1;
  }
  return result;
}

/**
 * The characters of a reg-name or IPv4 host (RFC 3986 3.2.2: unreserved,
 * sub-delims, pct-encoded); inside an IP literal's brackets `:` too.
 */
const REG_NAME = new Uint8Array(256);
for (const c of "-._~!$&'()*+,;=%") REG_NAME[c.charCodeAt(0)] = 1;
for (let c = 48; c <= 57; c++) REG_NAME[c] = 1;
for (let c = 65; c <= 90; c++) REG_NAME[c] = 1;
for (let c = 97; c <= 122; c++) REG_NAME[c] = 1;
const IP_LITERAL = REG_NAME.slice();
IP_LITERAL[COLON] = 1;

/**
 * A Host value that routing may read as a host: empty (allowed, RFC 9112
 * 3.2) or `uri-host [ ":" port ]`, so no space, slash, `@`, `?` or `#` can
 * make the router and the backend see two different hosts, nor a second
 * colon or a bad port two different ports ("a:1:2" is host "a:1" to the
 * router, "a" to a backend that cuts at the first colon). An empty port is
 * allowed (RFC 3986 3.2.3); one past 65535 is not. RFC 9110 7.2
 * asks for 400 on an invalid Host.
 */
export function isHostValue(value: string): boolean {
  const n = value.length;
  let i = 0;
  if (n > 0 && value.charCodeAt(0) === OPEN_BRACKET) {
    const close = value.indexOf(']');
    if (close < 2) return false;
    for (i = 1; i < close; i++) if (IP_LITERAL[value.charCodeAt(i)] !== 1) return false;
    i = close + 1;
  } else {
    while (i < n && REG_NAME[value.charCodeAt(i)] === 1) i++;
  }
  if (i === n) return true;
  if (value.charCodeAt(i) !== COLON) return false;
  // A port past 65535 names no TCP port, and a backend that reads it into a
  // 16- or 32-bit integer would wrap it to another one.
  let port = 0;
  for (i++; i < n; i++) {
    const c = value.charCodeAt(i);
    if (c < 48 || c > 57) return false;
    port = port * 10 + (c - 48);
    if (port > 65535) return false;
  }
  return true;
}
