import { after, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Readable } from 'node:stream';
import { Agent, request } from 'undici';
import { startTestBackend, type TestBackend, type TestBackendOptions } from '../src/tools/test-backend.js';
import {
  DeterministicByteSource,
  deterministicBytes,
  deterministicSha256,
} from '../src/tools/deterministic-bytes.js';

const agent = new Agent({ connections: 8 });
after(() => agent.close());

async function backend(t: TestContext, options: TestBackendOptions = {}): Promise<TestBackend> {
  const started = await startTestBackend(options);
  t.after(() => started.close());
  return started;
}

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  bytes: Buffer;
  text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  json: any;
}

async function call(url: string, options: Parameters<typeof request>[1] = {}): Promise<Answer> {
  const res = await request(url, { dispatcher: agent, headersTimeout: 10_000, bodyTimeout: 10_000, ...options });
  const bytes = Buffer.from(await res.body.arrayBuffer());
  const text = bytes.toString();
  const json = text !== '' && String(res.headers['content-type']).startsWith('application/json') ? JSON.parse(text) : undefined;
  return { status: res.statusCode, headers: res.headers, bytes, text, json };
}

async function timed(url: string): Promise<{ answer: Answer; ms: number }> {
  const start = performance.now();
  const answer = await call(url);
  return { answer, ms: performance.now() - start };
}

function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

test('echo answers JSON naming the server and the request, with x-backend', async (t) => {
  const b = await backend(t);
  assert.equal(b.name, `backend-${b.port}`);
  assert.equal(b.url, `http://127.0.0.1:${b.port}`);
  const a = await call(`${b.url}/some/path?a=1&b=two`, { headers: { 'x-test': 'yes' } });
  assert.equal(a.status, 200);
  assert.equal(a.headers['x-backend'], b.name);
  assert.equal(a.headers['content-type'], 'application/json');
  assert.equal(a.json.server, b.name);
  assert.equal(a.json.port, b.port);
  assert.equal(a.json.method, 'GET');
  assert.equal(a.json.path, '/some/path');
  assert.deepEqual(a.json.query, { a: '1', b: 'two' });
  assert.equal(a.json.headers['x-test'], 'yes');
  assert.equal(a.json.bodyLength, undefined, 'no body sent, so no body fields');
});

test('the configured name is used in the body and the header', async (t) => {
  const b = await backend(t, { name: 'alpha' });
  const a = await call(`${b.url}/`, { method: 'DELETE' });
  assert.equal(a.headers['x-backend'], 'alpha');
  assert.equal(a.json.server, 'alpha');
  assert.equal(a.json.method, 'DELETE');
  await assert.rejects(startTestBackend({ name: 'bad\nname' }), /printable ASCII/);
});

test('/health follows the healthy setting from /control and from the API', async (t) => {
  const b = await backend(t, { name: 'h' });
  let a = await call(`${b.url}/health`);
  assert.equal(a.status, 200);
  assert.deepEqual(a.json, { status: 'ok', server: 'h' });

  a = await call(`${b.url}/control?healthy=false`);
  assert.equal(a.status, 200);
  assert.equal(a.json.healthy, false);
  a = await call(`${b.url}/health`);
  assert.equal(a.status, 503);
  assert.equal(a.json.status, 'unhealthy');
  // Only /health reports the state; ordinary traffic is still served.
  assert.equal((await call(`${b.url}/`)).status, 200);

  await call(`${b.url}/control?healthy=true`);
  assert.equal((await call(`${b.url}/health`)).status, 200);
  b.setHealthy(false);
  assert.equal((await call(`${b.url}/health`)).status, 503);
  const down = await backend(t, { healthy: false });
  assert.equal((await call(`${down.url}/health`)).status, 503);
});

test('?delay, /control?set_delay_ms and the latency range delay the answer', async (t) => {
  const b = await backend(t);
  let r = await timed(`${b.url}/?delay=150`);
  assert.equal(r.answer.status, 200);
  assert.ok(r.ms >= 150, `answered after ${r.ms} ms`);

  const c = await call(`${b.url}/control?set_delay_ms=100`);
  assert.equal(c.json.delayMs, 100);
  assert.equal(b.settings.delayMs, 100);
  r = await timed(`${b.url}/`);
  assert.ok(r.ms >= 100, `answered after ${r.ms} ms`);
  // A slow backend is slow for health checks too.
  r = await timed(`${b.url}/health`);
  assert.ok(r.ms >= 100, `health answered after ${r.ms} ms`);
  b.setDelay(0);
  assert.equal(b.settings.delayMs, 0);

  const slow = await backend(t, { minLatencyMs: 80, maxLatencyMs: 120 });
  r = await timed(`${slow.url}/`);
  assert.ok(r.ms >= 80, `answered after ${r.ms} ms`);
});

