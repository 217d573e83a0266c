// TLS listeners through a real fairway and real clients: SNI picks the exact
// name, then a wildcard, then the default (or refuses under strictSni); TLS
// 1.2 and 1.3 only, ALPN http/1.1; sessions resume; routes name the
// listeners they apply to; X-Forwarded-Proto/-Port; a plain listener that
// redirects to HTTPS; HSTS; client certificates and the subject header.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Agent } from 'node:https';
import type { RawBackend } from './helpers/raw-backend.js';
import { TestCertificates, skipWithoutOpenssl, type Pair } from './helpers/test-certificates.js';
import { fetchOnce, handshake, headerEchoBackend, startRig } from './helpers/tls-rig.js';

const skip = skipWithoutOpenssl;
let certs: TestCertificates;
let backend: RawBackend;
let exact: Pair;
let wildcard: Pair;
let fallback: Pair;
let clientOne: Pair;
let stranger: Pair;

before(async () => {
  if (skip) return;
  certs = new TestCertificates();
  exact = certs.server('exact', ['a.example.com']);
  wildcard = certs.server('wildcard', ['*.example.com']);
  fallback = certs.server('fallback', ['fallback.test']);
  clientOne = certs.client('client-one', '/O=Example/CN=client one');
  stranger = certs.selfSigned('stranger', '/CN=stranger');
  backend = await headerEchoBackend();
});

after(async () => {
  if (skip) return;
  await backend.close();
  certs.remove();
});

const pairYaml = (p: Pair, name?: string) => `{ ${name ? `name: ${name}, ` : ''}cert: ${p.cert}, key: ${p.key} }`;

function config(listeners: string, routes = '  - { pathPrefix: /, pool: app }'): string {
  return [
    'admin: { port: 0 }',
    'log: { level: debug }',
    'listeners:',
    listeners,
    'pools:',
    `  - { name: app, backends: [{ url: ${backend.url} }], healthCheck: { enabled: false } }`,
    'routes:',
    routes,
  ].join('\n');
}

test('SNI: the exact name beats a wildcard listed before or after it; a wildcard covers one label; unknown names and clients without SNI get the default', { skip }, async (t) => {
  const rig = await startRig(
    certs.dir,
    config(
      [
        '  - name: wildcard-first',
        '    host: 127.0.0.1',
        '    port: 0',
        `    tls: { certificates: [${pairYaml(wildcard)}, ${pairYaml(exact)}, ${pairYaml(fallback, 'fallback')}], defaultCertificate: fallback }`,
        '  - name: exact-first',
        '    host: 127.0.0.1',
        '    port: 0',
        `    tls: { certificates: [${pairYaml(exact)}, ${pairYaml(wildcard)}] }`,
      ].join('\n'),
    ),
    'sni.yaml',
  );
  t.after(() => rig.close());
  const first = rig.ports['wildcard-first']!;
  const second = rig.ports['exact-first']!;

  assert.equal((await handshake(first, { servername: 'a.example.com' })).cn, 'a.example.com');
  assert.equal((await handshake(second, { servername: 'a.example.com' })).cn, 'a.example.com');
  assert.equal((await handshake(first, { servername: 'A.Example.COM' })).cn, 'a.example.com', 'names compare case-insensitively');
  assert.equal((await handshake(first, { servername: 'b.example.com' })).cn, '*.example.com');
  assert.equal((await handshake(second, { servername: 'b.example.com' })).cn, '*.example.com');
  // One label only: x.b.example.com is not covered by *.example.com.
  assert.equal((await handshake(first, { servername: 'x.b.example.com' })).cn, 'fallback.test');
  assert.equal((await handshake(first, { servername: 'unknown.test' })).cn, 'fallback.test');
  assert.equal((await handshake(second, { servername: 'unknown.test' })).cn, 'a.example.com', 'without defaultCertificate the first is the default');
  assert.equal((await handshake(first, { servername: '' })).cn, 'fallback.test', 'a client without SNI gets the default');

  // And a real request through it, verified against the CA.
  const answer = await fetchOnce(first, '/', { servername: 'b.example.com', ca: readFileSync(certs.ca.cert, 'utf8') });
  assert.equal(answer.status, 200);
});

