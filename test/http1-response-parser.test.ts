// The transport's response parser on its own: every framing, responses split
// at every byte boundary, and malformed or ambiguous answers rejected.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ResponseParser, type ResponseSink } from '../src/upstream/http1/response-parser.js';

interface Parsed {
  heads: { status: number; text: string; headers: string[]; keepAlive: boolean; hintMs: number }[];
  body: string;
  complete: number;
  error: string | undefined;
  /** Unconsumed bytes reported by the last execute(). */
  left: number;
}

function collector(pauseOnBody = false) {
  const parsed: Parsed = { heads: [], body: '', complete: 0, error: undefined, left: 0 };
  const sink: ResponseSink = {
    onResponseHead(status, text, headers, keepAlive, hintMs) {
      parsed.heads.push({ status, text, headers, keepAlive, hintMs });
      return true;
    },
    onResponseBody(buf, start, end) {
      parsed.body += buf.toString('latin1', start, end);
      return !pauseOnBody;
    },
    onResponseComplete() {
      parsed.complete++;
    },
  };
  return { parsed, parser: new ResponseParser(sink) };
}

/** Feeds `pieces` one after another; like a socket, each in a scratch buffer that is overwritten after use. */
function parse(pieces: string[], opts: { head?: boolean; eof?: boolean } = {}): Parsed {
  const { parsed, parser } = collector();
  parser.reset(opts.head ?? false);
  const scratch = Buffer.alloc(128 * 1024);
  for (const piece of pieces) {
    const n = scratch.write(piece, 'latin1');
    const left = parser.execute(scratch, 0, n);
    scratch.fill(0x58); // 'X': the transport reuses its read buffer
    if (left === -1) {
      parsed.error = parser.error!.message;
      assert.equal(parser.error!.code === 'UND_ERR_INVALID_RESPONSE' || parser.error!.code === 'UND_ERR_NOT_SUPPORTED', true);
      return parsed;
    }
    parsed.left = left;
    if (parsed.complete > 0) break;
  }
  if (opts.eof) parser.finish();
  return parsed;
}

/** Every way of cutting `raw` in two, and one byte at a time, parse the same as in one piece. */
function assertSplitInvariant(raw: string, opts: { head?: boolean; eof?: boolean } = {}): Parsed {
  const whole = parse([raw], opts);
  for (let cut = 1; cut < raw.length; cut++) {
    const split = parse([raw.slice(0, cut), raw.slice(cut)], opts);
    assert.deepEqual(split, whole, `cut at byte ${cut}`);
  }
  assert.deepEqual(parse([...raw], opts), whole, 'one byte at a time');
  return whole;
}

test('content-length response parses identically at every split point', () => {
  const raw = 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 11\r\nX-Empty:\r\nX-Space:   padded  \r\n\r\nhello world';
  const p = assertSplitInvariant(raw);
  assert.equal(p.error, undefined);
  assert.equal(p.heads.length, 1);
  assert.deepEqual(p.heads[0], {
    status: 200,
    text: 'OK',
    headers: ['Content-Type', 'text/plain', 'Content-Length', '11', 'X-Empty', '', 'X-Space', 'padded'],
    keepAlive: true,
    hintMs: 0,
  });
  assert.equal(p.body, 'hello world');
  assert.equal(p.complete, 1);
});

test('chunked response with extensions and trailers parses identically at every split point', () => {
  const raw =
    'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n' +
    '5;name=value\r\nhello\r\n' +
    '1 ; ext\r\n \r\n' +
    'A\r\n0123456789\r\n' +
    '0\r\nX-Checksum: abc\r\nX-Other: 1\r\n\r\n';
  const p = assertSplitInvariant(raw);
  assert.equal(p.error, undefined);
  assert.equal(p.body, 'hello 0123456789');
  assert.equal(p.complete, 1);
  assert.equal(p.heads[0]!.keepAlive, true);
});

test('a body without length or chunking lasts until the connection closes and is not kept alive', () => {
  const p = assertSplitInvariant('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nall of this until close', { eof: true });
  assert.equal(p.body, 'all of this until close');
  assert.equal(p.complete, 1);
  assert.equal(p.heads[0]!.keepAlive, false);
  // Without the close, it is not complete.
  assert.equal(parse(['HTTP/1.1 200 OK\r\n\r\npartial']).complete, 0);
});

