// The load generator's response parser: framing by length, chunks and close,
// split at every byte, interim answers, HEAD, and garbage.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LoadResponseParser } from '../src/load/response-parser.js';

function collector(header = 'x-backend') {
  const seen: { status: number; backend: string | undefined; close: boolean }[] = [];
  const errors: string[] = [];
  const parser = new LoadResponseParser(header, {
    onResponse: (status, backend, close) => seen.push({ status, backend, close }),
    onProtocolError: (m) => errors.push(m),
  });
  return { parser, seen, errors };
}

const RESPONSES = {
  length: 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-Backend: s1\r\n\r\nhello',
  chunked: 'HTTP/1.1 503 Service Unavailable\r\ntransfer-encoding: chunked\r\nx-backend: s2\r\n\r\n5;ext=1\r\nhello\r\nA\r\n0123456789\r\n0\r\nx-trailer: 1\r\n\r\n',
  continueThenOk: 'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\ncontent-length: 0\r\nconnection: close\r\n\r\n',
};

for (const [name, text] of Object.entries(RESPONSES)) {
  test(`${name}: parsed whole and split at every byte`, () => {
    const bytes = Buffer.from(text, 'latin1');
    const whole = collector();
    whole.parser.expect(false);
    whole.parser.execute(bytes);
    assert.equal(whole.seen.length, 1);
    assert.deepEqual(whole.errors, []);
    for (let cut = 1; cut < bytes.length; cut++) {
      const split = collector();
      split.parser.expect(false);
      split.parser.execute(bytes.subarray(0, cut));
      split.parser.execute(bytes.subarray(cut));
      assert.deepEqual(split.seen, whole.seen, `cut at ${cut}`);
    }
    const byByte = collector();
    byByte.parser.expect(false);
    for (let i = 0; i < bytes.length; i++) byByte.parser.execute(bytes.subarray(i, i + 1));
    assert.deepEqual(byByte.seen, whole.seen);
  });
}

test('status, backend header and connection close are read', () => {
  const c = collector();
  c.parser.expect(false);
  c.parser.execute(Buffer.from(RESPONSES.chunked));
  assert.deepEqual(c.seen, [{ status: 503, backend: 's2', close: false }]);
  c.parser.expect(false);
  c.parser.execute(Buffer.from(RESPONSES.continueThenOk));
  assert.deepEqual(c.seen[1], { status: 201, backend: undefined, close: true });
});

test('a response without length ends when the connection closes', () => {
  const c = collector();
  c.parser.expect(false);
  c.parser.execute(Buffer.from('HTTP/1.0 200 OK\r\nx-backend: old\r\n\r\nsome body'));
  assert.equal(c.seen.length, 0);
  assert.equal(c.parser.readsUntilClose, true);
  assert.equal(c.parser.closed(), true);
  assert.deepEqual(c.seen, [{ status: 200, backend: 'old', close: true }]);
});

test('HEAD, 204 and 304 answers have no body whatever their length says', () => {
  const c = collector();
  c.parser.expect(true);
  c.parser.execute(Buffer.from('HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n'));
  c.parser.expect(false);
  c.parser.execute(Buffer.from('HTTP/1.1 304 Not Modified\r\ncontent-length: 100\r\n\r\n'));
  assert.deepEqual(c.seen.map((s) => s.status), [200, 304]);
});

test('a custom backend header name is matched case-insensitively', () => {
  const c = collector('X-Served-By');
  c.parser.expect(false);
  c.parser.execute(Buffer.from('HTTP/1.1 200 OK\r\nx-served-by: node-7\r\ncontent-length: 0\r\n\r\n'));
  assert.equal(c.seen[0]!.backend, 'node-7');
});

test('garbage and bytes nobody asked for are protocol errors', () => {
  const c = collector();
  c.parser.expect(false);
  c.parser.execute(Buffer.from('SSH-2.0-OpenSSH\r\n\r\n'));
  assert.equal(c.errors.length, 1);
  c.parser.execute(Buffer.from('HTTP/1.1 200 OK\r\n\r\n'));
  assert.equal(c.errors.length, 2);
  c.parser.expect(false);
  c.parser.execute(Buffer.from('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n'));
  assert.equal(c.errors.length, 3);
});
