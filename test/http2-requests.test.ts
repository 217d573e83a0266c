// HTTP/2 clients through a real fairway, from outside with real sockets: h2
// over TLS (ALPN) and h2c with prior knowledge take the same path as
// HTTP/1.1 — routing, balancing, forwarded headers, the access log and the
// metrics — and reach HTTP/1.1 backends as HTTP/1.1 requests: Host from
// :authority, one Cookie, no connection-specific answer headers, bodies
// streamed both ways under flow control, trailers both ways, 100-continue.
// Also the edge limits a client sees: SETTINGS, the header list bound (431),
// 100 concurrent streams; and which listeners speak h2 at all.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { connect as netConnect } from 'node:net';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { ClientHttp2Session, ClientHttp2Stream } from 'node:http2';
import { waitFor } from './helpers/fixtures.js';
import { scriptedServer, type ScriptedServer } from './helpers/http1.js';
import { closeSession, h2Request, openSession } from './helpers/http2-client.js';
import { scrape, sum } from './helpers/metrics.js';
import { rawBackend, type RawBackend } from './helpers/raw-backend.js';
import { TestCertificates, skipWithoutOpenssl, type Pair } from './helpers/test-certificates.js';
import { handshake, startRig, type Rig } from './helpers/tls-rig.js';

const skip = skipWithoutOpenssl;
let certs: TestCertificates;
let pair: Pair;
let ca: string;
/** Where the h2c-only tests write their configs (they need no certificates). */
let dir: string;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'fairway-h2-'));
  if (skip) return;
  certs = new TestCertificates();
  pair = certs.server('h2', ['a.example.com']);
  ca = readFileSync(certs.ca.cert, 'utf8');
});

after(() => {
  rmSync(dir, { recursive: true, force: true });
  if (!skip) certs.remove();
});

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/** What a backend saw of one request, as its answer's JSON body. */
interface Seen {
  backend: string;
  httpVersion: string;
  method: string;
  url: string;
  rawHeaders: string[];
  headers: Record<string, string>;
  trailers: Record<string, string>;
  bodyLength: number;
  bodySha256: string;
}

/** A backend answering every request with what it saw of it (read whole, trailers included). */
function describingBackend(name: string, delayMs = 0): Promise<RawBackend> {
  return rawBackend((req: IncomingMessage, res: ServerResponse) => {
    const hash = createHash('sha256');
    let length = 0;
    req.on('data', (chunk: Buffer) => {
      hash.update(chunk);
      length += chunk.length;
    });
    req.on('end', () => {
      const seen: Seen = {
        backend: name,
        httpVersion: req.httpVersion,
        method: req.method ?? '',
        url: req.url ?? '',
        rawHeaders: req.rawHeaders,
        headers: req.headers as Record<string, string>,
        trailers: req.trailers as Record<string, string>,
        bodyLength: length,
        bodySha256: hash.digest('hex'),
      };
      setTimeout(() => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(seen));
      }, delayMs);
    });
  });
}

const seenOf = (answer: { body: Buffer }): Seen => JSON.parse(answer.body.toString('utf8')) as Seen;

interface RigOptions {
  backends: string[];
  /** YAML list items under `listeners:`. */
  listeners: string[];
  /** More top-level YAML lines. */
  extra?: string[];
}

/** A fairway from YAML, closed after the test. */
async function rig(t: { after: (fn: () => Promise<void>) => void }, o: RigOptions): Promise<Rig> {
  const yaml = [
    'admin: { host: 127.0.0.1, port: 0 }',
    'log: { level: warn }',
    'listeners:',
    ...o.listeners,
    'pools:',
    `  - { name: app, algorithm: round-robin, backends: [${o.backends.map((u) => `{ url: ${u} }`).join(', ')}], healthCheck: { enabled: false }, outlierDetection: { enabled: false } }`,
    'routes:',
    '  - { pathPrefix: /, pool: app }',
    ...(o.extra ?? []),
  ].join('\n');
  const started = await startRig(skip ? dir : certs.dir, yaml, `fairway-${Math.random().toString(36).slice(2)}.yaml`);
  t.after(() => started.close());
  return started;
}