test('HEAD answers, 204 and 304 have no body whatever their headers say', () => {
  const head = parse(['HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n'], { head: true });
  assert.equal(head.complete, 1);
  assert.equal(head.body, '');
  assert.equal(head.heads[0]!.keepAlive, true);
  for (const status of ['204 No Content', '304 Not Modified']) {
    const p = parse([`HTTP/1.1 ${status}\r\nTransfer-Encoding: chunked\r\n\r\n`]);
    assert.equal(p.complete, 1, status);
    assert.equal(p.body, '');
    assert.equal(p.left, 0);
  }
  // Content-Length: 0 ends the response right after the head.
  assert.equal(parse(['HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n']).complete, 1);
});

test('100 and 103 interim answers are skipped; 101 (upgrade) is refused', () => {
  const p = assertSplitInvariant('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok');
  assert.equal(p.heads.length, 1);
  assert.equal(p.heads[0]!.status, 201);
  assert.equal(p.body, 'ok');
  const upgrade = parse(['HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n']);
  assert.match(upgrade.error!, /switched protocols/);
  assert.equal(upgrade.heads.length, 0);
});

test('Connection: close, HTTP/1.0 and Keep-Alive hints decide reuse', () => {
  assert.equal(parse(['HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n']).heads[0]!.keepAlive, false);
  assert.equal(parse(['HTTP/1.1 200 OK\r\nconnection: Keep-Alive, CLOSE\r\nContent-Length: 0\r\n\r\n']).heads[0]!.keepAlive, false);
  assert.equal(parse(['HTTP/1.1 200 OK\r\nCONNECTION: Close\r\nContent-Length: 0\r\n\r\n']).heads[0]!.keepAlive, false);
  assert.equal(parse(['HTTP/1.1 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 0\r\n\r\n']).heads[0]!.keepAlive, true);
  assert.equal(parse(['HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n']).heads[0]!.keepAlive, false);
  const hinted = parse(['HTTP/1.1 200 OK\r\nKeep-Alive: timeout=5, max=100\r\nContent-Length: 0\r\n\r\n']).heads[0]!;
  assert.equal(hinted.keepAlive, true);
  assert.equal(hinted.hintMs, 5000);
});

test('a status line without a reason phrase is accepted', () => {
  const p = parse(['HTTP/1.1 404\r\nContent-Length: 0\r\n\r\n']);
  assert.equal(p.heads[0]!.status, 404);
  assert.equal(p.heads[0]!.text, '');
});

const malformed: [string, RegExp][] = [
    ['HTTP/2 200 OK\r\n\r\n', /status line/],
    ['HTTP/1.1 20 OK\r\n\r\n', /status line/],
    ['HTTP/1.1 2000 OK\r\n\r\n', /status line/],
    ['ICY 200 OK\r\n\r\n', /status line/],
    ['HTTP/1.1 099 Low\r\n\r\n', /status code/],
    ['HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello', /content-length/],
    ['HTTP/1.1 200 OK\r\nContent-Length: 5, 6\r\n\r\nhello', /content-length/],
    ['HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n', /content-length/],
    ['HTTP/1.1 200 OK\r\nContent-Length: 0x10\r\n\r\n', /content-length/],
    ['HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n', /both/],
    ['HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n', /transfer-encoding/],
    ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n', /transfer-encoding/],
    ['HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n', /HTTP\/1.0/],
    ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\n', /chunk size/],
    ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\r\n', /chunk size/],
    ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n12345678901234\r\n', /too large/],
    ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\nhello\r\n0\r\n\r\n', /chunk size/],
    ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloXX0\r\n\r\n', /CRLF after chunk data/],
    ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;a\nb\r\nhello\r\n0\r\n\r\n', /chunk extension/],
    ['HTTP/1.1 200 OK\nContent-Length: 0\r\n\r\n', /status line/],
    ['HTTP/1.1 200 OK\r\nA: b\nContent-Length: 0\r\n\r\n', /bare LF/],
    ['HTTP/1.1 200 OK\r\nA: b\r\n c\r\n\r\n', /folding/],
    ['HTTP/1.1 200 OK\r\nContent-Length : 0\r\n\r\n', /whitespace before colon/],
    ['HTTP/1.1 200 OK\r\nNo colon here\r\n\r\n', /header line/],
    ['HTTP/1.1 200 OK\r\n: empty name\r\n\r\n', /header line/],
    ['HTTP/1.1 200 OK\r\nBad(name): x\r\nContent-Length: 0\r\n\r\n', /header name/],
    ['HTTP/1.1 200 OK\r\nNul\u0000: x\r\nContent-Length: 0\r\n\r\n', /header name/],
    ['HTTP/1.1 200 OK\r\nX: a\u0001b\r\nContent-Length: 0\r\n\r\n', /invalid character in header value/],
    ['HTTP/1.1 200 OK\r\nX: a\rInjected: 1\r\nContent-Length: 0\r\n\r\n', /invalid character in header value/],
    ['HTTP/1.1 200 OK\r\nX: a\u007f\r\nContent-Length: 0\r\n\r\n', /invalid character in header value/],
    ['HTTP/1.1 200 OK\r\nX: a\r\r\nContent-Length: 0\r\n\r\n', /invalid character in header value/],
    ['HTTP/1.1 200 OK\r\n\rContent-Length: 0\r\n\r\n', /header line/],
];

