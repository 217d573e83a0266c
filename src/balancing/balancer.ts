// The contract every balancing algorithm implements. Algorithms are pure:
// no sockets, no timers. The data path hands them the eligible backends and
// the facts of the request; they return one backend.

/** What an algorithm may read about a backend. Kept up to date by the data path. */
export interface BackendView {
  readonly id: string;
  readonly weight: number;
  /** Requests currently being forwarded to this backend. */
  readonly inFlight: number;
}

/** The request facts an algorithm may key on. */
export interface RequestFacts {
  readonly clientAddress: string;
  readonly method: string;
  readonly host: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
}

export interface Balancer<B extends BackendView = BackendView> {
  readonly name: string;
  /**
   * Pick one of `eligible` (never empty) for this request.
   * `eligible` keeps a stable order between calls while membership is unchanged.
   */
  pick(eligible: readonly B[], request: RequestFacts): B;
}
