// fairway's own HTTP/1.1 client transport: keep-alive connection pools that
// carry the data path to backends, over TCP or TLS.
export { ConnectionPool, type ConnectionPoolOptions } from './connection-pool.js';
export type { DispatchHandler, DispatchOptions } from './types.js';
export type { TunnelHandler, TunnelOptions } from './tunnel.js';
export { CertificateRejected, TransportError, isIdleConnectionRace, type TransportErrorCode } from './errors.js';
export type { TlsDialOptions } from './tls-dial.js';
export type { ConnectFunction, ConnectOptions } from './connection.js';
