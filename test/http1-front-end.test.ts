// What users rely on from an HTTP/1.1 server, kept by fairway's own front
// end: pipelined requests answered in order, HEAD/204/304 framing, chunked
// answers to HTTP/1.1 clients and close-delimited ones to HTTP/1.0 clients,
// Expect: 100-continue, chunked request bodies, and a quiet fresh connection
// closed after the header timeout.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { poolConfig, startFairway, testConfig } from './helpers/fixtures.js';
import { rawBackend } from './helpers/raw-backend.js';

async function setup(t: { after: (fn: () => Promise<void>) => void }) {
  const backend = await rawBackend((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString();
      const status = Number(url.searchParams.get('status') ?? 200);
      if (url.searchParams.has('chunked')) {
        res.writeHead(status, { 'content-type': 'text/plain' });
        res.write(`chunked ${url.pathname}`);
        res.end(body === '' ? '' : ` body=${body}`);
        return;
      }
      const text = `${req.method} ${url.pathname}${body === '' ? '' : ` body=${body}`} te=${req.headers['transfer-encoding'] ?? '-'}`;
      res.writeHead(status, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(text) });
      res.end(req.method === 'HEAD' ? undefined : text);
    });
  });
  const noChecks = { ...poolConfig([]).healthCheck, enabled: false };
  const lb = await startFairway(
    testConfig([poolConfig([backend.url], { healthCheck: noChecks })], {
      listen: { host: '127.0.0.1', port: 0, requestHeaderTimeoutMs: 400, keepAliveTimeoutMs: 5_000, abortOnClientClose: false, limits: {} },
    }),
  );
  t.after(async () => {
    await lb.close();
    await backend.close();
  });
  return lb;
}

/** A raw connection that collects everything the proxy sends. */
async function open(port: number): Promise<{ socket: Socket; received: () => string; closed: Promise<void>; waitFor(pattern: RegExp, ms?: number): Promise<string> }> {
  const socket = connect(port, '127.0.0.1');
  socket.on('error', () => undefined);
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  let text = '';
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.on('data', (c: Buffer) => (text += c.toString('latin1')));
  return {
    socket,
    received: () => text,
    closed,
    async waitFor(pattern, ms = 3_000) {
      const until = Date.now() + ms;
      while (!pattern.test(text)) {
        if (Date.now() > until) throw new Error(`no ${pattern} within ${ms} ms; got ${JSON.stringify(text)}`);
        await new Promise((r) => setTimeout(r, 5));
      }
      return text;
    },
  };
}

test('pipelined requests on one connection are answered in order, bodies included', async (t) => {
  const lb = await setup(t);
  const c = await open(lb.port);
  t.after(() => c.socket.destroy());
  c.socket.write(
    'GET /one HTTP/1.1\r\nHost: x\r\n\r\n' +
      'POST /two HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello' +
      'GET /three HTTP/1.1\r\nHost: x\r\n\r\n',
  );
  const text = await c.waitFor(/GET \/three/);
  const order = [...text.matchAll(/(GET|POST) \/(\w+)/g)].map((m) => m[2]);
  assert.deepEqual(order, ['one', 'two', 'three']);
  assert.match(text, /POST \/two body=hello/);
  assert.equal(text.match(/HTTP\/1\.1 200 OK/g)?.length, 3);
});

test('HEAD, 204 and 304 answers carry no body, and the connection serves the next request', async (t) => {
  const lb = await setup(t);
  const c = await open(lb.port);
  t.after(() => c.socket.destroy());
  c.socket.write('HEAD /h HTTP/1.1\r\nHost: x\r\n\r\n');
  await c.waitFor(/\r\n\r\n/);
  c.socket.write('GET /n?status=204&chunked HTTP/1.1\r\nHost: x\r\n\r\n');
  await c.waitFor(/204 No Content[\s\S]*\r\n\r\n/);
  c.socket.write('GET /m?status=304&chunked HTTP/1.1\r\nHost: x\r\n\r\n');
  await c.waitFor(/304 Not Modified[\s\S]*\r\n\r\n/);
  c.socket.write('GET /after HTTP/1.1\r\nHost: x\r\n\r\n');
  const text = await c.waitFor(/GET \/after/);
  const answers = text.split(/(?=HTTP\/1\.1 )/);
  assert.equal(answers.length, 4, text);
  assert.match(answers[0]!, /content-length: \d+\r\n/i, 'HEAD keeps the length of the body it does not send');
  assert.ok(answers[0]!.endsWith('\r\n\r\n'), 'no body after the HEAD answer');
  for (const bodiless of [answers[1]!, answers[2]!]) {
    assert.ok(bodiless.endsWith('\r\n\r\n'), `no body: ${JSON.stringify(bodiless)}`);
    assert.doesNotMatch(bodiless, /transfer-encoding/i);
  }
});

