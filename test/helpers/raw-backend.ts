// A scriptable backend for failure tests: a node:http server whose handler
// the test writes, counting connections and concurrent requests.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type RawHandler = (req: IncomingMessage, res: ServerResponse) => void;

export interface RawBackend {
  url: string;
  port: number;
  requests: () => number;
  connections: () => number;
  /** Most requests open at the same time so far. */
  peakConcurrent: () => number;
  close(): Promise<void>;
}

export async function rawBackend(handler: RawHandler, port = 0): Promise<RawBackend> {
  const sockets = new Set<Socket>();
  let connections = 0;
  let requests = 0;
  let open = 0;
  let peak = 0;
  const server = createServer((req, res) => {
    requests++;
    open++;
    peak = Math.max(peak, open);
    res.on('close', () => open--);
    handler(req, res);
  });
  server.on('connection', (s: Socket) => {
    connections++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()));
  const actualPort = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${actualPort}`,
    port: actualPort,
    requests: () => requests,
    connections: () => connections,
    peakConcurrent: () => peak,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** Reads a request body fully and answers it with its length and an id. */
export function echoLength(name: string): RawHandler {
  return (req, res) => {
    let n = 0;
    req.on('data', (c: Buffer) => (n += c.length));
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json', 'x-backend': name });
      res.end(JSON.stringify({ server: name, bodyLength: n }));
    });
  };
}

/**
 * A backend whose answer, with `status`, never ends for a reader that does
 * not stop: 16 KiB every 2 ms, bounded for the test at 5000 chunks (80 MB).
 * `closedAfter` gets how many chunks were sent when each answer closed.
 */
export async function endlessBodyBackend(status: number): Promise<RawBackend & { closedAfter: number[] }> {
  const chunk = Buffer.alloc(16 * 1024, 'x');
  const closedAfter: number[] = [];
  const backend = await rawBackend((_req, res) => {
    res.writeHead(status, { 'content-type': 'text/plain' });
    let sent = 0;
    const timer = setInterval(() => {
      if (sent >= 5000) {
        clearInterval(timer);
        res.end();
        return;
      }
      res.write(chunk);
      sent++;
    }, 2);
    res.on('close', () => {
      clearInterval(timer);
      closedAfter.push(sent);
    });
  });
  return { ...backend, closedAfter };
}
