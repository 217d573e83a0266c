// The HTTP/2 side of one listener: the listener hands over each connection
// that speaks h2 (ALPN on TLS, the client preface on a plain port), and every
// stream becomes a Downstream. Here are the connection-level concerns: the
// edge-safe settings (streams, windows, header list), idle connections, the
// flood bounds, and a graceful close that sends GOAWAY and lets open streams
// finish until the deadline.
import { constants, createServer, type Http2Server, type ServerHttp2Session, type ServerHttp2Stream, type Settings } from 'node:http2';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { ListenerHttp2Config } from '../config/sections/listener-http2.js';
import type { ExchangeHandler } from '../exchange/serve.js';
import { FloodGuard, type FloodKind } from './http2-flood-guard.js';
import { Http2Downstream, type Http2Client } from './http2.js';
import type { SecureServing } from './secure-serving.js';

export interface Http2Timeouts {
  /** A connection with no open stream is closed (GOAWAY) after this long. */
  keepAliveTimeoutMs: number;
  /** A stream with no bytes either way is reset after this long. */
  socketIdleMs: number;
}

/** One client connection's state. */
interface Connection {
  readonly client: Http2Client;
  readonly guard: FloodGuard;
  openStreams: number;
  /** Armed while no stream is open: closes the connection after the keep-alive timeout. */
  idle: NodeJS.Timeout | undefined;
}

/** Told when a client is cut off for going over a flood bound. */
export type FloodListener = (kind: FloodKind, clientAddress: string) => void;

/** A header list's size as HTTP/2 counts it (RFC 9113 6.5.2): names, values and 32 octets per field. */
export function headerListSize(raw: readonly string[]): number {
  let size = 0;
  for (let i = 0; i < raw.length; i += 2) size += raw[i]!.length + raw[i + 1]!.length + 32;
  return size;
}

/**
 * Node resets a stream (ENHANCE_YOUR_CALM) whose header list goes over the
 * advertised SETTINGS_MAX_HEADER_LIST_SIZE once the client has acknowledged
 * it, before we see the stream. Advertising twice our bound leaves the lists
 * in between to us, answered 431 as RFC 9113 10.5.1 suggests; past that,
 * Node's reset is the hard bound.
 */
const HEADER_LIST_HARD_BOUND_FACTOR = 2;

function settingsOf(config: ListenerHttp2Config): Settings {
  return {
    maxConcurrentStreams: config.maxConcurrentStreams,
    initialWindowSize: config.streamWindowBytes,
    maxHeaderListSize: config.maxHeaderListBytes * HEADER_LIST_HARD_BOUND_FACTOR,
    enablePush: false,
  };
}

class ClientConnection implements Http2Client {
  readonly clientAddress: string;
  readonly secure: boolean;
  readonly localPort: number | undefined;

  constructor(
    private readonly socket: Socket,
    private readonly tls: SecureServing | undefined,
  ) {
    this.clientAddress = socket.remoteAddress ?? '';
    this.secure = (socket as Partial<TLSSocket>).encrypted === true;
    this.localPort = socket.localPort;
  }

  get hsts(): string | undefined {
    return this.tls?.hsts;
  }

  requestHeaders(raw: string[]): string[] {
    const tls = this.tls;
    return tls?.hasClientSubject === true ? tls.requestHeaders(raw, this.socket as TLSSocket) : raw;
  }
}

export class Http2Sessions {
  /** Never listens: the listener hands it connections. */
  private readonly server: Http2Server;
  private readonly connections = new Map<ServerHttp2Session, Connection>();
  private closing = false;

  constructor(
    private config: ListenerHttp2Config,
    private timeouts: Http2Timeouts,
    private readonly serve: ExchangeHandler,
    private readonly tls: SecureServing | undefined,
    private readonly onFlood: FloodListener,
  ) {
    this.server = createServer({
      settings: settingsOf(config),
      // Node's defaults, named so they read as chosen: pairs per header list,
      // frames that break the protocol, streams refused for going over the limit.
      maxHeaderListPairs: 128,
      maxSessionInvalidFrames: 1000,
      maxSessionRejectedStreams: 100,
    });
    this.server.on('session', (session) => this.adopt(session));
    this.server.on('stream', (stream: ServerHttp2Stream, _headers: unknown, _flags: number, raw: string[]) => this.onStream(stream, raw));
  }

