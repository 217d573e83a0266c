// The request limits that a head alone decides (maxUrlBytes, maxHeaderBytes),
// measured the same way for every protocol and wherever they are set: a
// listener's limits before routing (serve.ts), a route's limits middleware
// in onRequest (filters/limits.ts). Body limits are the lifecycle's: it
// enforces them while the body streams (lifecycle.ts).
import type { ErrorKind } from './errors.js';

export interface HeadLimits {
  readonly maxUrlBytes?: number;
  readonly maxHeaderBytes?: number;
}

/**
 * The header fields' size: every name's and value's bytes summed, without
 * the ': ' and CRLF around them. The head is decoded one byte to one char
 * (latin1), so lengths are bytes.
 */
export function headerFieldBytes(raw: readonly string[]): number {
  let n = 0;
  for (let i = 0; i < raw.length; i++) n += raw[i]!.length;
  return n;
}

/** Which head limit `target` (as routed) and `raw` break, with what was measured; undefined when none. */
export function headLimitExceeded(limits: HeadLimits, target: string, raw: readonly string[]): { kind: ErrorKind; detail: string } | undefined {
  const maxUrl = limits.maxUrlBytes;
  if (maxUrl !== undefined && target.length > maxUrl) return { kind: 'url_too_long', detail: `${target.length} bytes, at most ${maxUrl}` };
  const maxHeader = limits.maxHeaderBytes;
  if (maxHeader !== undefined) {
    const size = headerFieldBytes(raw);
    if (size > maxHeader) return { kind: 'headers_too_large', detail: `${size} bytes of header fields, at most ${maxHeader}` };
  }
  return undefined;
}
