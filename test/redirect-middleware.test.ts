// The redirect middleware, end to end with curl against a real fairway from
// YAML: HTTP→HTTPS, a canonical host, a port, regex path redirects, the
// status it picks or is told, and no redirect to the URL asked for (so none
// loops), including behind a trusted TLS-terminating proxy.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { accessLine, echoBackend, listenerPorts, startFromYaml } from './helpers/client-addresses.js';
import { TestCertificates, skipWithoutOpenssl } from './helpers/test-certificates.js';

/** `curl -s -o /dev/null -w '%{http_code} %{redirect_url}'`, bounded in time. */
function curl(url: string, extra: string[] = []): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('curl', ['-s', '-o', '/dev/null', '-m', '10', '-w', '%{http_code} %{redirect_url}', ...extra, url], { timeout: 15_000 }, (err, stdout) =>
      err === null ? resolve(stdout.trim()) : reject(err),
    );
  });
}

function yaml(backendUrl: string): string {
  return `listen: { host: 127.0.0.1, port: 0 }
admin: { port: 0 }
accessLog: { enabled: true, format: json }
trustedProxies: [127.0.0.1]
middlewares:
  to-https:  { redirect: { scheme: https, permanent: true } }
  to-8443:   { redirect: { scheme: https, port: 8443 } }
  canonical: { redirect: { host: example.com } }
  moved:     { redirect: { regex: '^/old/(.*)', replacement: '/new/$1', permanent: false } }
  gone:      { redirect: { regex: '^/gone(/.*)?$', replacement: 'https://elsewhere.example$1', status: 307 } }
pools:
  - { name: app, healthCheck: { enabled: false }, backends: [${backendUrl}] }
routes:
  - { pathPrefix: /secure, pool: app, middlewares: [to-https] }
  - { pathPrefix: /port, pool: app, middlewares: [to-8443] }
  - { pathPrefix: /canon, pool: app, middlewares: [canonical] }
  - { pathPrefix: /gone, pool: app, middlewares: [gone] }
  - { pathPrefix: /, pool: app, middlewares: [moved] }
`;
}

test('redirect: scheme, host, port and regex redirects keep the path and query; the status follows permanent, the method, or status', async (t) => {
  const backend = await echoBackend('a');
  t.after(() => backend.server.close());
  const { lb } = await startFromYaml(t, yaml(backend.url));
  const base = lb.url;

  assert.equal(await curl(`${base}/secure/x?q=1`), '301 https://127.0.0.1/secure/x?q=1', 'permanent GET: 301, the default port of https');
  assert.equal(await curl(`${base}/secure/x`, ['-H', `Host: shop.example:${lb.port}`]), '301 https://shop.example/secure/x', "the request's host");
  assert.equal(await curl(`${base}/secure/x`, ['-X', 'POST', '-d', 'a=1']), '308 https://127.0.0.1/secure/x', 'permanent POST: 308 keeps the method and body');
  assert.equal(await curl(`${base}/port/y`), '302 https://127.0.0.1:8443/port/y', 'temporary GET: 302, with the configured port');
  assert.equal(await curl(`${base}/port/y`, ['-X', 'DELETE']), '307 https://127.0.0.1:8443/port/y', 'temporary DELETE: 307');

  assert.equal(await curl(`${base}/canon/p?z=2`, ['-H', `Host: www.example.com:${lb.port}`]), `302 http://example.com:${lb.port}/canon/p?z=2`, 'same scheme: the port stays');
  assert.equal(await curl(`${base}/old/a/b?x=1`), `302 http://127.0.0.1:${lb.port}/new/a/b?x=1`);
  assert.equal(await curl(`${base}/gone/deep`), '307 https://elsewhere.example/deep', 'a replacement may be a whole URL; status overrides');

  const id = 'redirect-1';
  assert.equal(await curl(`${base}/old/z`, ['-H', `X-Request-Id: ${id}`]), `302 http://127.0.0.1:${lb.port}/new/z`);
  assert.equal((await accessLine(lb, id))['errorKind'], 'redirect');
});

test('redirect: no redirect to the URL asked for, so none loops; a path the regex does not match goes on to the backend', async (t) => {
  const backend = await echoBackend('a');
  t.after(() => backend.server.close());
  const { lb } = await startFromYaml(t, yaml(backend.url));
  const base = lb.url;
  assert.equal(await curl(`${base}/canon/p`, ['-H', `Host: example.com:${lb.port}`]), '200', 'already the canonical host');
  assert.equal(await curl(`${base}/new/a`), '200', 'the regex does not match');
  // A trusted TLS-terminating proxy says the client used https already.
  assert.equal(await curl(`${base}/secure/x`, ['-H', 'X-Forwarded-Proto: https']), '200');
  // From an untrusted peer the header is not believed.
  assert.equal(await curl(`${base}/secure/x`, ['-H', 'X-Forwarded-Proto: https', '--interface', '127.0.0.2']), '301 https://127.0.0.1/secure/x');
});

test('redirect: a listener middleware sends plain HTTP to HTTPS, and the TLS listener serving the same route is not redirected', { skip: skipWithoutOpenssl }, async (t) => {
  const backend = await echoBackend('a');
  const certs = new TestCertificates();
  t.after(() => {
    backend.server.close();
    certs.remove();
  });
  const pair = certs.server('redirect', ['localhost']);
  const { lb } = await startFromYaml(
    t,
    `listeners:
  - { name: web, host: 127.0.0.1, port: 0, middlewares: [to-https] }
  - { name: websecure, host: 127.0.0.1, port: 0, middlewares: [to-https], tls: { certificates: [{ cert: ${pair.cert}, key: ${pair.key} }] } }
admin: { port: 0 }
middlewares:
  to-https: { redirect: { scheme: https, permanent: true } }
pools:
  - { name: app, healthCheck: { enabled: false }, backends: [${backend.url}] }
`,
  );
  const ports = listenerPorts(lb);
  assert.equal(await curl(`http://localhost:${ports['web']}/x?y=1`, ['-4']), '301 https://localhost/x?y=1');
  assert.equal(await curl(`https://localhost:${ports['websecure']}/x?y=1`, ['-4', '-k']), '200', 'already https: no redirect, no loop');
});
