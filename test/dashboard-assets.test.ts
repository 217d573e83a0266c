// The dashboard's static files as the admin listener serves them over a real
// socket: content types, caching (no-cache page, immutable hashed assets),
// ETag revalidation, gzip only when the client accepts it, HEAD, and a page
// that loads nothing from outside the admin listener (no CDN) and never
// carries the admin token.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gunzipSync } from 'node:zlib';
import { readFileSync } from 'node:fs';
import { request } from 'undici';
import { startTestBackend, type TestBackend } from '../src/tools/test-backend.js';
import { DEFAULT_DASHBOARD_DIR } from '../src/admin/dashboard-assets.js';
import { poolConfig, startFairway, testClient, testConfig } from './helpers/fixtures.js';
import type { FairwayConfig } from '../src/config/types.js';

interface Raw {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

async function setup(t: { after: (fn: () => Promise<void>) => void }, tweak: (c: FairwayConfig) => void = () => undefined) {
  const backend: TestBackend = await startTestBackend({ port: 0, name: 'b1' });
  const config = testConfig([poolConfig([backend.url])]);
  tweak(config);
  const lb = await startFairway(config);
  const client = testClient();
  t.after(async () => {
    await client.close();
    await lb.close();
    await backend.close();
  });
  /** One request; the body as sent on the wire (undici does not decompress). */
  const fetchRaw = async (path: string, headers: Record<string, string> = {}, method: 'GET' | 'HEAD' = 'GET'): Promise<Raw> => {
    const res = await request(`${lb.adminUrl}${path}`, { dispatcher: client, method, headers, headersTimeout: 10_000, bodyTimeout: 10_000 });
    return { status: res.statusCode, headers: res.headers, body: Buffer.from(await res.body.arrayBuffer()) };
  };
  return { lb, fetchRaw };
}

/** Every src= and href= value in the page. */
function references(html: string): string[] {
  return [...html.matchAll(/\s(?:src|href)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))/gi)].map((m) => m[1] ?? m[2] ?? m[3] ?? '');
}

/** The page's local stylesheet and script. */
function assetPaths(html: string): { css: string; js: string } {
  const css = /<link rel="stylesheet" href="(\/assets\/[^"]+)"/.exec(html)?.[1];
  const js = /<script type="module" src="(\/assets\/[^"]+)"/.exec(html)?.[1];
  assert.ok(css !== undefined && js !== undefined, `the page links a stylesheet and a script under /assets/:\n${html}`);
  return { css, js };
}

test('GET / is the page: text/html, no-cache with an ETag, security headers, nothing loaded from elsewhere', async (t) => {
  const { fetchRaw } = await setup(t);
  const page = await fetchRaw('/');
  assert.equal(page.status, 200);
  assert.equal(page.headers['content-type'], 'text/html; charset=utf-8');
  assert.equal(page.headers['cache-control'], 'no-cache');
  assert.match(String(page.headers['etag']), /^"[A-Za-z0-9_-]+"$/);
  assert.equal(page.headers['x-content-type-options'], 'nosniff');
  assert.equal(page.headers['x-frame-options'], 'DENY');
  assert.equal(page.headers['content-encoding'], undefined, 'not compressed when the client did not ask');
  assert.equal(Number(page.headers['content-length']), page.body.length);
  const csp = String(page.headers['content-security-policy']);
  // The browser itself refuses anything from another origin.
  for (const directive of ["default-src 'none'", "script-src 'self'", "connect-src 'self'", "frame-ancestors 'none'"]) assert.ok(csp.includes(directive), csp);

  const html = page.body.toString('utf8');
  assert.match(html, /^<!doctype html>/i);
  assert.match(html, /<meta name="viewport" content="width=device-width, initial-scale=1">/);
  // Every reference is local: a path on this listener or an inline data: URI.
  const refs = references(html);
  assert.ok(refs.length >= 3, refs.join(', '));
  for (const ref of refs) {
    assert.ok((ref.startsWith('/') && !ref.startsWith('//')) || ref.startsWith('data:'), `"${ref}" is not local`);
  }
  // And no other URL anywhere outside those data: URIs (a CDN link, an import, a font).
  const outside = refs.filter((r) => r.startsWith('data:')).reduce((text, r) => text.split(r).join(''), html);
  assert.doesNotMatch(outside, /(?:https?:)?\/\/[a-z0-9.-]+\.[a-z]{2,}/i, 'no URL to another host in the page');
  assert.doesNotMatch(html, /\{\{(script|style)\}\}/, 'the build filled in the asset names');
  // The page's settings: no token needed here.
  const config = /<script id="fairway-config" type="application\/json">([^<]*)<\/script>/.exec(html)?.[1];
  assert.deepEqual(JSON.parse(config!), { tokenRequired: false, readsProtected: false, demo: false });
});

