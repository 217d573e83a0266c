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
import { equalsIgnoringCase } from '../http-syntax/field-syntax.js';

/** What a header name is to this filter. */
const enum Field {
  Other,
  /** Hop-by-hop (RFC 9110 7.6.1), plus ones undici refuses to forward. Trailer is end to end: trailers pass through. */
  HopByHop,
  /** Connection: hop-by-hop, and it may name further hop-by-hop headers. */
  Connection,
  Host,
  /** Set by the proxy itself; a client's copies are replaced. */
  ForwardedFor,
  ReplacedByProxy,
  RequestId,
}

/**
 * Classifies a name by its length first, comparing without a lower-case
 * copy: most names of a head are none of these, and a copy per name was a
 * measurable part of a small request's time.
 */
function fieldOf(name: string): Field {
  switch (name.length) {
    case 2:
      return equalsIgnoringCase(name, 'te') ? Field.HopByHop : Field.Other;
    case 4:
      return equalsIgnoringCase(name, 'host') ? Field.Host : Field.Other;
    case 6:
      // Node's server answered 100-continue itself; the backend gets the body directly.
      return equalsIgnoringCase(name, 'expect') ? Field.HopByHop : Field.Other;
    case 7:
      return equalsIgnoringCase(name, 'upgrade') ? Field.HopByHop : Field.Other;
    case 10:
      if (equalsIgnoringCase(name, 'connection')) return Field.Connection;
      return equalsIgnoringCase(name, 'keep-alive') ? Field.HopByHop : Field.Other;
    case 12:
      return equalsIgnoringCase(name, 'x-request-id') ? Field.RequestId : Field.Other;
    case 15:
      return equalsIgnoringCase(name, 'x-forwarded-for') ? Field.ForwardedFor : Field.Other;
    case 16:
      if (equalsIgnoringCase(name, 'proxy-connection')) return Field.HopByHop;
      return equalsIgnoringCase(name, 'x-forwarded-host') || equalsIgnoringCase(name, 'x-forwarded-port') ? Field.ReplacedByProxy : Field.Other;
    case 17:
      if (equalsIgnoringCase(name, 'transfer-encoding')) return Field.HopByHop;
      return equalsIgnoringCase(name, 'x-forwarded-proto') ? Field.ReplacedByProxy : Field.Other;
    case 18:
      return equalsIgnoringCase(name, 'proxy-authenticate') ? Field.HopByHop : Field.Other;
    case 19:
      return equalsIgnoringCase(name, 'proxy-authorization') ? Field.HopByHop : Field.Other;
    default:
      return Field.Other;
  }
}

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
    if (raw[i]!.length === 10 && equalsIgnoringCase(raw[i]!, 'connection')) {
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
    const field = fieldOf(name);
    if (field === Field.HopByHop || field === Field.Connection) continue;
    if (listed !== undefined && listed.has(name.toLowerCase())) continue;
    if (field === Field.ForwardedFor) {
      if (facts.keepForwardedFor === true) forwardedFor = forwardedFor === undefined ? raw[i + 1] : `${forwardedFor}, ${raw[i + 1]}`;
      continue;
    }
    if (field === Field.ReplacedByProxy || field === Field.RequestId) continue;
    if (field === Field.Host) {
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
    const field = fieldOf(name);
    if (field === Field.HopByHop) continue;
    if (field === Field.Connection) {
      const value = raw[i + 1]!;
      // Plain "keep-alive" or "close" lists no other header names.
      if (!sawConnection) sawConnection = !equalsIgnoringCase(value, 'keep-alive') && !equalsIgnoringCase(value, 'close');
      continue;
    }
    if (field === Field.RequestId) sawRequestId = true;
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
