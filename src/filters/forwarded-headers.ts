// The forwarded-headers filter: the head sent upstream loses the client's
// hop-by-hop headers and gains X-Forwarded-For/-Proto/-Host/-Port and X-Request-Id;
// X-Forwarded-For is the incoming chain plus the peer when the peer is a
// trusted proxy, and the peer alone otherwise (a client's own copy is not
// passed on, as Traefik does for untrusted peers);
// the answer loses the backend's hop-by-hop headers and carries the request
// id. Both are one pass over flat raw header arrays ([name, value, ...]), so
// nothing is rebuilt into objects on the hot path. Every route has it.
import type { Exchange } from '../exchange/exchange.js';
import type { Filter } from '../exchange/phases.js';

/** Hop-by-hop headers (RFC 9110 7.6.1), plus ones undici refuses to forward. Trailer is end to end: trailers pass through. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'te',
  'transfer-encoding',
  'upgrade',
  'proxy-authenticate',
  'proxy-authorization',
  // Node's server answers 100-continue itself; the backend gets the body directly.
  'expect',
]);

/** Headers the proxy sets itself; a client's copies are replaced. */
const REPLACED_BY_PROXY = new Set(['x-forwarded-proto', 'x-forwarded-host', 'x-forwarded-port', 'x-forwarded-for', 'x-request-id']);

export interface ForwardFacts {
  /** The TCP peer, which X-Forwarded-For gains. */
  clientAddress: string;
  /** The peer is a trusted proxy: its X-Forwarded-For is kept and appended to. Default false: replaced. */
  keepForwardedFor?: boolean;
  proto: 'http' | 'https';
  requestId: string;
  /** The port the client connected to, when known. */
  port?: number;
  /** Host to send instead of the client's (the authority of an absolute-form target). */
  host?: string;
}

/** Extra names listed in Connection headers, which are hop-by-hop too. */
function connectionTokens(raw: readonly string[]): Set<string> | undefined {
  let tokens: Set<string> | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i]!.length === 10 && raw[i]!.toLowerCase() === 'connection') {
      for (const part of raw[i + 1]!.split(',')) {
        const name = part.trim().toLowerCase();
        if (name !== '' && name !== 'close' && name !== 'keep-alive') (tokens ??= new Set()).add(name);
      }
    }
  }
  return tokens;
}

/**
 * Headers to send upstream: hop-by-hop removed, Host kept (or replaced by
 * `facts.host`), X-Forwarded-For appended to (or replaced, from an untrusted
 * peer), X-Forwarded-Proto/Host/Port and
 * X-Request-Id set.
 */
export function upstreamRequestHeaders(raw: readonly string[], facts: ForwardFacts): string[] {
  const listed = connectionTokens(raw);
  const out: string[] = [];
  let forwardedFor: string | undefined;
  let host = facts.host;
  if (host !== undefined) out.push('host', host);
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    const lower = name.toLowerCase();
    if (HOP_BY_HOP.has(lower) || listed?.has(lower)) continue;
    if (REPLACED_BY_PROXY.has(lower)) {
      if (lower === 'x-forwarded-for' && facts.keepForwardedFor === true) forwardedFor = forwardedFor === undefined ? raw[i + 1] : `${forwardedFor}, ${raw[i + 1]}`;
      continue;
    }
    if (lower === 'host') {
      if (facts.host !== undefined) continue;
      host = raw[i + 1];
    }
    out.push(name, raw[i + 1]!);
  }
  out.push(
    'x-forwarded-for',
    forwardedFor === undefined ? facts.clientAddress : `${forwardedFor}, ${facts.clientAddress}`,
    'x-forwarded-proto',
    facts.proto,
    'x-request-id',
    facts.requestId,
  );
  if (host !== undefined) out.push('x-forwarded-host', host);
  if (facts.port !== undefined) out.push('x-forwarded-port', String(facts.port));
  return out;
}

/** Name lengths of the hop-by-hop headers and x-request-id: other names skip the lowercase lookup. */
const RESPONSE_CHECKED_LENGTHS = new Set([...HOP_BY_HOP, 'x-request-id'].map((n) => n.length));

/**
 * Response headers from the backend as a flat string array for
 * `res.writeHead`, hop-by-hop removed, with X-Request-Id added.
 */
export function clientResponseHeaders(raw: readonly string[], requestId: string): string[] {
  const out: string[] = [];
  let sawRequestId = false;
  /** A Connection header that may list further hop-by-hop names. */
  let sawConnection = false;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    if (RESPONSE_CHECKED_LENGTHS.has(name.length)) {
      const lower = name.toLowerCase();
      if (HOP_BY_HOP.has(lower)) {
        if (lower === 'connection' && !sawConnection) {
          const value = raw[i + 1]!;
          // Plain "keep-alive" or "close" lists no other header names.
          sawConnection = value.length !== 10 && value.length !== 5 ? true : !/^(keep-alive|close)$/i.test(value);
        }
        continue;
      }
      if (lower === 'x-request-id') sawRequestId = true;
    }
    out.push(name, raw[i + 1]!);
  }
  if (!sawRequestId) out.push('x-request-id', requestId);
  if (!sawConnection) return out;
  // Names listed in Connection are hop-by-hop too (rare: filter a second time).
  const listed = connectionTokens(raw);
  if (listed === undefined) return out;
  const kept: string[] = [];
  for (let i = 0; i < out.length; i += 2) {
    if (!listed.has(out[i]!.toLowerCase())) kept.push(out[i]!, out[i + 1]!);
  }
  return kept;
}

export class ForwardedHeaders implements Filter {
  readonly name = 'forwarded-headers';

  onUpstreamRequest(ex: Exchange): void {
    ex.upstreamHeaders = upstreamRequestHeaders(ex.downstream.rawHeaders, {
      clientAddress: ex.peerAddress,
      keepForwardedFor: ex.peerTrusted,
      proto: ex.downstream.secure ? 'https' : 'http',
      requestId: ex.requestId,
      port: ex.downstream.localPort,
      host: ex.head.authority,
    });
  }

  onResponse(ex: Exchange): void {
    ex.responseHeaders = clientResponseHeaders(ex.responseHeaders, ex.requestId);
  }
}