  /** Takes a connection whose client speaks HTTP/2. */
  accept(socket: Socket): void {
    this.server.emit('connection', socket);
  }

  /** Settings and timeouts for connections from now on. */
  configure(config: ListenerHttp2Config, timeouts: Http2Timeouts): void {
    this.config = config;
    this.timeouts = timeouts;
    this.server.updateSettings(settingsOf(config));
  }

  /** Client connections open now. */
  get size(): number {
    return this.connections.size;
  }

  /** Streams open now, over every connection. */
  get openStreams(): number {
    let n = 0;
    for (const c of this.connections.values()) n += c.openStreams;
    return n;
  }

  /** Sends GOAWAY on every connection and waits for their streams up to `timeoutMs`, then cuts what is left. */
  async close(timeoutMs: number): Promise<void> {
    this.closing = true;
    const sessions = [...this.connections.keys()];
    if (sessions.length === 0) return;
    const closed = Promise.all(sessions.map((s) => new Promise<void>((resolve) => (s.closed ? resolve() : s.close(() => resolve())))));
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
    const outcome = await Promise.race([closed.then(() => 'closed' as const), deadline]);
    clearTimeout(timer);
    if (outcome === 'timeout') for (const s of this.connections.keys()) s.destroy();
  }

  private adopt(session: ServerHttp2Session): void {
    const socket = session.socket as Socket;
    const connection: Connection = { client: new ClientConnection(socket, this.tls), guard: new FloodGuard(), openStreams: 0, idle: undefined };
    this.connections.set(session, connection);
    session.once('close', () => {
      clearTimeout(connection.idle);
      this.connections.delete(session);
    });
    // Failures of one connection are the client's business; the stream's owner sees its stream end.
    session.on('error', () => {});
    if (this.closing) {
      session.close();
      return;
    }
    // Node starts the connection window at HTTP/2's 64 KiB, too small to keep several streams busy.
    session.setLocalWindowSize(this.config.connectionWindowBytes);
    this.armIdle(session, connection);
    session.on('remoteSettings', () => this.count(session, connection, 'settings'));
    session.on('ping', () => this.count(session, connection, 'pings'));
  }

  private onStream(stream: ServerHttp2Stream, raw: string[]): void {
    // Kept here: a closed stream no longer knows its session.
    const session = stream.session as ServerHttp2Session;
    const connection = this.connections.get(session);
    if (connection === undefined) {
      stream.close(constants.NGHTTP2_REFUSED_STREAM);
      return;
    }
    // Over our bound but within Node's (settingsOf): 431, and the connection goes on.
    if (headerListSize(raw) > this.config.maxHeaderListBytes) {
      stream.on('error', () => {});
      stream.respond({ ':status': 431, 'content-length': 0 }, { endStream: true });
      return;
    }
    if (connection.openStreams++ === 0) clearTimeout(connection.idle);
    const downstream = new Http2Downstream(stream, raw, connection.client);
    stream.on('error', () => {});
    stream.once('close', () => {
      if (--connection.openStreams === 0) this.armIdle(session, connection);
      // Reset by the client before its answer ended: rapid reset is many of these.
      if (stream.aborted && !downstream.abortedHere) this.count(session, connection, 'resets');
    });
    stream.setTimeout(this.timeouts.socketIdleMs, () => stream.close(constants.NGHTTP2_CANCEL));
    // node:http answers Expect: 100-continue itself; HTTP/2 leaves it to us.
    if (downstream.bodyFollows && downstream.expectsContinue) stream.additionalHeaders({ ':status': 100 });
    this.serve(downstream);
  }

  /** Node's own session timeout fires once, mid-stream too; this one runs only while nothing is open. */
  private armIdle(session: ServerHttp2Session, connection: Connection): void {
    if (this.closing || session.closed || session.destroyed) return;
    connection.idle = setTimeout(() => {
      if (connection.openStreams === 0) session.close();
    }, this.timeouts.keepAliveTimeoutMs);
  }

  private count(session: ServerHttp2Session, connection: Connection, kind: FloodKind): void {
    if (connection.guard.allow(kind) || session.destroyed) return;
    this.onFlood(kind, connection.client.clientAddress);
    // destroy()'s own code argument is not what its GOAWAY carries (Node 20): say it first.
    session.goaway(constants.NGHTTP2_ENHANCE_YOUR_CALM);
    session.destroy();
  }
}
