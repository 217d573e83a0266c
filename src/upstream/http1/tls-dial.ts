// Connections to an https:// backend: tls.connect with what the handshake
// checks and sends, resuming the latest TLS session this pool got, so a new
// connection to the same backend skips most of the handshake (one round trip
// and the certificate checks, since the session was verified when it began).
import { Buffer } from 'node:buffer';
import { connect as tlsConnect, type ConnectionOptions, type TLSSocket } from 'node:tls';
import type { ConnectFunction, ConnectOptions } from './connection.js';

/** What the TLS handshake trusts, checks and sends, in tls.connect's words. */
export type TlsDialOptions = Pick<ConnectionOptions, 'secureContext' | 'servername' | 'rejectUnauthorized' | 'checkServerIdentity'>;

/** A connect function for one pool; the session cache is its own. */
export function tlsDialer(options: TlsDialOptions): ConnectFunction {
  let session: Buffer | undefined;
  return (connect) => {
    // tls.connect documents `onread` (reads land in the buffer it names, as over TCP); its types lack it.
    const tlsOptions: ConnectionOptions & Pick<ConnectOptions, 'onread'> = { ...options, host: connect.host, port: connect.port, onread: connect.onread };
    if (session !== undefined) tlsOptions.session = session;
    const socket: TLSSocket = tlsConnect(tlsOptions);
    // tls.connect does not take these from its options as net.connect does.
    socket.setNoDelay(connect.noDelay);
    socket.setKeepAlive(connect.keepAlive, connect.keepAliveInitialDelay);
    // TLS 1.3 sends tickets after the handshake, maybe several: keep the latest.
    socket.on('session', (ticket: Buffer) => (session = ticket));
    let secured = false;
    socket.once('secureConnect', () => (secured = true));
    socket.once('error', () => {
      // A handshake that failed may have failed on the session itself: start afresh.
      if (!secured) session = undefined;
    });
    return socket;
  };
}
