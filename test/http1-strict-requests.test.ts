// Requests two parsers could frame two ways are refused at the front door
// (RFC 9112): each case sends raw bytes to a running fairway and checks the
// status, that the connection is closed after it, and that nothing reached
// the backend.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { poolConfig, startFairway, testConfig, type RunningFairway } from './helpers/fixtures.js';
import { rawBackend, type RawBackend } from './helpers/raw-backend.js';

const CASES: [string, string, number][] = [
  ['Content-Length with Transfer-Encoding', 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n', 400],
  ['two different Content-Length values', 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd', 400],
  ['a list of Content-Length values', 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3, 3\r\n\r\nabc', 400],
  ['a Transfer-Encoding whose last coding is not chunked', 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, gzip\r\n\r\n', 400],
  ['an unknown transfer coding before chunked', 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: foo, chunked\r\n\r\n0\r\n\r\n', 501],
  ['obs-fold', 'GET / HTTP/1.1\r\nHost: x\r\nX-A: one\r\n two\r\n\r\n', 400],
  ['a bare LF in the head', 'GET / HTTP/1.1\nHost: x\r\n\r\n', 400],
  ['a bare CR in the head', 'GET / HTTP/1.1\r\nHost: x\rX: y\r\n\r\n', 400],
  ['whitespace before a colon', 'GET / HTTP/1.1\r\nHost : x\r\n\r\n', 400],
  ['a NUL in a value', 'GET / HTTP/1.1\r\nHost: x\r\nX-A: a\x00b\r\n\r\n', 400],
  ['a control character in a value', 'GET / HTTP/1.1\r\nHost: x\r\nX-A: a\x01b\r\n\r\n', 400],
  ['a bad chunk size', 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n', 400],
  ['a chunk size that overflows', 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffffff\r\nabc\r\n', 400],
  ['a bad chunk extension', 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3;\x01\r\nabc\r\n0\r\n\r\n', 400],
  ['a missing Host', 'GET / HTTP/1.1\r\nAccept: */*\r\n\r\n', 400],
  ['two Host headers', 'GET / HTTP/1.1\r\nHost: a.example\r\nHost: b.example\r\n\r\n', 400],
  ['an HTTP/0.9 request line', 'GET /\r\n\r\n', 400],
  ['an unsupported version', 'GET / HTTP/2.0\r\nHost: x\r\n\r\n', 505],
  ['a request line that is too long', `GET /${'a'.repeat(9_000)} HTTP/1.1\r\nHost: x\r\n\r\n`, 414],
  ['headers that are too large', `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(17_000)}\r\n\r\n`, 431],
  ['too many header fields', `GET / HTTP/1.1\r\nHost: x\r\n${Array.from({ length: 101 }, (_, i) => `X-${i}: v\r\n`).join('')}\r\n`, 431],
  ['a DEL in a value', 'GET / HTTP/1.1\r\nHost: x\r\nX-A: a\x7fb\r\n\r\n', 400],
  ['an empty Content-Length', 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: \r\n\r\nabc', 400],
  ['a header line with no colon', 'GET / HTTP/1.1\r\nHost: x\r\nX-No-Colon\r\n\r\n', 400],
  ['a Host whose port is out of range', 'GET / HTTP/1.1\r\nHost: x:65536\r\n\r\n', 400],
  ['a target with a control character', 'GET /a\x7fb HTTP/1.1\r\nHost: x\r\n\r\n', 400],
  ['a target with a #fragment', 'GET /a#.png HTTP/1.1\r\nHost: x\r\n\r\n', 400],
  ['a Host with two colons', 'GET / HTTP/1.1\r\nHost: x:1:2\r\n\r\n', 400],
  ['a Host whose port is not digits', 'GET / HTTP/1.1\r\nHost: x:abc\r\n\r\n', 400],
  ['a signed Content-Length', 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\nabc', 400],
  ['a hex Content-Length', 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0x5\r\n\r\nhello', 400],
  ['two numbers in one Content-Length', 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5 5\r\n\r\nhello', 400],
  ['a Content-Length past 2^53', 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 9007199254740993\r\n\r\nhello', 400],
  ['chunked applied twice', 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n', 400],
  ['Transfer-Encoding: identity', 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: identity\r\n\r\nhello', 400],
  ['Transfer-Encoding in an HTTP/1.0 request', 'POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n', 400],
  ['a space before a chunk size', 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n 5\r\nhello\r\n0\r\n\r\n', 400],
  ['a 0x chunk size', 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0x5\r\nhello\r\n0\r\n\r\n', 400],
  ['a chunk size line with only an extension', 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n;a=b\r\nhello\r\n0\r\n\r\n', 400],
  ['chunk data longer than its size', 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloXX\r\n0\r\n\r\n', 400],
  ['a bare LF after a chunk size', 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\nhello\r\n0\r\n\r\n', 400],
  ['Content-Length among the trailers', 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\nContent-Length: 5\r\n\r\n', 400],
  ['Host among the trailers (routing is decided by the head, RFC 9110 6.5.1)', 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\nHost: evil\r\n\r\n', 400],
  ['obs-fold among the trailers', 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\nX: a\r\n b\r\n\r\n', 400],
  ['a header name with a vertical tab', 'GET / HTTP/1.1\r\nHost: x\r\nX\x0b: a\r\n\r\n', 400],
  ['a header name with a byte above ASCII', 'GET / HTTP/1.1\r\nHost: x\r\nX\xe9: a\r\n\r\n', 400],
  ['a header name with a quote', 'GET / HTTP/1.1\r\nHost: x\r\nX"Y: a\r\n\r\n', 400],
  ['an empty header name', 'GET / HTTP/1.1\r\nHost: x\r\n: a\r\n\r\n', 400],
  ['a 20 KB header name', `GET / HTTP/1.1\r\nHost: x\r\n${'N'.repeat(20_000)}: a\r\n\r\n`, 431],
  ['1000 header fields', `GET / HTTP/1.1\r\nHost: x\r\n${Array.from({ length: 1000 }, (_, i) => `X-${i}: v\r\n`).join('')}\r\n`, 431],
  ['a leading space on the request line', ' GET / HTTP/1.1\r\nHost: x\r\n\r\n', 400],
  ['a tab between method and target', 'GET\t/ HTTP/1.1\r\nHost: x\r\n\r\n', 400],
  ['two spaces before the version', 'GET /  HTTP/1.1\r\nHost: x\r\n\r\n', 400],
  ['a lower-case HTTP version', 'GET / http/1.1\r\nHost: x\r\n\r\n', 400],
  ['a space after the version', 'GET / HTTP/1.1 \r\nHost: x\r\n\r\n', 400],
  ['HTTP/1.2', 'GET / HTTP/1.2\r\nHost: x\r\n\r\n', 505],
  ['a target that is no form at all', 'GET foo HTTP/1.1\r\nHost: x\r\n\r\n', 400],
  ['an empty target', 'GET  HTTP/1.1\r\nHost: x\r\n\r\n', 400],
  ['a NUL in the target', 'GET /a\x00 HTTP/1.1\r\nHost: x\r\n\r\n', 400],
  ['an empty Host with an origin-form target (an http URI needs a host, RFC 9110 4.2.1)', 'GET / HTTP/1.1\r\nHost:\r\n\r\n', 400],
  ['an absolute-form target with userinfo (RFC 9110 4.2.4)', 'GET http://u@a/ HTTP/1.1\r\nHost: a\r\n\r\n', 400],
  ['an absolute-form target with an empty authority', 'GET http:///a HTTP/1.1\r\nHost: x\r\n\r\n', 400],
  ['an absolute-form target whose port is not digits', 'GET http://a:x/ HTTP/1.1\r\nHost: a\r\n\r\n', 400],
  ['an absolute-form target with a backslash in its authority', 'GET http://a\\b/ HTTP/1.1\r\nHost: a\r\n\r\n', 400],
  ['an expectation other than 100-continue (RFC 9110 10.1.1)', 'POST / HTTP/1.1\r\nHost: x\r\nExpect: other\r\nContent-Length: 5\r\n\r\nhello', 417],
];

/**
 * Requests on one connection: the statuses answered, in order, and what
 * reached the backend (method, host and path, body). Each ends with the connection closed.
 * A list is sent piece by piece, a few milliseconds apart.
 */
const SEQUENCES: [name: string, raw: string | string[], statuses: number[], reached: string[]][] = [
  [
    'a malformed request pipelined after a valid one is refused after the first is answered, and never forwarded',
    'GET /one HTTP/1.1\r\nHost: x\r\n\r\nGET /two HTTP/1.1\r\nHost : x\r\n\r\n',
    [200, 400],
    ['GET x/one'],
  ],
  [
    'a request after one with Connection: close is not read',
    'GET /one HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\nGET /two HTTP/1.1\r\nHost: x\r\n\r\n',
    [200],
    ['GET x/one'],
  ],
  [
    'bytes past a Content-Length body are the next request: refused when they are not one',
    'POST /one HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhelloJUNK\r\n\r\n',
    [200, 400],
    ['POST x/one hello'],
  ],
  [
    'bytes past a Content-Length body are the next request: served when they are one',
    'POST /one HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhelloGET /two HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
    [200, 200],
    ['POST x/one hello', 'GET x/two'],
  ],
  ['HTTP/1.0 without keep-alive closes after its answer', 'GET /a HTTP/1.0\r\nHost: x\r\n\r\nGET /b HTTP/1.0\r\nHost: x\r\n\r\n', [200], ['GET x/a']],
  [
    'HTTP/1.0 with keep-alive serves the next request',
    'GET /a HTTP/1.0\r\nHost: x\r\nConnection: keep-alive\r\n\r\nGET /b HTTP/1.0\r\nHost: x\r\n\r\n',
    [200, 200],
    ['GET x/a', 'GET x/b'],
  ],
  ['a head arriving one byte at a time is served', [...'GET /slow HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'], [200], ['GET x/slow']],
  ['a head split at its CRLFs is served', ['GET /split HTTP/1.1\r\n', 'Host: x\r\n', 'Connection: close\r\n', '\r\n'], [200], ['GET x/split']],
  ['Content-Length with leading zeros and whitespace around it is the length it spells', 'POST /zeros HTTP/1.1\r\nHost: x\r\nContent-Length:\t 005 \r\nConnection: close\r\n\r\nhello', [200], ['POST x/zeros hello']],
  [
    'Transfer-Encoding: Chunked is chunked (codings are case-insensitive), with a quoted extension and a last chunk of 00',
    'POST /chunked HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: Chunked\r\nConnection: close\r\n\r\n5;a="b;c"\r\nhello\r\n00\r\n\r\n',
    [200],
    ['POST x/chunked hello'],
  ],
  ['an absolute-form authority wins over Host (RFC 9112 3.2.2)', 'GET http://a.example/p?q HTTP/1.1\r\nHost: b.example\r\nConnection: close\r\n\r\n', [200], ['GET a.example/p?q']],
  ['an absolute-form target beside an empty Host', 'GET http://a.example HTTP/1.1\r\nHost:\r\nConnection: close\r\n\r\n', [200], ['GET a.example/']],
  ['Expect: 100-continue gets a 100, then the answer', ['POST /e HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\nConnection: close\r\n\r\n', 'hello'], [100, 200], ['POST x/e hello']],
];

interface Outcome {
  text: string;
  closed: boolean;
}

/** Sends `bytes` (a list piece by piece), collects the answer until fairway closes the connection (or 3 s pass). */
function probe(port: number, bytes: string | string[]): Promise<Outcome> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let text = '';
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ text, closed: false });
    }, 3_000);
    socket.on('error', () => {});
    socket.on('data', (d: Buffer) => (text += d.toString('latin1')));
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ text, closed: true });
    });
    socket.on('connect', () => {
      if (typeof bytes === 'string') socket.write(Buffer.from(bytes, 'latin1'));
      else void writePieces(bytes);
    });
    async function writePieces(pieces: string[]): Promise<void> {
      for (const piece of pieces) {
        if (socket.destroyed) return;
        socket.write(Buffer.from(piece, 'latin1'));
        await new Promise((r) => setTimeout(r, 5));
      }
    }
  });
}

let lb: RunningFairway;
let backend: RawBackend;
/** The requests that reached the backend: method, host and path, body. */
const forwarded: string[] = [];

test('setup', async () => {
  backend = await rawBackend((req, res) => {
    let body = '';
    req.setEncoding('latin1');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      forwarded.push(`${req.method} ${req.headers.host}${req.url} ${body}`.trimEnd());
      res.end('reached the backend');
    });
  });
  lb = await startFairway(testConfig([poolConfig([backend.url], { healthCheck: { ...poolConfig([]).healthCheck, enabled: false } })]));
});

for (const [what, bytes, status] of CASES) {
  test(`${what} is refused with ${status}, the connection closed, nothing sent to a backend`, async () => {
    // Counted per case, so one case that slips through fails alone.
    const before = backend.requests();
    const { text, closed } = await probe(lb.port, bytes);
    assert.match(text, new RegExp(`^HTTP/1\\.1 ${status} `), JSON.stringify(text.slice(0, 80)));
    assert.match(text, /\r\nconnection: close\r\n/i);
    assert.ok(closed, 'fairway closed the connection');
    assert.equal(backend.requests() - before, 0, 'nothing reached the backend');
  });
}

for (const [what, bytes, statuses, expected] of SEQUENCES) {
  test(what, async () => {
    forwarded.length = 0;
    const { text, closed } = await probe(lb.port, bytes);
    const answered = [...text.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => Number(m[1]));
    assert.deepEqual(answered, statuses, JSON.stringify(text.slice(0, 200)));
    assert.ok(closed, 'fairway closed the connection');
    assert.deepEqual(forwarded, expected);
  });
}

test('the same fairway still serves a well-formed request', async () => {
  const { text } = await probe(lb.port, 'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  assert.match(text, /^HTTP\/1\.1 200 /);
  assert.match(text, /reached the backend$/);
});

test('teardown', async () => {
  await lb.close();
  await backend.close();
});