const tlsListener = (extra = '') => `  - { name: websecure, host: 127.0.0.1, port: 0, tls: { certificates: [{ cert: ${pair.cert}, key: ${pair.key} }] }${extra} }`;
const h2cListener = (extra = '') => `  - { name: web, host: 127.0.0.1, port: 0, http2: { cleartext: true${extra} } }`;

/** An h2 session over TLS (ALPN), verified against the test CA; closed after the test. */
async function tlsSession(t: { after: (fn: () => Promise<void>) => void }, port: number): Promise<ClientHttp2Session> {
  const session = await openSession(`https://127.0.0.1:${port}`, { ca, servername: 'a.example.com' });
  t.after(() => closeSession(session));
  return session;
}

/** An h2c session with prior knowledge; closed after the test. */
async function h2cSession(t: { after: (fn: () => Promise<void>) => void }, port: number): Promise<ClientHttp2Session> {
  const session = await openSession(`http://127.0.0.1:${port}`);
  t.after(() => closeSession(session));
  return session;
}

async function backends(t: { after: (fn: () => Promise<void>) => void }, ...made: Promise<RawBackend>[]): Promise<RawBackend[]> {
  const all = await Promise.all(made);
  t.after(async () => {
    await Promise.all(all.map((b) => b.close()));
  });
  return all;
}

/** A plain HTTP/1.1 request, collected whole with its trailers; bounded to 5 s. */
function http1Get(port: number, path: string): Promise<{ status: number; headers: IncomingMessage['headers']; body: string; trailers: Record<string, string | undefined> }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, agent: false, timeout: 5_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body, trailers: res.trailers }));
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end();
  });
}

test('a GET over h2 (TLS, ALPN) reaches the backends as HTTP/1.1, Host from :authority and X-Forwarded-Proto https, balanced round-robin', { skip }, async (t) => {
  const [a, b] = await backends(t, describingBackend('a'), describingBackend('b'));
  const lb = await rig(t, { backends: [a!.url, b!.url], listeners: [tlsListener()] });
  const session = await tlsSession(t, lb.ports['websecure']!);
  assert.equal((session.socket as import('node:tls').TLSSocket).alpnProtocol, 'h2');

  const seen: Seen[] = [];
  for (let i = 0; i < 4; i++) {
    const answer = await h2Request(session, { ':method': 'GET', ':path': `/page?i=${i}`, ':authority': 'shop.example:8443', 'x-client': 'h2' });
    assert.equal(answer.status, 200);
    seen.push(seenOf(answer));
  }
  for (const s of seen) {
    assert.equal(s.httpVersion, '1.1', 'the backend gets HTTP/1.1');
    assert.equal(s.method, 'GET');
    assert.equal(s.headers['host'], 'shop.example:8443', 'Host comes from :authority');
    assert.equal(s.headers['x-forwarded-proto'], 'https');
    assert.equal(s.headers['x-forwarded-port'], String(lb.ports['websecure']));
    assert.equal(s.headers['x-client'], 'h2');
    assert.ok(s.headers['x-request-id'], 'a request id is added as for HTTP/1.1');
    assert.ok(!s.rawHeaders.some((n, i) => i % 2 === 0 && n.startsWith(':')), `no pseudo-header reaches the backend: ${s.rawHeaders.join(' ')}`);
    assert.equal(s.rawHeaders.filter((n, i) => i % 2 === 0 && n.toLowerCase() === 'host').length, 1, 'exactly one Host');
  }
  assert.deepEqual(
    seen.map((s) => s.url),
    ['/page?i=0', '/page?i=1', '/page?i=2', '/page?i=3'],
  );
  const order = seen.map((s) => s.backend);
  assert.notEqual(order[0], order[1], `round-robin alternates: ${order.join(',')}`);
  assert.deepEqual(order, [order[0], order[1], order[0], order[1]]);
});

