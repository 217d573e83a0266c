// The ipAllowList and ipDenyList middlewares, end to end: a real fairway
// from YAML listening on 127.0.0.1 and ::1, clients connecting from
// 127.0.0.1, 127.0.0.2 and ::1. A refused client gets 403 before any backend
// is asked, logged as ip_denied; the address tested is the real client's
// (behind a trusted proxy, the one X-Forwarded-For names). The ranges
// themselves are checked socket-free too (IPv4-mapped IPv6 as IPv4).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AddressRanges } from '../src/exchange/address-ranges.js';
import { cidrRange } from '../src/config/cidr.js';
import type { CidrRange } from '../src/config/types.js';
import { accessLine, echoBackend, listenerPorts, requestFrom, startFromYaml } from './helpers/client-addresses.js';

const ranges = (...list: string[]): CidrRange[] =>
  list.map((text) => {
    const checked = cidrRange(text);
    if (!checked.ok) throw new Error(checked.message);
    return checked.value;
  });

test('address ranges: v4 and v6 CIDRs, bare addresses as one host, IPv4-mapped addresses as IPv4', () => {
  const set = new AddressRanges(ranges('192.168.0.0/16', '2001:db8::/32', '203.0.113.7', '::1', '::ffff:198.51.100.0/120'));
  assert.equal(set.includes('192.168.44.1'), true);
  assert.equal(set.includes('192.169.0.1'), false);
  assert.equal(set.includes('2001:db8:ffff::1'), true);
  assert.equal(set.includes('2001:db9::1'), false);
  assert.equal(set.includes('203.0.113.7'), true);
  assert.equal(set.includes('203.0.113.8'), false, 'a bare IPv4 address is a /32');
  assert.equal(set.includes('::1'), true);
  assert.equal(set.includes('::2'), false, 'a bare IPv6 address is a /128');
  assert.equal(set.includes('::ffff:192.168.1.1'), true, 'an IPv4-mapped client matches the IPv4 range');
  assert.equal(set.includes('198.51.100.5'), true, 'an IPv4-mapped range matches IPv4 clients');
  assert.equal(set.includes('not an address'), false);
  assert.equal(set.includes(''), false);
});

function yaml(backendUrl: string): string {
  return `listeners:
  - { name: v4, host: 127.0.0.1, port: 0 }
  - { name: v6, host: "::1", port: 0 }
admin: { port: 0 }
accessLog: { enabled: true, format: json }
trustedProxies: [127.0.0.1]
middlewares:
  office: { ipAllowList: { sourceRange: [127.0.0.2, "::1/128", 192.168.0.0/16] } }
  blocked: { ipDenyList: { sourceRange: [127.0.0.2/32, "::/127", 198.51.100.0/24] } }
pools:
  - { name: app, healthCheck: { enabled: false }, backends: [${backendUrl}] }
routes:
  - { pathPrefix: /allow, pool: app, middlewares: [office] }
  - { pathPrefix: /deny, pool: app, middlewares: [blocked] }
`;
}

test('ipAllowList lets in only the listed clients, ipDenyList refuses the listed ones: 403, ip_denied in the access log, v4 and v6', async (t) => {
  const backend = await echoBackend('a');
  t.after(() => backend.server.close());
  const { lb } = await startFromYaml(t, yaml(backend.url));
  const ports = listenerPorts(lb);
  let n = 0;
  const status = async (from: string, path: string, headers: Record<string, string> = {}): Promise<number> => {
    const v6 = from.includes(':');
    const id = `ip-${++n}`;
    const answer = await requestFrom(v6 ? '::1' : '127.0.0.1', v6 ? ports['v6']! : ports['v4']!, path, { localAddress: from, headers: { ...headers, 'x-request-id': id } });
    if (answer.status === 403) {
      assert.equal(answer.body, 'Forbidden\n');
      assert.equal((await accessLine(lb, id))['errorKind'], 'ip_denied');
    } else {
      assert.equal(JSON.parse(answer.body).name, 'a', 'allowed requests reach the backend');
    }
    return answer.status;
  };

  assert.equal(await status('127.0.0.2', '/allow'), 200);
  assert.equal(await status('::1', '/allow'), 200);
  assert.equal(await status('127.0.0.1', '/allow'), 403, '127.0.0.1 is not listed');

  assert.equal(await status('127.0.0.2', '/deny'), 403);
  assert.equal(await status('::1', '/deny'), 403);
  assert.equal(await status('127.0.0.1', '/deny'), 200);

  // Behind the trusted proxy 127.0.0.1, the client X-Forwarded-For names is what is tested.
  assert.equal(await status('127.0.0.1', '/allow', { 'x-forwarded-for': '192.168.7.7' }), 200);
  assert.equal(await status('127.0.0.1', '/deny', { 'x-forwarded-for': '198.51.100.9' }), 403);
  // From an untrusted client, the header is ignored: it cannot talk its way in.
  assert.equal(await status('::1', '/deny', { 'x-forwarded-for': '192.168.7.7' }), 403);
  assert.equal(await status('127.0.0.2', '/deny', { 'x-forwarded-for': '10.9.9.9' }), 403);
});
