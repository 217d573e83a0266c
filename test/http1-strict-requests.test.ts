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
  ['a target with a control character', 'GET /a\x7fb HTTP/1.1\r\nHost: x\r\n\r\n', 400],
  ['a target with a #fragment', 'GET /a#.png HTTP/1.1\r\nHost: x\r\n\r\n', 400],
  ['a Host with two colons', 'GET / HTTP/1.1\r\nHost: x:1:2\r\n\r\n', 400],
  ['a Host whose port is not digits', 'GET / HTTP/1.1\r\nHost: x:abc\r\n\r\n', 400],
];

interface Outcome {
  text: string;
  closed: boolean;
}

/** Sends `bytes`, collects the answer until fairway closes the connection (or 3 s pass). */
function probe(port: number, bytes: string): Promise<Outcome> {
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
    socket.on('connect', () => socket.write(Buffer.from(bytes, 'latin1')));
  });
}

let lb: RunningFairway;
let backend: RawBackend;

test('setup', async () => {
  backend = await rawBackend((_req, res) => res.end('reached the backend'));
  lb = await startFairway(testConfig([poolConfig([backend.url], { healthCheck: { ...poolConfig([]).healthCheck, enabled: false } })]));
});

for (const [what, bytes, status] of CASES) {
  test(`${what} is refused with ${status}, the connection closed, nothing sent to a backend`, async () => {
    const { text, closed } = await probe(lb.port, bytes);
    assert.match(text, new RegExp(`^HTTP/1\\.1 ${status} `), JSON.stringify(text.slice(0, 80)));
    assert.match(text, /\r\nconnection: close\r\n/i);
    assert.ok(closed, 'fairway closed the connection');
    assert.equal(backend.requests(), 0, 'nothing reached the backend');
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
