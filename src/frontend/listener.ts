// One address clients connect to: a node:http server (node:https for a TLS
// listener) with the client timeouts, each HTTP/1.1 request handed on as a
// Downstream (a request asking to switch protocols with its socket, see
// http1-upgrade.ts). Connections that speak HTTP/2 — chosen through ALPN, or
// by their preface on a plain port with h2c — go to Http2Sessions instead.
// A graceful close lets in-flight requests, streams and open tunnels finish
// while refusing new connections.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import type { ListenerHttp2Config } from '../config/sections/listener-http2.js';
import type { ListenConfig } from '../config/types.js';
import type { ExchangeHandler } from '../exchange/serve.js';
import { tunnelledProtocols } from '../exchange/upgrade.js';
import { awaitFirstBytes } from './h2c-preface.js';
import { Http1Downstream } from './http1.js';
import { declineUpgrade, Http1UpgradeDownstream } from './http1-upgrade.js';
import { Http2Sessions, type FloodListener } from './http2-sessions.js';
import type { SecureServing } from './secure-serving.js';

export interface ListenerOptions extends ListenConfig {
  /** Longest silence on a client socket while a request is open. */
  socketIdleMs: number;
  /** Names it in start-up errors (cli/listen-error.ts); default 'proxy listener'. */
  label?: string;
}

export class Listener {
  readonly server: Server;
  /** Present when the listener speaks HTTP/2 (h2 over TLS, or h2c). */
  readonly http2: Http2Sessions | undefined;
  private closing = false;
  /**
   * Sockets node:http handed over with an Upgrade request, until they close:
   * the server no longer tracks them, so closeAllConnections() misses them.
   */
  private readonly upgraded = new Set<Socket>();
  /** Plain connections whose first bytes have yet to say HTTP/1.1 or h2c. */
  private readonly undecided = new Set<Socket>();

