// Header rewriting: hop-by-hop headers removed both ways, X-Forwarded-* and
// X-Request-Id set, Host passed through.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clientResponseHeaders, upstreamRequestHeaders } from '../src/filters/forwarded-headers.js';
import { readRequestHead } from '../src/exchange/request-head.js';
import { startTestBackend } from '../src/tools/test-backend.js';
import { get, poolConfig, startFairway, testClient, testConfig } from './helpers/fixtures.js';

const facts = { clientAddress: '10.1.2.3', proto: 'http' as const, requestId: 'rid-1' };

function toObject(flat: string[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (let i = 0; i < flat.length; i += 2) (out[flat[i]!.toLowerCase()] ??= []).push(flat[i + 1]!);
  return out;
}

test('request: hop-by-hop headers and those named by Connection are removed', () => {
  const raw = [
    'Host', 'example.com',
    'Connection', 'keep-alive, X-Secret',
    'Keep-Alive', 'timeout=5',
    'TE', 'trailers',
    'Trailer', 'X-Foo',
    'Transfer-Encoding', 'chunked',
    'Upgrade', 'websocket',
    'Proxy-Connection', 'keep-alive',
    'X-Secret', 'hidden',
    'Accept', 'text/html',
  ];
  const out = toObject(upstreamRequestHeaders(raw, facts));
  for (const name of ['connection', 'keep-alive', 'te', 'transfer-encoding', 'upgrade', 'proxy-connection', 'x-secret']) {
    assert.equal(out[name], undefined, `${name} must not be forwarded`);
  }
  // End to end (RFC 9110 6.6.2): it announces the trailers, which pass through too.
  assert.deepEqual(out['trailer'], ['X-Foo']);
  assert.deepEqual(out['host'], ['example.com']);
  assert.deepEqual(out['accept'], ['text/html']);
  assert.deepEqual(out['x-forwarded-host'], ['example.com']);
  assert.deepEqual(out['x-forwarded-proto'], ['http']);
  assert.deepEqual(out['x-forwarded-for'], ['10.1.2.3']);
  assert.deepEqual(out['x-request-id'], ['rid-1']);
});

test('request: a trusted proxy\'s X-Forwarded-For is appended to, and client X-Forwarded-Proto replaced', () => {
  const raw = ['Host', 'h', 'X-Forwarded-For', '1.1.1.1', 'x-forwarded-for', '2.2.2.2', 'X-Forwarded-Proto', 'https'];
  const out = toObject(upstreamRequestHeaders(raw, { ...facts, keepForwardedFor: true }));
  assert.deepEqual(out['x-forwarded-for'], ['1.1.1.1, 2.2.2.2, 10.1.2.3']);
  assert.deepEqual(out['x-forwarded-proto'], ['http']);
});

test('request: an untrusted peer\'s X-Forwarded-For is replaced by the peer alone', () => {
  const raw = ['Host', 'h', 'X-Forwarded-For', '1.1.1.1', 'x-forwarded-for', '2.2.2.2'];
  const out = toObject(upstreamRequestHeaders(raw, facts));
  assert.deepEqual(out['x-forwarded-for'], ['10.1.2.3']);
});

test('response: hop-by-hop removed, X-Request-Id added unless the backend set one', () => {
  const raw = ['Content-Type', 'text/plain', 'Connection', 'close, X-Hop', 'X-Hop', '1', 'Transfer-Encoding', 'chunked', 'Set-Cookie', 'a=1', 'Set-Cookie', 'b=2'];
  const out = toObject(clientResponseHeaders(raw, 'rid-9'));
  assert.equal(out['connection'], undefined);
  assert.equal(out['x-hop'], undefined);
  assert.equal(out['transfer-encoding'], undefined);
  assert.deepEqual(out['set-cookie'], ['a=1', 'b=2']);
  assert.deepEqual(out['x-request-id'], ['rid-9']);
  const own = toObject(clientResponseHeaders(['X-Request-Id', 'backend-id'], 'rid-9'));
  assert.deepEqual(own['x-request-id'], ['backend-id']);
});

test('hop-by-hop and proxy-set names are recognised in any letter case, both ways', () => {
  const hop = ['Connection', 'KEEP-ALIVE', 'Proxy-Connection', 'tE', 'Transfer-Encoding', 'UPGRADE', 'Proxy-Authenticate', 'Proxy-Authorization', 'Expect'];
  const replaced = ['X-Forwarded-Host', 'X-FORWARDED-PORT', 'x-Forwarded-Proto', 'X-Request-ID', 'X-Forwarded-For'];
  const kept = ['Host', 'example.com', 'X-Forwarded-Hosts', 'a', 'Teapot', 'b', 'Upgrades', 'c'];
  const raw = [...hop.flatMap((n) => [n, 'v']), ...replaced.flatMap((n) => [n, 'client']), ...kept];
  const up = upstreamRequestHeaders(raw, { ...facts, port: 8080 });
  for (const name of [...hop, ...replaced]) assert.equal(up.filter((n, i) => i % 2 === 0 && n === name).length, 0, `${name} must not be forwarded as sent`);
  const upObject = toObject(up);
  assert.deepEqual(upObject['x-forwarded-host'], ['example.com']);
  assert.deepEqual(upObject['x-forwarded-port'], ['8080']);
  assert.deepEqual(upObject['x-request-id'], ['rid-1']);
  for (const name of ['x-forwarded-hosts', 'teapot', 'upgrades']) assert.equal(upObject[name]?.length, 1, `${name} is an ordinary header`);
  const down = toObject(clientResponseHeaders(raw, 'rid-9'));
  for (const name of hop) assert.equal(down[name.toLowerCase()], undefined, `${name} must not reach the client`);
  // The backend's own request id is kept; X-Forwarded-* mean nothing in an answer and pass.
  assert.deepEqual(down['x-request-id'], ['client']);
  assert.deepEqual(down['x-forwarded-host'], ['client']);
});

test('request head: body detection, host, accept, bounded request id', () => {
  assert.equal(readRequestHead(['Host', 'a']).hasBody, false);
  assert.equal(readRequestHead(['Content-Length', '0']).hasBody, false);
  assert.equal(readRequestHead(['Content-Length', '12']).hasBody, true);
  assert.equal(readRequestHead(['Transfer-Encoding', 'chunked']).hasBody, true);
  const head = readRequestHead(['HOST', 'x.example:8080', 'Accept', 'application/json', 'X-Request-ID', 'abc']);
  assert.equal(head.host, 'x.example:8080');
  assert.equal(head.accept, 'application/json');
  assert.equal(head.requestId, 'abc');
  assert.equal(readRequestHead(['x-request-id', 'z'.repeat(500)]).requestId, undefined);
});

test('through the proxy: X-Forwarded-* reach the backend, X-Request-Id kept or generated', async (t) => {
  const backend = await startTestBackend({ port: 0, name: 'a' });
  const lb = await startFairway(testConfig([poolConfig([backend.url])]));
  const client = testClient();
  t.after(async () => {
    await client.close();
    await lb.close();
    await backend.close();
  });
  const res = await get(client, `${lb.url}/echo`, { 'x-forwarded-for': '203.0.113.7', 'x-request-id': 'client-id-1' });
  assert.equal(res.status, 200);
  const echoed = JSON.parse(res.body) as { headers: Record<string, string> };
  // Without trustedProxies nobody is trusted: the client's own X-Forwarded-For is not passed on.
  assert.equal(echoed.headers['x-forwarded-for'], '127.0.0.1');
  assert.equal(echoed.headers['x-forwarded-proto'], 'http');
  assert.equal(echoed.headers['x-forwarded-host'], `127.0.0.1:${lb.port}`);
  assert.equal(echoed.headers['host'], `127.0.0.1:${lb.port}`);
  assert.equal(echoed.headers['x-request-id'], 'client-id-1');
  assert.equal(res.headers['x-request-id'], 'client-id-1');

  const generated = await get(client, `${lb.url}/echo`);
  const id = generated.headers['x-request-id'];
  assert.match(String(id), /^[0-9a-f-]{36}$/);
  assert.equal((JSON.parse(generated.body) as { headers: Record<string, string> }).headers['x-request-id'], id);
});
