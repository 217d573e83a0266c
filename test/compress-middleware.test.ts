// The `compress` middleware, end to end: a real `fairway` process started
// from YAML, a real node:http backend answering with chosen types, lengths
// and headers, and real clients (node:http without decoding, curl
// --compressed, an HTTP/2 session, a raw socket that reads nothing). Bodies
// are decoded with the gzip and brotli command-line tools (and zstd, where
// node:zlib has it) and compared byte for byte with what the backend sent.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGunzip } from 'node:zlib';
import { ZSTD_AVAILABLE } from '../src/config/sections/middlewares/compress.js';
import { startChildFairway, type ChildFairway } from './helpers/child-fairway.js';
import { closeSession, h2Request, openSession } from './helpers/http2-client.js';

/** About 180 KiB of text that compresses well, and differs line by line. */
const TEXT = Buffer.from(Array.from({ length: 4000 }, (_, i) => `line ${i}: the quick brown fox jumps over the lazy dog\n`).join(''));
const JSON_BODY = Buffer.from(JSON.stringify(Array.from({ length: 3000 }, (_, i) => ({ id: i, name: `item ${i}`, tags: ['a', 'b'] }))));

/** The event stream's second event waits for this, so a test can read the first before it is sent. */
let releaseSecondEvent: () => void = () => {};
let secondEventSent = false;

/** What the 50 MiB answer's backend managed to write while the client read nothing. */
const big = { written: 0, finished: false, response: undefined as ServerResponse | undefined };
const BIG_BYTES = 50 * 1024 * 1024;

function answer(res: ServerResponse, status: number, headers: Record<string, string | string[]>, body: Buffer | string = TEXT): void {
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  res.writeHead(status, { 'content-length': String(bytes.length), ...headers });
  res.end(bytes);
}

function backendHandler(path: string, res: ServerResponse): void {
  switch (path) {
    case '/text':
      return answer(res, 200, { 'content-type': 'text/plain; charset=utf-8', etag: '"v1"', 'accept-ranges': 'bytes', vary: 'Origin' });
    case '/vary-has':
      return answer(res, 200, { 'content-type': 'text/html', vary: 'origin, accept-encoding' });
    case '/vary-star':
      return answer(res, 200, { 'content-type': 'text/html', vary: '*' });
    case '/weak-etag':
      return answer(res, 200, { 'content-type': 'text/css', etag: 'W/"w1"' });
    case '/json-chunked': {
      // No Content-Length: node:http sends it chunked.
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write(JSON_BODY.subarray(0, 1000));
      res.end(JSON_BODY.subarray(1000));
      return;
    }
    case '/problem':
      return answer(res, 500, { 'content-type': 'application/problem+json' }, JSON_BODY);
    case '/small':
      return answer(res, 200, { 'content-type': 'text/plain' }, 'x'.repeat(100));
    case '/sized-2k':
    case '/sized-32k':
    case '/sized-33k': {
      // A body in two writes, so the one-call compressor has two chunks to join.
      const bytes = TEXT.subarray(0, { '/sized-2k': 2048, '/sized-32k': 32 * 1024, '/sized-33k': 33 * 1024 }[path]);
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(bytes.length) });
      res.write(bytes.subarray(0, 1000));
      setTimeout(() => res.end(bytes.subarray(1000)), 5);
      return;
    }
    case '/small-chunked':
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('tiny answer of unknown length');
      return;
    case '/png':
      return answer(res, 200, { 'content-type': 'image/png' });
    case '/no-type':
      res.writeHead(200, { 'content-length': String(TEXT.length) });
      res.end(TEXT);
      return;
    case '/encoded':
      return answer(res, 200, { 'content-type': 'text/plain', 'content-encoding': 'gzip' }, spawnSync('gzip', ['-c'], { input: TEXT }).stdout);
    case '/no-transform':
      return answer(res, 200, { 'content-type': 'text/plain', 'cache-control': 'public, no-transform' });
    case '/partial':
      return answer(res, 206, { 'content-type': 'text/plain', 'content-range': `bytes 0-99/${TEXT.length}` }, TEXT.subarray(0, 100));
    case '/no-content':
      res.writeHead(204, { 'content-type': 'text/plain' });
      res.end();
      return;
    case '/not-modified':
      res.writeHead(304, { 'content-type': 'text/plain', etag: '"v1"' });
      res.end();
      return;
    case '/trailers':
      res.writeHead(200, { 'content-type': 'text/plain', trailer: 'x-checksum' });
      res.write(TEXT.subarray(0, 50_000));
      res.write(TEXT.subarray(50_000));
      res.addTrailers({ 'x-checksum': 'abc123' });
      res.end();
      return;
    case '/events':
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      res.write('event: one\ndata: first\n\n');
      releaseSecondEvent = () => {
        secondEventSent = true;
        res.end('event: two\ndata: second\n\n');
      };
      return;
    case '/big': {
      // Random text: it compresses only so far, so what the client does not read piles up somewhere.
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': String(BIG_BYTES) });
      big.response = res;
      const chunk = Buffer.from(randomBytes(48 * 1024).toString('base64'));
      const pump = (): void => {
        while (big.written < BIG_BYTES) {
          const piece = chunk.subarray(0, Math.min(chunk.length, BIG_BYTES - big.written));
          big.written += piece.length;
          if (!res.write(piece)) {
            res.once('drain', pump);
            return;
          }
        }
        res.end(() => (big.finished = true));
      };
      pump();
      return;
    }
    default:
      return answer(res, 404, { 'content-type': 'text/plain' }, 'no such path');
  }
}

