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
