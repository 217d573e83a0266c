// Config of the client-IP policies: trustedProxies, the ipAllowList,
// ipDenyList and redirect middleware kinds, and listener-level middlewares.
// What resolves, and every problem with its path, what was wrong and what is
// accepted, all in one pass.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadErrors, loadOk, writeConfig } from './config-helpers.js';

const ACCEPTED = '(expected a CIDR range like 10.0.0.0/8 or 2001:db8::/32, or a single address like 192.0.2.7 or ::1)';

test('trustedProxies: v4 and v6 ranges, a bare address as one host, IPv4-mapped ranges as IPv4; default empty (trust nobody)', () => {
  const config = loadOk({ file: writeConfig('trustedProxies: [10.0.0.0/8, 192.0.2.7, "2001:db8::/32", "::1", "::ffff:172.16.0.0/108"]\nbackends: [http://h:1]\n') });
  assert.deepEqual(config.trustedProxies, [
    { address: '10.0.0.0', prefix: 8, family: 'ipv4' },
    { address: '192.0.2.7', prefix: 32, family: 'ipv4' },
    { address: '2001:db8::', prefix: 32, family: 'ipv6' },
    { address: '::1', prefix: 128, family: 'ipv6' },
    { address: '172.16.0.0', prefix: 12, family: 'ipv4' },
  ]);
  assert.deepEqual(loadOk({ file: writeConfig('backends: [http://h:1]\n') }).trustedProxies, []);
  assert.deepEqual(loadOk({ file: writeConfig('trustedProxies: []\nbackends: [http://h:1]\n') }).trustedProxies, []);
});

test('trustedProxies: each bad range is named at its index with what is accepted', () => {
  const file = writeConfig('trustedProxies: [10.0.0.0/8, 10.0.0.0/33, "::1/129", 300.1.1.1, "fe80::1%eth0", 7, "10.0.0.0/x"]\nbackends: [http://h:1]\n');
  assert.deepEqual(loadErrors({ file }), [
    `trustedProxies[1]: "10.0.0.0/33": prefix length "33" is not an integer from 0 to 32 for IPv4 ${ACCEPTED}`,
    `trustedProxies[2]: "::1/129": prefix length "129" is not an integer from 0 to 128 for IPv6 ${ACCEPTED}`,
    `trustedProxies[3]: "300.1.1.1" is not an IPv4 or IPv6 address ${ACCEPTED}`,
    `trustedProxies[4]: "fe80::1%eth0" is not an IPv4 or IPv6 address (a zone index such as %eth0 is not accepted) ${ACCEPTED}`,
    `trustedProxies[5]: 7 is not an address range ${ACCEPTED}`,
    `trustedProxies[6]: "10.0.0.0/x": prefix length "x" is not an integer from 0 to 32 for IPv4 ${ACCEPTED}`,
  ]);
  assert.deepEqual(loadErrors({ file: writeConfig('trustedProxies: 10.0.0.0/8\nbackends: [http://h:1]\n') }), [
    'trustedProxies: "10.0.0.0/8" is not a list of address ranges (expected e.g. [10.0.0.0/8, 192.0.2.7, "2001:db8::/32"])',
  ]);
});

test('ipAllowList and ipDenyList: sourceRange resolves to ranges; empty, missing, not a list or a bad entry is refused', () => {
  const ok = loadOk({ file: writeConfig('middlewares:\n  office: { ipAllowList: { sourceRange: [192.168.0.0/16, "2001:db8::/32"] } }\n  bad: { ipDenyList: { sourceRange: [198.51.100.7] } }\nbackends: [http://h:1]\n') });
  assert.deepEqual(ok.middlewares, [
    { name: 'office', kind: 'ipAllowList', ipAllowList: { sourceRange: [{ address: '192.168.0.0', prefix: 16, family: 'ipv4' }, { address: '2001:db8::', prefix: 32, family: 'ipv6' }] } },
    { name: 'bad', kind: 'ipDenyList', ipDenyList: { sourceRange: [{ address: '198.51.100.7', prefix: 32, family: 'ipv4' }] } },
  ]);
  const file = writeConfig(
    `middlewares:
  a: { ipAllowList: { sourceRange: [] } }
  b: { ipDenyList: { sourceRange: [10.0.0.0/8, bogus] } }
  c: { ipAllowList: {} }
  d: { ipAllowList: { sourceRange: 10.0.0.0/8 } }
  e: { ipDenyList: { sourceRange: [10.0.0.0/8], range: [] } }
backends: [http://h:1]
`,
  );
  assert.deepEqual(loadErrors({ file }), [
    'middlewares.a.ipAllowList.sourceRange: empty: ipAllowList.sourceRange needs at least one address range (e.g. [192.168.0.0/16]); an empty list would match nobody',
    `middlewares.b.ipDenyList.sourceRange[1]: "bogus" is not an IPv4 or IPv6 address ${ACCEPTED}`,
    'middlewares.c.ipAllowList.sourceRange: missing (required; expected a list of address ranges, e.g. [192.168.0.0/16, "2001:db8::/32"])',
    'middlewares.d.ipAllowList.sourceRange: "10.0.0.0/8" is not a list of address ranges (expected e.g. [10.0.0.0/8, 192.0.2.7, "2001:db8::/32"])',
    'middlewares.e.ipDenyList.range: unknown key in ipDenyList (accepted: sourceRange)',
  ]);
});

