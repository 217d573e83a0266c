// The client-facing HTTP/1.1 request parser on its own: every framing,
// requests split at every byte boundary, pipelining, pause and resume,
// protocol switches, and every malformed or ambiguous request refused with
// the status RFC 9112 names.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RequestParser, type ParsedRequestHead, type RequestSink } from '../src/frontend/http1/request-parser.js';
import type { RequestLimits } from '../src/frontend/http1/request-limits.js';

interface Parsed {
  heads: ParsedRequestHead[];
  body: string;
  complete: number;
  trailers: (string[] | null)[];
  /** The refusal's status, when execute() returned -1. */
  status: number | undefined;
  /** Unconsumed bytes reported by the last execute(). */
  left: number;
}

function collector(limits?: Partial<RequestLimits>) {
  const parsed: Parsed = { heads: [], body: '', complete: 0, trailers: [], status: undefined, left: 0 };
  const sink: RequestSink = {
    onRequestHead(head) {
      parsed.heads.push(head);
      return true;
    },
    onRequestBody(buf, start, end) {
      parsed.body += buf.toString('latin1', start, end);
      return true;
    },
    onRequestComplete(trailers) {
      parsed.complete++;
      parsed.trailers.push(trailers);
    },
  };
  return { parsed, parser: new RequestParser(sink, limits) };
}

/** Feeds `pieces` one after another; like a socket, each in a scratch buffer that is overwritten after use. */
function parse(pieces: string[], limits?: Partial<RequestLimits>): Parsed {
  const { parsed, parser } = collector(limits);
  const scratch = Buffer.alloc(256 * 1024);
  for (const piece of pieces) {
    const n = scratch.write(piece, 'latin1');
    const left = parser.execute(scratch, 0, n);
    scratch.fill(0x58, 0, n); // 'X': the connection reuses its read buffer
    if (left === -1) {
      parsed.status = parser.error!.status;
      assert.ok(parser.error!.reason.length > 0);
      return parsed;
    }
    parsed.left = left;
    if (parser.done || parser.upgraded) break;
  }
  return parsed;
}

/** Every way of cutting `raw` in two, and one byte at a time, parse the same as in one piece. */
function assertSplitInvariant(raw: string, limits?: Partial<RequestLimits>): Parsed {
  const whole = parse([raw], limits);
  for (let cut = 1; cut < raw.length; cut++) {
    const split = parse([raw.slice(0, cut), raw.slice(cut)], limits);
    // Bytes left over are counted from the end of the last piece fed.
    split.left = whole.left;
    assert.deepEqual(split, whole, `cut at byte ${cut}`);
  }
  const bytes = parse([...raw], limits);
  bytes.left = whole.left;
  assert.deepEqual(bytes, whole, 'one byte at a time');
  return whole;
}

/** The status `raw` is refused with, asserted equal whether it arrives whole or a byte at a time. */
function refusal(raw: string, limits?: Partial<RequestLimits>): number | undefined {
  const whole = parse([raw], limits).status;
  assert.equal(parse([...raw], limits).status, whole, 'one byte at a time');
  return whole;
}

const GET = 'GET / HTTP/1.1\r\nHost: a\r\n\r\n';
const CHUNKED_HEAD = 'POST /up HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n';

function head(overrides: Partial<ParsedRequestHead>): ParsedRequestHead {
  return {
    method: 'GET',
    target: '/',
    versionMinor: 1,
    rawHeaders: ['Host', 'a'],
    host: 'a',
    contentLength: -1,
    chunked: false,
    keepAlive: true,
    upgrade: false,
    expectContinue: false,
    ...overrides,
  };
}

// ---- valid requests ----

test('a GET parses to its head at every split point, values without surrounding whitespace, and completes without a body', () => {
  const raw = 'GET /path?q=1 HTTP/1.1\r\nHost: example.com:8080\r\nX-Empty:\r\nX-Pad: \t padded value \t\r\nAccept: */*\r\n\r\n';
  const p = assertSplitInvariant(raw);
  assert.equal(p.status, undefined);
  assert.deepEqual(p.heads, [
    head({
      target: '/path?q=1',
      rawHeaders: ['Host', 'example.com:8080', 'X-Empty', '', 'X-Pad', 'padded value', 'Accept', '*/*'],
      host: 'example.com:8080',
    }),
  ]);
  assert.equal(p.complete, 1);
  assert.deepEqual(p.trailers, [null]);
  assert.equal(p.body, '');
});

test('heads ending just inside and just past the first 1 KiB of a read, with a body after them, parse as short ones', () => {
  for (const pad of [1024 - 70, 1024 - 50, 1024 - 30, 1500]) {
    const raw = `POST /up HTTP/1.1\r\nHost: a\r\nX-Pad: ${'p'.repeat(pad)}\r\nContent-Length: 4\r\n\r\nbody`;
    const p = parse([raw]);
    assert.equal(p.status, undefined, `pad ${pad}`);
    assert.equal(p.heads[0]?.rawHeaders[3]?.length, pad, `pad ${pad}`);
    assert.equal(p.body, 'body', `pad ${pad}`);
    assert.equal(p.complete, 1, `pad ${pad}`);
  }
  // The limit on a head's size holds for heads found either way.
  assert.equal(refusal(`GET / HTTP/1.1\r\nHost: a\r\nX-Pad: ${'p'.repeat(600)}\r\n\r\n`, { maxHeadBytes: 512 }), 431);
});

