// A reference HTTP/1.1 request parser for differential tests: llhttp, as
// node:http runs it (strict, insecureHTTPParser off). Each call sends raw
// bytes over a fresh connection, half-closes it, and reports what node:http
// made of the first request in them.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect, type Socket } from 'node:net';

export type ReferenceOutcome =
  | { kind: 'accepted'; method: string; url: string; rawHeaders: string[]; body: string; rawTrailers: string[] }
  /** The head was read (an upgrade or CONNECT, or a body that did not end): only the head compares. */
  | { kind: 'head'; method: string; url: string; rawHeaders: string[] }
  /** llhttp's error code, or `node-400` for node:http's own refusal (a missing Host). */
  | { kind: 'rejected'; code: string }
  /** The bytes ended inside the request. */
  | { kind: 'incomplete' };

interface Seen {
  method: string;
  url: string;
  rawHeaders: string[];
  body: Buffer[];
  complete: boolean;
  rawTrailers: string[];
  tunnel: boolean;
}

interface Case {
  requests: Seen[];
  /** The first parse error and how many requests had started before it. */
  error: { code: string; after: number } | undefined;
  response: string;
}

const caseOf = new WeakMap<Socket, Case>();

export interface Reference {
  parse(raw: Buffer, timeoutMs?: number): Promise<ReferenceOutcome>;
  close(): Promise<void>;
}

function seen(req: IncomingMessage, tunnel: boolean): Seen {
  return { method: req.method ?? '', url: req.url ?? '', rawHeaders: req.rawHeaders, body: [], complete: false, rawTrailers: [], tunnel };
}

export async function startReference(): Promise<Reference> {
  const server: Server = createServer({ insecureHTTPParser: false });
  let current: Case | undefined;
  server.on('connection', (socket: Socket) => {
    if (current !== undefined) caseOf.set(socket, current);
  });
  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    const c = caseOf.get(req.socket);
    const s = seen(req, false);
    c?.requests.push(s);
    req.on('data', (chunk: Buffer) => s.body.push(chunk));
    req.on('end', () => {
      s.complete = true;
      s.rawTrailers = req.rawTrailers;
      res.end();
    });
    req.on('error', () => undefined);
  };
  server.on('request', onRequest);
  // node:http answers an Expect it does not know with 417 itself; the parse is what is compared here.
  server.on('checkExpectation', onRequest);
  server.on('connect', (req: IncomingMessage, socket: Socket) => {
    caseOf.get(socket)?.requests.push(seen(req, true));
    socket.destroy();
  });
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    const c = caseOf.get(socket);
    if (c !== undefined && c.error === undefined) c.error = { code: err.code ?? 'unknown', after: c.requests.length };
    // Later: bodies of requests parsed before the error still flow to their 'end'.
    setTimeout(() => socket.destroy(), 5);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;

  async function parse(raw: Buffer, timeoutMs = 1000): Promise<ReferenceOutcome> {
    const c: Case = { requests: [], error: undefined, response: '' };
    current = c;
    await new Promise<void>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.write(raw);
        socket.end();
      });
      const timer = setTimeout(() => socket.destroy(), timeoutMs);
      socket.on('data', (chunk: Buffer) => (c.response += chunk.toString('latin1')));
      socket.on('error', () => undefined);
      socket.on('close', () => {
        clearTimeout(timer);
        resolve();
      });
    });
    current = undefined;
    const first = c.requests[0];
    if (first !== undefined) {
      if (first.complete && !first.tunnel) {
        const body = Buffer.concat(first.body).toString('latin1');
        return { kind: 'accepted', method: first.method, url: first.url, rawHeaders: first.rawHeaders, body, rawTrailers: first.rawTrailers };
      }
      return { kind: 'head', method: first.method, url: first.url, rawHeaders: first.rawHeaders };
    }
    if (c.error !== undefined) {
      return c.error.code === 'HPE_INVALID_EOF_STATE' ? { kind: 'incomplete' } : { kind: 'rejected', code: c.error.code };
    }
    if (c.response.startsWith('HTTP/1.1 400')) return { kind: 'rejected', code: 'node-400' };
    return { kind: 'incomplete' };
  }

  return {
    parse,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