test('malformed and ambiguous responses are rejected', () => {
  for (const [raw, why] of malformed) {
    const p = parse([raw]);
    assert.match(p.error ?? '(accepted)', why, JSON.stringify(raw));
    assert.equal(p.complete, 0, JSON.stringify(raw));
    // A head that arrives in pieces is checked from its kept bytes, the same way.
    const pieces = parse([...raw]);
    assert.match(pieces.error ?? '(accepted)', why, `${JSON.stringify(raw)} a byte at a time`);
  }
});

test('a malformed response is rejected for the same reason wherever the read carrying its head ends', () => {
  // The first read's text is parsed as far as it goes; a head it ends inside
  // waits for the rest, so an early cut must neither fail nor pass what the whole fails.
  for (const [raw, why] of malformed) {
    for (let cut = 1; cut < raw.length; cut++) {
      const p = parse([raw.slice(0, cut), raw.slice(cut)]);
      assert.match(p.error ?? '(accepted)', why, `${JSON.stringify(raw)} cut at byte ${cut}`);
      assert.equal(p.complete, 0, `${JSON.stringify(raw)} cut at byte ${cut}`);
    }
  }
});

test('a head longer than the 1 KiB first looked at as text parses as a short one, however it is cut', () => {
  const raw = `HTTP/1.1 200 OK\r\nX-Long: ${'v'.repeat(1500)}\r\nContent-Length: 5\r\n\r\nhello`;
  const p = assertSplitInvariant(raw);
  assert.equal(p.heads[0]?.status, 200);
  assert.equal(p.heads[0]?.headers[1]?.length, 1500);
  assert.equal(p.body, 'hello');
  assert.equal(p.complete, 1);
  // The head's end just past the window, and just inside it.
  for (const pad of [1024 - 60, 1024 - 40, 1024 - 20]) {
    const edge = `HTTP/1.1 200 OK\r\nX-Pad: ${'p'.repeat(pad)}\r\nContent-Length: 2\r\n\r\nok`;
    const q = parse([edge]);
    assert.equal(q.error, undefined, `pad ${pad}`);
    assert.equal(q.body, 'ok', `pad ${pad}`);
  }
});

test('a head over 64 KiB is rejected, whether it arrives at once or in pieces', () => {
  const big = 'HTTP/1.1 200 OK\r\n' + `X-Big: ${'a'.repeat(70 * 1024)}\r\n` + 'Content-Length: 0\r\n\r\n';
  assert.match(parse([big]).error!, /64 KiB/);
  const pieces: string[] = [];
  for (let i = 0; i < big.length; i += 1000) pieces.push(big.slice(i, i + 1000));
  assert.match(parse(pieces).error!, /64 KiB/);
  // Just under the limit is fine.
  const fine = 'HTTP/1.1 200 OK\r\n' + `X-Big: ${'a'.repeat(60 * 1024)}\r\n` + 'Content-Length: 0\r\n\r\n';
  assert.equal(parse([fine]).complete, 1);
});

test('bytes after a complete response are reported as left over, not parsed', () => {
  const p = parse(['HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokEXTRA']);
  assert.equal(p.body, 'ok');
  assert.equal(p.complete, 1);
  assert.equal(p.left, 5);
});

test('a sink that pauses stops the parser and learns how much is left', () => {
  const { parsed, parser } = collector(true);
  parser.reset(false);
  const raw = Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n3\r\ndef\r\n0\r\n\r\n', 'latin1');
  let left = parser.execute(raw, 0, raw.length);
  assert.equal(parsed.body, 'abc');
  assert.equal(left, '\r\n3\r\ndef\r\n0\r\n\r\n'.length);
  left = parser.execute(raw, raw.length - left, raw.length);
  assert.equal(parsed.body, 'abcdef');
  left = parser.execute(raw, raw.length - left, raw.length);
  assert.equal(left, 0);
  assert.equal(parsed.complete, 1);
});
