// healthCheck keys in the config: method, headers and expectBody are
// validated and merged, and a timeout nobody set follows a shorter interval.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '../src/config/load.js';
import { loadErrors, loadOk, writeConfig } from './config-helpers.js';

test('healthCheck method, headers and expectBody are read, normalised, and headers merge name by name', () => {
  const file = writeConfig(`
healthCheck:
  method: options
  headers: { Host: api.internal, X-Probe: top, X-Port: 8080 }
  expectBody: ok
pools:
  - name: a
    backends: [http://127.0.0.1:9001]
  - name: b
    backends: [http://127.0.0.1:9002]
    healthCheck: { method: GET, headers: { host: b.internal } }
routes: [{ pathPrefix: /, pool: a }, { pathPrefix: /b, pool: b }]
`);
  const [a, b] = loadOk({ file }).pools;
  assert.equal(a?.healthCheck.method, 'OPTIONS');
  assert.deepEqual(a?.healthCheck.headers, { host: 'api.internal', 'x-probe': 'top', 'x-port': '8080' });
  assert.equal(a?.healthCheck.expectBody, 'ok');
  assert.equal(b?.healthCheck.method, 'GET');
  assert.deepEqual(b?.healthCheck.headers, { host: 'b.internal', 'x-probe': 'top', 'x-port': '8080' });
  assert.equal(b?.healthCheck.expectBody, 'ok');
});

test('without the new keys a health check is a plain GET with no extra headers', () => {
  const file = writeConfig('backends: [http://127.0.0.1:9001]\n');
  const hc = loadOk({ file }).pools[0]!.healthCheck;
  assert.equal(hc.method, 'GET');
  assert.deepEqual(hc.headers, {});
  assert.equal(hc.expectBody, undefined);
});

test('bad healthCheck method, headers and expectBody values say what is accepted, every bad header at once', () => {
  const file = writeConfig(`
pools:
  - name: a
    backends: [http://127.0.0.1:9001]
    healthCheck: { method: POST, expectBody: "" }
  - name: b
    backends: [http://127.0.0.1:9002]
    healthCheck: { headers: { Connection: close, Host: "" } }
  - name: c
    backends: [http://127.0.0.1:9003]
    healthCheck: { headers: [Host] }
  - name: d
    backends: [http://127.0.0.1:9004]
    healthCheck: { headers: { "Bad Name": x } }
  - name: e
    backends: [http://127.0.0.1:9005]
    healthCheck: { headers: { X-A: "one\\r\\nX-B: two" } }
  - name: f
    backends: [http://127.0.0.1:9006]
    healthCheck: { headers: { Host: a, host: b } }
  - name: g
    backends: [http://127.0.0.1:9007]
    healthCheck: { headers: { X-A: { nested: 1 } } }
routes: [{ pathPrefix: /, pool: a }]
`);
  assert.deepEqual(loadErrors({ file }), [
    'pools[0].healthCheck.method: "POST" is not a health-check method (accepted: GET, HEAD, OPTIONS)',
    'pools[0].healthCheck.expectBody: "" is not an expected body text (expected a non-empty string of up to 1024 characters, e.g. "ok")',
    'pools[1].healthCheck.headers: header Connection cannot be set on health checks (fairway manages it; accepted: any header except connection, content-length, expect, keep-alive, proxy-connection, te, trailer, transfer-encoding, upgrade); header Host is empty (expected a host name, e.g. api.internal or api.internal:8080)',
    'pools[2].healthCheck.headers: a list is not a header map (expected name: value pairs, e.g. { Host: api.internal })',
    `pools[3].healthCheck.headers: "Bad Name" is not a header name (expected letters, digits and - _ . ! # $ % & ' * + ^ \` | ~, no spaces or colons)`,
    'pools[4].healthCheck.headers: header X-A: "one\\r\\nX-B: two" is not a header value (expected printable text up to 4096 characters, no line breaks)',
    'pools[5].healthCheck.headers: header host is given twice (names are case-insensitive)',
    'pools[6].healthCheck.headers: header X-A: an object is not a header value (expected a string)',
  ]);
});

test('expectBody with method HEAD is refused: a HEAD answer has no body to search', () => {
  const top = writeConfig('healthCheck: { method: HEAD, expectBody: ok }\nbackends: [http://127.0.0.1:9001]\n');
  assert.deepEqual(loadErrors({ file: top }), [
    'healthCheck.expectBody: cannot be checked with method HEAD, whose answers have no body (expected method GET or OPTIONS, or no expectBody)',
  ]);
  const inherited = writeConfig(`
healthCheck: { expectBody: ok }
pools:
  - { name: a, backends: [http://127.0.0.1:9001], healthCheck: { method: HEAD } }
  - { name: b, backends: [http://127.0.0.1:9002] }
routes: [{ pathPrefix: /, pool: a }, { pathPrefix: /b, pool: b }]
`);
  assert.deepEqual(loadErrors({ file: inherited }), [
    'pools[0].healthCheck.expectBody: cannot be checked with method HEAD, whose answers have no body (expected method GET or OPTIONS, or no expectBody)',
  ]);
});

const BACKEND = { BACKEND_SERVERS: 'http://127.0.0.1:9001' };

test('--interval 1s alone gives a 1 s timeout and no warning', () => {
  const result = loadConfig({ env: BACKEND, flags: { interval: '1s' } });
  assert.ok(result.ok);
  assert.deepEqual(result.warnings, []);
  assert.equal(result.config.pools[0]!.healthCheck.intervalMs, 1000);
  assert.equal(result.config.pools[0]!.healthCheck.timeoutMs, 1000);
});

test('an interval from env or the file without a timeout also sets timeout = min(2s, interval)', () => {
  const fromEnv = loadConfig({ env: { ...BACKEND, HEALTH_CHECK_INTERVAL: '500ms' } });
  assert.ok(fromEnv.ok);
  assert.deepEqual(fromEnv.warnings, []);
  assert.equal(fromEnv.config.pools[0]!.healthCheck.timeoutMs, 500);

  const short = writeConfig('healthCheck: { interval: 1500ms }\nbackends: [http://127.0.0.1:9001]\n');
  const fromFile = loadConfig({ env: {}, file: short });
  assert.ok(fromFile.ok);
  assert.deepEqual(fromFile.warnings, []);
  assert.equal(fromFile.config.pools[0]!.healthCheck.timeoutMs, 1500);

  const long = writeConfig('healthCheck: { interval: 30s }\nbackends: [http://127.0.0.1:9001]\n');
  assert.equal(loadOk({ file: long }).pools[0]!.healthCheck.timeoutMs, 2000, 'never above the 2 s default');
});

test('an explicitly given timeout longer than the interval still warns', () => {
  const file = writeConfig('healthCheck: { timeout: 3s }\nbackends: [http://127.0.0.1:9001]\n');
  const result = loadConfig({ env: {}, file, flags: { interval: '1s' } });
  assert.ok(result.ok);
  assert.equal(result.config.pools[0]!.healthCheck.timeoutMs, 3000);
  assert.deepEqual(result.warnings, ['(top level): pool "default" health-check timeout (3s) is longer than its interval (1s)']);

  const pool = writeConfig(`
healthCheck: { interval: 1s }
pools:
  - { name: a, backends: [http://127.0.0.1:9001], healthCheck: { timeout: 2s } }
`);
  const pooled = loadConfig({ env: {}, file: pool });
  assert.deepEqual(pooled.warnings, ['pools[0]: pool "a" health-check timeout (2s) is longer than its interval (1s)']);
});
