// The test backend: a small HTTP server that names itself, echoes requests and
// simulates latency and failures, and echoes WebSocket messages at /ws. It is
// the backend in benchmarks, so the common path (no body, no delay) avoids URL
// objects, header maps and closures.
import { Buffer } from 'node:buffer';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { createHash } from 'node:crypto';
import { DETERMINISTIC_CHUNK_SIZE, DeterministicByteSource } from './deterministic-bytes.js';
import {
  MAX_DELAY_MS,
  checkDelayMs,
  checkFailureRate,
  checkLatencyRange,
  checkPort,
  parseBoolean,
  parseByteSize,
  parseDelayMs,
  parseFailureRate,
  parseStatus,
} from './test-backend-values.js';
import { serveWebSocketEcho } from './websocket-echo.js';

export interface TestBackendOptions {
  /** 0 (the default) lets the OS pick a free port. */
  port?: number;
  /** Address to listen on; default 127.0.0.1. */
  host?: string;
  /** Reported in every answer and in `x-backend`; default `backend-<port>`. */
  name?: string;
  /** Fraction (0..1) of requests, other than /health and /control, answered with 500. */
  failureRate?: number;
  /** Every request is delayed by a uniform random time in [minLatencyMs, maxLatencyMs]. */
  minLatencyMs?: number;
  maxLatencyMs?: number;
  /** Initial answer of /health; default true. */
  healthy?: boolean;
}

export interface TestBackendSettings {
  healthy: boolean;
  delayMs: number;
  failureRate: number;
  minLatencyMs: number;
  maxLatencyMs: number;
}

export interface TestBackend {
  readonly port: number;
  readonly host: string;
  readonly name: string;
  /** Base URL that reaches the backend, e.g. http://127.0.0.1:9001. */
  readonly url: string;
  /** Requests received, not counting /health and /control. */
  readonly requestCount: number;
  /** A copy of the current runtime settings. */
  readonly settings: TestBackendSettings;
  setHealthy(healthy: boolean): void;
  /** Fixed delay added to every request except /control. */
  setDelay(ms: number): void;
  setFailureRate(rate: number): void;
  /** Stops listening and destroys every open connection, idle or not. */
  close(): Promise<void>;
}

const BYTES_PREFIX = '/bytes/';
const CONTROL_PARAMETERS = 'set_delay_ms, healthy, failure_rate, min_latency_ms, max_latency_ms';

function noop(): void {}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function urlHost(host: string): string {
  // A wildcard address is not something a client can connect to.
  if (host === '0.0.0.0' || host === '::' || host === '') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}

class RunningTestBackend implements TestBackend {
  port = 0;
  name = '';
  url = '';
  requestCount = 0;
  private healthy: boolean;
  private delayMs = 0;
  private failureRate: number;
  private minLatencyMs: number;
  private maxLatencyMs: number;
  // Strings fixed once the name and port are known, reused by every answer.
  private echoPrefix = '';
  private healthyBody = '';
  private unhealthyBody = '';
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();
  /** WebSocket connections: the server stops tracking a socket once it is upgraded. */
  private readonly upgraded = new Set<Socket>();
  private closing: Promise<void> | undefined;

  constructor(
    private readonly server: Server,
    readonly host: string,
    options: TestBackendOptions,
  ) {
    this.healthy = options.healthy ?? true;
    this.failureRate = checkFailureRate(options.failureRate ?? 0, 'failure rate');
    const latency = checkLatencyRange(options.minLatencyMs, options.maxLatencyMs);
    this.minLatencyMs = latency.minMs;
    this.maxLatencyMs = latency.maxMs;
  }

  /** Called once listening, before the first connection can be handled. */
  identify(port: number, name: string): void {
    this.port = port;
    this.name = name;
    this.url = `http://${urlHost(this.host)}:${port}`;
    const server = JSON.stringify(name);
    this.echoPrefix = `{"server":${server},"port":${port}`;
    this.healthyBody = `{"status":"ok","server":${server}}`;
    this.unhealthyBody = `{"status":"unhealthy","server":${server}}`;
  }

  get settings(): TestBackendSettings {
    return {
      healthy: this.healthy,
      delayMs: this.delayMs,
      failureRate: this.failureRate,
      minLatencyMs: this.minLatencyMs,
      maxLatencyMs: this.maxLatencyMs,
    };
  }

  setHealthy(healthy: boolean): void {
    this.healthy = healthy;
  }