test('a body of unknown length goes to an HTTP/1.1 client chunked, and to an HTTP/1.0 client until the connection closes', async (t) => {
  const lb = await setup(t);
  const eleven = await open(lb.port);
  t.after(() => eleven.socket.destroy());
  eleven.socket.write('GET /c?chunked HTTP/1.1\r\nHost: x\r\n\r\n');
  const chunked = await eleven.waitFor(/\r\n0\r\n\r\n$/);
  assert.match(chunked, /transfer-encoding: chunked\r\n/i);
  assert.match(chunked, /connection: keep-alive\r\n/i);

  const ten = await open(lb.port);
  t.after(() => ten.socket.destroy());
  ten.socket.write('GET /c?chunked HTTP/1.0\r\nHost: x\r\n\r\n');
  await Promise.race([ten.closed, new Promise((r) => setTimeout(r, 3_000))]);
  const plain = ten.received();
  assert.doesNotMatch(plain, /transfer-encoding/i);
  assert.match(plain, /connection: close\r\n/i);
  assert.ok(plain.endsWith('\r\n\r\nchunked /c'), JSON.stringify(plain));
});

test('Expect: 100-continue gets a 100 before the body is sent, then the answer', async (t) => {
  const lb = await setup(t);
  const c = await open(lb.port);
  t.after(() => c.socket.destroy());
  c.socket.write('POST /e HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n');
  await c.waitFor(/^HTTP\/1\.1 100 Continue\r\n\r\n/);
  c.socket.write('abc');
  const text = await c.waitFor(/POST \/e body=abc/);
  assert.match(text, /^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 OK\r\n/);
});

test('a chunked request body reaches the backend whole and the connection goes on', async (t) => {
  const lb = await setup(t);
  const c = await open(lb.port);
  t.after(() => c.socket.destroy());
  c.socket.write('POST /k HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n4;ext=1\r\ndefg\r\n0\r\n\r\n');
  // Short bodies are buffered for retries and go on with a Content-Length.
  await c.waitFor(/POST \/k body=abcdefg te=-/);
  c.socket.write('GET /next HTTP/1.1\r\nHost: x\r\n\r\n');
  await c.waitFor(/GET \/next/);
});

test('a fresh connection that sends nothing is closed after the header timeout, without an answer', async (t) => {
  const lb = await setup(t);
  const c = await open(lb.port);
  t.after(() => c.socket.destroy());
  const started = Date.now();
  await Promise.race([c.closed, new Promise((r) => setTimeout(r, 3_000))]);
  assert.ok(c.socket.destroyed || c.socket.readableEnded, 'closed');
  assert.ok(Date.now() - started < 2_500, 'within about the 400 ms header timeout');
  assert.equal(c.received(), '');
});

test('a backend that answers before reading a large upload keeps the client connection: the upload finishes and the next request is served', async (t) => {
  // Answers at once and leaves the body to node:http, which reads and drops it (as NGINX's `return 200` does).
  const early = await rawBackend((req, res) => res.end(`early ${req.url}`));
  const noChecks = { ...poolConfig([]).healthCheck, enabled: false };
  const lb = await startFairway(testConfig([poolConfig([early.url], { healthCheck: noChecks })]));
  t.after(async () => {
    await lb.close();
    await early.close();
  });
  const c = await open(lb.port);
  t.after(() => c.socket.destroy());
  const body = Buffer.alloc(1024 * 1024, 0x61);
  c.socket.write(`POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: ${body.length}\r\n\r\n`);
  c.socket.write(body);
  await c.waitFor(/early \/upload/);
  c.socket.write('GET /next HTTP/1.1\r\nHost: x\r\n\r\n');
  const text = await c.waitFor(/early \/next/);
  assert.equal(text.match(/HTTP\/1\.1 200 OK/g)?.length, 2);
  assert.doesNotMatch(text, /connection: close/i);
  assert.equal(early.connections() >= 1, true);
});