test('strictSni refuses names no certificate covers and clients without SNI', { skip }, async (t) => {
  const rig = await startRig(
    certs.dir,
    config(['  - name: strict', '    host: 127.0.0.1', '    port: 0', `    tls: { certificates: [${pairYaml(exact)}, ${pairYaml(wildcard)}], strictSni: true }`].join('\n')),
    'strict.yaml',
  );
  t.after(() => rig.close());
  const port = rig.ports['strict']!;
  assert.equal((await handshake(port, { servername: 'a.example.com' })).cn, 'a.example.com');
  assert.equal((await handshake(port, { servername: 'b.example.com' })).cn, '*.example.com');
  const unknown = await handshake(port, { servername: 'unknown.test' });
  assert.equal(unknown.cn, undefined, 'no certificate was presented');
  assert.ok(unknown.error !== undefined, 'the handshake failed');
  const bare = await handshake(port, { servername: '' });
  assert.equal(bare.cn, undefined);
  assert.ok(bare.error !== undefined);
});

/** openssl s_client's report of one handshake (stdin closed, so it ends at once). */
function sClient(port: number, ...args: string[]): Promise<string> {
  return new Promise((resolve) => {
    const child = execFile('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-servername', 'a.example.com', ...args], { timeout: 10_000 }, (_err, stdout, stderr) =>
      resolve(`${stdout}\n${stderr}`),
    );
    child.stdin?.end();
  });
}

test('TLS 1.1 is refused, 1.2 and 1.3 are accepted, ALPN negotiates http/1.1; minVersion TLSv1.3 refuses 1.2', { skip }, async (t) => {
  const rig = await startRig(
    certs.dir,
    config(
      [
        '  - { name: websecure, host: 127.0.0.1, port: 0, tls: { certificates: [' + pairYaml(exact) + '] } }',
        '  - { name: modern, host: 127.0.0.1, port: 0, tls: { certificates: [' + pairYaml(exact) + '], minVersion: TLSv1.3 } }',
      ].join('\n'),
    ),
    'versions.yaml',
  );
  t.after(() => rig.close());
  const port = rig.ports['websecure']!;
  // SECLEVEL=0 lets this client offer TLS 1.1 at all: the refusal is the server's.
  const old = await sClient(port, '-tls1_1', '-cipher', 'DEFAULT@SECLEVEL=0');
  assert.match(old, /alert protocol version/, 'the server answers a TLS 1.1 hello with a protocol_version alert');
  assert.doesNotMatch(old, /New, TLSv1\.1/);
  const v12 = await sClient(port, '-tls1_2', '-alpn', 'http/1.1');
  assert.match(v12, /Protocol\s*:\s*TLSv1\.2/);
  assert.match(v12, /ALPN protocol: http\/1\.1/);
  // The profile's ciphers: an ECDHE suite with AEAD.
  assert.match(v12, /Cipher\s*:\s*ECDHE-ECDSA-AES128-GCM-SHA256/);
  const v13 = await sClient(port, '-tls1_3', '-alpn', 'http/1.1');
  assert.match(v13, /New, TLSv1\.3/);
  assert.match(v13, /ALPN protocol: http\/1\.1/);
  assert.match(v13, /Server Temp Key: X25519/);

  assert.equal((await handshake(port, { servername: 'a.example.com' })).alpn, 'http/1.1');
  const modern = rig.ports['modern']!;
  assert.equal((await handshake(modern, { servername: 'a.example.com', maxVersion: 'TLSv1.2' })).cn, undefined, 'TLS 1.2 refused under minVersion TLSv1.3');
  assert.equal((await handshake(modern, { servername: 'a.example.com' })).protocol, 'TLSv1.3');
});