test('hashed assets: JS and CSS content types, a year immutable, ETag and 304, gzip only when accepted', async (t) => {
  const { fetchRaw } = await setup(t);
  const html = (await fetchRaw('/')).body.toString('utf8');
  const { css, js } = assetPaths(html);
  const types: [string, string][] = [
    [js, 'text/javascript; charset=utf-8'],
    [css, 'text/css; charset=utf-8'],
  ];
  for (const [path, type] of types) {
    assert.match(path, /^\/assets\/main-[A-Z0-9]{6,}\.(js|css)$/, 'the name carries a content hash');
    const plain = await fetchRaw(path);
    assert.equal(plain.status, 200, path);
    assert.equal(plain.headers['content-type'], type, path);
    assert.equal(plain.headers['cache-control'], 'public, max-age=31536000, immutable', path);
    assert.equal(plain.headers['x-content-type-options'], 'nosniff');
    assert.equal(plain.headers['vary'], 'accept-encoding');
    assert.equal(plain.headers['content-encoding'], undefined);
    assert.equal(Number(plain.headers['content-length']), plain.body.length);
    // The bytes are the built file's.
    assert.ok(plain.body.equals(readFileSync(`${DEFAULT_DASHBOARD_DIR}${path.slice(1)}`)), `${path} is the built file`);
    // Nothing fetched from elsewhere: the bundles name no other host.
    assert.doesNotMatch(plain.body.toString('utf8'), /https?:\/\/(?!www\.w3\.org\/)[a-z0-9.-]+/i, `${path} names no other host`);
    const etag = String(plain.headers['etag']);
    assert.match(etag, /^"[A-Za-z0-9_-]+"$/, 'a strong ETag for the bytes as they are');

    // Revalidation: the same tag (also weak, also in a list) is a 304 without a body.
    for (const ifNoneMatch of [etag, `W/${etag}`, `"other", ${etag}`]) {
      const again = await fetchRaw(path, { 'if-none-match': ifNoneMatch });
      assert.equal(again.status, 304, ifNoneMatch);
      assert.equal(again.body.length, 0);
      assert.equal(again.headers['etag'], etag);
      assert.equal(again.headers['cache-control'], 'public, max-age=31536000, immutable');
    }
    assert.equal((await fetchRaw(path, { 'if-none-match': '"something-else"' })).status, 200);

    // gzip when accepted, and only then; the same bytes once unzipped.
    const gz = await fetchRaw(path, { 'accept-encoding': 'gzip, deflate, br' });
    assert.equal(gz.status, 200);
    assert.equal(gz.headers['content-encoding'], 'gzip', path);
    assert.equal(gz.headers['content-type'], type);
    assert.equal(gz.headers['vary'], 'accept-encoding');
    assert.equal(Number(gz.headers['content-length']), gz.body.length);
    assert.ok(gz.body.length < plain.body.length, 'smaller compressed');
    assert.ok(gunzipSync(gz.body).equals(plain.body), 'unzips to the same bytes');
    // Another encoding of the same bytes gets its own (weak) tag, which revalidates too.
    const gzTag = String(gz.headers['etag']);
    assert.notEqual(gzTag, etag, 'the gzip encoding is not the same representation as the plain bytes');
    assert.equal(gzTag, `W/${etag}`);
    const gz304 = await fetchRaw(path, { 'accept-encoding': 'gzip', 'if-none-match': gzTag });
    assert.equal(gz304.status, 304);
    assert.equal(gz304.headers['etag'], gzTag);

    for (const refused of ['br', 'identity', 'gzip;q=0', 'gzip; q=0.0, identity', 'x-gzip-ish']) {
      const res = await fetchRaw(path, { 'accept-encoding': refused });
      assert.equal(res.headers['content-encoding'], undefined, `accept-encoding: ${refused}`);
      assert.ok(res.body.equals(plain.body));
    }
    for (const accepted of ['GZIP', 'gzip;q=0.5', 'br;q=1, gzip;q=0.1', '*']) {
      const res = await fetchRaw(path, { 'accept-encoding': accepted });
      assert.equal(res.headers['content-encoding'], 'gzip', `accept-encoding: ${accepted}`);
    }
    assert.equal((await fetchRaw(path, { 'accept-encoding': '*, gzip;q=0' })).headers['content-encoding'], undefined);

    // HEAD: the same headers, no body.
    const head = await fetchRaw(path, {}, 'HEAD');
    assert.equal(head.status, 200);
    assert.equal(head.headers['content-type'], type);
    assert.equal(Number(head.headers['content-length']), plain.body.length);
    assert.equal(head.body.length, 0);
  }

  // The source maps the bundles point at are there, as JSON.
  const jsText = (await fetchRaw(js)).body.toString('utf8');
  const map = /\/\/# sourceMappingURL=(\S+)\s*$/.exec(jsText)?.[1];
  assert.ok(map !== undefined && !map.includes('/'), 'a relative source map next to the bundle');
  const mapRes = await fetchRaw(`/assets/${map}`);
  assert.equal(mapRes.status, 200);
  assert.equal(mapRes.headers['content-type'], 'application/json; charset=utf-8');
  assert.equal((JSON.parse(mapRes.body.toString('utf8')) as { version: number }).version, 3);
});

