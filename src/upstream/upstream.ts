// The seam between the data path and the transports that carry its requests:
// an Upstream is one way to send requests to one backend. Backends and the
// proxy depend on this module, not on a transport (today the only one is
// http1's ConnectionPool, over TCP or TLS; createUpstream picks it by URL scheme).
import type { DispatchHandler, DispatchOptions } from './http1/types.js';
import type { TunnelHandler, TunnelOptions } from './http1/tunnel.js';

// The dispatch contract is http1's (kept where it is); the data path names it through here.
export type { DispatchHandler, DispatchOptions } from './http1/types.js';
export type { TunnelHandler, TunnelOptions } from './http1/tunnel.js';
// An Upstream's error may say it came from a reused idle connection closing under it.
export { isIdleConnectionRace } from './http1/errors.js';

export interface Upstream {
  /**
   * Sends one request. `handler.onConnect(abort)` is called synchronously;
   * then exactly one of onComplete and onError follows, later. False when
   * the upstream is closed (the handler still gets onError).
   */
  dispatch(options: DispatchOptions, handler: DispatchHandler): boolean;
  /**
   * Asks the backend to switch protocols (an Upgrade request), on a
   * connection of its own. `handler.onConnect(abort)` is called
   * synchronously; then onUpgrade hands the connection over, or the answer
   * comes as a dispatch's would (onHeaders, onData, onComplete), or onError.
   * Absent on a transport that cannot tunnel.
   */
  tunnel?(options: TunnelOptions, handler: TunnelHandler): boolean;
  /** Stops taking requests, lets running ones and open tunnels finish, then closes its connections. */
  close(): Promise<void>;
  /** Closes its connections now, open tunnels too; running and waiting requests fail. */
  destroy(): Promise<void>;
}
