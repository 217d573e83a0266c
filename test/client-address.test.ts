// Who the client is: with trustedProxies, a trusted peer's X-Forwarded-For
// names the client (walked from the right past trusted hops); an untrusted
// peer's is ignored and replaced, so a spoofed header changes nothing. The
// client address is what the backend's X-Forwarded-For ends with, what the
// access log shows and what ip-hash hashes. Real fairway processes from YAML,
// real sockets from 127.0.0.1 and 127.0.0.2.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { request } from 'undici';
import { TrustedProxies } from '../src/exchange/client-address.js';
import { cidrRange } from '../src/config/cidr.js';
import type { CidrRange } from '../src/config/types.js';
import { accessLine, echoBackend, echoed, headerValues, requestFrom, startFromYaml, type EchoBackend } from './helpers/client-addresses.js';

const ranges = (...list: string[]): CidrRange[] =>
  list.map((text) => {
    const checked = cidrRange(text);
    if (!checked.ok) throw new Error(checked.message);
    return checked.value;
  });

const xff = (...values: string[]): string[] => values.flatMap((v) => ['X-Forwarded-For', v]);

function yaml(backends: readonly EchoBackend[], trusted: string, extra = ''): string {
  return `listen: { host: 127.0.0.1, port: 0 }
admin: { port: 0 }
accessLog: { enabled: true, format: json }
trustedProxies: ${trusted}
pools:
  - name: app
    healthCheck: { enabled: false }
${extra}    backends: [${backends.map((b) => b.url).join(', ')}]
`;
}

test('the client behind trusted proxies: walked from the right past trusted hops, stopping at the first untrusted one', () => {
  const trusted = new TrustedProxies(ranges('10.0.0.0/8', '2001:db8::/32', '127.0.0.1'));
  assert.equal(trusted.clientOf('10.0.0.1', xff('198.51.100.7, 10.1.1.1')), '198.51.100.7', 'a trusted hop is skipped');
  assert.equal(trusted.clientOf('10.0.0.1', xff('203.0.113.1, 198.51.100.7, 10.1.1.1')), '198.51.100.7', 'what is left of the first untrusted one is not believed');
  assert.equal(trusted.clientOf('10.0.0.1', xff('10.3.3.3, 10.2.2.2')), '10.3.3.3', 'all trusted: the leftmost');
  assert.equal(trusted.clientOf('10.0.0.1', []), '10.0.0.1', 'no header: the peer');
  assert.equal(trusted.clientOf('198.51.100.9', xff('203.0.113.1')), '198.51.100.9', "an untrusted peer's header is not read");
  assert.equal(trusted.clientOf('10.0.0.1', xff('203.0.113.1', '10.4.4.4')), '203.0.113.1', 'several fields are one list, in order');
  assert.equal(trusted.clientOf('10.0.0.1', xff('203.0.113.1, not-an-ip, 10.4.4.4')), '10.4.4.4', 'a garbage entry stops the walk at the last good address');
  assert.equal(trusted.clientOf('10.0.0.1', xff('garbage')), '10.0.0.1');
  assert.equal(trusted.clientOf('10.0.0.1', xff('[2001:db8:1::5]:443, 2001:db8::9')), '2001:db8:1::5', 'IPv6, bracketed with a port too');
  assert.equal(trusted.clientOf('10.0.0.1', xff('198.51.100.7:5555')), '198.51.100.7', 'an IPv4 address with a port');
  assert.equal(trusted.clientOf('2001:db8::1', xff('198.51.100.8')), '198.51.100.8', 'an IPv6 trusted peer');
  assert.equal(trusted.clientOf('::ffff:127.0.0.1', xff('198.51.100.9')), '198.51.100.9', 'an IPv4-mapped peer matches as IPv4');
  assert.equal(trusted.clientOf('::ffff:127.0.0.2', xff('198.51.100.9')), '::ffff:127.0.0.2', 'a bare address is one host (/32)');
  assert.equal(trusted.clientOf('10.0.0.1', xff(' 198.51.100.7 ,, 10.1.1.1 ')), '198.51.100.7', 'spaces and empty elements are allowed');
});

