// One request and its answer, as every phase sees it: the client side
// (Downstream), the head's facts, the routed cluster, per-request slots for filters,
// and the outcome the record is made of. Filters read and edit an Exchange;
// the lifecycle (lifecycle.ts) drives it.
import type { RequestFacts } from '../balancing/index.js';
import type { Cluster } from '../cluster/cluster.js';
import type { Backend } from '../cluster/backend.js';
import type { TrustedProxies } from './client-address.js';
import type { Downstream } from './downstream.js';
import type { ErrorKind } from './errors.js';
import { rawHeader, type RequestHead } from './request-head.js';

/** A key for a filter's per-request data (`exchange.slot(key)`); one per filter kind. */
export class SlotKey<T> {
  declare private readonly type: T;
  constructor(readonly name: string) {}
}

/** The answer's head before there is one; frozen, so an early push is a loud bug. */
const NO_HEADERS: string[] = Object.freeze([]) as unknown as string[];

export class Exchange implements RequestFacts {
  /** Upstream request head, [name, value, ...]; built by the forwarded-headers filter before the first try. */
  upstreamHeaders: string[] | undefined;
  /** The answer's head as it will go to the client; filters edit it in onResponse. */
  responseHeaders: string[] = NO_HEADERS;
  /** The answer's status (the backend's, or ours). */
  status = 0;
  /** Why the exchange failed, when it did; undefined for an answer from a backend. */
  errorKind: ErrorKind | string | undefined;
  bytesIn = 0;
  bytesOut = 0;
  /** Tries made (a retry adds one). */
  attempts = 0;
  /** The backend of the latest try. */
  backend: Backend | undefined;
  /** When the exchange finished (performance.now()), set before the onDone filters run. */
  finishedAt = 0;
  /** Time spent on tries, from dispatch to their end. */
  upstreamMs = 0;
  /** A backend a filter asks for (a sticky session), used while it can take the request. */
  pinned: Backend | undefined;
  /** Per-try limit on waiting for the answer's head; 0 = the pool's response timeout alone. */
  perTryTimeoutMs = 0;
  /** The body can be sent again (buffered whole), so a failed try may be retried. */
  replayable = true;
  /** The client left before the answer was complete. */
  abandoned = false;
  /**
   * Largest request body this request may send (the listener's limits, or a
   * limits middleware's in onRequest): a larger Content-Length is answered
   * 413 before any backend is picked, a streamed body is cut past it.
   */
  maxBodyBytes = Infinity;
  /** Longest gap between two chunks of the request body, in ms; 0 for none. Past it: 408. */
  bodyTimeoutMs = 0;
  private slots: Map<SlotKey<unknown>, unknown> | undefined;
  /** The client address behind trusted proxies, worked out on first read. */
  private realClient: string | undefined;

  constructor(
    readonly downstream: Downstream,
    readonly head: RequestHead,
    /** The cluster the route leads to; undefined for requests answered before routing. */
    readonly cluster: Cluster | undefined,
    readonly requestId: string,
    readonly startedAt: number,
    /** The config's trusted proxies; undefined when it trusts none (the peer is the client). */
    private readonly trustedProxies: TrustedProxies | undefined,
  ) {}

  /**
   * The client: the TCP peer, or, when the peer is a trusted proxy, the
   * address X-Forwarded-For names (client-address.ts). What ip-hash, the IP
   * lists and the access log use.
   */
  get clientAddress(): string {
    const trusted = this.trustedProxies;
    if (trusted === undefined) return this.downstream.clientAddress;
    return (this.realClient ??= trusted.clientOf(this.downstream.clientAddress, this.downstream.rawHeaders));
  }

  /** The TCP peer: the client itself, or the proxy in front of it. */
  get peerAddress(): string {
    return this.downstream.clientAddress;
  }

  /** The peer is a trusted proxy, so the X-Forwarded-For it sent is passed on (and appended to). */
  get peerTrusted(): boolean {
    return this.trustedProxies !== undefined && this.trustedProxies.trusts(this.downstream.clientAddress);
  }

  get method(): string {
    return this.downstream.method;
  }

  get host(): string {
    return this.head.host ?? '';
  }

  /** The request target as routed (path and query). */
  get path(): string {
    return this.downstream.target;
  }

  get headers(): Readonly<Record<string, string | string[] | undefined>> {
    return this.downstream.headers;
  }

  /** A request header's first value ('' when absent); `name` in lower case. */
  header(name: string): string {
    return rawHeader(this.downstream.rawHeaders, name);
  }

  /** The response has started going to the client: a retry is no longer possible. */
  get responseStarted(): boolean {
    return this.downstream.responseStarted;
  }

  /** The upstream head, copied from the client's on first edit when no filter built it. */
  editUpstreamHeaders(): string[] {
    return (this.upstreamHeaders ??= this.downstream.rawHeaders.slice());
  }

  slot<T>(key: SlotKey<T>): T | undefined {
    return this.slots?.get(key) as T | undefined;
  }

  setSlot<T>(key: SlotKey<T>, value: T): void {
    (this.slots ??= new Map()).set(key, value);
  }
}
