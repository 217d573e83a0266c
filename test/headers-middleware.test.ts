// The `headers` middleware, end to end: a real `fairway` process started from
// a YAML file, a real backend that echoes what it received, and a real
// client. Request changes reach the backend; response changes reach the
// client; a route without the middleware is left alone; a reload applies a
// changed definition.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { startChildFairway } from './helpers/child-fairway.js';

/** A backend that answers with the request headers it received, and headers of its own. */
async function echoBackend(): Promise<{ server: Server; url: string }> {
  const server = createServer((req: IncomingMessage, res) => {
    const body = JSON.stringify({ path: req.url, rawHeaders: req.rawHeaders });
    res.writeHead(200, { 'content-type': 'application/json', server: 'echo/1.0', 'x-backend-debug': 'yes', 'x-frame-options': 'SAMEORIGIN' });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/** Values of a header in a raw [name, value, ...] list, names in any case. */
function values(raw: string[], name: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) if (raw[i]!.toLowerCase() === name) out.push(raw[i + 1]!);
  return out;
}

function config(backendUrl: string, envValue: string): string {
  return `listen: { host: 127.0.0.1, port: 0 }
admin: { port: 0 }
middlewares:
  tag:
    headers:
      request:  { set: { X-Env: ${envValue} }, remove: [X-Debug] }
      response: { set: { X-Frame-Options: DENY }, remove: [Server, X-Backend-Debug] }
pools:
  - name: app
    healthCheck: { enabled: false }
    backends: [${backendUrl}]
routes:
  - { pathPrefix: /tagged, pool: app, middlewares: [tag] }
  - { pathPrefix: /, pool: app }
`;
}

/** A fairway child process from the YAML above, with its backend; both stop when the test ends. */
async function startTagged(t: TestContext, envValue: string) {
  const backend = await echoBackend();
  const dir = mkdtempSync(join(tmpdir(), 'fairway-headers-'));
  const file = join(dir, 'fairway.yaml');
  writeFileSync(file, config(backend.url, envValue));
  const lb = await startChildFairway(['-c', file]);
  t.after(async () => {
    await lb.stop();
    backend.server.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { lb, backend, file };
}

test('headers middleware: request headers are set and removed before the backend, response headers before the client; other routes are untouched', async (t) => {
  const { lb } = await startTagged(t, 'prod');

  const tagged = await request(`${lb.url}/tagged/x`, { headers: { 'x-env': 'dev', 'X-ENV': 'other', 'x-debug': '1', 'x-kept': 'k' } });
  assert.equal(tagged.statusCode, 200);
  const seen = (await tagged.body.json()) as { rawHeaders: string[] };
  assert.deepEqual(values(seen.rawHeaders, 'x-env'), ['prod'], 'every client value of X-Env replaced by the configured one');
  assert.ok(seen.rawHeaders.includes('X-Env'), 'sent with the configured spelling');
  assert.deepEqual(values(seen.rawHeaders, 'x-debug'), [], 'X-Debug removed');
  assert.deepEqual(values(seen.rawHeaders, 'x-kept'), ['k']);
  assert.equal(values(seen.rawHeaders, 'x-forwarded-for').length, 1, 'forwarded headers still set');
  assert.equal(tagged.headers['x-frame-options'], 'DENY', "the backend's value replaced");
  assert.equal(tagged.headers['server'], undefined);
  assert.equal(tagged.headers['x-backend-debug'], undefined);
  assert.ok(typeof tagged.headers['x-request-id'] === 'string');

  const plain = await request(`${lb.url}/other`, { headers: { 'x-debug': '1' } });
  const plainSeen = (await plain.body.json()) as { rawHeaders: string[] };
  assert.deepEqual(values(plainSeen.rawHeaders, 'x-debug'), ['1'], 'a route without the middleware forwards X-Debug');
  assert.deepEqual(values(plainSeen.rawHeaders, 'x-env'), []);
  assert.equal(plain.headers['server'], 'echo/1.0');
  assert.equal(plain.headers['x-frame-options'], 'SAMEORIGIN');
});

test('headers middleware: a reload applies a changed definition to new requests', async (t) => {
  const { lb, backend, file } = await startTagged(t, 'prod');
  const envSeen = async (): Promise<string[]> => {
    const res = await request(`${lb.url}/tagged/`);
    return values(((await res.body.json()) as { rawHeaders: string[] }).rawHeaders, 'x-env');
  };
  assert.deepEqual(await envSeen(), ['prod']);

  writeFileSync(file, config(backend.url, 'staging'));
  const reload = await request(`http://127.0.0.1:${lb.adminPort}/api/reload`, { method: 'POST' });
  const result = (await reload.body.json()) as { ok: boolean; changes: string[] };
  assert.equal(result.ok, true);
  assert.ok(result.changes.includes('middlewares changed'), `changes: ${result.changes.join('; ')}`);
  assert.deepEqual(await envSeen(), ['staging']);
});