test('a spoofed X-Forwarded-For from an untrusted client changes nothing: the backend and the access log see the peer', async (t) => {
  const backend = await echoBackend('a');
  t.after(() => backend.server.close());
  // Only 127.0.0.2 is trusted; the client connects from 127.0.0.1.
  const { lb } = await startFromYaml(t, yaml([backend], '[127.0.0.2]'));
  const answer = await requestFrom('127.0.0.1', lb.port, '/spoof', {
    localAddress: '127.0.0.1',
    headers: { 'x-forwarded-for': '203.0.113.66', 'x-request-id': 'spoof-1' },
  });
  assert.equal(answer.status, 200);
  assert.deepEqual(headerValues(echoed(answer).rawHeaders, 'x-forwarded-for'), ['127.0.0.1'], "the client's own X-Forwarded-For is not passed on");
  assert.equal((await accessLine(lb, 'spoof-1'))['clientAddress'], '127.0.0.1');
});

test("a trusted proxy's X-Forwarded-For is believed, appended to, and logged as the client; a reload of trustedProxies applies to new requests", async (t) => {
  const backend = await echoBackend('a');
  t.after(() => backend.server.close());
  const { lb, file } = await startFromYaml(t, yaml([backend], '[127.0.0.1]'));
  const viaProxy = await requestFrom('127.0.0.1', lb.port, '/', {
    localAddress: '127.0.0.1',
    headers: { 'x-forwarded-for': ['203.0.113.5', '198.51.100.20'], 'x-request-id': 'proxied-1' },
  });
  assert.equal(viaProxy.status, 200);
  assert.deepEqual(headerValues(echoed(viaProxy).rawHeaders, 'x-forwarded-for'), ['203.0.113.5, 198.51.100.20, 127.0.0.1'], 'the chain goes on with the peer');
  assert.equal((await accessLine(lb, 'proxied-1'))['clientAddress'], '198.51.100.20', 'the first untrusted hop from the right');

  // 127.0.0.2 is not trusted: its header is ignored.
  const direct = await requestFrom('127.0.0.1', lb.port, '/', {
    localAddress: '127.0.0.2',
    headers: { 'x-forwarded-for': '203.0.113.5', 'x-request-id': 'direct-1' },
  });
  assert.deepEqual(headerValues(echoed(direct).rawHeaders, 'x-forwarded-for'), ['127.0.0.2']);
  assert.equal((await accessLine(lb, 'direct-1'))['clientAddress'], '127.0.0.2');

  writeFileSync(file, yaml([backend], '[127.0.0.2]'));
  const reload = await request(`http://127.0.0.1:${lb.adminPort}/api/reload`, { method: 'POST' });
  const result = (await reload.body.json()) as { ok: boolean; changes: string[] };
  assert.equal(result.ok, true);
  assert.ok(result.changes.includes('trustedProxies changed'), result.changes.join('; '));
  const after = await requestFrom('127.0.0.1', lb.port, '/', {
    localAddress: '127.0.0.2',
    headers: { 'x-forwarded-for': '203.0.113.5', 'x-request-id': 'direct-2' },
  });
  assert.deepEqual(headerValues(echoed(after).rawHeaders, 'x-forwarded-for'), ['203.0.113.5, 127.0.0.2']);
  assert.equal((await accessLine(lb, 'direct-2'))['clientAddress'], '203.0.113.5');
});

test('ip-hash hashes the real client address: one client behind the proxy sticks to one backend, different clients spread', async (t) => {
  const backends = await Promise.all(['a', 'b', 'c'].map(echoBackend));
  t.after(() => backends.forEach((b) => b.server.close()));
  const { lb } = await startFromYaml(t, yaml(backends, '[127.0.0.1]', '    algorithm: ip-hash\n'));
  const pick = async (client: string): Promise<string> => {
    const answer = await requestFrom('127.0.0.1', lb.port, '/', { localAddress: '127.0.0.1', headers: { 'x-forwarded-for': client } });
    assert.equal(answer.status, 200);
    return echoed(answer).name;
  };
  const first = await pick('198.51.100.1');
  for (let i = 0; i < 5; i++) assert.equal(await pick('198.51.100.1'), first, 'the same client, the same backend');
  // Every request comes from the one peer 127.0.0.1: hashing the peer would send all to one backend.
  const seen = new Set<string>();
  for (let i = 1; i <= 30; i++) seen.add(await pick(`203.0.113.${i}`));
  assert.ok(seen.size > 1, `30 clients behind one proxy all went to ${[...seen].join(', ')}`);
});