test('cookies sent as several cookie fields reach the backend as one `cookie: a=1; b=2` header', async (t) => {
  const [a] = await backends(t, describingBackend('a'));
  const lb = await rig(t, { backends: [a!.url], listeners: [h2cListener()] });
  const session = await h2cSession(t, lb.ports['web']!);
  const answer = await h2Request(session, { ':path': '/', cookie: ['a=1', 'b=2'] });
  assert.equal(answer.status, 200);
  const raw = seenOf(answer).rawHeaders;
  // node:http joins repeated cookie lines in req.headers too, so count the raw lines.
  const cookies = raw.filter((_, i) => i % 2 === 1 && raw[i - 1]!.toLowerCase() === 'cookie');
  assert.deepEqual(cookies, ['a=1; b=2']);
});

test("a backend's Connection, Keep-Alive and Transfer-Encoding headers never reach the h2 client, and the chunked answer arrives whole", async (t) => {
  const backend: ScriptedServer = await scriptedServer(({ socket }) => {
    socket.write(
      'HTTP/1.1 200 OK\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5, max=100\r\nProxy-Connection: keep-alive\r\nTransfer-Encoding: chunked\r\nX-Kept: yes\r\n\r\n' +
        '6\r\nhello \r\n5\r\nworld\r\n0\r\n\r\n',
    );
  });
  t.after(() => backend.close());
  const lb = await rig(t, { backends: [backend.url], listeners: [h2cListener()] });
  const session = await h2cSession(t, lb.ports['web']!);
  for (let i = 0; i < 2; i++) {
    const answer = await h2Request(session, { ':path': '/' });
    assert.equal(answer.status, 200);
    assert.equal(answer.body.toString(), 'hello world');
    assert.equal(answer.headers['x-kept'], 'yes');
    for (const name of ['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding']) assert.equal(answer.headers[name], undefined, `${name} is dropped`);
  }
});

test('a 5 MiB request body without content-length streams upstream chunked and arrives whole', async (t) => {
  const [a] = await backends(t, describingBackend('a'));
  const lb = await rig(t, { backends: [a!.url], listeners: [h2cListener()] });
  const session = await h2cSession(t, lb.ports['web']!);
  const body = randomBytes(5 * 1024 * 1024);
  const answer = await h2Request(
    session,
    { ':method': 'POST', ':path': '/upload', 'content-type': 'application/octet-stream' },
    {
      send: (stream) => {
        // 64 KiB writes, so the body crosses the wire as many DATA frames under flow control.
        Readable.from(
          (function* () {
            for (let at = 0; at < body.length; at += 64 * 1024) yield body.subarray(at, at + 64 * 1024);
          })(),
        ).pipe(stream);
      },
    },
  );
  assert.equal(answer.status, 200);
  const seen = seenOf(answer);
  assert.equal(seen.headers['transfer-encoding'], 'chunked');
  assert.equal(seen.headers['content-length'], undefined);
  assert.equal(seen.bodyLength, body.length);
  assert.equal(seen.bodySha256, sha256(body));
});

