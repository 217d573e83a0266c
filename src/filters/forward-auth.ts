// The `forwardAuth` middleware, with Traefik's ForwardAuth semantics: before a
// request goes on, a GET without a body asks the authentication service at
// `address`, carrying the client's headers (or the listed ones) and
// X-Forwarded-Method/-Proto/-Host/-Uri/-For. A 2xx lets the request through
// with the listed answer headers set on it (the client's copies of those are
// always removed, so a client cannot pose as a user); any other answer goes
// back to the client as the service gave it. A service that cannot be reached
// or answers too slowly is a 503 (auth_unavailable). The question is
// abandoned when the client leaves.
import { Buffer } from 'node:buffer';
import { createRequire } from 'node:module';
import type { Pool } from 'undici';
import type { ForwardAuthMiddlewareConfig } from '../config/types.js';
import { errorAnswer } from '../exchange/errors.js';
import { SlotKey, type Exchange } from '../exchange/exchange.js';
import type { Filter, LocalAnswer, RequestVerdict } from '../exchange/phases.js';

// undici is loaded on the first forwardAuth, not at start-up: it adds
// 10–20 MB of resident memory, which a fairway without one never needs.
const require = createRequire(import.meta.url);
let undici: typeof import('undici') | undefined;
function loadUndici(): typeof import('undici') {
  return (undici ??= require('undici') as typeof import('undici'));
}

/** Client headers never sent to the service: hop-by-hop, framing (there is no body), and Host (X-Forwarded-Host carries it). */
const NOT_SENT = new Set([
  'connection', 'keep-alive', 'proxy-connection', 'te', 'transfer-encoding', 'upgrade', 'proxy-authorization',
  'expect', 'content-length', 'trailer', 'host',
]);
const FORWARDED = ['x-forwarded-method', 'x-forwarded-proto', 'x-forwarded-host', 'x-forwarded-uri', 'x-forwarded-for'];
/** Headers of a denial not relayed: hop-by-hop and framing, which fairway writes itself, and the request id, which is ours. */
const NOT_RELAYED = new Set([
  'connection', 'keep-alive', 'proxy-connection', 'te', 'transfer-encoding', 'upgrade', 'content-length', 'trailer', 'x-request-id',
]);

/** The largest denial body relayed to the client. */
const MAX_DENIAL_BODY = 1024 * 1024;

/** What a 2xx answer hands on: headers for the upstream request, cookies for the response. */
interface Granted {
  headers: string[];
  cookies: string[];
}
const GRANTED = new SlotKey<Granted>('forward-auth');

type AnswerHeaders = Record<string, string | string[] | undefined>;