test('redirect: settings resolve with permanent false by default', () => {
  const config = loadOk({
    file: writeConfig(`middlewares:
  to-https: { redirect: { scheme: HTTPS, permanent: true } }
  canonical: { redirect: { host: Example.COM, port: 8443, status: 308 } }
  moved: { redirect: { regex: '^/old/(.*)', replacement: '/new/$1' } }
backends: [http://h:1]
`),
  });
  assert.deepEqual(
    config.middlewares.map((m) => (m.kind === 'redirect' ? m.redirect : undefined)),
    [
      { scheme: 'https', permanent: true },
      { host: 'example.com', port: 8443, status: 308, permanent: false },
      { regex: '^/old/(.*)', replacement: '/new/$1', permanent: false },
    ],
  );
});

test('redirect: every bad setting is named, an invalid regex with the reason, and a redirect must say where to', () => {
  const file = writeConfig(
    `middlewares:
  a: { redirect: {} }
  b: { redirect: { regex: '^/old/(', replacement: '/new' } }
  c: { redirect: { regex: '^/x' } }
  d: { redirect: { replacement: '/y' } }
  e: { redirect: { scheme: ftp, host: "a b", port: 0 } }
  f: { redirect: { scheme: https, status: 200, permanent: maybe } }
  g: { redirect: { regex: '^/x', replacement: '/a b' } }
backends: [http://h:1]
`,
  );
  assert.deepEqual(loadErrors({ file }), [
    "middlewares.a.redirect: says nowhere to redirect to (give at least one of scheme, host, port, or regex with replacement; e.g. { scheme: https } or { regex: '^/old/(.*)', replacement: '/new/$1' })",
    `middlewares.b.redirect.regex: "^/old/(" is not a valid regular expression: Unterminated group (expected a JavaScript regular expression, e.g. '^/old/(.*)')`,
    "middlewares.c.redirect.replacement: missing: a regex needs a replacement (what the matched path becomes, e.g. '/new/$1')",
    "middlewares.d.redirect.regex: missing: a replacement needs a regex (what it replaces, e.g. '^/old/(.*)')",
    'middlewares.e.redirect.scheme: "ftp" is not a scheme (accepted: http, https)',
    'middlewares.e.redirect.host: "a b" is not a host name (expected e.g. example.com or [2001:db8::1], without scheme, port or path)',
    'middlewares.e.redirect.port: 0 is not a port for the Location (expected an integer from 1 to 65535)',
    'middlewares.f.redirect.permanent: "maybe" is not a boolean (expected true or false)',
    'middlewares.f.redirect.status: 200 is not a redirect status (expected one of 301, 302, 303, 307, 308)',
    'middlewares.g.redirect.replacement: "/a b" contains a space or control character, which a Location cannot carry (percent-encode it, e.g. %20)',
  ]);
});

test('listener middlewares: resolved per listener ([] when none); unknown or repeated names are errors at the listener, listen.middlewares only without listeners', () => {
  const config = loadOk({
    file: writeConfig(`listeners:
  - { name: web, port: 8080, middlewares: [tag] }
  - { name: admin-net, port: 8081 }
middlewares:
  tag: { headers: {} }
backends: [http://h:1]
`),
  });
  assert.deepEqual(
    config.listeners.map((l) => [l.name, l.middlewares]),
    [
      ['web', ['tag']],
      ['admin-net', []],
    ],
  );
  const shorthand = loadOk({ file: writeConfig('listen: { port: 8080, middlewares: [tag] }\nmiddlewares:\n  tag: { headers: {} }\nbackends: [http://h:1]\n') });
  assert.deepEqual(shorthand.listeners[0]!.middlewares, ['tag']);

  const file = writeConfig(`listeners:
  - { name: web, port: 8080, middlewares: [tag, tga] }
  - { name: two, port: 8081, middlewares: [tag, tag] }
  - { name: moved, port: 8082, redirectToHttps: true, middlewares: [tag] }
listen: { middlewares: [tag] }
middlewares:
  tag: { headers: {} }
backends: [http://h:1]
`);
  assert.deepEqual(loadErrors({ file }), [
    'listen.middlewares: with listeners, each listener lists its own middlewares (listeners[i].middlewares); remove listen.middlewares',
    'listeners[2].middlewares: a listener with redirectToHttps answers every request before routing, so its middlewares would never run; remove one of the two (a redirect middleware can do the redirect)',
    'listeners[0].middlewares[1]: middleware "tga" is not defined (did you mean "tag"? defined: tag)',
    'listeners[1].middlewares[1]: middleware "tag" is listed twice in this chain (also listeners[1].middlewares[0])',
  ]);
  assert.deepEqual(loadErrors({ file: writeConfig('listen: { middlewares: [nope] }\nbackends: [http://h:1]\n') }), [
    'listen.middlewares[0]: middleware "nope" is not defined (no middlewares are defined; define it under the top-level middlewares)',
  ]);
});