test('an 8 MiB answer streams to a slow h2 client under flow control: the backend is held back while the client pauses, and the body arrives intact', async (t) => {
  const size = 8 * 1024 * 1024;
  const payload = randomBytes(size);
  let backendFinishedAt = 0;
  const [a] = await backends(
    t,
    rawBackend((req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(size) });
      res.on('finish', () => (backendFinishedAt = performance.now()));
      Readable.from(
        (function* () {
          for (let at = 0; at < size; at += 64 * 1024) yield payload.subarray(at, at + 64 * 1024);
        })(),
      ).pipe(res);
    }),
  );
  const lb = await rig(t, { backends: [a!.url], listeners: [h2cListener()] });
  const session = await h2cSession(t, lb.ports['web']!);
  let received = 0;
  let pauses = 0;
  let pausedAt = 0;
  let finishedWhilePaused = false;
  const answer = await h2Request(
    session,
    { ':path': '/big' },
    {
      timeoutMs: 10_000,
      onData: (chunk: Buffer, stream: ClientHttp2Stream) => {
        const before = received;
        received += chunk.length;
        // Pause at the first chunk (long enough for the backend to run into backpressure) and at every 2 MiB after.
        if (before === 0 || Math.floor(before / (2 * 1024 * 1024)) !== Math.floor(received / (2 * 1024 * 1024))) {
          pauses++;
          stream.pause();
          pausedAt = performance.now();
          setTimeout(
            () => {
              if (pauses === 1) finishedWhilePaused = backendFinishedAt !== 0 && backendFinishedAt > pausedAt;
              stream.resume();
            },
            pauses === 1 ? 400 : 30,
          );
        }
      },
    },
  );
  assert.equal(answer.status, 200);
  assert.ok(pauses >= 4, `the client paused ${pauses} times`);
  assert.equal(finishedWhilePaused, false, 'the backend could not send all 8 MiB while the client read nothing: flow control held it back');
  assert.equal(answer.body.length, size);
  assert.equal(sha256(answer.body), sha256(payload));
});

/** A backend answering chunked, with a Trailer header and trailer fields (one that must not cross). */
function trailerBackend(): Promise<ScriptedServer> {
  return scriptedServer(({ socket }) => {
    socket.write(
      'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTrailer: x-checksum, grpc-status\r\nTransfer-Encoding: chunked\r\n\r\n' +
        '4\r\nbody\r\n0\r\nx-checksum: c0ffee\r\ngrpc-status: 0\r\ncontent-length: 99\r\n\r\n',
    );
  });
}

test("a chunked backend answer's trailers reach the h2 client as trailers", async (t) => {
  const backend = await trailerBackend();
  t.after(() => backend.close());
  const lb = await rig(t, { backends: [backend.url], listeners: [h2cListener()] });
  const session = await h2cSession(t, lb.ports['web']!);
  const answer = await h2Request(session, { ':path': '/t' });
  assert.equal(answer.status, 200);
  assert.equal(answer.body.toString(), 'body');
  assert.ok(answer.trailers, 'trailers arrived');
  assert.equal(answer.trailers['x-checksum'], 'c0ffee');
  assert.equal(answer.trailers['grpc-status'], '0');
  assert.equal(answer.trailers['content-length'], undefined, 'a framing field is not passed on as a trailer');
});

test("a chunked backend answer's trailers reach an HTTP/1.1 client on the same h2c port as chunked trailers", async (t) => {
  const backend = await trailerBackend();
  t.after(() => backend.close());
  const lb = await rig(t, { backends: [backend.url], listeners: [h2cListener()] });
  const answer = await http1Get(lb.ports['web']!, '/t');
  assert.equal(answer.status, 200);
  assert.equal(answer.headers['transfer-encoding'], 'chunked');
  assert.equal(answer.body, 'body');
  assert.equal(answer.trailers['x-checksum'], 'c0ffee');
  assert.equal(answer.trailers['grpc-status'], '0');
  assert.equal(answer.trailers['content-length'], undefined);
});

for (const [label, size] of [
  ['a small', 5],
  ['a large (streamed, past retries.bufferBytes)', 200 * 1024],
] as const) {
  test(`${label} h2 request body with trailers reaches the backend chunked, with the trailers`, async (t) => {
    const [a] = await backends(t, describingBackend('a'));
    const lb = await rig(t, { backends: [a!.url], listeners: [h2cListener()] });
    const session = await h2cSession(t, lb.ports['web']!);
    const body = randomBytes(size);
    const answer = await h2Request(session, { ':method': 'POST', ':path': '/grpc-ish', te: 'trailers' }, { body, trailers: { 'x-checksum': 'abc123', 'x-count': '2' } });
    assert.equal(answer.status, 200);
    const seen = seenOf(answer);
    assert.equal(seen.bodySha256, sha256(body));
    assert.equal(seen.headers['transfer-encoding'], 'chunked', 'only a chunked body can carry trailers in HTTP/1.1');
    assert.equal(seen.headers['content-length'], undefined);
    assert.deepEqual(seen.trailers, { 'x-checksum': 'abc123', 'x-count': '2' });
  });
}

