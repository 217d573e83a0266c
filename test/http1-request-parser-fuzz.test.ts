// Property tests of the HTTP/1.1 request parser: random valid requests
// round-trip through any split into reads; random mutations of them never
// throw or stall it; and whatever it accepts, llhttp (node:http's parser)
// accepts with the same framing. Where ours refuses what llhttp accepts it
// is stricter, which is allowed; the one documented case the other way is
// an extension method (llhttp knows a fixed list of methods).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { METHODS } from 'node:http';
import fc from 'fast-check';
import { RequestParser, type ParsedRequestHead } from '../src/frontend/http1/request-parser.js';
import { startReference, type ReferenceOutcome } from './helpers/llhttp-reference.js';

// ---- random valid requests ----

interface Field {
  name: string;
  value: string;
  /** Whitespace sent around the value (the parser drops it). */
  before: string;
  after: string;
}

interface Chunk {
  data: string;
  extension: string;
}

type Body =
  | { kind: 'none' }
  | { kind: 'length'; data: string }
  | { kind: 'chunked'; chunks: Chunk[]; trailers: Field[] };

interface RequestSpec {
  method: string;
  target: string;
  minor: 0 | 1;
  host: string;
  hostAt: number;
  fields: Field[];
  connection: '' | 'close' | 'keep-alive';
  body: Body;
  /** Whitespace around the values of Host and the framing fields (spaces only after them: a tab there is refused). */
  framingBefore: string;
  framingAfter: string;
}

/** Names the parser reads itself; random fields stay clear of them. */
const FRAMING = new Set(['host', 'content-length', 'transfer-encoding', 'connection', 'upgrade', 'expect', 'te', 'trailer', 'keep-alive']);

