// fairway's own HTTP/1.1 client transport: keep-alive connection pools that
// carry the data path to backends.
export { ConnectionPool, type ConnectionPoolOptions } from './connection-pool.js';
export type { DispatchHandler, DispatchOptions } from './types.js';
export type { TunnelHandler, TunnelOptions } from './tunnel.js';
export { TransportError, isIdleConnectionRace, type TransportErrorCode } from './errors.js';
export type { ConnectFunction, ConnectOptions } from './connection.js';
