// A fairway started from a YAML config file (so the file is what reloads
// re-read), with its log lines kept, and TLS clients that report what the
// handshake gave: certificate, protocol, ALPN, resumption.
import { request as httpsRequest, type Agent } from 'node:https';
import { request as httpRequest } from 'node:http';
import { connect, type ConnectionOptions, type TLSSocket } from 'node:tls';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { loadConfig } from '../../src/config/load.js';
import { formatProblems } from '../../src/config/problems.js';
import { createFairway, type Fairway } from '../../src/fairway.js';
import { rawBackend, type RawBackend } from './raw-backend.js';

export interface Rig {
  fairway: Fairway;
  file: string;
  /** Port of each listener by name. */
  ports: Record<string, number>;
  adminUrl: string;
  /** Parsed JSON log lines so far. */
  logs: Record<string, unknown>[];
  close(): Promise<void>;
}

/** A backend answering every request with the request's headers as JSON. */
export function headerEchoBackend(): Promise<RawBackend> {
  return rawBackend((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(req.headers));
  });
}

export async function startRig(dir: string, yaml: string, name = 'fairway.yaml'): Promise<Rig> {
  const file = join(dir, name);
  writeFileSync(file, yaml);
  const load = () => loadConfig({ file, env: {} });
  const loaded = load();
  if (!loaded.ok) throw new Error(formatProblems(loaded.errors));
  const logs: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n')) if (line.trim() !== '') logs.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const fairway = createFairway(loaded.config, { logger: pino({ level: 'debug' }, sink), loadConfig: load });
  const { listeners, admin } = await fairway.listen();
  return {
    fairway,
    file,
    ports: Object.fromEntries(listeners.map((l) => [l.name, l.address.port])),
    adminUrl: admin ? `http://127.0.0.1:${admin.port}` : '',
    logs,
    close: () => fairway.close(1_000),
  };
}

export interface Handshake {
  /** The server certificate's CN, or undefined when the handshake failed. */
  cn?: string;
  protocol?: string | null;
  alpn?: string | false | null;
  reused?: boolean;
  session?: Buffer;
  error?: string;
}

/** One TLS connection: handshake, one request so session tickets arrive, close. Bounded to 5 s. */
export function handshake(port: number, options: ConnectionOptions = {}): Promise<Handshake> {
  return new Promise((resolve) => {
    const out: Handshake = {};
    const socket: TLSSocket = connect({ host: '127.0.0.1', port, rejectUnauthorized: false, ALPNProtocols: ['http/1.1'], ...options }, () => {
      const subject = socket.getPeerX509Certificate()?.subject ?? '';
      out.cn = /^CN=(.*)$/m.exec(subject)?.[1] ?? '(none)';
      out.protocol = socket.getProtocol();
      out.alpn = socket.alpnProtocol;
      out.reused = socket.isSessionReused();
      socket.write('GET /health HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n');
    });
    socket.on('session', (session: Buffer) => (out.session = session));
    socket.on('error', (err) => (out.error ??= err.message));
    socket.resume();
    const timer = setTimeout(() => socket.destroy(new Error('timed out')), 5_000);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(out);
    });
  });
}

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One request over https (or http when `tls` is false), bounded to 5 s. */
export function fetchOnce(
  port: number,
  path: string,
  options: { tls?: boolean; servername?: string; headers?: Record<string, string>; method?: string; ca?: string; cert?: string; key?: string; agent?: Agent | false } = {},
): Promise<Answer> {
  const tls = options.tls ?? true;
  return new Promise((resolve, reject) => {
    const common = { host: '127.0.0.1', port, path, method: options.method ?? 'GET', headers: options.headers ?? {}, timeout: 5_000, agent: options.agent ?? false };
    const onResponse = (res: import('node:http').IncomingMessage) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    };
    const req = tls
      ? httpsRequest({ ...common, servername: options.servername ?? 'a.example.com', rejectUnauthorized: options.ca !== undefined, ca: options.ca, cert: options.cert, key: options.key }, onResponse)
      : httpRequest(common, onResponse);
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end();
  });
}