test('sessions resume, over TLS 1.2 and 1.3', { skip }, async (t) => {
  const rig = await startRig(certs.dir, config(`  - { name: websecure, host: 127.0.0.1, port: 0, tls: { certificates: [${pairYaml(exact)}] } }`), 'resume.yaml');
  t.after(() => rig.close());
  const port = rig.ports['websecure']!;
  for (const maxVersion of ['TLSv1.2', 'TLSv1.3'] as const) {
    const first = await handshake(port, { servername: 'a.example.com', maxVersion });
    assert.equal(first.reused, false);
    assert.ok(first.session, `${maxVersion}: a session to resume`);
    const second = await handshake(port, { servername: 'a.example.com', maxVersion, session: first.session });
    assert.equal(second.error, undefined);
    assert.equal(second.reused, true, `${maxVersion}: the second connection resumed the first one's session`);
  }
  // openssl agrees: -sess_out then -sess_in.
  const session = `${certs.dir}/s_client.session`;
  await sClient(port, '-tls1_2', '-sess_out', session);
  assert.match(await sClient(port, '-tls1_2', '-sess_in', session), /^Reused, TLSv1\.2/m);
});

test('a route naming listeners applies only there; X-Forwarded-Proto and -Port reach the backend; HSTS on TLS answers', { skip }, async (t) => {
  const rig = await startRig(
    certs.dir,
    config(
      [
        '  - { name: web, host: 127.0.0.1, port: 0 }',
        '  - name: websecure',
        '    host: 127.0.0.1',
        '    port: 0',
        `    tls: { certificates: [${pairYaml(exact)}] }`,
        '    hsts: { maxAge: 31536000, includeSubDomains: true }',
      ].join('\n'),
      ['  - { pathPrefix: /, pool: app, listeners: [websecure] }', '  - { pathPrefix: /open, pool: app }'].join('\n'),
    ),
    'routes.yaml',
  );
  t.after(() => rig.close());
  const web = rig.ports['web']!;
  const secure = rig.ports['websecure']!;

  assert.equal((await fetchOnce(web, '/', { tls: false })).status, 404, 'the websecure-only route is not served on web');
  const onSecure = await fetchOnce(secure, '/', { headers: { 'x-forwarded-port': '1', 'x-forwarded-proto': 'gopher' } });
  assert.equal(onSecure.status, 200);
  const seen = JSON.parse(onSecure.body) as Record<string, string>;
  assert.equal(seen['x-forwarded-proto'], 'https');
  assert.equal(seen['x-forwarded-port'], String(secure), "the client's own copies are replaced");
  assert.equal(onSecure.headers['strict-transport-security'], 'max-age=31536000; includeSubDomains');

  const plain = await fetchOnce(web, '/open', { tls: false });
  assert.equal(plain.status, 200);
  const plainSeen = JSON.parse(plain.body) as Record<string, string>;
  assert.equal(plainSeen['x-forwarded-proto'], 'http');
  assert.equal(plainSeen['x-forwarded-port'], String(web));
  assert.equal(plain.headers['strict-transport-security'], undefined, 'no HSTS over plain HTTP');

  // Answers of fairway's own carry HSTS too (here a 400 for a target that is no path).
  const own = await fetchOnce(secure, '*', { method: 'OPTIONS' });
  assert.equal(own.status, 400);
  assert.equal(own.headers['strict-transport-security'], 'max-age=31536000; includeSubDomains');
});