test('?status answers that status, with the JSON body except for 204 and 304', async (t) => {
  const b = await backend(t);
  let a = await call(`${b.url}/x?status=418`);
  assert.equal(a.status, 418);
  assert.equal(a.json.path, '/x');
  a = await call(`${b.url}/?status=503`);
  assert.equal(a.status, 503);
  assert.equal(a.json.server, b.name);
  a = await call(`${b.url}/?status=204`);
  assert.equal(a.status, 204);
  assert.equal(a.text, '');
  assert.equal(a.headers['x-backend'], b.name);
  a = await call(`${b.url}/?status=99`);
  assert.equal(a.status, 400);
  assert.match(a.json.error, /status: "99" is not an HTTP status/);
  a = await call(`${b.url}/?delay=soon`);
  assert.equal(a.status, 400);
  assert.match(a.json.error, /delay/);
});

test('deterministicBytes is the same on every call, a prefix of longer streams, and not periodic', () => {
  const whole = Buffer.concat([...deterministicBytes(200_000)]);
  assert.equal(whole.length, 200_000);
  assert.deepEqual(Buffer.concat([...deterministicBytes(200_000)]), whole);
  assert.deepEqual(Buffer.concat([...deterministicBytes(1001)]), whole.subarray(0, 1001));
  // Chunk sizes that split 32-bit words must not change the stream.
  const source = new DeterministicByteSource();
  const odd = Buffer.concat([1, 2, 3, 5, 7, 11, 13, 65536, 1].map((n) => source.next(n)));
  assert.deepEqual(odd, whole.subarray(0, odd.length));
  assert.notDeepEqual(whole.subarray(0, 65536), whole.subarray(65536, 131072));
  assert.equal(deterministicSha256(1001), sha256(whole.subarray(0, 1001)));
  assert.equal(deterministicSha256(0), sha256(''));
});

test('/bytes/N streams N deterministic bytes with content-length', async (t) => {
  const b = await backend(t);
  const n = 3 * 1024 * 1024 + 7;
  const res = await request(`${b.url}/bytes/${n}`, { dispatcher: agent });
  assert.equal(res.statusCode, 200);
  assert.equal(res.headers['content-length'], String(n));
  assert.equal(res.headers['content-type'], 'application/octet-stream');
  const hash = createHash('sha256');
  let length = 0;
  for await (const chunk of res.body) {
    length += (chunk as Buffer).length;
    hash.update(chunk as Buffer);
  }
  assert.equal(length, n);
  assert.equal(hash.digest('hex'), deterministicSha256(n));

  const k = await call(`${b.url}/bytes/64k`);
  assert.equal(k.headers['content-length'], '65536');
  assert.equal(sha256(k.bytes), deterministicSha256(65536));
  assert.equal((await call(`${b.url}/bytes/0`)).text, '');
  const bad = await call(`${b.url}/bytes/lots`);
  assert.equal(bad.status, 400);
  assert.match(bad.json.error, /byte count/);
});

test('a client that aborts a large download does not disturb the server', async (t) => {
  const b = await backend(t);
  const controller = new AbortController();
  const res = await request(`${b.url}/bytes/1g`, { dispatcher: agent, signal: controller.signal });
  let seen = 0;
  await assert.rejects(
    (async () => {
      for await (const chunk of res.body) {
        seen += (chunk as Buffer).length;
        if (seen > 1024 * 1024) controller.abort();
      }
    })(),
  );
  assert.ok(seen < 1024 ** 3);
  assert.equal((await call(`${b.url}/health`)).status, 200);
});

