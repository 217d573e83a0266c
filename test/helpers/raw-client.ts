// A client on a raw TCP socket, for what HTTP clients hide: half-closing,
// several requests on one connection, request targets in absolute-form.
import { connect, type Socket } from 'node:net';

export interface RawResponse {
  status: number;
  /** Header names lower-cased; a repeated header keeps its last value. */
  headers: Record<string, string>;
  body: string;
}

export interface RawClient {
  socket: Socket;
  send(text: string): void;
  /** Sends FIN: no more requests, but still reading. */
  halfClose(): void;
  /** The next whole response (framed by Content-Length), failing after `timeoutMs`. */
  nextResponse(timeoutMs?: number): Promise<RawResponse>;
  /** Resolves true when the server closes the connection, false after `timeoutMs`. */
  closedWithin(timeoutMs: number): Promise<boolean>;
  destroy(): void;
}

export async function rawClient(port: number): Promise<RawClient> {
  const socket = connect(port, '127.0.0.1');
  socket.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  let buffered = Buffer.alloc(0);
  let closed = false;
  const wakers = new Set<() => void>();
  const wake = () => {
    for (const w of [...wakers]) w();
  };
  socket.on('data', (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk]);
    wake();
  });
  socket.on('close', () => {
    closed = true;
    wake();
  });

  /** Takes one response off the buffer when it is all there. */
  function takeResponse(): RawResponse | undefined {
    const headEnd = buffered.indexOf('\r\n\r\n');
    if (headEnd === -1) return undefined;
    const lines = buffered.subarray(0, headEnd).toString('latin1').split('\r\n');
    const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(lines[0]!)?.[1]);
    if (!Number.isInteger(status)) throw new Error(`not a status line: ${JSON.stringify(lines[0])}`);
    const headers: Record<string, string> = {};
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':');
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    if (headers['transfer-encoding']?.toLowerCase() === 'chunked') {
      const chunked = readChunked(buffered, headEnd + 4);
      if (chunked === undefined) return undefined;
      buffered = buffered.subarray(chunked.end);
      return { status, headers, body: chunked.body };
    }
    const length = Number(headers['content-length'] ?? 'NaN');
    if (!Number.isInteger(length)) throw new Error(`response without Content-Length or chunked framing: ${lines.join(' | ')}`);
    if (buffered.length < headEnd + 4 + length) return undefined;
    const body = buffered.subarray(headEnd + 4, headEnd + 4 + length).toString();
    buffered = buffered.subarray(headEnd + 4 + length);
    return { status, headers, body };
  }

  function waitUntil<T>(what: string, check: () => T | undefined, timeoutMs: number, onTimeout?: () => T): Promise<T> {
    return new Promise((resolve, reject) => {
      const done = (fn: () => void) => {
        clearTimeout(timer);
        wakers.delete(tryNow);
        fn();
      };
      const tryNow = () => {
        try {
          const value = check();
          if (value !== undefined) done(() => resolve(value));
        } catch (err) {
          done(() => reject(err as Error));
        }
      };
      const timer = setTimeout(() => {
        done(() => (onTimeout === undefined ? reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)) : resolve(onTimeout())));
      }, timeoutMs);
      wakers.add(tryNow);
      tryNow();
    });
  }

  return {
    socket,
    send: (text) => void socket.write(text),
    halfClose: () => void socket.end(),
    nextResponse: (timeoutMs = 5_000) =>
      waitUntil(
        'a response',
        () => {
          const response = takeResponse();
          if (response === undefined && closed) throw new Error(`connection closed before a whole response; got ${JSON.stringify(buffered.toString())}`);
          return response;
        },
        timeoutMs,
      ),
    closedWithin: (timeoutMs) => waitUntil('close', () => (closed ? true : undefined), timeoutMs, () => false),
    destroy: () => void socket.destroy(),
  };
}

/** A chunked body starting at `start` (no trailers), or undefined while incomplete. */
function readChunked(data: Buffer, start: number): { body: string; end: number } | undefined {
  const parts: Buffer[] = [];
  let at = start;
  for (;;) {
    const lineEnd = data.indexOf('\r\n', at);
    if (lineEnd === -1) return undefined;
    const size = parseInt(data.subarray(at, lineEnd).toString('latin1'), 16);
    if (!Number.isInteger(size)) throw new Error(`bad chunk size line at byte ${at}`);
    if (data.length < lineEnd + 2 + size + 2) return undefined;
    if (size === 0) return { body: Buffer.concat(parts).toString(), end: lineEnd + 4 };
    parts.push(data.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
}