  constructor(
    private readonly options: ListenerOptions,
    private readonly serve: ExchangeHandler,
    secure: SecureServing | undefined,
    http2: ListenerHttp2Config,
    onFlood: FloodListener,
  ) {
    const httpOptions = {
      // Slow-header clients are cut off; a whole request (say a large upload)
      // is bounded by socket idleness instead of a total time.
      headersTimeout: options.requestHeaderTimeoutMs,
      requestTimeout: 0,
      keepAliveTimeout: options.keepAliveTimeoutMs,
      // Reused across requests on a connection; fine for a proxy.
      connectionsCheckingInterval: Math.min(1_000, Math.max(100, Math.floor(options.requestHeaderTimeoutMs / 4))),
    };
    const onRequest = (req: IncomingMessage, res: ServerResponse) => {
      // While draining, answers carry Connection: close so clients move on.
      if (this.closing) res.shouldKeepAlive = false;
      if (secure !== undefined) {
        if (secure.hsts !== undefined) res.setHeader('strict-transport-security', secure.hsts);
        // node:http builds req.headers from rawHeaders on first read, so both agree.
        if (secure.hasClientSubject) req.rawHeaders = secure.requestHeaders(req.rawHeaders, req.socket as TLSSocket);
      }
      serve(new Http1Downstream(req, res));
    };
    if (secure === undefined) {
      this.server = createServer(httpOptions, onRequest);
    } else {
      const server = createHttpsServer({ ...httpOptions, ...secure.serverOptions() }, onRequest);
      secure.attach(server);
      this.server = server;
    }
    this.http2 = http2.enabled ? new Http2Sessions(http2, { keepAliveTimeoutMs: options.keepAliveTimeoutMs, socketIdleMs: options.socketIdleMs }, serve, secure, onFlood) : undefined;
    if (this.http2 !== undefined) this.handOverHttp2(this.http2, secure !== undefined);
    this.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.onUpgrade(req, socket as Socket, head));
    this.server.timeout = options.socketIdleMs;
    this.abortOnClientClose = options.abortOnClientClose;
    // Node answers slow-header clients with 408; other client errors close the socket.
    this.server.on('clientError', (err: Error & { code?: string }, socket) => {
      if (!socket.writable) return socket.destroy();
      const status = err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? '408 Request Timeout' : '400 Bad Request';
      socket.end(`HTTP/1.1 ${status}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
    });
  }

  /**
   * Puts a fork in front of node:http's own connection handling: a TLS
   * connection that chose h2 by ALPN, or a plain one that opens with the
   * HTTP/2 preface, goes to `sessions`; the rest to node:http as before.
   */
  private handOverHttp2(sessions: Http2Sessions, secure: boolean): void {
    const event = secure ? 'secureConnection' : 'connection';
    const http1 = this.server.listeners(event) as ((socket: Socket) => void)[];
    this.server.removeAllListeners(event);
    const toHttp1 = (socket: Socket) => {
      for (const listener of http1) listener.call(this.server, socket);
    };
    if (secure) {
      this.server.on(event, (socket: TLSSocket) => (socket.alpnProtocol === 'h2' ? sessions.accept(socket) : toHttp1(socket)));
    } else {
      this.server.on(event, (socket: Socket) => {
        this.undecided.add(socket);
        awaitFirstBytes(socket, this.options.requestHeaderTimeoutMs, (protocol) => {
          this.undecided.delete(socket);
          if (protocol === 'h2') sessions.accept(socket);
          else toHttp1(socket);
        });
        socket.once('close', () => this.undecided.delete(socket));
      });
    }
  }

  /** A request asking to switch protocols, with the socket node:http no longer reads. */
  private onUpgrade(req: IncomingMessage, socket: Socket, head: Buffer): void {
    const protocols = tunnelledProtocols(req.headers.upgrade);
    if (protocols === undefined) {
      declineUpgrade(this.server, req, socket, head);
      return;
    }
    this.upgraded.add(socket);
    socket.once('close', () => this.upgraded.delete(socket));
    this.serve(new Http1UpgradeDownstream(req, socket, head, protocols));
  }

  /** Tunnels open now (and Upgrade requests not answered yet). */
  get upgradedConnections(): number {
    return this.upgraded.size;
  }

  /**
   * By default a client's FIN after its request means "no more requests", not
   * "gone": answer what was asked, then close. node:http's own default
   * (httpAllowHalfOpen false, a public but untyped property, read when the
   * FIN arrives) ends our side at once and cuts the answer off, which is what
   * `abortOnClientClose` asks for: the request is cancelled as a client gone.
   * A client that really goes away shows up as a reset or failed write either way.
   */
  set abortOnClientClose(abort: boolean) {
    (this.server as Server & { httpAllowHalfOpen: boolean }).httpAllowHalfOpen = !abort;
  }

  listen(): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      // Tagged so the start-up error can say which listener failed (cli/listen-error.ts).
      const onError = (err: Error) => reject(Object.assign(err, { listener: this.options.label ?? 'proxy listener' }));
      this.server.once('error', onError);
      // A deep accept backlog: a burst of a thousand new clients would
      // overflow Node's default of 511 and leave some waiting a SYN retry (1 s+).
      this.server.listen({ port: this.options.port, host: this.options.host, backlog: 4096 }, () => {
        this.server.off('error', onError);
        resolve(this.server.address() as AddressInfo);
      });
    });
  }

  /**
   * Stops accepting, closes idle keep-alive connections, waits for in-flight
   * requests and open tunnels up to `timeoutMs`, then cuts whatever is left.
   */
  async close(timeoutMs: number): Promise<void> {
    if (!this.server.listening) return;
    this.closing = true;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    // GOAWAY now; their streams finish within the same deadline.
    const http2Closed = this.http2?.close(timeoutMs);
    this.server.closeIdleConnections();
    // Connections that finish a response become idle: close them as they do.
    const sweeper = setInterval(() => this.server.closeIdleConnections(), 50);
    const deadline = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), timeoutMs).unref());
    const outcome = await Promise.race([closed.then(() => 'closed' as const), deadline]);
    clearInterval(sweeper);
    if (outcome === 'timeout') {
      this.server.closeAllConnections();
      for (const socket of this.upgraded) socket.destroy();
      for (const socket of this.undecided) socket.destroy();
    }
    await http2Closed;
    await closed;
  }
}
