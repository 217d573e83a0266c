// Helpers for tests about who the client is: requests sent from a chosen
// local address (127.0.0.2 and ::1 are loopback too), a backend that echoes
// the head it received, fairway started from YAML with its access lines on
// stdout, and the ports of its named listeners.
import { request as httpRequest, createServer, type IncomingMessage, type OutgoingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { startChildFairway, type ChildFairway } from './child-fairway.js';

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One request on a fresh connection from `localAddress` (default: the OS's choice), bounded in time. */
export function requestFrom(
  host: string,
  port: number,
  path: string,
  options: { localAddress?: string; headers?: OutgoingHttpHeaders; method?: string } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host, port, path, method: options.method ?? 'GET', headers: options.headers, localAddress: options.localAddress, agent: false, timeout: 10_000 },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer from ${host}:${port}${path} within 10 s`)));
    req.on('error', reject);
    req.end();
  });
}

export interface EchoBackend {
  server: Server;
  url: string;
  name: string;
}

/** A backend that answers with its name and the raw head it received. */
export async function echoBackend(name: string): Promise<EchoBackend> {
  const server = createServer((req: IncomingMessage, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ name, path: req.url, rawHeaders: req.rawHeaders }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, name };
}

/** What an echo backend saw. */
export function echoed(answer: Answer): { name: string; path: string; rawHeaders: string[] } {
  return JSON.parse(answer.body) as { name: string; path: string; rawHeaders: string[] };
}

/** Values of a header in a raw [name, value, ...] list, names in any case. */
export function headerValues(raw: readonly string[], name: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) if (raw[i]!.toLowerCase() === name) out.push(raw[i + 1]!);
  return out;
}

/** A fairway child process from `yaml`; it and its temp dir go when the test ends. The file path is returned for reloads. */
export async function startFromYaml(t: TestContext, yaml: string): Promise<{ lb: ChildFairway; file: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'fairway-client-'));
  const file = join(dir, 'fairway.yaml');
  writeFileSync(file, yaml);
  const lb = await startChildFairway(['-c', file]);
  t.after(async () => {
    await lb.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  return { lb, file };
}

/** The port of each named listener, from the start-up line. */
export function listenerPorts(lb: ChildFairway): Record<string, number> {
  const line = lb.lines.find((l) => l.includes('fairway listening'));
  if (line === undefined) throw new Error('no start-up line');
  const listeners = (JSON.parse(line) as { listeners: Record<string, string> }).listeners;
  return Object.fromEntries(Object.entries(listeners).map(([name, url]) => [name, Number(url.slice(url.lastIndexOf(':') + 1))]));
}

/** The JSON access-log line (on stdout) of the request with this id, waited for a bounded time. */
export async function accessLine(lb: ChildFairway, requestId: string, timeoutMs = 5_000): Promise<Record<string, unknown>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const line = lb.lines.find((l) => l.includes(`"requestId":"${requestId}"`) && l.includes('"clientAddress"'));
    if (line !== undefined) return JSON.parse(line) as Record<string, unknown>;
    if (Date.now() > deadline) throw new Error(`no access line for ${requestId} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
