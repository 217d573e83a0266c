// How much of a client's request head the HTTP/1.1 request parser reads
// before refusing it. The defaults follow what clients already meet behind
// node:http (a 16 KiB head) and Apache httpd (8 KiB request line, 100
// fields), so moving off node:http refuses nothing that passed before but
// the field count.

export interface RequestLimits {
  /** Longest request line, CRLF not counted; longer → 414. */
  maxRequestLineBytes: number;
  /** Largest head from the request line to its closing empty line; larger → 431. Also bounds a chunked body's trailer section. */
  maxHeadBytes: number;
  /** Most header fields in a head (and trailer fields after a chunked body); more → 431. */
  maxHeaderFields: number;
  /** Longest chunk extension (after the chunk size, before CRLF); longer → 400. */
  maxChunkExtensionBytes: number;
}

export const DEFAULT_REQUEST_LIMITS: Readonly<RequestLimits> = Object.freeze({
  maxRequestLineBytes: 8 * 1024,
  maxHeadBytes: 16 * 1024,
  maxHeaderFields: 100,
  maxChunkExtensionBytes: 4 * 1024,
});

/** Room on a request line around its target: the method (methods longer than this are rare), two spaces and HTTP/1.1. */
const REQUEST_LINE_ROOM = 64;
/** What a header line adds to its name and value: ': ' and CRLF. */
const FIELD_LINE_ROOM = 4;

/**
 * The parser's bounds under a listener's maxUrlBytes and maxHeaderBytes:
 * wide enough that the listener's limit, checked by the exchange on the
 * parsed head (exchange/head-limits.ts, one measure for every protocol), is
 * the one a client meets, and never narrower than the defaults, so setting
 * a limit refuses nothing else that passed before. Undefined when neither
 * is set (the defaults).
 */
export function requestLimitsFor(maxUrlBytes: number | undefined, maxHeaderBytes: number | undefined): RequestLimits | undefined {
  if (maxUrlBytes === undefined && maxHeaderBytes === undefined) return undefined;
  const d = DEFAULT_REQUEST_LIMITS;
  const line = maxUrlBytes === undefined ? d.maxRequestLineBytes : Math.max(d.maxRequestLineBytes, maxUrlBytes + REQUEST_LINE_ROOM);
  const fields = maxHeaderBytes === undefined ? d.maxHeadBytes : maxHeaderBytes + FIELD_LINE_ROOM * d.maxHeaderFields;
  return { ...d, maxRequestLineBytes: line, maxHeadBytes: Math.max(d.maxHeadBytes, line + 2 + fields + 2) };
}