test('a small HTTP/1.1 chunked request body with trailers reaches the backend with the trailers', async (t) => {
  const [a] = await backends(t, describingBackend('a'));
  const lb = await rig(t, { backends: [a!.url], listeners: [h2cListener()] });
  const answer = await new Promise<string>((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port: lb.ports['web']!, method: 'POST', path: '/h1-trailers', agent: false, timeout: 5_000, headers: { trailer: 'x-checksum' } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve(body));
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.write('hello');
    req.addTrailers({ 'x-checksum': 'abc123' });
    req.end();
  });
  const seen = JSON.parse(answer) as Seen;
  assert.equal(seen.bodyLength, 5);
  assert.equal(seen.headers['transfer-encoding'], 'chunked');
  assert.deepEqual(seen.trailers, { 'x-checksum': 'abc123' });
});

test('a header list over maxHeaderListSize gets 431 and the connection goes on serving other streams; past twice the bound the stream is reset', async (t) => {
  const [a] = await backends(t, describingBackend('a'));
  const lb = await rig(t, { backends: [a!.url], listeners: [h2cListener(', maxHeaderListSize: 4KiB')] });
  const session = await h2cSession(t, lb.ports['web']!);
  // The hard bound Node holds once the client acknowledged our SETTINGS (which openSession waited for).
  assert.equal(session.remoteSettings.maxHeaderListSize, 8192);
  const big = await h2Request(session, { ':path': '/big-head', 'x-big': 'v'.repeat(6_000) });
  assert.equal(big.status, 431);
  await assert.rejects(h2Request(session, { ':path': '/huge-head', 'x-big': 'v'.repeat(10_000) }), /ENHANCE_YOUR_CALM/);
  assert.equal(a!.requests(), 0, 'the backend saw neither');
  const [one, two] = await Promise.all([h2Request(session, { ':path': '/after-1' }), h2Request(session, { ':path': '/after-2', 'x-small': 'v'.repeat(1_000) })]);
  assert.equal(one.status, 200);
  assert.equal(two.status, 200);
  assert.equal(session.destroyed, false);
});

test('Expect: 100-continue over h2 gets a 100, then the body goes up and the final answer comes back', async (t) => {
  const [a] = await backends(t, describingBackend('a'));
  const lb = await rig(t, { backends: [a!.url], listeners: [h2cListener()] });
  const session = await h2cSession(t, lb.ports['web']!);
  const answer = await h2Request(
    session,
    { ':method': 'PUT', ':path': '/put', expect: '100-continue' },
    // The body goes only once the 100 came: without it the request times out.
    { send: (stream) => stream.once('continue', () => stream.end('after continue')) },
  );
  assert.deepEqual(answer.informational, [100]);
  assert.equal(answer.status, 200);
  assert.equal(seenOf(answer).bodyLength, 'after continue'.length);
});

test('a plain listener with http2: { cleartext: true } serves h2c with prior knowledge and HTTP/1.1 on the same port', async (t) => {
  const [a] = await backends(t, describingBackend('a'));
  const lb = await rig(t, { backends: [a!.url], listeners: [h2cListener()] });
  const port = lb.ports['web']!;
  const session = await h2cSession(t, port);
  const h2 = await h2Request(session, { ':path': '/h2c' });
  assert.equal(h2.status, 200);
  assert.equal(seenOf(h2).headers['x-forwarded-proto'], 'http');
  const h1 = await http1Get(port, '/h1');
  assert.equal(h1.status, 200);
  assert.equal((JSON.parse(h1.body) as Seen).url, '/h1');
  // Both again, interleaved, on the same listener.
  const [again2, again1] = await Promise.all([h2Request(session, { ':path': '/h2c-2' }), http1Get(port, '/h1-2')]);
  assert.equal(again2.status, 200);
  assert.equal(again1.status, 200);
});