test('request bodies are read fully and answered with length and sha256', async (t) => {
  const b = await backend(t);
  const upload = Buffer.concat([...deterministicBytes(5 * 1024 * 1024 + 3)]);
  let a = await call(`${b.url}/upload`, { method: 'POST', body: upload });
  assert.equal(a.status, 200);
  assert.equal(a.json.method, 'POST');
  assert.equal(a.json.bodyLength, upload.length);
  assert.equal(a.json.bodySha256, sha256(upload));

  // Chunked transfer encoding (no content-length) is read the same way.
  async function* chunks(): AsyncGenerator<Buffer> {
    yield* deterministicBytes(1_000_000, 10_000);
  }
  a = await call(`${b.url}/upload`, { method: 'PUT', body: Readable.from(chunks()) });
  assert.equal(a.json.bodyLength, 1_000_000);
  assert.equal(a.json.bodySha256, deterministicSha256(1_000_000));

  a = await call(`${b.url}/empty`, { method: 'POST', body: '' });
  assert.equal(a.json.bodyLength, 0);
  assert.equal(a.json.bodySha256, sha256(''));
});

test('failure rate 1 answers 500 to traffic but not to /health; 0 answers 200', async (t) => {
  const b = await backend(t, { failureRate: 1 });
  for (let i = 0; i < 10; i++) {
    const a = await call(`${b.url}/x`);
    assert.equal(a.status, 500);
    assert.match(a.json.error, /simulated failure/);
    assert.equal(a.headers['x-backend'], b.name);
  }
  assert.equal((await call(`${b.url}/health`)).status, 200);
  assert.equal((await call(`${b.url}/control?failure_rate=0`)).json.failureRate, 0);
  for (let i = 0; i < 10; i++) assert.equal((await call(`${b.url}/x`)).status, 200);
  await call(`${b.url}/control?failure_rate=1`);
  assert.equal((await call(`${b.url}/x`)).status, 500);
  b.setFailureRate(0);
  assert.equal((await call(`${b.url}/x`)).status, 200);
});

test('bad /control values answer 400 with a clear message and change nothing', async (t) => {
  const b = await backend(t);
  const before = b.settings;
  const cases: [string, RegExp][] = [
    ['failure_rate=abc', /failure_rate: "abc" is not a failure rate from 0 to 1/],
    ['failure_rate=1.5', /failure_rate/],
    ['healthy=maybe', /healthy: "maybe" is not true or false/],
    ['set_delay_ms=-1', /set_delay_ms: "-1" is not a delay/],
    ['set_delay_ms=', /set_delay_ms/],
    ['min_latency_ms=50&max_latency_ms=10', /greater than max latency/],
    ['speed=9', /unknown control parameter "speed"/],
    // The good value before the bad one must not be applied either.
    ['healthy=false&failure_rate=2', /failure_rate/],
  ];
  for (const [query, message] of cases) {
    const a = await call(`${b.url}/control?${query}`);
    assert.equal(a.status, 400, query);
    assert.match(a.json.error, message, query);
  }
  assert.deepEqual(b.settings, before);
  const shown = await call(`${b.url}/control`);
  assert.equal(shown.status, 200);
  assert.equal(shown.json.healthy, true);
});

test('invalid start options are rejected', async () => {
  await assert.rejects(startTestBackend({ failureRate: 2 }), /failure rate/);
  await assert.rejects(startTestBackend({ minLatencyMs: 10, maxLatencyMs: 5 }), /greater than max latency/);
  await assert.rejects(startTestBackend({ port: 70000 }), /port/);
});

test('requestCount counts traffic but not /health or /control', async (t) => {
  const b = await backend(t);
  await call(`${b.url}/a`);
  await call(`${b.url}/b`, { method: 'POST', body: 'x' });
  await call(`${b.url}/health`);
  await call(`${b.url}/control`);
  assert.equal(b.requestCount, 2);
});

test('close() ends promptly despite keep-alive sockets and delayed requests', async () => {
  const b = await startTestBackend();
  await call(`${b.url}/`); // leaves an idle keep-alive socket in the agent
  const pending = call(`${b.url}/?delay=60000`).catch((error: unknown) => error);
  await new Promise((resolve) => setTimeout(resolve, 50));
  const start = performance.now();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const outcome = await Promise.race([
    b.close().then(() => 'closed'),
    new Promise((resolve) => (timer = setTimeout(resolve, 3000, 'timed out'))),
  ]);
  clearTimeout(timer);
  assert.equal(outcome, 'closed');
  assert.ok(performance.now() - start < 3000);
  assert.ok((await pending) instanceof Error, 'the delayed request was cut off');
  await b.close(); // a second close is harmless
});