test('redirectToHttps answers every request on the plain listener 308 to https://, keeping host, path and query', { skip }, async (t) => {
  const rig = await startRig(
    certs.dir,
    config(
      [
        '  - { name: web, host: 127.0.0.1, port: 0, redirectToHttps: { port: 8443 } }',
        '  - { name: bare, host: 127.0.0.1, port: 0, redirectToHttps: true }',
        `  - { name: websecure, host: 127.0.0.1, port: 0, tls: { certificates: [${pairYaml(exact)}] } }`,
      ].join('\n'),
    ),
    'redirect.yaml',
  );
  t.after(() => rig.close());
  const served = backend.requests();
  const get = await fetchOnce(rig.ports['web']!, '/cart/items?id=7', { tls: false, headers: { host: 'shop.example.com:8080' } });
  assert.equal(get.status, 308);
  assert.equal(get.headers['location'], 'https://shop.example.com:8443/cart/items?id=7');
  const post = await fetchOnce(rig.ports['web']!, '/pay', { tls: false, method: 'POST', headers: { host: 'shop.example.com' } });
  assert.equal(post.status, 308, 'every method, so a POST is redirected with its body');
  assert.equal(post.headers['location'], 'https://shop.example.com:8443/pay');
  const bare = await fetchOnce(rig.ports['bare']!, '/', { tls: false, headers: { host: 'shop.example.com:8081' } });
  assert.equal(bare.headers['location'], 'https://shop.example.com/', 'without a port, the default 443');
  assert.equal(backend.requests(), served, 'no redirected request reached the backend');
  // The TLS listener itself serves.
  assert.equal((await fetchOnce(rig.ports['websecure']!, '/')).status, 200);
});

test('clientAuth require: no certificate or one the CA did not sign is refused; the verified subject reaches the backend; a client-sent copy never does', { skip }, async (t) => {
  const rig = await startRig(
    certs.dir,
    config(
      [
        '  - name: mtls',
        '    host: 127.0.0.1',
        '    port: 0',
        `    tls: { certificates: [${pairYaml(exact)}], clientAuth: { ca: ${certs.ca.cert}, mode: require, subjectHeader: X-Client-Subject } }`,
        '  - name: optional',
        '    host: 127.0.0.1',
        '    port: 0',
        `    tls: { certificates: [${pairYaml(exact)}], clientAuth: { ca: ${certs.ca.cert}, mode: request, subjectHeader: X-Client-Subject } }`,
      ].join('\n'),
    ),
    'mtls.yaml',
  );
  t.after(() => rig.close());
  const ca = readFileSync(certs.ca.cert, 'utf8');
  const cert = readFileSync(clientOne.cert, 'utf8');
  const key = readFileSync(clientOne.key, 'utf8');
  const forged = { 'x-client-subject': 'CN=admin' };

  await assert.rejects(fetchOnce(rig.ports['mtls']!, '/', { ca, headers: forged }), 'no client certificate: refused');
  await assert.rejects(
    fetchOnce(rig.ports['mtls']!, '/', { ca, cert: readFileSync(stranger.cert, 'utf8'), key: readFileSync(stranger.key, 'utf8') }),
    'a certificate the CA did not sign: refused',
  );
  const verified = await fetchOnce(rig.ports['mtls']!, '/', { ca, cert, key, headers: forged });
  assert.equal(verified.status, 200);
  assert.equal((JSON.parse(verified.body) as Record<string, string>)['x-client-subject'], 'CN=client one,O=Example');

  // request mode lets clients without one in, without the header, and still strips theirs.
  const anonymous = await fetchOnce(rig.ports['optional']!, '/', { ca, headers: forged });
  assert.equal(anonymous.status, 200);
  assert.equal((JSON.parse(anonymous.body) as Record<string, string>)['x-client-subject'], undefined);
  const unverified = await fetchOnce(rig.ports['optional']!, '/', { ca, headers: forged, cert: readFileSync(stranger.cert, 'utf8'), key: readFileSync(stranger.key, 'utf8') });
  assert.equal((JSON.parse(unverified.body) as Record<string, string>)['x-client-subject'], undefined, 'an unverified certificate names nobody');
  const known = await fetchOnce(rig.ports['optional']!, '/', { ca, cert, key, headers: forged });
  assert.equal((JSON.parse(known.body) as Record<string, string>)['x-client-subject'], 'CN=client one,O=Example');

  // On a keep-alive connection every request gets it (read once per connection).
  const agent = new Agent({ keepAlive: true, maxSockets: 1, ca, cert, key });
  t.after(() => agent.destroy());
  for (let i = 0; i < 2; i++) {
    const again = await fetchOnce(rig.ports['mtls']!, '/', { ca, agent });
    assert.equal((JSON.parse(again.body) as Record<string, string>)['x-client-subject'], 'CN=client one,O=Example');
  }
});
