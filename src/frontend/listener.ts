// One address clients connect to: a net.Server (a tls.Server for a TLS
// listener) whose HTTP/1.1 connections fairway's own front end serves
// (http1/connection.ts), each request handed on as a Downstream. Connections
// that speak HTTP/2 — chosen through ALPN, or by their preface on a plain
// port with h2c — go to Http2Sessions instead. A graceful close lets
// in-flight requests, streams and open tunnels finish while refusing new
// connections, then cuts what is left at the deadline.
import { createServer as createNetServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';
import type { ListenerHttp2Config } from '../config/sections/listener-http2.js';
import type { ListenConfig, ListenerLimitsConfig } from '../config/types.js';
import type { ExchangeHandler } from '../exchange/serve.js';
import { AcceptSockets } from './accept-sockets.js';
import { awaitFirstBytes } from './h2c-preface.js';
import { Http1Connection, type Http1ConnectionOwner, type ConnectionSettings } from './http1/connection.js';
import { ConnectionSweep } from './http1/connection-sweep.js';
import { requestLimitsFor, type RequestLimits } from './http1/request-limits.js';
import { Http2Sessions, type FloodListener } from './http2-sessions.js';
import type { SecureServing } from './secure-serving.js';

export interface ListenerOptions extends ListenConfig {
  /** Longest silence on a client socket while a request is open. */
  socketIdleMs: number;
  /** Names it in start-up errors (cli/listen-error.ts); default 'proxy listener'. */
  label?: string;
}

export class Listener implements Http1ConnectionOwner {
  readonly server: NetServer;
  /** The sockets accepting for this address: the server's own, and more where the runtime can share one. */
  readonly acceptSockets: AcceptSockets;
  /** Present when the listener speaks HTTP/2 (h2 over TLS, or h2c). */
  readonly http2: Http2Sessions | undefined;
  readonly settings: ConnectionSettings;
  /** The parser's bounds, widened for the listener's limits; read by each new connection. */
  limits: RequestLimits | undefined;
  closing = false;
  /** The bound port, for X-Forwarded-Port (every connection's local port). */
  localPort: number | undefined;
  private readonly sweep = new ConnectionSweep<Http1Connection>();
  /** Sockets handed over to tunnels, until they close: closed at the shutdown deadline. */
  private readonly tunnels = new Set<Socket>();
  /** Plain connections whose first bytes have yet to say HTTP/1.1 or h2c. */
  private readonly undecided = new Set<Socket>();

  constructor(
    private readonly options: ListenerOptions,
    private readonly serve: ExchangeHandler,
    private readonly secure: SecureServing | undefined,
    http2: ListenerHttp2Config,
    onFlood: FloodListener,
  ) {
    this.limits = requestLimitsFor(options.limits.maxUrlBytes, options.limits.maxHeaderBytes);
    this.settings = {
      requestHeaderTimeoutMs: options.limits.headerTimeoutMs ?? options.requestHeaderTimeoutMs,
      keepAliveTimeoutMs: options.keepAliveTimeoutMs,
      socketIdleMs: options.socketIdleMs,
      abortOnClientClose: options.abortOnClientClose,
    };
    this.sweep.precision(this.shortestTimeout());
    const sessions = http2.enabled ? new Http2Sessions(http2, { keepAliveTimeoutMs: options.keepAliveTimeoutMs, socketIdleMs: options.socketIdleMs }, serve, secure, onFlood) : undefined;
    this.http2 = sessions;
    // Half-open: a client's FIN after its request means "no more requests", and the answer still goes out.
    if (secure !== undefined) {
      const server = createTlsServer({ ...secure.serverOptions(), allowHalfOpen: true });
      secure.attach(server);
      server.on('secureConnection', (socket: TLSSocket) => (sessions !== undefined && socket.alpnProtocol === 'h2' ? sessions.accept(socket) : this.accept(socket)));
      this.server = server;
      this.acceptSockets = new AcceptSockets(server, { allowHalfOpen: true });
    } else {
      const socketOptions = { allowHalfOpen: true, noDelay: true };
      this.server = createNetServer(socketOptions);
      this.server.on('connection', (socket: Socket) => (sessions === undefined ? this.accept(socket) : this.sniff(socket, sessions)));
      this.acceptSockets = new AcceptSockets(this.server, socketOptions);
    }
  }

  /** Timeouts (open connections go by them from now on) and limits (new connections) from a reload. */
  configure(listen: ListenConfig, socketIdleMs: number, limits: ListenerLimitsConfig): void {
    this.limits = requestLimitsFor(limits.maxUrlBytes, limits.maxHeaderBytes);
    this.settings.requestHeaderTimeoutMs = limits.headerTimeoutMs ?? listen.requestHeaderTimeoutMs;
    this.settings.keepAliveTimeoutMs = listen.keepAliveTimeoutMs;
    this.settings.socketIdleMs = socketIdleMs;
    this.settings.abortOnClientClose = listen.abortOnClientClose;
    this.sweep.precision(this.shortestTimeout());
  }

  onConnectionClosed(connection: Http1Connection): void {
    this.sweep.delete(connection);
  }

  onHandOver(connection: Http1Connection, socket: Socket): void {
    this.sweep.delete(connection);
    this.tunnels.add(socket);
    socket.once('close', () => this.tunnels.delete(socket));
  }

  async listen(): Promise<AddressInfo> {
    try {
      // A deep accept backlog: a burst of a thousand new clients would
      // overflow Node's default of 511 and leave some waiting a SYN retry (1 s+).
      const address = await this.acceptSockets.listen({ port: this.options.port, host: this.options.host, backlog: 4096 });
      this.localPort = address.port;
      return address;
    } catch (err) {
      // Tagged so the start-up error can say which listener failed (cli/listen-error.ts).
      throw Object.assign(err as Error, { listener: this.options.label ?? 'proxy listener' });
    }
  }

  /**
   * Stops accepting, closes idle keep-alive connections (busy ones close
   * after their answer), sends GOAWAY to HTTP/2 clients, waits for what is
   * in flight up to `timeoutMs`, then cuts whatever is left.
   */
  async close(timeoutMs: number): Promise<void> {
    if (!this.server.listening) return;
    this.closing = true;
    const closed = this.acceptSockets.close();
    const http2Closed = this.http2?.close(timeoutMs);
    for (const connection of [...this.sweep.connections]) connection.closeIfIdle();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
    const outcome = await Promise.race([closed.then(() => 'closed' as const), deadline]);
    clearTimeout(timer);
    if (outcome === 'timeout') {
      for (const connection of [...this.sweep.connections]) connection.socket.destroy();
      for (const socket of [...this.tunnels, ...this.undecided]) socket.destroy();
    }
    await http2Closed;
    await closed;
  }

  private accept(socket: Socket): void {
    if (this.closing) {
      socket.destroy();
      return;
    }
    this.sweep.add(new Http1Connection(socket, this, this.serve, this.secure));
  }

  /** On an h2c port, the first bytes tell HTTP/2 with prior knowledge from HTTP/1.1. */
  private sniff(socket: Socket, sessions: Http2Sessions): void {
    this.undecided.add(socket);
    socket.once('close', () => this.undecided.delete(socket));
    awaitFirstBytes(socket, this.settings.requestHeaderTimeoutMs, (protocol) => {
      this.undecided.delete(socket);
      if (protocol === 'h2') sessions.accept(socket);
      else this.accept(socket);
    });
  }

  private shortestTimeout(): number {
    const s = this.settings;
    return Math.min(s.requestHeaderTimeoutMs, s.keepAliveTimeoutMs, s.socketIdleMs);
  }
}