const latin1Bytes = (max: number) => fc.uint8Array({ maxLength: max }).map((a) => Buffer.from(a).toString('latin1'));
const ows = fc.constantFrom('', ' ', '  ', '\t', ' \t');
const visibleOrObsText = fc.oneof(
  { weight: 8, arbitrary: fc.integer({ min: 0x21, max: 0x7e }) },
  { weight: 1, arbitrary: fc.integer({ min: 0x80, max: 0xff }) },
).map((c) => String.fromCharCode(c));
/** A field value: visible characters (and obs-text), inner spaces and tabs, none at either end. */
const fieldValue = fc.oneof(
  fc.constant(''),
  fc
    .tuple(visibleOrObsText, fc.string({ unit: fc.oneof(visibleOrObsText, fc.constantFrom(' ', '\t')), maxLength: 20 }), visibleOrObsText)
    .map(([a, mid, b]) => a + mid + b),
);
const fieldName = fc.stringMatching(/^[A-Za-z][A-Za-z0-9!#$%&'*+.^_`|~-]{0,15}$/).filter((n) => !FRAMING.has(n.toLowerCase()));
const field = fc.record({ name: fieldName, value: fieldValue, before: ows, after: ows });
const token = fc.stringMatching(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,8}$/);
const chunkExtension = fc.oneof(
  fc.constant(''),
  token.map((n) => `;${n}`),
  fc.tuple(token, token).map(([n, v]) => `;${n}=${v}`),
  fc.tuple(token, fc.stringMatching(/^[ !#-[\]-~]{0,10}$/)).map(([n, v]) => `;${n}="${v}"`),
);
const chunk = fc.record({ data: latin1Bytes(40).filter((d) => d.length > 0), extension: chunkExtension });

const requestSpec: fc.Arbitrary<RequestSpec> = fc
  .record({
    method: fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD'),
    target: fc.stringMatching(/^\/[A-Za-z0-9._~!$&'()*+,;=:@%/-]{0,30}(\?[A-Za-z0-9=&%._-]{0,20})?$/),
    minor: fc.constantFrom<0 | 1>(0, 1, 1, 1),
    // A valid Host's port is at most 65535 (a larger one is refused).
    host: fc.tuple(fc.stringMatching(/^[a-z0-9.-]{1,20}$/), fc.option(fc.integer({ min: 0, max: 65535 }))).map(([name, port]) => (port === null ? name : `${name}:${port}`)),
    hostAt: fc.nat(),
    fields: fc.array(field, { maxLength: 8 }),
    connection: fc.constantFrom<RequestSpec['connection']>('', '', 'close', 'keep-alive'),
    body: fc.oneof(
      fc.constant<Body>({ kind: 'none' }),
      latin1Bytes(80).map<Body>((data) => ({ kind: 'length', data })),
      fc
        .record({ chunks: fc.array(chunk, { maxLength: 4 }), trailers: fc.array(field, { maxLength: 3 }) })
        .map<Body>(({ chunks, trailers }) => ({ kind: 'chunked', chunks, trailers })),
    ),
    framingBefore: ows,
    framingAfter: fc.constantFrom('', '', ' ', '  '),
  })
  // HTTP/1.0 has no chunked framing.
  .filter((r) => r.minor === 1 || r.body.kind !== 'chunked');

function fieldLines(fields: readonly Field[]): string {
  return fields.map((f) => `${f.name}:${f.before}${f.value}${f.after}\r\n`).join('');
}

/** The head's fields in order: the random ones with Host among them, then framing and Connection. */
function headFields(r: RequestSpec): Field[] {
  const fields = [...r.fields];
  const framing = (name: string, value: string): Field => ({ name, value, before: r.framingBefore, after: r.framingAfter });
  fields.splice(r.hostAt % (fields.length + 1), 0, framing('Host', r.host));
  if (r.body.kind === 'length') fields.push(framing('Content-Length', String(r.body.data.length)));
  if (r.body.kind === 'chunked') fields.push(framing('Transfer-Encoding', 'chunked'));
  if (r.connection !== '') fields.push(framing('Connection', r.connection));
  return fields;
}

function serialize(r: RequestSpec): string {
  let out = `${r.method} ${r.target} HTTP/1.${r.minor}\r\n${fieldLines(headFields(r))}\r\n`;
  if (r.body.kind === 'length') out += r.body.data;
  if (r.body.kind === 'chunked') {
    for (const c of r.body.chunks) out += `${c.data.length.toString(16)}${c.extension}\r\n${c.data}\r\n`;
    out += `0\r\n${fieldLines(r.body.trailers)}\r\n`;
  }
  return out;
}

function expectedBody(r: RequestSpec): string {
  if (r.body.kind === 'length') return r.body.data;
  if (r.body.kind === 'chunked') return r.body.chunks.map((c) => c.data).join('');
  return '';
}

function expectedHead(r: RequestSpec): ParsedRequestHead {
  const close = r.connection === 'close';
  return {
    method: r.method,
    target: r.target,
    versionMinor: r.minor,
    rawHeaders: headFields(r).flatMap((f) => [f.name, f.value]),
    host: r.host,
    contentLength: r.body.kind === 'length' ? r.body.data.length : -1,
    chunked: r.body.kind === 'chunked',
    keepAlive: r.minor === 1 ? !close : r.connection === 'keep-alive',
    upgrade: false,
    expectContinue: false,
  };
}

// ---- feeding the parser ----

type OursOutcome =
  | { kind: 'accepted'; head: ParsedRequestHead; body: string; trailers: string[] | null; left: number }
  | { kind: 'upgraded'; head: ParsedRequestHead }
  | { kind: 'rejected'; status: number; reason: string }
  | { kind: 'incomplete'; head: ParsedRequestHead | undefined };

/** Cut points within `length`, sorted, from random numbers. */
function cutsOf(length: number, seeds: readonly number[]): number[] {
  return [...new Set(seeds.map((s) => (length > 1 ? 1 + (s % (length - 1)) : 0)).filter((c) => c > 0))].sort((a, b) => a - b);
}

/**
 * Parses the first request in `raw`, fed in reads cut at `cuts`. Each read
 * sits in a buffer of its own between junk bytes, as a socket's buffer may,
 * so the parser must keep to start and end.
 */
function parseOurs(raw: Buffer, cuts: readonly number[]): OursOutcome {
  let head: ParsedRequestHead | undefined;
  let body = '';
  let trailers: string[] | null = null;
  let complete = false;
  const parser = new RequestParser({
    onRequestHead(h) {
      head = h;
      return true;
    },
    onRequestBody(buf, start, end) {
      body += buf.toString('latin1', start, end);
      return true;
    },
    onRequestComplete(t) {
      complete = true;
      trailers = t;
    },
  });
  const bounds = [0, ...cuts, raw.length];
  for (let i = 0; i + 1 < bounds.length; i++) {
    const piece = raw.subarray(bounds[i], bounds[i + 1]);
    const buf = Buffer.alloc(piece.length + 8, '\r\n\r\n');
    piece.copy(buf, 3);
    const left = parser.execute(buf, 3, 3 + piece.length);
    if (left === -1) return { kind: 'rejected', status: parser.error!.status, reason: parser.error!.reason };
    assert.ok(left >= 0 && left <= piece.length);
    if (parser.upgraded) return { kind: 'upgraded', head: head! };
    if (complete) return { kind: 'accepted', head: head!, body, trailers, left: left + (raw.length - bounds[i + 1]!) };
    assert.equal(left, 0, 'the parser stops early only when done, upgraded or paused');
  }
  return { kind: 'incomplete', head };
}

// ---- mutations ----

const INTERESTING = [13, 10, 32, 9, 0, 127, 0x80, 0xff, ...':,;="\\/?#@-+0123456789abcdefAFxX'].map((c) => (typeof c === 'number' ? c : c.charCodeAt(0)));
const SNIPPETS = [
  '\r\n',
  '\n',
  '\r',
  ' ',
  '\t',
  ', chunked',
  ',',
  'Transfer-Encoding: chunked\r\n',
  'Transfer-Encoding: gzip, chunked\r\n',
  'Content-Length: 0\r\n',
  'Content-Length: 5\r\n',
  'Content-Length: 5, 5\r\n',
  'Host: other\r\n',
  'Connection: close\r\n',
  'Connection: upgrade\r\nUpgrade: websocket\r\n',
  'Expect: 100-continue\r\n',
  '0\r\n\r\n',
  '\r\n\r\n',
  ': ',
  ' :',
  'HTTP/1.0',
  ';ext=1',
];

interface Mutation {
  kind: 'replace' | 'insert' | 'delete' | 'snippet';
  at: number;
  /** Move `at` to just after a line end. */
  lineStart: boolean;
  byte: number;
  snippet: string;
}

const mutation: fc.Arbitrary<Mutation> = fc.record({
  kind: fc.constantFrom<Mutation['kind']>('replace', 'replace', 'insert', 'delete', 'snippet', 'snippet'),
  at: fc.nat(),
  lineStart: fc.boolean(),
  byte: fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...INTERESTING) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 255 }) }),
  snippet: fc.constantFrom(...SNIPPETS),
});

function mutate(raw: string, mutations: readonly Mutation[]): string {
  let s = raw;
  for (const m of mutations) {
    let at = m.at % (s.length + 1);
    if (m.lineStart) {
      const lf = s.indexOf('\n', at);
      at = lf === -1 ? s.length : lf + 1;
    }
    const c = String.fromCharCode(m.byte);
    if (m.kind === 'replace') s = s.slice(0, at) + c + s.slice(at + 1);
    else if (m.kind === 'insert') s = s.slice(0, at) + c + s.slice(at);
    else if (m.kind === 'delete') s = s.slice(0, at) + s.slice(at + 1);
    else s = s.slice(0, at) + m.snippet + s.slice(at);
  }
  return s;
}

// ---- the properties ----

test('random valid requests round-trip through any split into reads: same head, body bytes and trailers', () => {
  fc.assert(
    fc.property(requestSpec, fc.array(fc.nat(), { maxLength: 12 }), (r, seeds) => {
      const raw = Buffer.from(serialize(r), 'latin1');
      const out = parseOurs(raw, cutsOf(raw.length, seeds));
      assert.equal(out.kind, 'accepted', JSON.stringify(out));
      if (out.kind !== 'accepted') return;
      assert.deepEqual(out.head, expectedHead(r));
      assert.equal(out.body, expectedBody(r));
      const trailers = r.body.kind === 'chunked' && r.body.trailers.length > 0 ? r.body.trailers.flatMap((f) => [f.name, f.value]) : null;
      assert.deepEqual(out.trailers, trailers);
      assert.equal(out.left, 0);
    }),
    { numRuns: 500, includeErrorInReport: true },
  );
});

test('mutated requests never throw or stall the parser: pipelined requests are read to the end of the input', () => {
  fc.assert(
    fc.property(
      fc.array(requestSpec, { minLength: 1, maxLength: 3 }),
      fc.array(mutation, { minLength: 1, maxLength: 4 }),
      fc.array(fc.nat(), { maxLength: 12 }),
      fc.boolean(),
      (requests, mutations, seeds, pauses) => {
        const raw = Buffer.from(mutate(requests.map(serialize).join(''), mutations), 'latin1');
        let paused = false;
        const parser = new RequestParser({
          onRequestHead: () => !(pauses && (paused = !paused)),
          onRequestBody: () => !(pauses && (paused = !paused)),
          onRequestComplete: () => undefined,
        });
        const bounds = [0, ...cutsOf(raw.length, seeds), raw.length];
        let calls = 0;
        for (let i = 0; i + 1 < bounds.length; i++) {
          let start = bounds[i]!;
          const end = bounds[i + 1]!;
          while (start < end) {
            // Each call consumes a byte or stops at a request's end, a pause or an upgrade: bounded.
            assert.ok(++calls <= 3 * raw.length + 10, 'the parser stalls');
            const left = parser.execute(raw, start, end);
            if (left === -1) {
              assert.ok(parser.error !== undefined);
              return;
            }
            assert.ok(left >= 0 && left <= end - start);
            if (parser.upgraded) return;
            if (parser.done) parser.reset();
            start = end - left;
          }
        }
      },
    ),
    { numRuns: 500, includeErrorInReport: true },
  );
});

/** Why the parsers' readings of one input differ in a way that matters, or undefined. */
function disagreement(ours: OursOutcome, ref: ReferenceOutcome): string | undefined {
  const unknownMethod = (head: ParsedRequestHead | undefined) => head !== undefined && !METHODS.includes(head.method);
  const sameHead = (head: ParsedRequestHead, r: { method: string; url: string; rawHeaders: string[] }) => {
    if (head.method !== r.method) return `method ${head.method} vs ${r.method}`;
    if (head.target !== r.url) return `target ${head.target} vs ${r.url}`;
    if (JSON.stringify(head.rawHeaders) !== JSON.stringify(r.rawHeaders)) return `headers ${JSON.stringify(head.rawHeaders)} vs ${JSON.stringify(r.rawHeaders)}`;
    return undefined;
  };
  switch (ours.kind) {
    case 'rejected':
      return undefined; // stricter than llhttp is allowed
    case 'accepted':
      if (ref.kind === 'accepted') {
        const head = sameHead(ours.head, ref);
        if (head !== undefined) return head;
        if (ours.body !== ref.body) return `body ${JSON.stringify(ours.body)} vs ${JSON.stringify(ref.body)}`;
        const trailers = JSON.stringify(ours.trailers ?? []);
        if (trailers !== JSON.stringify(ref.rawTrailers)) return `trailers ${trailers} vs ${JSON.stringify(ref.rawTrailers)}`;
        return undefined;
      }
      if (ref.kind === 'rejected' && ref.code === 'HPE_INVALID_METHOD' && unknownMethod(ours.head)) return undefined;
      return `ours accepted, llhttp ${ref.kind}${ref.kind === 'rejected' ? ` (${ref.code})` : ''}`;
    case 'upgraded':
      // Only the head is ours to read: the rest is the tunnel's.
      if (ref.kind === 'accepted' || ref.kind === 'head') return sameHead(ours.head, ref);
      if (ref.kind === 'rejected' && ref.code === 'HPE_INVALID_METHOD' && unknownMethod(ours.head)) return undefined;
      return `ours upgraded, llhttp ${ref.kind}`;
    case 'incomplete':
      if (ref.kind === 'accepted') return 'ours wants more bytes, llhttp read a whole request';
      if (ref.kind === 'head') return ours.head === undefined ? 'ours still in the head, llhttp read it' : sameHead(ours.head, ref);
      return undefined;
  }
}

test('a mutated request is refused by ours, or read with the same framing as llhttp (node:http) reads it', async (t) => {
  const reference = await startReference();
  const stricter = new Map<string, number>();
  let cases = 0;
  let bothAccepted = 0;
  try {
    await fc.assert(
      fc.asyncProperty(
        requestSpec,
        fc.array(mutation, { minLength: 0, maxLength: 3 }),
        fc.array(fc.nat(), { maxLength: 6 }),
        async (r, mutations, seeds) => {
          const raw = Buffer.from(mutate(serialize(r), mutations), 'latin1');
          const ours = parseOurs(raw, cutsOf(raw.length, seeds));
          const ref = await reference.parse(raw, 500);
          cases++;
          if (ours.kind === 'accepted' && ref.kind === 'accepted') bothAccepted++;
          if (ours.kind === 'rejected' && ref.kind === 'accepted') {
            stricter.set(ours.reason, (stricter.get(ours.reason) ?? 0) + 1);
          }
          const why = disagreement(ours, ref);
          assert.equal(why, undefined, `${why}\ninput: ${JSON.stringify(raw.toString('latin1'))}\nours: ${JSON.stringify(ours)}\nllhttp: ${JSON.stringify(ref)}`);
        },
      ),
      { numRuns: 300, includeErrorInReport: true },
    );
  } finally {
    await reference.close();
  }
  // Guards the property against passing on inputs that all fail alike.
  assert.ok(bothAccepted > cases / 10, `only ${bothAccepted} of ${cases} inputs were accepted by both`);
  t.diagnostic(`both accepted ${bothAccepted} of ${cases}; stricter than llhttp: ${JSON.stringify(Object.fromEntries(stricter))}`);
});
