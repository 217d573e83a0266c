// An HTTP/2 client for tests, over node:http2: a session over TLS (ALPN h2)
// or cleartext with prior knowledge (h2c), and one request at a time
// collected whole — status, headers, body, trailers, informational answers —
// every wait bounded.
import { connect, type ClientHttp2Session, type ClientHttp2Stream, type IncomingHttpHeaders, type OutgoingHttpHeaders, type SecureClientSessionOptions } from 'node:http2';

/** Opens a session once its SETTINGS are exchanged; fails after 5 s. */
export function openSession(authority: string, options: SecureClientSessionOptions = {}): Promise<ClientHttp2Session> {
  return new Promise((resolve, reject) => {
    const session = connect(authority, options);
    const timer = setTimeout(() => {
      session.destroy();
      reject(new Error(`no HTTP/2 session with ${authority} within 5 s`));
    }, 5_000);
    const fail = (err: Error) => {
      clearTimeout(timer);
      session.destroy();
      reject(err);
    };
    session.once('error', fail);
    session.once('remoteSettings', () => {
      clearTimeout(timer);
      session.off('error', fail);
      // A later failure shows up on the streams that it ends.
      session.on('error', () => {});
      resolve(session);
    });
  });
}

/** Closes a session (GOAWAY, then the socket), bounded to 2 s. */
export function closeSession(session: ClientHttp2Session): Promise<void> {
  if (session.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      session.destroy();
      resolve();
    }, 2_000);
    session.close(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

export interface H2Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  trailers: IncomingHttpHeaders | undefined;
  /** Statuses of the informational (1xx) answers before the final one. */
  informational: number[];
}

export interface H2RequestOptions {
  /** Sent whole, then the stream ends (or trailers follow). */
  body?: Buffer | string;
  /** Sent after the body; the request stream ends with them. */
  trailers?: OutgoingHttpHeaders;
  /** Writes the body itself instead of `body`; must end the stream (or leave it to trailers). */
  send?: (stream: ClientHttp2Stream) => void;
  /** Called for each chunk of the answer's body, which may pause and resume the stream. */
  onData?: (chunk: Buffer, stream: ClientHttp2Stream) => void;
  timeoutMs?: number;
}

/** One request on `session`, its answer collected whole; rejects on a reset or after `timeoutMs` (5 s). */
export function h2Request(session: ClientHttp2Session, headers: OutgoingHttpHeaders, options: H2RequestOptions = {}): Promise<H2Answer> {
  return new Promise((resolve, reject) => {
    const hasBody = options.body !== undefined || options.send !== undefined || options.trailers !== undefined;
    const stream = session.request(headers, { endStream: !hasBody, waitForTrailers: options.trailers !== undefined });
    const timer = setTimeout(() => stream.destroy(new Error(`no whole answer to ${String(headers[':path'] ?? '/')} within ${options.timeoutMs ?? 5_000} ms`)), options.timeoutMs ?? 5_000);
    const answer: H2Answer = { status: 0, headers: {}, body: Buffer.alloc(0), trailers: undefined, informational: [] };
    const chunks: Buffer[] = [];
    stream.on('headers', (informational: IncomingHttpHeaders) => answer.informational.push(Number(informational[':status'])));
    stream.on('response', (head: IncomingHttpHeaders) => {
      answer.status = Number(head[':status']);
      answer.headers = head;
    });
    stream.on('trailers', (trailers: IncomingHttpHeaders) => (answer.trailers = trailers));
    stream.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      options.onData?.(chunk, stream);
    });
    stream.on('end', () => {
      answer.body = Buffer.concat(chunks);
    });
    stream.on('close', () => {
      clearTimeout(timer);
      if (stream.rstCode !== 0 || answer.status === 0) reject(new Error(`stream closed with code ${stream.rstCode} before a whole answer`));
      else resolve(answer);
    });
    stream.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    if (options.trailers !== undefined) stream.once('wantTrailers', () => stream.sendTrailers(options.trailers!));
    if (options.send !== undefined) options.send(stream);
    else if (options.body !== undefined) stream.end(options.body);
    else if (options.trailers !== undefined) stream.end();
  });
}
