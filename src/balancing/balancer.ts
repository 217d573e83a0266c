// The contract every balancing algorithm implements. Algorithms are pure:
// no sockets, no timers. The data path hands them the eligible backends and
// the facts of the request; they return one backend.

/** What an algorithm may read about a backend. Kept up to date by the data path. */
export interface BackendView {
  readonly id: string;
  /**
   * Share of new requests, relative to the other backends. 0 (or negative, or
   * NaN) means "no new requests". May be fractional (slow start ramps it).
   */
  readonly weight: number;
  /** Requests currently being forwarded to this backend. */
  readonly inFlight: number;
  /**
   * Decaying average (EWMA) of response time in milliseconds, over completed
   * requests. 0, NaN or absent while there is no sample. Read by
   * least-response-time and power-of-two.
   */
  readonly ewmaLatencyMs?: number;
  /**
   * How many responses fed `ewmaLatencyMs`. When present it decides whether
   * the backend has been measured (> 0); when absent, `ewmaLatencyMs > 0` does.
   */
  readonly latencySamples?: number;
}

/** The request facts an algorithm may key on. */
export interface RequestFacts {
  readonly clientAddress: string;
  readonly method: string;
  readonly host: string;
  /** Request target as received: path plus optional `?query`. */
  readonly path: string;
  /** Lower-case header names, as node:http delivers them. */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
}

export interface Balancer<B extends BackendView = BackendView> {
  readonly name: string;
  /**
   * Pick one of `eligible` (never empty) for this request.
   *
   * `eligible` keeps a stable order between calls while membership is
   * unchanged. Algorithms cache per-set state and notice changes by array
   * identity and length (plus cheap spot checks), so pass a new array when
   * membership changes.
   *
   * `members` is every backend of the pool, eligible or not (same rules).
   * Only consistent-hash reads it: its table is built over all members so a
   * backend that turns unhealthy and recovers gets its own keys back. When
   * omitted, `eligible` stands in for it.
   */
  pick(eligible: readonly B[], request: RequestFacts, members?: readonly B[]): B;
}