let backend: Server;
let lb: ChildFairway;
let dir: string;

before(async () => {
  backend = createServer((req, res) => backendHandler(new URL(req.url!, 'http://x').pathname.replace(/^\/(gzfirst|gz|plain)/, ''), res));
  await new Promise<void>((resolve) => backend.listen(0, '127.0.0.1', resolve));
  const port = (backend.address() as AddressInfo).port;
  dir = mkdtempSync(join(tmpdir(), 'fairway-compress-'));
  const file = join(dir, 'fairway.yaml');
  writeFileSync(
    file,
    `listeners:
  - { name: web, host: 127.0.0.1, port: 0, http2: { cleartext: true } }
admin: { port: 0 }
middlewares:
  gz: { compress: { minBytes: 1KiB } }
  gzfirst: { compress: { encodings: [gzip, br] } }
pools:
  - name: app
    healthCheck: { enabled: false }
    backends: [http://127.0.0.1:${port}]
routes:
  - { pathPrefix: /gzfirst, pool: app, middlewares: [gzfirst] }
  - { pathPrefix: /gz, pool: app, middlewares: [gz] }
  - { pathPrefix: /plain, pool: app }
`,
  );
  lb = await startChildFairway(['-c', file]);
});

after(async () => {
  await lb?.stop();
  big.response?.destroy();
  backend?.closeAllConnections();
  await new Promise((resolve) => backend?.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

interface Got {
  status: number;
  headers: IncomingHttpHeaders;
  /** The body as it came over the wire (not decoded). */
  body: Buffer;
  trailers: NodeJS.Dict<string>;
}

/** One request through fairway, with its own connection; the body is not decoded. Fails after 10 s. */
function get(path: string, headers: Record<string, string | string[]> = {}, method = 'GET'): Promise<Got> {
  return new Promise((resolve, reject) => {
    const req = request(`${lb.url}${path}`, { method, headers, agent: false, timeout: 10_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks), trailers: res.trailers }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer to ${path} within 10 s`)));
    req.on('error', reject);
    req.end();
  });
}

/** Decodes with the command-line tool of the encoding: gzip -dc, brotli -dc, zstd -dc. */
function decode(encoding: string, body: Buffer): Buffer {
  const tool = encoding === 'br' ? 'brotli' : encoding;
  const result = spawnSync(tool, ['-dc'], { input: body, maxBuffer: 64 * 1024 * 1024, timeout: 10_000 });
  assert.equal(result.status, 0, `${tool} -dc failed: ${String(result.stderr)}`);
  return result.stdout;
}

/** The preferred encoding of the `gz` route for a client that takes all three. */
const FIRST = ZSTD_AVAILABLE ? 'zstd' : 'br';

test('a text answer is gzip-compressed for a client asking for gzip: decoded by gzip -dc it is the original, byte for byte; the head says so', async () => {
  const got = await get('/gz/text', { 'accept-encoding': 'gzip' });
  assert.equal(got.status, 200);
  assert.equal(got.headers['content-encoding'], 'gzip');
  assert.equal(got.headers['content-length'], undefined, 'the length of the original is dropped');
  assert.equal(got.headers['transfer-encoding'], 'chunked', 'HTTP/1.1 frames the compressed body in chunks');
  assert.equal(got.headers['accept-ranges'], undefined, 'byte ranges of the original do not apply');
  assert.equal(got.headers['etag'], 'W/"v1"', 'a strong ETag is weakened');
  assert.equal(got.headers['vary'], 'Origin, Accept-Encoding', 'merged with the Vary the backend sent');
  assert.ok(got.body.length < TEXT.length / 4, `compressed: ${got.body.length} of ${TEXT.length} bytes`);
  assert.ok(decode('gzip', got.body).equals(TEXT));
});

test('brotli (and zstd where node:zlib has it) decode with their own tools to the original, for answers with and without a length', async () => {
  for (const path of ['/gz/text', '/gz/json-chunked']) {
    const original = path.endsWith('json-chunked') ? JSON_BODY : TEXT;
    const br = await get(path, { 'accept-encoding': 'br' });
    assert.equal(br.headers['content-encoding'], 'br', path);
    assert.ok(decode('br', br.body).equals(original), `${path} through brotli -dc`);
    if (ZSTD_AVAILABLE) {
      const zstd = await get(path, { 'accept-encoding': 'zstd' });
      assert.equal(zstd.headers['content-encoding'], 'zstd', path);
      assert.ok(decode('zstd', zstd.body).equals(original), `${path} through zstd -dc`);
    }
  }
  const problem = await get('/gz/problem', { 'accept-encoding': 'gzip' });
  assert.equal(problem.status, 500);
  assert.equal(problem.headers['content-encoding'], 'gzip', 'an application/*+json type counts, error statuses too');
  assert.ok(decode('gzip', problem.body).equals(JSON_BODY));
});

test('answers with a length up to 32 KiB (compressed in one call) and just above it (streamed) decode to the original in every encoding', async () => {
  const encodings = ['gzip', 'br', ...(ZSTD_AVAILABLE ? ['zstd'] : [])];
  for (const [path, size] of [['/gz/sized-2k', 2048], ['/gz/sized-32k', 32 * 1024], ['/gz/sized-33k', 33 * 1024]] as const) {
    for (const encoding of encodings) {
      const got = await get(path, { 'accept-encoding': encoding });
      assert.equal(got.status, 200, `${path} ${encoding}`);
      assert.equal(got.headers['content-encoding'], encoding, `${path} ${encoding}`);
      assert.ok(got.body.length < size, `${path} ${encoding}: compressed to ${got.body.length} bytes`);
      assert.ok(decode(encoding, got.body).equals(TEXT.subarray(0, size)), `${path} through ${encoding} -dc`);
    }
  }
});

test('curl --compressed gets the original back, in the encoding fairway prefers among the ones curl offers', async () => {
  const headersFile = join(dir, 'curl-headers.txt');
  const body = await new Promise<Buffer>((resolve, reject) => {
    const curl = spawn('curl', ['-sS', '--compressed', '--max-time', '10', '-D', headersFile, `${lb.url}/gz/text`]);
    const chunks: Buffer[] = [];
    curl.stdout.on('data', (c: Buffer) => chunks.push(c));
    curl.on('error', reject);
    curl.on('exit', (code) => (code === 0 ? resolve(Buffer.concat(chunks)) : reject(new Error(`curl exited with ${code}`))));
  });
  assert.ok(body.equals(TEXT), 'curl decoded the original');
  const head = readFileSync(headersFile, 'latin1').toLowerCase();
  // curl offers deflate, gzip, br and zstd (as it was built with them): the route's first that it offers wins.
  const offered = spawnSync('curl', ['--version'], { encoding: 'utf8' }).stdout;
  const expected = /zstd/.test(offered) && ZSTD_AVAILABLE ? 'zstd' : /brotli/.test(offered) ? 'br' : 'gzip';
  assert.match(head, new RegExp(`content-encoding: ${expected}\\r\\n`));
});

test('the encoding follows the q-values of Accept-Encoding, ties going to the configured order', async () => {
  const cases: [path: string, accept: string | undefined, expected: string | undefined][] = [
    ['/gz/text', 'br;q=0, gzip', 'gzip'],
    ['/gz/text', '*;q=0', undefined],
    ['/gz/text', 'gzip;q=0.5, br;q=0.8', 'br'],
    ['/gz/text', 'gzip;q=0.8, br;q=0.5', 'gzip'],
    ['/gz/text', 'gzip, br', 'br'],
    ['/gz/text', '*', FIRST],
    ['/gz/text', 'identity', undefined],
    ['/gz/text', 'gzip;q=0.2, identity;q=0.5', undefined],
    ['/gz/text', 'deflate', undefined],
    ['/gz/text', undefined, undefined],
    ['/gzfirst/text', 'gzip, br', 'gzip'],
    ['/gzfirst/text', 'br, gzip;q=0.9', 'br'],
  ];
  // Sent as two fields, Accept-Encoding is read as their values joined.
  const split = await get('/gz/text', { 'accept-encoding': ['br;q=0', 'gzip'] });
  assert.equal(split.headers['content-encoding'], 'gzip', 'two Accept-Encoding fields');
  for (const [path, accept, expected] of cases) {
    const got = await get(path, accept === undefined ? {} : { 'accept-encoding': accept });
    const what = `${path} with Accept-Encoding ${accept === undefined ? '(none)' : JSON.stringify(accept)}`;
    assert.equal(got.headers['content-encoding'], expected, what);
    assert.equal(got.headers['vary'], 'Origin, Accept-Encoding', `${what}: the answer varies by Accept-Encoding either way`);
    if (expected === undefined) {
      assert.ok(got.body.equals(TEXT), `${what}: sent as it is`);
      assert.equal(got.headers['content-length'], String(TEXT.length));
      assert.equal(got.headers['etag'], '"v1"');
    } else {
      assert.ok(decode(expected, got.body).equals(TEXT), `${what}: decodes to the original`);
    }
  }
});

test('answers that must not be compressed pass as they are: HEAD, 204, 304, 206, already encoded, no-transform, small, wrong or no type, routes without the middleware', async () => {
  const ask = { 'accept-encoding': 'gzip, br' };
  const head = await get('/gz/text', ask, 'HEAD');
  assert.equal(head.headers['content-encoding'], undefined, 'HEAD');
  assert.equal(head.headers['content-length'], String(TEXT.length), 'HEAD keeps the length of the GET');
  assert.equal(head.headers['vary'], 'Origin, Accept-Encoding', 'HEAD says the GET varies');

  for (const [path, status] of [['/gz/no-content', 204], ['/gz/not-modified', 304]] as const) {
    const got = await get(path, ask);
    assert.equal(got.status, status);
    assert.equal(got.headers['content-encoding'], undefined, path);
    assert.equal(got.body.length, 0, path);
  }
  const notModified = await get('/gz/not-modified', ask);
  assert.equal(notModified.headers['etag'], '"v1"', 'a 304 keeps its ETag');

  const partial = await get('/gz/partial', ask);
  assert.equal(partial.status, 206);
  assert.equal(partial.headers['content-encoding'], undefined, '206');
  assert.ok(partial.body.equals(TEXT.subarray(0, 100)));

  const encoded = await get('/gz/encoded', ask);
  assert.equal(encoded.headers['content-encoding'], 'gzip', 'the backend encoded it');
  assert.ok(decode('gzip', encoded.body).equals(TEXT), 'encoded once, not twice');

  for (const path of ['/gz/no-transform', '/gz/small', '/gz/png', '/gz/no-type', '/plain/text']) {
    const got = await get(path, ask);
    assert.equal(got.headers['content-encoding'], undefined, path);
    assert.equal(got.headers['vary'], path === '/plain/text' ? 'Origin' : undefined, `${path}: the same for every client, so no Vary is added`);
    assert.ok(got.body.length > 0 && got.headers['content-length'] === String(got.body.length), `${path}: length kept`);
  }
});

test('a small answer of unknown length is compressed: it is not held back to be measured', async () => {
  const got = await get('/gz/small-chunked', { 'accept-encoding': 'gzip' });
  assert.equal(got.headers['content-encoding'], 'gzip');
  assert.equal(decode('gzip', got.body).toString(), 'tiny answer of unknown length');
});

test('Accept-Encoding is added to Vary once: not when the backend listed it (any case), not beside Vary: *; a weak ETag stays as it is', async () => {
  const has = await get('/gz/vary-has', { 'accept-encoding': 'gzip' });
  assert.equal(has.headers['content-encoding'], 'gzip');
  assert.equal(has.headers['vary'], 'origin, accept-encoding');
  const star = await get('/gz/vary-star', { 'accept-encoding': 'gzip' });
  assert.equal(star.headers['vary'], '*');
  const weak = await get('/gz/weak-etag', { 'accept-encoding': 'gzip' });
  assert.equal(weak.headers['etag'], 'W/"w1"');
  assert.equal(weak.headers['vary'], 'Accept-Encoding');
});

test("the backend's trailers follow the compressed body", async () => {
  const got = await get('/gz/trailers', { 'accept-encoding': 'br', te: 'trailers' });
  assert.equal(got.headers['content-encoding'], 'br');
  assert.ok(decode('br', got.body).equals(TEXT));
  assert.equal(got.trailers['x-checksum'], 'abc123');
});

test('an event stream is flushed event by event: the first event decodes before the backend sends the second', async () => {
  secondEventSent = false;
  const text = await new Promise<string>((resolve, reject) => {
    const req = request(`${lb.url}/gz/events`, { headers: { 'accept-encoding': 'gzip' }, agent: false }, (res) => {
      assert.equal(res.headers['content-encoding'], 'gzip');
      const gunzip = createGunzip();
      res.pipe(gunzip);
      let decoded = '';
      const timer = setTimeout(() => reject(new Error(`the events did not arrive within 5 s; decoded so far: ${JSON.stringify(decoded)}`)), 5_000);
      gunzip.on('data', (c: Buffer) => {
        decoded += c.toString();
        if (decoded.includes('data: first\n\n') && !secondEventSent) {
          assert.equal(decoded, 'event: one\ndata: first\n\n', 'the first event, whole, before the second exists');
          releaseSecondEvent();
        }
      });
      gunzip.on('end', () => {
        clearTimeout(timer);
        resolve(decoded);
      });
      gunzip.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
  assert.ok(secondEventSent, 'the second event was sent only after the first was read');
  assert.equal(text, 'event: one\ndata: first\n\nevent: two\ndata: second\n\n');
});

test('a 50 MiB answer to a client that reads nothing: backpressure reaches the backend, which cannot finish writing', async () => {
  const socket: Socket = connect(lb.port, '127.0.0.1');
  try {
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    socket.pause(); // reads nothing from here on
    socket.write('GET /gz/big HTTP/1.1\r\nHost: t\r\nAccept-Encoding: gzip\r\n\r\n');
    // Wait, bounded, until the backend's writes stall: the same count for a while.
    let last = -1;
    let steady = 0;
    for (let i = 0; i < 200 && steady < 10; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      steady = big.written === last && big.written > 0 ? steady + 1 : 0;
      last = big.written;
    }
    assert.equal(steady, 10, `the backend's writes did not stall (written ${big.written} bytes)`);
    assert.equal(big.finished, false, 'the backend could not finish its 50 MiB');
    assert.ok(big.written < BIG_BYTES / 2, `written ${big.written} of ${BIG_BYTES} bytes before it stalled`);
  } finally {
    socket.destroy();
  }
});

test('an HTTP/2 client gets a compressed answer framed by HTTP/2, without a Content-Length, that decodes to the original', async () => {
  const session = await openSession(`http://127.0.0.1:${lb.port}`);
  try {
    const got = await h2Request(session, { ':path': '/gz/text', 'accept-encoding': 'gzip;q=0.9, br;q=0.1' });
    assert.equal(got.status, 200);
    assert.equal(got.headers['content-encoding'], 'gzip');
    assert.equal(got.headers['content-length'], undefined);
    assert.equal(got.headers['vary'], 'Origin, Accept-Encoding');
    assert.ok(decode('gzip', got.body).equals(TEXT));
    const trailers = await h2Request(session, { ':path': '/gz/trailers', 'accept-encoding': 'br' });
    assert.ok(decode('br', trailers.body).equals(TEXT));
    assert.equal(trailers.trailers?.['x-checksum'], 'abc123');
    const plain = await h2Request(session, { ':path': '/gz/text' });
    assert.equal(plain.headers['content-encoding'], undefined);
    assert.ok(plain.body.equals(TEXT));
  } finally {
    await closeSession(session);
  }
});

test('zstd listed on a Node whose zlib lacks it: fairway starts, warns once, and answers with the next encoding; where zlib has it, zstd is used', async (t) => {
  const file = join(dir, 'zstd-listed.yaml');
  const port = (backend.address() as AddressInfo).port;
  writeFileSync(
    file,
    `listen: { host: 127.0.0.1, port: 0 }
admin: { port: 0 }
middlewares:
  z: { compress: { encodings: [zstd, gzip] } }
backends: [http://127.0.0.1:${port}]
healthCheck: { enabled: false }
routeMiddlewares: [z]
`,
  );
  const own = await startChildFairway(['-c', file]);
  t.after(() => own.stop());
  const warnings = own.lines.filter((l) => l.includes('zstd is skipped'));
  const got = await new Promise<Got>((resolve, reject) => {
    const req = request(`${own.url}/text`, { headers: { 'accept-encoding': 'zstd, gzip' }, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks), trailers: res.trailers }));
    });
    req.on('error', reject);
    req.end();
  });
  if (ZSTD_AVAILABLE) {
    assert.deepEqual(warnings, []);
    assert.equal(got.headers['content-encoding'], 'zstd');
  } else {
    assert.equal(warnings.length, 1, own.lines.join('\n'));
    const entry = JSON.parse(warnings[0]!) as { level: number; msg: string };
    assert.equal(entry.level, 40, 'a warning, not an error');
    assert.match(entry.msg, /^middlewares\.z\.compress\.encodings: zstd is skipped: .* answers are compressed with gzip$/);
    assert.equal(got.headers['content-encoding'], 'gzip');
  }
  assert.ok(decode(String(got.headers['content-encoding']), got.body).equals(TEXT));
});