test('GET /: the page revalidates (304) and gzips; HEAD has no body', async (t) => {
  const { fetchRaw } = await setup(t);
  const page = await fetchRaw('/');
  const etag = String(page.headers['etag']);
  const again = await fetchRaw('/', { 'if-none-match': etag });
  assert.equal(again.status, 304);
  assert.equal(again.body.length, 0);
  assert.equal(again.headers['cache-control'], 'no-cache');
  const gz = await fetchRaw('/', { 'accept-encoding': 'gzip' });
  assert.equal(gz.headers['content-encoding'], 'gzip');
  assert.equal(gz.headers['content-type'], 'text/html; charset=utf-8');
  assert.ok(gunzipSync(gz.body).equals(page.body));
  assert.equal((await fetchRaw('/', { 'accept-encoding': 'gzip', 'if-none-match': String(gz.headers['etag']) })).status, 304);
  const head = await fetchRaw('/', {}, 'HEAD');
  assert.equal(head.status, 200);
  assert.equal(head.headers['content-type'], 'text/html; charset=utf-8');
  assert.equal(head.body.length, 0);
});

test('unknown or malformed asset names are 404 or 400, never a file from elsewhere or a 500', async (t) => {
  const { fetchRaw } = await setup(t);
  for (const path of ['/assets/nope.js', '/assets/..%2F..%2Fpackage.json', '/assets/..%2Findex.html', '/assets/%2e%2e%2fsrc%2findex.js']) {
    const res = await fetchRaw(path);
    assert.equal(res.status, 404, path);
    assert.match(String(res.headers['content-type']), /^application\/json/);
  }
  for (const path of ['/assets/%E0%A4%A', '/assets/%zz']) {
    const res = await fetchRaw(path);
    assert.equal(res.status, 400, `${path} → ${res.status} ${res.body.toString('utf8')}`);
    assert.equal((JSON.parse(res.body.toString('utf8')) as { error: string }).error, 'bad_request');
  }
});

test('with admin.token the page and its assets need no token, say that one is needed, and never contain it', async (t) => {
  const TOKEN = 'page-must-not-leak-this-9f3';
  const { fetchRaw } = await setup(t, (c) => {
    c.admin.token = TOKEN;
    c.admin.protectReads = true;
  });
  const page = await fetchRaw('/');
  assert.equal(page.status, 200);
  const html = page.body.toString('utf8');
  assert.ok(!html.includes(TOKEN), 'the token is not in the page');
  const config = /<script id="fairway-config" type="application\/json">([^<]*)<\/script>/.exec(html)?.[1];
  assert.deepEqual(JSON.parse(config!), { tokenRequired: true, readsProtected: true, demo: false });
  const { css, js } = assetPaths(html);
  for (const path of [css, js]) {
    const res = await fetchRaw(path);
    assert.equal(res.status, 200, path);
    assert.ok(!res.body.toString('utf8').includes(TOKEN));
  }
  // The data itself is guarded.
  assert.equal((await fetchRaw('/lb/stats')).status, 401);
  assert.equal((await fetchRaw('/api/events')).status, 401);
});