  setDelay(ms: number): void {
    this.delayMs = checkDelayMs(ms, 'delay');
  }

  setFailureRate(rate: number): void {
    this.failureRate = checkFailureRate(rate, 'failure rate');
  }

  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      for (const timer of this.timers) clearTimeout(timer);
      this.timers.clear();
      this.server.close(() => resolve());
      // Keep-alive sockets would otherwise hold close() open for seconds.
      this.server.closeAllConnections();
      for (const socket of this.upgraded) socket.destroy();
    });
    return this.closing;
  }

  readonly onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q === -1 ? url : url.slice(0, q);
    const query = q === -1 ? undefined : new URLSearchParams(url.slice(q + 1));
    if (path === '/control') {
      this.control(res, query);
      return;
    }
    let extraDelay = 0;
    let status = 200;
    if (query !== undefined) {
      try {
        const delay = query.get('delay');
        if (delay !== null) extraDelay = parseDelayMs(delay, 'delay');
        const code = query.get('status');
        if (code !== null) status = parseStatus(code, 'status');
      } catch (error) {
        this.sendError(res, 400, errorMessage(error));
        return;
      }
    }
    if (path !== '/health') this.requestCount++;
    const headers = req.headers;
    if (headers['content-length'] === undefined && headers['transfer-encoding'] === undefined) {
      this.delayThenRespond(req, res, path, query, status, extraDelay, -1, '');
      return;
    }
    // Hash the body as it arrives so any size works in constant memory.
    const hash = createHash('sha256');
    let length = 0;
    req.on('data', (chunk: Buffer) => {
      length += chunk.length;
      hash.update(chunk);
    });
    req.on('end', () => {
      this.delayThenRespond(req, res, path, query, status, extraDelay, length, hash.digest('hex'));
    });
    // A client that goes away mid-upload must not crash the server.
    req.on('error', noop);
  };

  /**
   * An Upgrade request: GET /ws with a WebSocket handshake gets the echo,
   * whose first message is `{"server":name,"port":port}`; anything else is
   * answered 404 and the connection closed.
   */
  readonly onUpgrade = (req: IncomingMessage, duplex: Duplex, head: Buffer): void => {
    const socket = duplex as Socket;
    socket.on('error', noop);
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q === -1 ? url : url.slice(0, q);
    this.requestCount++;
    if (path === '/ws' && serveWebSocketEcho(req, socket, head, `${this.echoPrefix}}`, ['x-backend', this.name])) {
      this.upgraded.add(socket);
      socket.once('close', () => this.upgraded.delete(socket));
      return;
    }
    const body = JSON.stringify({ server: this.name, error: `no WebSocket endpoint at ${path} (try GET /ws)` });
    socket.end(
      `HTTP/1.1 404 Not Found\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nx-backend: ${this.name}\r\nconnection: close\r\n\r\n${body}`,
    );
  };

  private delayThenRespond(
    req: IncomingMessage,
    res: ServerResponse,
    path: string,
    query: URLSearchParams | undefined,
    status: number,
    extraDelay: number,
    bodyLength: number,
    bodySha256: string,
  ): void {
    let delay = extraDelay + this.delayMs;
    if (this.maxLatencyMs > 0) {
      delay += this.minLatencyMs + Math.random() * (this.maxLatencyMs - this.minLatencyMs);
    }
    if (delay <= 0) {
      this.respond(req, res, path, query, status, bodyLength, bodySha256);
      return;
    }
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (!res.destroyed) this.respond(req, res, path, query, status, bodyLength, bodySha256);
    }, Math.min(delay, MAX_DELAY_MS));
    this.timers.add(timer);
  }

  private respond(
    req: IncomingMessage,
    res: ServerResponse,
    path: string,
    query: URLSearchParams | undefined,
    status: number,
    bodyLength: number,
    bodySha256: string,
  ): void {
    if (path === '/health') {
      if (this.healthy) this.sendJson(res, 200, this.healthyBody);
      else this.sendJson(res, 503, this.unhealthyBody);
      return;
    }
    if (this.failureRate > 0 && Math.random() < this.failureRate) {
      this.sendError(res, 500, `simulated failure (failure rate ${this.failureRate})`);
      return;
    }
    if (path.startsWith(BYTES_PREFIX)) {
      let size: number;
      try {
        size = parseByteSize(path.slice(BYTES_PREFIX.length), 'bytes');
      } catch (error) {
        this.sendError(res, 400, errorMessage(error));
        return;
      }
      this.sendBytes(req, res, size);
      return;
    }
    if (status === 204 || status === 304) {
      res.writeHead(status, ['x-backend', this.name]);
      res.end();
      return;
    }
    let body =
      this.echoPrefix +
      ',"method":' +
      JSON.stringify(req.method) +
      ',"path":' +
      JSON.stringify(path) +
      ',"query":' +
      (query === undefined ? '{}' : JSON.stringify(Object.fromEntries(query))) +
      ',"headers":' +
      JSON.stringify(req.headers);
    if (bodyLength >= 0) body += `,"bodyLength":${bodyLength},"bodySha256":"${bodySha256}"`;
    this.sendJson(res, status, body + '}');
  }

  private sendBytes(req: IncomingMessage, res: ServerResponse, size: number): void {
    res.writeHead(200, [
      'content-type',
      'application/octet-stream',
      'content-length',
      String(size),
      'x-backend',
      this.name,
    ]);
    if (size === 0 || req.method === 'HEAD') {
      res.end();
      return;
    }
    const source = new DeterministicByteSource();
    let left = size;
    // Produce a chunk only when the socket has room: memory stays flat for any size.
    const pump = (): void => {
      while (left > 0) {
        if (res.destroyed) return;
        const chunk = source.next(Math.min(left, DETERMINISTIC_CHUNK_SIZE));
        left -= chunk.length;
        if (!res.write(chunk) && left > 0) {
          res.once('drain', pump);
          return;
        }
      }
      res.end();
    };
    pump();
  }

  private control(res: ServerResponse, query: URLSearchParams | undefined): void {
    const next = this.settings;
    try {
      for (const [key, value] of query ?? []) {
        switch (key) {
          case 'set_delay_ms':
            next.delayMs = parseDelayMs(value, key);
            break;
          case 'healthy':
            next.healthy = parseBoolean(value, key);
            break;
          case 'failure_rate':
            next.failureRate = parseFailureRate(value, key);
            break;
          case 'min_latency_ms':
            next.minLatencyMs = parseDelayMs(value, key);
            break;
          case 'max_latency_ms':
            next.maxLatencyMs = parseDelayMs(value, key);
            break;
          default:
            throw new RangeError(`unknown control parameter "${key}"; accepted: ${CONTROL_PARAMETERS}`);
        }
      }
      checkLatencyRange(next.minLatencyMs, next.maxLatencyMs);
    } catch (error) {
      this.sendError(res, 400, errorMessage(error));
      return;
    }
    // All parameters are checked before any is applied: a bad request changes nothing.
    this.healthy = next.healthy;
    this.delayMs = next.delayMs;
    this.failureRate = next.failureRate;
    this.minLatencyMs = next.minLatencyMs;
    this.maxLatencyMs = next.maxLatencyMs;
    this.sendJson(res, 200, JSON.stringify({ server: this.name, ...next, requestCount: this.requestCount }));
  }

  private sendError(res: ServerResponse, status: number, message: string): void {
    this.sendJson(res, status, `{"server":${JSON.stringify(this.name)},"error":${JSON.stringify(message)}}`);
  }

  private sendJson(res: ServerResponse, status: number, body: string): void {
    // A flat header array skips Node's per-header bookkeeping of setHeader().
    res.writeHead(status, [
      'content-type',
      'application/json',
      'content-length',
      String(Buffer.byteLength(body)),
      'x-backend',
      this.name,
    ]);
    res.end(body);
  }
}

function checkName(name: string): string {
  // The name travels in a header, so it must be a valid header value.
  if (!/^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/.test(name)) {
    throw new RangeError(`name: "${name}" must be printable ASCII without leading or trailing spaces`);
  }
  return name;
}

/** Starts a test backend; resolves once it is listening. */
export async function startTestBackend(options: TestBackendOptions = {}): Promise<TestBackend> {
  const port = checkPort(options.port ?? 0, 'port');
  const host = options.host ?? '127.0.0.1';
  if (options.name !== undefined) checkName(options.name);
  // No overall request deadline: a slow 200 MB upload is a legitimate test.
  const server = createServer({ requestTimeout: 0 });
  const backend = new RunningTestBackend(server, host, options);
  server.on('request', backend.onRequest);
  server.on('upgrade', backend.onUpgrade);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const actualPort = (server.address() as AddressInfo).port;
      backend.identify(actualPort, options.name ?? `backend-${actualPort}`);
      resolve();
    });
  });
  return backend;
}