/**
 * Sends the HTTP/2 client preface and an empty SETTINGS frame on a raw
 * socket; resolves with what came back once the server closed, or once
 * `enough` says so (then we close), or after 2 s.
 */
function sendPreface(port: number, enough: (reply: Buffer) => boolean = () => false): Promise<{ reply: Buffer; closedByServer: boolean }> {
  return new Promise((resolve) => {
    const socket = netConnect(port, '127.0.0.1');
    let reply = Buffer.alloc(0);
    let closedByServer = true;
    const stop = () => {
      closedByServer = false;
      socket.destroy();
    };
    const timer = setTimeout(stop, 2_000);
    socket.on('connect', () => socket.write(Buffer.concat([Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1'), Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0])])));
    socket.on('data', (c: Buffer) => {
      reply = Buffer.concat([reply, c]);
      if (enough(reply)) stop();
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ reply, closedByServer });
    });
  });
}

test('without cleartext, a plain listener does not serve an h2c preface as HTTP/2 (505 HTTP Version Not Supported, connection closed)', async (t) => {
  const [a] = await backends(t, describingBackend('a'));
  const lb = await rig(t, { backends: [a!.url], listeners: ['  - { name: web, host: 127.0.0.1, port: 0 }'] });
  const port = lb.ports['web']!;
  const plain = await sendPreface(port);
  const text = plain.reply.toString('latin1');
  assert.match(text, /^HTTP\/1\.1 505 /, `an HTTP/1.1 505, not a SETTINGS frame: ${JSON.stringify(text.slice(0, 60))}`);
  assert.equal(plain.closedByServer, true, 'and the connection is closed');
  await assert.rejects(openSession(`http://127.0.0.1:${port}`), 'node:http2 gets no session');
  assert.equal(a!.requests(), 0);
  // And the control: the same bytes on a cleartext listener get a SETTINGS frame first.
  const h2c = await rig(t, { backends: [a!.url], listeners: [h2cListener()] });
  const settings = await sendPreface(h2c.ports['web']!, (reply) => reply.length >= 9);
  assert.equal(settings.reply[3], 4, 'an HTTP/2 SETTINGS frame');
});

test('http2: false on a TLS listener: ALPN offered h2 and http/1.1 picks http/1.1; by default it picks h2', { skip }, async (t) => {
  const [a] = await backends(t, describingBackend('a'));
  const lb = await rig(t, {
    backends: [a!.url],
    listeners: [tlsListener(', http2: false'), `  - { name: default, host: 127.0.0.1, port: 0, tls: { certificates: [{ cert: ${pair.cert}, key: ${pair.key} }] } }`],
  });
  const off = await handshake(lb.ports['websecure']!, { servername: 'a.example.com', ALPNProtocols: ['h2', 'http/1.1'] });
  assert.equal(off.error, undefined);
  assert.equal(off.alpn, 'http/1.1');
  const on = await handshake(lb.ports['default']!, { servername: 'a.example.com', ALPNProtocols: ['h2', 'http/1.1'] });
  assert.equal(on.alpn, 'h2');
});

test('the access log records protocol "h2" in JSON and HTTP/2.0 in the combined format; /metrics counts requests with protocol="h2"', async (t) => {
  const [a] = await backends(t, describingBackend('a'));
  const logDir = mkdtempSync(join(tmpdir(), 'fairway-h2-log-'));
  t.after(() => rmSync(logDir, { recursive: true, force: true }));
  const lines = async (format: 'json' | 'combined'): Promise<string[]> => {
    const path = join(logDir, `${format}.log`);
    const lb = await startRig(
      dir,
      [
        'admin: { host: 127.0.0.1, port: 0 }',
        'log: { level: warn }',
        'listeners:',
        h2cListener(),
        'pools:',
        `  - { name: app, backends: [{ url: ${a!.url} }], healthCheck: { enabled: false } }`,
        'routes:',
        '  - { pathPrefix: /, pool: app }',
        `accessLog: { enabled: true, format: ${format}, path: ${path} }`,
      ].join('\n'),
      `log-${format}.yaml`,
    );
    try {
      const session = await openSession(`http://127.0.0.1:${lb.ports['web']!}`);
      try {
        assert.equal((await h2Request(session, { ':method': 'GET', ':path': '/logged?x=1', 'user-agent': 'h2-test/1' })).status, 200);
        assert.equal((await h2Request(session, { ':method': 'POST', ':path': '/posted' }, { body: 'abc' })).status, 200);
      } finally {
        await closeSession(session);
      }
      assert.equal((await http1Get(lb.ports['web']!, '/h1')).status, 200);
      if (format === 'json') {
        const text = (await scrape(lb.adminUrl)).text;
        assert.equal(sum(text, 'fairway_requests_total', { pool: 'app', protocol: 'h2', code: '200' }), 2);
        assert.equal(sum(text, 'fairway_requests_total', { pool: 'app', protocol: 'h2', method: 'POST' }), 1);
        assert.equal(sum(text, 'fairway_requests_total', { pool: 'app', protocol: 'http/1.1' }), 1);
      }
    } finally {
      await lb.close();
    }
    return readFileSync(path, 'utf8').split('\n').filter((l) => l !== '');
  };

  const json = (await lines('json')).map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.deepEqual(
    json.map((r) => [r['protocol'], r['method'], r['path'], r['status']]),
    [
      ['h2', 'GET', '/logged?x=1', 200],
      ['h2', 'POST', '/posted', 200],
      ['http/1.1', 'GET', '/h1', 200],
    ],
  );
  assert.equal(json[0]!['userAgent'], 'h2-test/1');
  const combined = await lines('combined');
  assert.equal(combined.length, 3);
  assert.match(combined[0]!, /"GET \/logged\?x=1 HTTP\/2\.0" 200 \d+ "-" "h2-test\/1"$/);
  assert.match(combined[1]!, /"POST \/posted HTTP\/2\.0" 200 /);
  assert.match(combined[2]!, /"GET \/h1 HTTP\/1\.1" 200 /);
});

test("100 concurrent streams on one connection all succeed; the server's SETTINGS advertise 100 streams and a 64 KiB stream window, and it opens a 1 MiB connection window", { skip }, async (t) => {
  const [a, b] = await backends(t, describingBackend('a', 50), describingBackend('b', 50));
  const lb = await rig(t, { backends: [a!.url, b!.url], listeners: [tlsListener()] });
  const session = await tlsSession(t, lb.ports['websecure']!);
  assert.equal(session.remoteSettings.maxConcurrentStreams, 100);
  assert.equal(session.remoteSettings.initialWindowSize, 65536);
  assert.equal(session.remoteSettings.enablePush, false);
  await waitFor('the connection window update', () => session.state.remoteWindowSize === 1024 * 1024, 2_000);

  const answers = await Promise.all(Array.from({ length: 100 }, (_, i) => h2Request(session, { ':path': `/c/${i}` })));
  assert.deepEqual(
    answers.map((r) => r.status),
    Array.from({ length: 100 }, () => 200),
  );
  assert.deepEqual(
    answers.map((r) => seenOf(r).url),
    Array.from({ length: 100 }, (_, i) => `/c/${i}`),
    'each stream got its own answer',
  );
  const perBackend = answers.reduce<Record<string, number>>((n, r) => ((n[seenOf(r).backend] = (n[seenOf(r).backend] ?? 0) + 1), n), {});
  assert.deepEqual(perBackend, { a: 50, b: 50 });
  // The backends answer after 50 ms: streams that ran one after another would never overlap.
  assert.ok(a!.peakConcurrent() + b!.peakConcurrent() > 20, `streams ran concurrently (peaks ${a!.peakConcurrent()}, ${b!.peakConcurrent()})`);
});