function valuesOf(headers: AnswerHeaders, lower: string): string[] {
  const v = headers[lower];
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

function cookieName(setCookie: string): string {
  const eq = setCookie.indexOf('=');
  return (eq === -1 ? setCookie : setCookie.slice(0, eq)).trim();
}

export class ForwardAuth implements Filter {
  onResponse?: (ex: Exchange) => void;
  private readonly pool: Pool;
  private readonly path: string;
  private readonly responseHeaders: { name: string; lower: string }[];
  private readonly removedUpstream: ReadonlySet<string>;
  private readonly requestHeaders: ReadonlySet<string> | undefined;
  private readonly cookies: ReadonlySet<string>;

  constructor(
    readonly name: string,
    private readonly config: ForwardAuthMiddlewareConfig,
  ) {
    const url = new URL(config.address);
    this.path = `${url.pathname}${url.search}`;
    // One keep-alive pool per middleware and routing snapshot; idle connections close on their own.
    this.pool = new (loadUndici().Pool)(url.origin, { connections: 64, keepAliveTimeout: 10_000 });
    this.responseHeaders = config.authResponseHeaders.map((n) => ({ name: n, lower: n.toLowerCase() }));
    this.removedUpstream = new Set(this.responseHeaders.map((h) => h.lower));
    this.requestHeaders = config.authRequestHeaders === undefined ? undefined : new Set(config.authRequestHeaders);
    this.cookies = new Set(config.addAuthCookiesToResponse);
    if (this.cookies.size > 0) {
      this.onResponse = (ex) => {
        const cookies = ex.slot(GRANTED)?.cookies;
        if (cookies !== undefined) for (const c of cookies) ex.responseHeaders.push('set-cookie', c);
      };
    }
  }

  onRequest(ex: Exchange): Promise<RequestVerdict> {
    return this.ask(ex);
  }

  /** Removes every client copy of the granted headers, then sets the service's values. */
  onUpstreamRequest(ex: Exchange): void {
    const headers = ex.editUpstreamHeaders();
    if (this.removedUpstream.size > 0) {
      let kept = 0;
      for (let i = 0; i < headers.length; i += 2) {
        if (this.removedUpstream.has(headers[i]!.toLowerCase())) continue;
        headers[kept] = headers[i]!;
        headers[kept + 1] = headers[i + 1]!;
        kept += 2;
      }
      headers.length = kept;
    }
    const granted = ex.slot(GRANTED);
    if (granted !== undefined) headers.push(...granted.headers);
  }

  /** The head of the question: the client's headers as configured, and the X-Forwarded-* set. */
  private questionHeaders(ex: Exchange): string[] {
    const raw = ex.downstream.rawHeaders;
    const trust = this.config.trustForwardHeader;
    const out: string[] = [];
    const client = new Map<string, string>();
    for (let i = 0; i < raw.length; i += 2) {
      const lower = raw[i]!.toLowerCase();
      if (FORWARDED.includes(lower)) {
        // Kept only when trusted; X-Forwarded-For gains the client's address after them.
        if (trust) client.set(lower, client.has(lower) ? `${client.get(lower)!}, ${raw[i + 1]!}` : raw[i + 1]!);
        continue;
      }
      if (NOT_SENT.has(lower)) continue;
      if (this.requestHeaders !== undefined && !this.requestHeaders.has(lower)) continue;
      out.push(raw[i]!, raw[i + 1]!);
    }
    const own = (name: string, value: string): void => void out.push(name, trust ? (client.get(name) ?? value) : value);
    own('x-forwarded-method', ex.method);
    own('x-forwarded-proto', ex.downstream.secure ? 'https' : 'http');
    own('x-forwarded-host', ex.head.authority ?? ex.host);
    own('x-forwarded-uri', ex.path);
    const earlier = client.get('x-forwarded-for');
    out.push('x-forwarded-for', earlier === undefined ? ex.clientAddress : `${earlier}, ${ex.clientAddress}`);
    return out;
  }

  private async ask(ex: Exchange): Promise<RequestVerdict> {
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, this.config.timeoutMs);
    const clientGone = (): void => controller.abort();
    ex.downstream.onClose(clientGone);
    try {
      const answer = await this.pool.request({ method: 'GET', path: this.path, headers: this.questionHeaders(ex), signal: controller.signal });
      const headers = answer.headers as AnswerHeaders;
      if (answer.statusCode >= 200 && answer.statusCode < 300) {
        await answer.body.dump();
        ex.setSlot(GRANTED, this.granted(headers));
        return undefined;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of answer.body as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size > MAX_DENIAL_BODY) {
          answer.body.destroy();
          return this.unavailable(ex, `its ${answer.statusCode} answer is larger than 1 MiB`);
        }
        chunks.push(chunk);
      }
      return { status: answer.statusCode, headers: this.denialHeaders(headers), body: Buffer.concat(chunks), reason: 'auth_denied' };
    } catch (err) {
      // A client that left is not answered; the lifecycle has already finished the exchange.
      if (ex.abandoned) return undefined;
      const why = timedOut ? `no answer within ${this.config.timeoutMs}ms` : ((err as { code?: string }).code ?? (err as Error).message);
      return this.unavailable(ex, why);
    } finally {
      clearTimeout(timer);
      ex.downstream.offClose(clientGone);
    }
  }

  private granted(headers: AnswerHeaders): Granted {
    const out: string[] = [];
    for (const h of this.responseHeaders) for (const v of valuesOf(headers, h.lower)) out.push(h.name, v);
    const cookies = this.cookies.size === 0 ? [] : valuesOf(headers, 'set-cookie').filter((c) => this.cookies.has(cookieName(c)));
    return { headers: out, cookies };
  }

  private denialHeaders(headers: AnswerHeaders): string[] {
    const out: string[] = [];
    for (const [name, value] of Object.entries(headers)) {
      if (value === undefined || NOT_RELAYED.has(name)) continue;
      for (const v of Array.isArray(value) ? value : [value]) out.push(name, v);
    }
    return out;
  }

  private unavailable(ex: Exchange, detail: string): LocalAnswer {
    const answer = errorAnswer('auth_unavailable', ex.requestId, ex.head.accept, detail);
    return { status: answer.status, headers: answer.headers, body: answer.body, reason: 'auth_unavailable' };
  }
}