test('a POST with Content-Length fed one byte at a time hands out its body and completes once', () => {
  const body = 'name=fairway&kind=load-balancer';
  const raw = `POST /form HTTP/1.1\r\nHost: a\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
  const p = assertSplitInvariant(raw);
  assert.equal(p.heads[0]!.contentLength, body.length);
  assert.equal(p.heads[0]!.chunked, false);
  assert.equal(p.body, body);
  assert.equal(p.complete, 1);
});

test('body bytes are handed out as slices of the buffer fed, not copies', () => {
  const seen: Buffer[] = [];
  const parser = new RequestParser({
    onRequestHead: () => true,
    onRequestBody(buf) {
      seen.push(buf);
      return true;
    },
    onRequestComplete() {},
  });
  const buf = Buffer.from('POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc', 'latin1');
  assert.equal(parser.execute(buf, 0, buf.length), 0);
  assert.equal(seen[0], buf);
});

test('a chunked body with extensions and trailers decodes at every split point; trailers reach onRequestComplete', () => {
  const raw =
    CHUNKED_HEAD +
    '5;name=value;flag\r\nhello\r\n' +
    '1;q="quoted \\" value"\r\n \r\n' +
    'A\r\n0123456789\r\n' +
    '0\r\nX-Checksum: abc \r\nX-Other:\tdef\r\n\r\n';
  const p = assertSplitInvariant(raw);
  assert.equal(p.status, undefined);
  assert.equal(p.heads[0]!.chunked, true);
  assert.equal(p.heads[0]!.contentLength, -1);
  assert.equal(p.body, 'hello 0123456789');
  assert.equal(p.complete, 1);
  assert.deepEqual(p.trailers, [['X-Checksum', 'abc', 'X-Other', 'def']]);
});

test('a chunked body without trailers completes with null trailers; hex sizes read in either case', () => {
  const big = 'x'.repeat(0x1f);
  const p = assertSplitInvariant(`${CHUNKED_HEAD}1f\r\n${big}\r\n1F\r\n${big}\r\n0\r\n\r\n`);
  assert.equal(p.body, big + big);
  assert.deepEqual(p.trailers, [null]);
});

test('pipelined requests in one buffer: the parser stops after each, and reset() carries on with the rest', () => {
  const first = 'POST /1 HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\none';
  const second = `${CHUNKED_HEAD}3\r\ntwo\r\n0\r\n\r\n`;
  const third = 'GET /3 HTTP/1.1\r\nHost: a\r\n\r\n';
  // A CRLF after a body, as some clients send, is skipped before the next request line.
  const buf = Buffer.from(`${first}\r\n${second}${third}`, 'latin1');
  const { parsed, parser } = collector();
  let start = 0;
  const lefts: number[] = [];
  for (let i = 0; i < 3; i++) {
    const left = parser.execute(buf, start, buf.length);
    assert.ok(left >= 0, parser.error?.reason);
    assert.equal(parser.done, true);
    assert.equal(parsed.complete, i + 1, 'one request completes per call');
    lefts.push(left);
    // Until reset(), nothing more is read.
    assert.equal(parser.execute(buf, buf.length - left, buf.length), left);
    parser.reset();
    assert.equal(parser.idle, true);
    start = buf.length - left;
  }
  assert.deepEqual(lefts, [2 + second.length + third.length, third.length, 0]);
  assert.deepEqual(
    parsed.heads.map((h) => h.target),
    ['/1', '/up', '/3'],
  );
  assert.equal(parsed.body, 'onetwo');
});

test('a reset() from inside onRequestComplete still ends that execute() call before the next pipelined request', () => {
  for (const first of [GET, 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\n\r\nx', `${CHUNKED_HEAD}0\r\n\r\n`]) {
    let heads = 0;
    const parser: RequestParser = new RequestParser({
      onRequestHead() {
        heads++;
        return true;
      },
      onRequestBody: () => true,
      onRequestComplete: () => parser.reset(),
    });
    const buf = Buffer.from(first + GET, 'latin1');
    assert.equal(parser.execute(buf, 0, buf.length), GET.length);
    assert.equal(heads, 1);
    assert.equal(parser.execute(buf, buf.length - GET.length, buf.length), 0);
    assert.equal(heads, 2);
  }
});

test('HTTP/1.0 keeps the connection only with Connection: keep-alive; HTTP/1.1 keeps it unless Connection: close', () => {
  const keepAlive = (line: string, connection?: string) =>
    parse([`GET / ${line}\r\nHost: a\r\n${connection === undefined ? '' : `Connection: ${connection}\r\n`}\r\n`]).heads[0]!.keepAlive;
  assert.equal(keepAlive('HTTP/1.0'), false);
  assert.equal(keepAlive('HTTP/1.0', 'keep-alive'), true);
  assert.equal(keepAlive('HTTP/1.0', 'Keep-Alive'), true);
  assert.equal(keepAlive('HTTP/1.0', 'keep-alive, close'), false);
  assert.equal(keepAlive('HTTP/1.1'), true);
  assert.equal(keepAlive('HTTP/1.1', 'close'), false);
  assert.equal(keepAlive('HTTP/1.1', 'TE, Close'), false);
  assert.equal(keepAlive('HTTP/1.1', 'keep-alive'), true);
});

test('an HTTP/1.0 request may leave out Host', () => {
  const p = parse(['GET / HTTP/1.0\r\nAccept: */*\r\n\r\n']);
  assert.equal(p.status, undefined);
  assert.equal(p.heads[0]!.versionMinor, 0);
  assert.equal(p.heads[0]!.host, undefined);
  assert.equal(p.complete, 1);
});

test('spaces around the Content-Length and Transfer-Encoding values, and a tab before them, are whitespace as usual', () => {
  const length = parse(['POST / HTTP/1.1\r\nHost: a\r\nContent-Length:\t 3  \r\n\r\nabc']);
  assert.equal(length.heads[0]!.contentLength, 3);
  assert.equal(length.body, 'abc');
  const chunked = parse([`POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding:\tChunked \r\n\r\n3\r\nabc\r\n0\r\n\r\n`]);
  assert.equal(chunked.heads[0]!.chunked, true);
  assert.equal(chunked.body, 'abc');
});

test('Expect: 100-continue is reported for HTTP/1.1 only; HTTP/1.0 expectations of any kind are ignored (RFC 9110 10.1.1)', () => {
  const expect = (line: string, value: string) =>
    parse([`POST / ${line}\r\nHost: a\r\nExpect: ${value}\r\nContent-Length: 1\r\n\r\n`]).heads[0]!.expectContinue;
  assert.equal(expect('HTTP/1.1', '100-continue'), true);
  assert.equal(expect('HTTP/1.1', '100-Continue'), true);
  assert.equal(expect('HTTP/1.1', ' 100-continue ,, 100-continue'), true);
  assert.equal(expect('HTTP/1.1', ''), false);
  assert.equal(expect('HTTP/1.0', '100-continue'), false);
  assert.equal(expect('HTTP/1.0', 'something-else'), false);
});

test('valid edge forms of the framing fields pass: leading zeros in Content-Length, chunked in any case, a last chunk of 00, a quoted extension', () => {
  const zeros = parse(['POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 005\r\n\r\nhello']);
  assert.equal(zeros.heads[0]!.contentLength, 5);
  assert.equal(zeros.body, 'hello');
  const upper = assertSplitInvariant('POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: CHUNKED\r\n\r\n5;a="b;\\"c"\r\nhello\r\n00\r\n\r\n');
  assert.equal(upper.status, undefined);
  assert.equal(upper.heads[0]!.chunked, true);
  assert.equal(upper.body, 'hello');
  assert.equal(upper.complete, 1);
});

test('an absolute-form target names the host: an empty Host beside it passes, any scheme (the exchange picks), any case', () => {
  for (const target of ['http://a/', 'HTTPS://a:8443/x?y', 'http://[::1]:80', 'http://a?b', 'ftp://a/x']) {
    const p = parse([`GET ${target} HTTP/1.1\r\nHost:\r\n\r\n`]);
    assert.equal(p.status, undefined, target);
    assert.equal(p.heads[0]!.target, target);
    assert.equal(p.heads[0]!.host, '');
  }
});

test('an Upgrade request stops the parser after its head: the bytes after it are left for the tunnel', () => {
  const headBytes = 'GET /ws HTTP/1.1\r\nHost: a\r\nConnection: keep-alive, Upgrade\r\nUpgrade: websocket\r\n\r\n';
  const tunnel = '\x81\x05hello';
  const p = assertSplitInvariant(headBytes + tunnel);
  assert.equal(p.heads.length, 1);
  assert.equal(p.heads[0]!.upgrade, true);
  assert.equal(p.complete, 0, 'an upgrade is not a completed request');
  assert.equal(p.left, tunnel.length);
  const { parser } = collector();
  const buf = Buffer.from(headBytes + tunnel, 'latin1');
  assert.equal(parser.execute(buf, 0, buf.length), tunnel.length);
  assert.equal(parser.upgraded, true);
  assert.equal(parser.execute(buf, buf.length - tunnel.length, buf.length), tunnel.length, 'tunnel bytes are never parsed');
});

test('Upgrade asks to switch only with Connection: upgrade, and only in HTTP/1.1', () => {
  const upgrade = (line: string, headers: string) => {
    const p = parse([`GET / ${line}\r\nHost: a\r\n${headers}\r\n`]);
    assert.equal(p.status, undefined);
    return p.heads[0]!.upgrade;
  };
  assert.equal(upgrade('HTTP/1.1', 'Upgrade: websocket\r\n'), false);
  assert.equal(upgrade('HTTP/1.1', 'Connection: upgrade\r\n'), false);
  assert.equal(upgrade('HTTP/1.0', 'Connection: upgrade\r\nUpgrade: websocket\r\n'), false);
  assert.equal(upgrade('HTTP/1.1', 'Connection: UPGRADE\r\nUpgrade: websocket\r\n'), true);
});

test('a declined upgrade goes on as a plain request: its body is parsed and it completes', () => {
  const raw = 'POST / HTTP/1.1\r\nHost: a\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nContent-Length: 4\r\n\r\nbody';
  const { parsed, parser } = collector();
  const buf = Buffer.from(raw, 'latin1');
  const left = parser.execute(buf, 0, buf.length);
  assert.equal(left, 4);
  assert.equal(parser.upgraded, true);
  parser.declineUpgrade();
  assert.equal(parser.inBody, true);
  assert.equal(parser.execute(buf, buf.length - left, buf.length), 0);
  assert.equal(parsed.body, 'body');
  assert.equal(parsed.complete, 1);

  // Bodiless: declining completes it at once.
  const bodiless = collector();
  const get = Buffer.from('GET / HTTP/1.1\r\nHost: a\r\nConnection: upgrade\r\nUpgrade: h2c\r\n\r\n', 'latin1');
  assert.equal(bodiless.parser.execute(get, 0, get.length), 0);
  bodiless.parser.declineUpgrade();
  assert.equal(bodiless.parsed.complete, 1);
  assert.equal(bodiless.parser.done, true);
});

test('Host values of every uri-host [":" port] form pass: a name, IPv4 and IPv6 literals, with and without a port', () => {
  for (const host of ['a', 'a.example:8080', 'a:', '127.0.0.1:80', '[::1]', '[::1]:8443', "x-y_z~!$&'()*+,;=%41"]) {
    const p = parse([`GET / HTTP/1.1\r\nHost: ${host}\r\n\r\n`]);
    assert.equal(p.status, undefined, JSON.stringify(host));
    assert.equal(p.heads[0]!.host, host);
  }
});

test('CONNECT with an authority-form target stops the parser after its head, like an upgrade', () => {
  const p = parse(['CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n\x16\x03\x01']);
  assert.equal(p.status, undefined);
  assert.equal(p.heads[0]!.target, 'example.com:443');
  assert.equal(p.left, 3);
  assert.equal(p.complete, 0);
  assert.equal(parse(['CONNECT [::1]:8443 HTTP/1.1\r\nHost: [::1]:8443\r\n\r\n']).status, undefined);
});

test('absolute-form targets are accepted as sent, asterisk-form for OPTIONS', () => {
  const abs = parse(['GET http://example.com/a?b HTTP/1.1\r\nHost: example.com\r\n\r\n']);
  assert.equal(abs.heads[0]!.target, 'http://example.com/a?b');
  const star = parse(['OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n']);
  assert.equal(star.heads[0]!.target, '*');
  assert.equal(star.complete, 1);
});

test('any token is a method: extension methods pass to the caller', () => {
  const p = parse(['PURGE-CACHE /x HTTP/1.1\r\nHost: a\r\n\r\n']);
  assert.equal(p.status, undefined);
  assert.equal(p.heads[0]!.method, 'PURGE-CACHE');
});

test('the sink pauses after the head and after a body slice; execute() resumes where it stopped', () => {
  let pauseHead = true;
  let pauseBody = true;
  const bodies: string[] = [];
  let completes = 0;
  const parser = new RequestParser({
    onRequestHead() {
      return !pauseHead;
    },
    onRequestBody(buf, start, end) {
      bodies.push(buf.toString('latin1', start, end));
      return !pauseBody;
    },
    onRequestComplete() {
      completes++;
    },
  });
  const raw = 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n3\r\ndef\r\n0\r\n\r\n';
  const buf = Buffer.from(raw, 'latin1');
  const afterHead = raw.indexOf('3\r\nabc');
  assert.equal(parser.execute(buf, 0, buf.length), buf.length - afterHead, 'paused after the head');
  assert.equal(parser.inBody, true);
  pauseHead = false;
  let left = parser.execute(buf, afterHead, buf.length);
  assert.deepEqual(bodies, ['abc']);
  assert.equal(left, buf.length - raw.indexOf('\r\n3\r\ndef'), 'paused after the first chunk');
  left = parser.execute(buf, buf.length - left, buf.length);
  assert.deepEqual(bodies, ['abc', 'def']);
  pauseBody = false;
  assert.equal(parser.execute(buf, buf.length - left, buf.length), 0);
  assert.equal(completes, 1);
  assert.equal(parser.done, true);
});

test('a Content-Length body that ends with a paused slice still completes', () => {
  let completes = 0;
  const parser = new RequestParser({
    onRequestHead: () => true,
    onRequestBody: () => false,
    onRequestComplete() {
      completes++;
    },
  });
  const buf = Buffer.from('POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nokGET', 'latin1');
  assert.equal(parser.execute(buf, 0, buf.length), 3);
  assert.equal(completes, 1);
});

test('the state getters follow a request from idle through head and body to done', () => {
  const { parser } = collector();
  assert.equal(parser.idle, true);
  const buf = Buffer.from('POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nok', 'latin1');
  parser.execute(buf, 0, 2);
  assert.deepEqual([parser.idle, parser.inHead, parser.inBody, parser.done], [false, true, false, false]);
  parser.execute(buf, 2, buf.length - 1);
  assert.deepEqual([parser.idle, parser.inHead, parser.inBody, parser.done], [false, false, true, false]);
  assert.equal(parser.head?.contentLength, 2);
  assert.equal(parser.bodyBytesLeft, 1);
  parser.execute(buf, buf.length - 1, buf.length);
  assert.deepEqual([parser.idle, parser.inHead, parser.inBody, parser.done], [false, false, false, true]);
  assert.equal(parser.bodyBytesLeft, 0);
  parser.reset();
  assert.equal(parser.idle, true);
  assert.equal(parser.head, undefined);

  const chunked = collector().parser;
  const raw = Buffer.from(`${CHUNKED_HEAD}5\r\nhel`, 'latin1');
  chunked.execute(raw, 0, raw.length);
  assert.equal(chunked.bodyBytesLeft, -1, 'a chunked body has no known length');
});

test('up to four empty lines before a request line are skipped, even split between reads', () => {
  const p = assertSplitInvariant(`\r\n\r\n\r\n\r\n${GET}`);
  assert.equal(p.status, undefined);
  assert.equal(p.complete, 1);
  assert.equal(refusal(`\r\n\r\n\r\n\r\n\r\n${GET}`), 400);
  assert.equal(refusal(`\n${GET}`), 400);
  assert.equal(refusal(`\r${GET}`), 400);
});

test('a request line of exactly the limit passes; one byte more is refused with 414, whole or in pieces', () => {
  const line = (n: number) => `GET /${'a'.repeat(n - 'GET / HTTP/1.1'.length)} HTTP/1.1`;
  assert.equal(line(8192).length, 8192);
  assert.equal(refusal(`${line(8192)}\r\nHost: a\r\n\r\n`), undefined);
  assert.equal(refusal(`${line(8193)}\r\nHost: a\r\n\r\n`), 414);
  // Refused before the rest of the head arrives.
  assert.equal(parse([line(8193)]).status, 414);
  assert.equal(refusal(line(30_000)), 414);
});

test('a head of exactly the limit passes; one byte more is refused with 431, whole or in pieces', () => {
  const start = 'GET / HTTP/1.1\r\nHost: a\r\nX-Fill: ';
  const fill = (total: number) => `${start}${'f'.repeat(total - start.length - 4)}\r\n\r\n`;
  assert.equal(fill(16384).length, 16384);
  assert.equal(refusal(fill(16384)), undefined);
  assert.equal(refusal(fill(16385)), 431);
  // An endless head is refused once it passes the limit.
  assert.equal(parse([fill(40_000).slice(0, 20_000)]).status, 431);
  assert.equal(refusal(fill(40_000).slice(0, 20_000)), 431);
});

test('100 header fields pass; the 101st is refused with 431', () => {
  const fields = (n: number) => Array.from({ length: n - 1 }, (_, i) => `X-${i}: ${i}\r\n`).join('');
  assert.equal(refusal(`GET / HTTP/1.1\r\nHost: a\r\n${fields(100)}\r\n`), undefined);
  assert.equal(refusal(`GET / HTTP/1.1\r\nHost: a\r\n${fields(101)}\r\n`), 431);
});

test('the limits can be set per parser', () => {
  const limits = { maxRequestLineBytes: 20, maxHeadBytes: 64, maxHeaderFields: 2, maxChunkExtensionBytes: 4 };
  assert.equal(refusal('GET /aaaaaaaaaaaaaaaa HTTP/1.1\r\nHost: a\r\n\r\n', limits), 414);
  assert.equal(refusal(`GET / HTTP/1.1\r\nHost: a\r\nX: ${'v'.repeat(40)}\r\n\r\n`, limits), 431);
  assert.equal(refusal('GET / HTTP/1.1\r\nHost: a\r\nA: 1\r\nB: 2\r\n\r\n', limits), 431);
  assert.equal(refusal(`${CHUNKED_HEAD}1;abcd\r\nx\r\n0\r\n\r\n`, limits), 400);
  assert.equal(refusal(`${CHUNKED_HEAD}1;abc\r\nx\r\n0\r\n\r\n`, limits), undefined);
});

// ---- refusals: one case each, with its status ----

const REFUSED: [name: string, raw: string, status: number][] = [
  ['Content-Length together with Transfer-Encoding', 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n', 400],
  ['two different Content-Length values', 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n', 400],
  ['two identical Content-Length values (refused, as llhttp does)', 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc', 400],
  ['a comma list of Content-Length values', 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3, 3\r\n\r\nabc', 400],
  ['a Content-Length with a non-digit', 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3a\r\n\r\nabc', 400],
  ['a signed Content-Length', 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +3\r\n\r\nabc', 400],
  ['an empty Content-Length', 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length:\r\n\r\n', 400],
  ['a Content-Length past Number.MAX_SAFE_INTEGER', 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 9007199254740992\r\n\r\n', 400],
  ['a Content-Length of 17 digits', 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 00000000000000001\r\n\r\n', 400],
  ['a tab after the Content-Length value (llhttp reads no length)', 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\t\r\n\r\nabc', 400],
  ['a tab after the Transfer-Encoding value (llhttp reads no chunked)', 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked \t\r\n\r\n0\r\n\r\n', 400],
  ['a Transfer-Encoding whose last coding is not chunked', 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip\r\n\r\n', 400],
  ['a Transfer-Encoding without chunked', 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n', 400],
  ['chunked applied twice', 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n', 400],
  ['an empty element in Transfer-Encoding', 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked,\r\n\r\n', 400],
  ['parameters on chunked', 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked;x=1\r\n\r\n', 400],
  ['an unknown transfer coding before chunked (501)', 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: foo, chunked\r\n\r\n', 501],
  ['a coding fairway does not decode before chunked (501)', 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n', 501],
  ['Transfer-Encoding in an HTTP/1.0 request', 'POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n', 400],
  ['obsolete line folding', 'GET / HTTP/1.1\r\nHost: a\r\nX-Long: one\r\n two\r\n\r\n', 400],
  ['obsolete line folding with a tab', 'GET / HTTP/1.1\r\nHost: a\r\nX-Long: one\r\n\ttwo\r\n\r\n', 400],
  ['whitespace before the first header line', 'GET / HTTP/1.1\r\n Host: a\r\n\r\n', 400],
  ['a bare LF ending the request line', 'GET / HTTP/1.1\nHost: a\r\n\r\n', 400],
  ['a bare LF ending a header line', 'GET / HTTP/1.1\r\nHost: a\nX: b\r\n\r\n', 400],
  ['a bare LF ending the head', 'GET / HTTP/1.1\r\nHost: a\r\n\n', 400],
  ['a bare LF head throughout', 'GET / HTTP/1.1\nHost: a\n\n', 400],
  ['a bare CR in a header value', 'GET / HTTP/1.1\r\nHost: a\r\nX: a\rb\r\n\r\n', 400],
  ['a bare CR in the request line', 'GET /\r HTTP/1.1\r\nHost: a\r\n\r\n', 400],
  ['a bare CR before the empty line', 'GET / HTTP/1.1\r\nHost: a\r\n\r\r\n\r\n', 400],
  ['whitespace before a header colon', 'GET / HTTP/1.1\r\nHost : a\r\n\r\n', 400],
  ['a tab before a header colon', 'GET / HTTP/1.1\r\nHost\t: a\r\n\r\n', 400],
  ['an empty header name', 'GET / HTTP/1.1\r\nHost: a\r\n: b\r\n\r\n', 400],
  ['a header name that is not a token', 'GET / HTTP/1.1\r\nHost: a\r\nX(Y): b\r\n\r\n', 400],
  ['a header name with a space', 'GET / HTTP/1.1\r\nHost: a\r\nX Y: b\r\n\r\n', 400],
  ['a header line without a colon', 'GET / HTTP/1.1\r\nHost: a\r\nNoColon\r\n\r\n', 400],
  ['a NUL in a header value', 'GET / HTTP/1.1\r\nHost: a\r\nX: a\x00b\r\n\r\n', 400],
  ['a control character in a header value', 'GET / HTTP/1.1\r\nHost: a\r\nX: a\x1bb\r\n\r\n', 400],
  ['DEL in a header value', 'GET / HTTP/1.1\r\nHost: a\r\nX: a\x7fb\r\n\r\n', 400],
  ['a chunk size that is not hex', `${CHUNKED_HEAD}g\r\n`, 400],
  ['an empty chunk size line', `${CHUNKED_HEAD}\r\n`, 400],
  ['whitespace before a chunk size', `${CHUNKED_HEAD} 5\r\nhello\r\n0\r\n\r\n`, 400],
  ['whitespace after a chunk size', `${CHUNKED_HEAD}5 \r\nhello\r\n0\r\n\r\n`, 400],
  ['a bare LF after a chunk size', `${CHUNKED_HEAD}5\nhello\r\n0\r\n\r\n`, 400],
  ['a chunk size of 17 hex digits', `${CHUNKED_HEAD}00000000000000001\r\nx\r\n0\r\n\r\n`, 400],
  ['a chunk size past Number.MAX_SAFE_INTEGER', `${CHUNKED_HEAD}20000000000000\r\n`, 400],
  ['an empty chunk extension', `${CHUNKED_HEAD}5;\r\nhello\r\n0\r\n\r\n`, 400],
  ['whitespace in a chunk extension', `${CHUNKED_HEAD}5; a=b\r\nhello\r\n0\r\n\r\n`, 400],
  ['whitespace before a chunk extension', `${CHUNKED_HEAD}5 ;a=b\r\nhello\r\n0\r\n\r\n`, 400],
  ['a chunk extension without a value after =', `${CHUNKED_HEAD}5;a=\r\nhello\r\n0\r\n\r\n`, 400],
  ['a chunk extension value that is not a token', `${CHUNKED_HEAD}5;a=\xe9\r\nhello\r\n0\r\n\r\n`, 400],
  ['a control character in a quoted chunk extension', `${CHUNKED_HEAD}5;a="x\x01"\r\nhello\r\n0\r\n\r\n`, 400],
  ['text after a quoted chunk extension', `${CHUNKED_HEAD}5;a="x"y\r\nhello\r\n0\r\n\r\n`, 400],
  ['chunk data not followed by CRLF', `${CHUNKED_HEAD}5\r\nhelloX\r\n0\r\n\r\n`, 400],
  ['chunk data followed by a bare LF', `${CHUNKED_HEAD}5\r\nhello\n0\r\n\r\n`, 400],
  ['a trailer line without a colon', `${CHUNKED_HEAD}0\r\nNoColon\r\n\r\n`, 400],
  ['whitespace before a trailer colon', `${CHUNKED_HEAD}0\r\nX : 1\r\n\r\n`, 400],
  ['obsolete line folding in the trailers', `${CHUNKED_HEAD}0\r\nX: 1\r\n 2\r\n\r\n`, 400],
  ['a bare LF in the trailers', `${CHUNKED_HEAD}0\r\nX: 1\n\r\n`, 400],
  ['a control character in a trailer value', `${CHUNKED_HEAD}0\r\nX: 1\x00\r\n\r\n`, 400],
  ['Content-Length in the trailers', `${CHUNKED_HEAD}0\r\nContent-Length: 0\r\n\r\n`, 400],
  ['Transfer-Encoding in the trailers', `${CHUNKED_HEAD}0\r\ntransfer-encoding: chunked\r\n\r\n`, 400],
  ['a trailer section over the head limit (431)', `${CHUNKED_HEAD}0\r\nX: ${'t'.repeat(17_000)}\r\n\r\n`, 431],
  ['a missing Host in HTTP/1.1', 'GET / HTTP/1.1\r\nAccept: */*\r\n\r\n', 400],
  ['a missing Host with an absolute-form target', 'GET http://example.com/ HTTP/1.1\r\n\r\n', 400],
  ['two Host fields', 'GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n', 400],
  ['two Host fields in HTTP/1.0', 'GET / HTTP/1.0\r\nHost: a\r\nhost: b\r\n\r\n', 400],
  ['a Host with a space', 'GET / HTTP/1.1\r\nHost: a b\r\n\r\n', 400],
  ['a Host with a slash', 'GET / HTTP/1.1\r\nHost: a/b\r\n\r\n', 400],
  ['a Host with userinfo', 'GET / HTTP/1.1\r\nHost: user@a\r\n\r\n', 400],
  ['a Host whose port is not digits', 'GET / HTTP/1.1\r\nHost: a:b\r\n\r\n', 400],
  ['a Host with two colons (host "a:1" to the router, "a" to a backend)', 'GET / HTTP/1.1\r\nHost: a:1:2\r\n\r\n', 400],
  ['a Host with an unclosed IP literal', 'GET / HTTP/1.1\r\nHost: [::1\r\n\r\n', 400],
  ['a Host with text after an IP literal', 'GET / HTTP/1.1\r\nHost: [::1]x\r\n\r\n', 400],
  ['a Host with an empty IP literal', 'GET / HTTP/1.1\r\nHost: []:80\r\n\r\n', 400],
  ['a Host with a bracket inside a name', 'GET / HTTP/1.1\r\nHost: a[b]\r\n\r\n', 400],
  ['an HTTP/0.9 request line (no version)', 'GET /\r\n\r\n', 400],
  ['an HTTP/2.0 request line (505)', 'GET / HTTP/2.0\r\nHost: a\r\n\r\n', 505],
  ['an HTTP/1.2 request line (505)', 'GET / HTTP/1.2\r\nHost: a\r\n\r\n', 505],
  ['an HTTP/0.9 version (505)', 'GET / HTTP/0.9\r\nHost: a\r\n\r\n', 505],
  ['a two-digit minor version', 'GET / HTTP/1.10\r\nHost: a\r\n\r\n', 400],
  ['a lower-case version', 'GET / http/1.1\r\nHost: a\r\n\r\n', 400],
  ['a space after the version', 'GET / HTTP/1.1 \r\nHost: a\r\n\r\n', 400],
  ['a method that is not a token', 'G(ET / HTTP/1.1\r\nHost: a\r\n\r\n', 400],
  ['a request line without spaces', 'GET\r\nHost: a\r\n\r\n', 400],
  ['two spaces after the method', 'GET  / HTTP/1.1\r\nHost: a\r\n\r\n', 400],
  ['a space in the target', 'GET /a b HTTP/1.1\r\nHost: a\r\n\r\n', 400],
  ['a tab in the target', 'GET /a\tb HTTP/1.1\r\nHost: a\r\n\r\n', 400],
  ['a control character in the target', 'GET /a\x01 HTTP/1.1\r\nHost: a\r\n\r\n', 400],
  ['a byte above ASCII in the target', 'GET /caf\xe9 HTTP/1.1\r\nHost: a\r\n\r\n', 400],
  ['a # in an origin-form target (a fragment is no part of a request-target)', 'GET /a#b HTTP/1.1\r\nHost: a\r\n\r\n', 400],
  ['a # in an absolute-form target', 'GET http://a/b#c HTTP/1.1\r\nHost: a\r\n\r\n', 400],
  ['a target that is no form at all', 'GET index.html HTTP/1.1\r\nHost: a\r\n\r\n', 400],
  ['an absolute-form target without an authority', 'GET urn:isbn:123 HTTP/1.1\r\nHost: a\r\n\r\n', 400],
  ['asterisk-form outside OPTIONS', 'GET * HTTP/1.1\r\nHost: a\r\n\r\n', 400],
  ['CONNECT with an origin-form target', 'CONNECT / HTTP/1.1\r\nHost: a\r\n\r\n', 400],
  ['CONNECT without a port', 'CONNECT example.com HTTP/1.1\r\nHost: example.com\r\n\r\n', 400],
  ['Host in the trailers (routing is decided by the head, RFC 9110 6.5.1)', `${CHUNKED_HEAD}0\r\nhost: b\r\n\r\n`, 400],
  ['an empty Host with an origin-form target (an http URI needs a host, RFC 9110 4.2.1)', 'GET / HTTP/1.1\r\nHost:\r\n\r\n', 400],
  ['an empty Host with an asterisk-form target', 'OPTIONS * HTTP/1.1\r\nHost: \r\n\r\n', 400],
  ['an empty Host in HTTP/1.0', 'GET / HTTP/1.0\r\nHost:\r\n\r\n', 400],
  ['an absolute-form target with userinfo (RFC 9110 4.2.4)', 'GET http://u@a/ HTTP/1.1\r\nHost: a\r\n\r\n', 400],
  ['userinfo in an absolute-form target of another scheme', 'GET ftp://u@a/ HTTP/1.1\r\nHost: a\r\n\r\n', 400],
  ['an absolute-form target with an empty authority', 'GET http:///a HTTP/1.1\r\nHost: a\r\n\r\n', 400],
  ['an absolute-form target with a port but no host', 'GET http://:80/a HTTP/1.1\r\nHost: a\r\n\r\n', 400],
  ['an absolute-form target whose port is not digits', 'GET http://a:x/ HTTP/1.1\r\nHost: a\r\n\r\n', 400],
  ['an absolute-form target with two colons in its authority', 'GET http://a:1:2/ HTTP/1.1\r\nHost: a\r\n\r\n', 400],
  ['an absolute-form target with a backslash in its authority', 'GET http://a\\b/ HTTP/1.1\r\nHost: a\r\n\r\n', 400],
  ['an expectation other than 100-continue (417, RFC 9110 10.1.1)', 'POST / HTTP/1.1\r\nHost: a\r\nExpect: other\r\nContent-Length: 1\r\n\r\nx', 417],
  ['100-continue listed with another expectation (417)', 'POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue, other\r\nContent-Length: 1\r\n\r\nx', 417],
  ['100-continue with a parameter (417)', 'POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue;a=b\r\nContent-Length: 1\r\n\r\nx', 417],
  ['an unknown expectation on a second Expect line (417)', 'GET / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nExpect: x\r\n\r\n', 417],
];

for (const [name, raw, status] of REFUSED) {
  test(`refused with ${status}: ${name}`, () => {
    assert.equal(refusal(raw), status);
  });
}

test('after a refusal the parser stays failed until reset()', () => {
  const { parser } = collector();
  const bad = Buffer.from('GET / HTTP/1.1\r\nHost : a\r\n\r\n', 'latin1');
  assert.equal(parser.execute(bad, 0, bad.length), -1);
  assert.equal(parser.error?.status, 400);
  const good = Buffer.from(GET, 'latin1');
  assert.equal(parser.execute(good, 0, good.length), -1);
  parser.reset();
  assert.equal(parser.error, undefined);
  assert.equal(parser.execute(good, 0, good.length), 0);
  assert.equal(parser.done, true);
});
