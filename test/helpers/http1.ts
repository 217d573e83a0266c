// Helpers for the transport's tests: a raw `net` server that answers with
// scripted bytes, and a promise-based client over Upstream.dispatch (so over
// ConnectionPool, which implements it) that checks the callback contract
// (exactly one of onComplete/onError).
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { ConnectionPool, type ConnectionPoolOptions, type DispatchOptions } from '../../src/upstream/http1/index.js';
import type { Upstream } from '../../src/upstream/upstream.js';

export interface ScriptedRequest {
  /** Request head text, up to and including the blank line. */
  head: string;
  /** Index of the connection (0-based, in accept order). */
  connection: number;
  /** Index of this request on its connection. */
  index: number;
  socket: Socket;
}

export interface ScriptedServer {
  port: number;
  url: string;
  /** Connections accepted so far. */
  connections(): number;
  /** Connections currently open. */
  open(): number;
  /** Every byte received, per connection. */
  received: Buffer[];
  close(): Promise<void>;
}

/**
 * A server that calls `onRequest` for every request head it reads (bodies
 * are not parsed: tests that send bodies look at `received`).
 */
export async function scriptedServer(onRequest: (req: ScriptedRequest) => void): Promise<ScriptedServer> {
  const sockets = new Set<Socket>();
  const received: Buffer[] = [];
  let count = 0;
  const server: Server = createServer((socket) => {
    const connection = count++;
    sockets.add(socket);
    received[connection] = Buffer.alloc(0);
    let pending = '';
    let index = 0;
    socket.on('data', (data: Buffer) => {
      received[connection] = Buffer.concat([received[connection]!, data]);
      pending += data.toString('latin1');
      for (let end = pending.indexOf('\r\n\r\n'); end !== -1; end = pending.indexOf('\r\n\r\n')) {
        const head = pending.slice(0, end + 4);
        pending = pending.slice(end + 4);
        onRequest({ head, connection, index: index++, socket });
      }
    });
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    connections: () => count,
    open: () => sockets.size,
    received,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export interface Reply {
  status: number;
  statusText: string;
  headers: string[];
  body: Buffer;
}

export type ReplyError = Error & { code?: string; reusedConnection?: boolean };

/** Dispatches and collects the whole answer; asserts the handler contract. */
export function send(pool: Upstream, opts: Partial<DispatchOptions> = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    let ended = false;
    let status = 0;
    let statusText = '';
    let headers: string[] = [];
    const chunks: Buffer[] = [];
    const end = (what: string) => {
      if (ended) throw new Error(`${what} after the request already ended`);
      ended = true;
    };
    pool.dispatch(
      { path: '/', method: 'GET', headers: ['host', 'test'], body: null, ...opts },
      {
        onConnect() {},
        onHeaders(s, h, _resume, text) {
          status = s;
          headers = h;
          statusText = text;
          return true;
        },
        onData(chunk) {
          chunks.push(chunk);
          return true;
        },
        onComplete() {
          end('onComplete');
          resolve({ status, statusText, headers, body: Buffer.concat(chunks) });
        },
        onError(err) {
          end('onError');
          reject(err);
        },
      },
    );
  });
}

/** Like send(), resolving with the error (rejecting if it succeeded). */
export async function sendExpectingError(pool: Upstream, opts: Partial<DispatchOptions> = {}): Promise<ReplyError> {
  try {
    const reply = await send(pool, opts);
    throw new Error(`expected an error, got ${reply.status}`);
  } catch (err) {
    return err as ReplyError;
  }
}

export function header(reply: Reply, name: string): string | undefined {
  for (let i = 0; i < reply.headers.length; i += 2) {
    if (reply.headers[i]!.toLowerCase() === name) return reply.headers[i + 1];
  }
  return undefined;
}

export function okResponse(body = 'hello', extra = ''): string {
  return `HTTP/1.1 200 OK\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${extra}\r\n${body}`;
}

/** A pool that the test closes afterwards. */
export function testPool(t: { after: (fn: () => Promise<void>) => void }, url: string, options: ConnectionPoolOptions = {}): ConnectionPool {
  const pool = new ConnectionPool(url, options);
  t.after(() => pool.destroy());
  return pool;
}

export const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
