// Per-pool traffic and resilience settings in the config file: backend state,
// queue, outlier detection, retries, slow start, panic threshold and sticky
// sessions; their defaults, top-level defaults merged key by key, and messages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadErrors, loadOk, writeConfig } from './config-helpers.js';
import { loadConfig } from '../src/config/load.js';

const TWO_POOLS_ROUTES = 'routes: [{ pathPrefix: /a, pool: a }, { pathPrefix: /, pool: b }]\n';

test('every new setting has its default when the file sets nothing', () => {
  const pool = loadOk({ file: writeConfig('backends: [http://h:1]\n') }).pools[0]!;
  assert.equal(pool.backends[0]!.state, 'enabled');
  assert.deepEqual(pool.queue, { size: 1024, timeoutMs: 10_000 });
  assert.deepEqual(pool.outlierDetection, {
    enabled: true,
    consecutiveGatewayFailures: 5,
    consecutive5xx: 5,
    baseEjectionTimeMs: 30_000,
    maxEjectionTimeMs: 300_000,
    maxEjectionPercent: 50,
  });
  assert.deepEqual(pool.retries, {
    attempts: 3,
    on: ['reset'],
    perTryTimeoutMs: 0,
    budgetPercent: 20,
    bufferBytes: 65_536,
    retryNonIdempotent: false,
  });
  assert.equal(pool.slowStartMs, 0);
  assert.equal(pool.panicThreshold, 0);
  assert.equal(pool.sticky, undefined);
  assert.equal('sticky' in pool, false);
});

test('a pool sets every new option itself', () => {
  const file = writeConfig(`
pools:
  - name: web
    backends:
      - { id: s1, url: http://h:1, state: draining }
      - { id: s2, url: http://h:2, state: DISABLED }
      - { id: s3, url: http://h:3, state: enabled }
    queue: { size: 0, timeout: 250ms }
    outlierDetection:
      enabled: false
      consecutiveGatewayFailures: 0
      consecutive5xx: 10
      baseEjectionTime: 10s
      maxEjectionTime: 10s
      maxEjectionPercent: "33.5%"
    retries:
      attempts: 10
      on: [reset, timeout, 502, "503", 504, 502]
      perTryTimeout: 0
      budgetPercent: 0
      bufferBytes: 1MiB
      retryNonIdempotent: true
    slowStart: 1m
    panicThreshold: 100
    sticky: { cookie: srv_id, ttl: 1h, secure: true, httpOnly: false, sameSite: none }
`);
  const pool = loadOk({ file }).pools[0]!;
  assert.deepEqual(
    pool.backends.map((b) => b.state),
    ['draining', 'disabled', 'enabled'],
  );
  assert.deepEqual(pool.queue, { size: 0, timeoutMs: 250 });
  assert.deepEqual(pool.outlierDetection, {
    enabled: false,
    consecutiveGatewayFailures: 0,
    consecutive5xx: 10,
    baseEjectionTimeMs: 10_000,
    maxEjectionTimeMs: 10_000,
    maxEjectionPercent: 33.5,
  });
  assert.deepEqual(pool.retries, {
    attempts: 10,
    on: ['reset', 'timeout', '502', '503', '504'],
    perTryTimeoutMs: 0,
    budgetPercent: 0,
    bufferBytes: 1_048_576,
    retryNonIdempotent: true,
  });
  assert.equal(pool.slowStartMs, 60_000);
  assert.equal(pool.panicThreshold, 100);
  assert.deepEqual(pool.sticky, { cookie: 'srv_id', ttlMs: 3_600_000, secure: true, httpOnly: false, sameSite: 'None' });
});

test('top-level settings are defaults for named pools, merged key by key', () => {
  const file = writeConfig(`
queue: { size: 10 }
outlierDetection: { consecutive5xx: 3, maxEjectionTime: 1m }
retries: { attempts: 4, on: [reset, 503] }
slowStart: 30s
panicThreshold: 25
sticky: { cookie: lb, sameSite: strict }
pools:
  - name: a
    backends: [http://h:1]
    queue: { timeout: 1s }
    outlierDetection: { baseEjectionTime: 5s }
    retries: { attempts: 2 }
    slowStart: 0
    sticky: { ttl: 10m }
  - name: b
    backends: [http://h:2]
    retries: { on: [] }
    panicThreshold: 50
    sticky: false
${TWO_POOLS_ROUTES}`);
  const [a, b] = loadOk({ file }).pools;
  assert.deepEqual(a?.queue, { size: 10, timeoutMs: 1000 });
  assert.deepEqual(b?.queue, { size: 10, timeoutMs: 10_000 });
  assert.equal(a?.outlierDetection.consecutive5xx, 3);
  assert.equal(a?.outlierDetection.baseEjectionTimeMs, 5000);
  assert.equal(a?.outlierDetection.maxEjectionTimeMs, 60_000);
  assert.equal(a?.outlierDetection.consecutiveGatewayFailures, 5);
  assert.equal(b?.outlierDetection.baseEjectionTimeMs, 30_000);
  assert.deepEqual([a?.retries.attempts, a?.retries.on, a?.retries.budgetPercent], [2, ['reset', '503'], 20]);
  // A list replaces the default's list rather than adding to it.
  assert.deepEqual([b?.retries.attempts, b?.retries.on], [4, []]);
  assert.deepEqual([a?.slowStartMs, b?.slowStartMs], [0, 30_000]);
  assert.deepEqual([a?.panicThreshold, b?.panicThreshold], [25, 50]);
  assert.deepEqual(a?.sticky, { cookie: 'lb', ttlMs: 600_000, secure: false, httpOnly: true, sameSite: 'Strict' });
  assert.equal(b?.sticky, undefined);
});

test('in the shorthand form the top-level settings are the default pool\'s own', () => {
  const file = writeConfig(`
backends: [{ url: http://h:1, state: draining }, http://h:2]
queue: { size: 5, timeout: 2s }
retries: { bufferBytes: 64k, perTryTimeout: 1.5s }
panicThreshold: 10%
sticky: true
`);
  const pool = loadOk({ file }).pools[0]!;
  assert.deepEqual(pool.backends.map((b) => b.state), ['draining', 'enabled']);
  assert.deepEqual(pool.queue, { size: 5, timeoutMs: 2000 });
  assert.equal(pool.retries.bufferBytes, 65_536);
  assert.equal(pool.retries.perTryTimeoutMs, 1500);
  assert.equal(pool.panicThreshold, 10);
  assert.deepEqual(pool.sticky, { cookie: 'fairway_sticky', ttlMs: 0, secure: false, httpOnly: true, sameSite: 'Lax' });
});

test('sticky: true in a pool turns on the top-level sticky defaults; false or absent leaves it off', () => {
  const file = writeConfig(`
sticky: { cookie: route }
pools:
  - { name: a, backends: [http://h:1], sticky: true }
  - { name: b, backends: [http://h:2] }
${TWO_POOLS_ROUTES}`);
  const [a, b] = loadOk({ file }).pools;
  assert.equal(a?.sticky?.cookie, 'route');
  assert.equal(b?.sticky?.cookie, 'route');
  const off = loadOk({ file: writeConfig('backends: [http://h:1]\nsticky: false\n') }).pools[0]!;
  assert.equal(off.sticky, undefined);
});

test('bufferBytes takes bytes or k/KiB/m/MiB sizes (1024-based), up to 64 MiB', () => {
  const bytes = (value: string): number =>
    loadOk({ file: writeConfig(`backends: [http://h:1]\nretries: { bufferBytes: ${value} }\n`) }).pools[0]!.retries.bufferBytes;
  assert.equal(bytes('"64k"'), 65_536);
  assert.equal(bytes('64K'), 65_536);
  assert.equal(bytes('64KiB'), 65_536);
  assert.equal(bytes('1m'), 1_048_576);
  assert.equal(bytes('1MiB'), 1_048_576);
  assert.equal(bytes('64MiB'), 67_108_864);
  assert.equal(bytes('0'), 0);
  assert.equal(bytes('"4096"'), 4096);
});

test('exact messages for bad values of the new options, all reported at once', () => {
  const file = writeConfig(`
pools:
  - name: web
    backends:
      - { id: s1, url: http://h:1, state: paused }
    queue: { size: -1, timeout: 0 }
    outlierDetection: { consecutive5xx: 1001, maxEjectionPercent: 101 }
    retries:
      attempts: 0
      on: [reset, "501", 5xx]
      budgetPercent: -5
      bufferBytes: 64kb
      retryNonIdempotent: sometimes
    slowStart: later
    panicThreshold: "half"
    sticky: { cookie: "my cookie", ttl: -1, sameSite: loose }
  - name: api
    backends: [http://h:2]
    retries: { bufferBytes: 65m }
    sticky: "yes"
routes: [{ pool: web }]
`);
  assert.deepEqual(loadErrors({ file }), [
    'pools[0].backends[0].state: "paused" is not a backend state (accepted: enabled, draining, disabled)',
    'pools[0].queue.size: -1 is not a valid queue size (expected an integer from 0 to 1000000)',
    'pools[0].queue.timeout: 0 is too short (expected at least 1ms)',
    'pools[0].outlierDetection.consecutive5xx: 1001 is not a valid failure count (expected an integer from 0 to 1000)',
    'pools[0].outlierDetection.maxEjectionPercent: 101 is not a percentage (expected a number from 0 to 100)',
    'pools[0].retries.attempts: 0 is not a valid attempt count (expected an integer from 1 to 10)',
    'pools[0].retries.on[1]: "501" is not a retry condition (accepted: reset, timeout, 502, 503, 504)',
    'pools[0].retries.on[2]: "5xx" is not a retry condition (accepted: reset, timeout, 502, 503, 504)',
    'pools[0].retries.budgetPercent: -5 is not a percentage (expected a number from 0 to 100)',
    'pools[0].retries.bufferBytes: "64kb" is not a size (expected a number of bytes, or e.g. 64k, 64KiB, 1m, 1MiB)',
    'pools[0].retries.retryNonIdempotent: "sometimes" is not a boolean (expected true or false)',
    'pools[0].slowStart: "later" is not a duration (expected e.g. 250ms, 5s, 1.5s, 2m, 1h, or a bare number of seconds)',
    'pools[0].panicThreshold: "half" is not a percentage (expected a number from 0 to 100)',
    'pools[0].sticky.cookie: "my cookie" is not a cookie name (expected letters, digits and ! # $ % & \' * + - . ^ _ ` | ~, without spaces, separators or =)',
    'pools[0].sticky.ttl: -1 is not a duration (expected e.g. 250ms, 5s, 1.5s, 2m, 1h, or a bare number of seconds)',
    'pools[0].sticky.sameSite: "loose" is not a SameSite value (accepted: Strict, Lax, None)',
    'pools[1].retries.bufferBytes: "65m" is too large (expected at most 64MiB)',
    'pools[1].sticky: "yes" is not a sticky setting (expected true, false, or an object with cookie, ttl, secure, httpOnly, sameSite)',
  ]);
});

test('a retry status written as a number is named as a number', () => {
  const file = writeConfig('backends: [http://h:1]\nretries: { on: [501] }\n');
  assert.deepEqual(loadErrors({ file }), [
    'retries.on[0]: 501 is not a retry condition (accepted: reset, timeout, 502, 503, 504)',
  ]);
});

test('unknown keys inside the new objects name the accepted keys and a likely fix', () => {
  const file = writeConfig(`
backends: [{ url: http://h:1, status: draining }]
queue: { sise: 1 }
outlierDetection: { baseEjection: 1s, colour: red }
retries: { attempt: 2 }
sticky: { samesite: Lax }
`);
  assert.deepEqual(loadErrors({ file }), [
    'backends[0].status: unknown key in backend (did you mean "state"? accepted: id, url, host, port, weight, maxConnections, backup, state)',
    'queue.sise: unknown key in queue (did you mean "size"? accepted: size, timeout)',
    'outlierDetection.baseEjection: unknown key in outlierDetection (did you mean "baseEjectionTime"? accepted: enabled, consecutiveGatewayFailures, consecutive5xx, baseEjectionTime, maxEjectionTime, maxEjectionPercent)',
    'outlierDetection.colour: unknown key in outlierDetection (accepted: enabled, consecutiveGatewayFailures, consecutive5xx, baseEjectionTime, maxEjectionTime, maxEjectionPercent)',
    'retries.attempt: unknown key in retries (did you mean "attempts"? accepted: attempts, on, perTryTimeout, budgetPercent, bufferBytes, retryNonIdempotent)',
    'sticky.samesite: unknown key in sticky (did you mean "sameSite"? accepted: cookie, ttl, secure, httpOnly, sameSite)',
  ]);
});

test('a pool key unknown to pools lists the new keys among the accepted', () => {
  const file = writeConfig('pools:\n  - { name: a, backends: [http://h:1], retires: { attempts: 2 } }\n');
  assert.deepEqual(loadErrors({ file }), [
    'pools[0].retires: unknown key in pool (did you mean "retries"? accepted: name, algorithm, hashKey, backends, middlewares, healthCheck, timeouts, queue, outlierDetection, retries, slowStart, panicThreshold, sticky, tls)',
  ]);
});

test('sameSite None without secure: true is an error explaining why', () => {
  const message =
    'None requires secure: true (browsers reject a SameSite=None cookie that is not Secure, so stickiness would silently never work; set secure: true, or use Lax or Strict)';
  const file = writeConfig('pools:\n  - { name: a, backends: [http://h:1], sticky: { sameSite: None } }\n');
  assert.deepEqual(loadErrors({ file }), [`pools[0].sticky.sameSite: ${message}`]);
  const secure = writeConfig('backends: [http://h:1]\nsticky: { sameSite: NONE, secure: true }\n');
  assert.equal(loadOk({ file: secure }).pools[0]!.sticky?.sameSite, 'None');
  // A top-level default that every pool inherits is reported once, at the top level.
  const inherited = writeConfig(`
sticky: { sameSite: None }
pools:
  - { name: a, backends: [http://h:1] }
  - { name: b, backends: [http://h:2], sticky: true }
${TWO_POOLS_ROUTES}`);
  assert.deepEqual(loadErrors({ file: inherited }), [`sticky.sameSite: ${message}`]);
});

test('a base ejection time longer than the maximum is an error, also across layers', () => {
  const message = (base: string, max: string): string =>
    `${base} is longer than maxEjectionTime ${max} (an ejection lasts baseEjectionTime × times ejected, capped at maxEjectionTime; lower baseEjectionTime or raise maxEjectionTime)`;
  const shorthand = writeConfig('backends: [http://h:1]\noutlierDetection: { baseEjectionTime: 2m, maxEjectionTime: 1m }\n');
  assert.deepEqual(loadErrors({ file: shorthand }), [`outlierDetection.baseEjectionTime: ${message('2m', '1m')}`]);
  // The pool's own base against the built-in maximum of 5m.
  const pooled = writeConfig(`
outlierDetection: { maxEjectionTime: 10m }
pools:
  - { name: a, backends: [http://h:1], outlierDetection: { baseEjectionTime: 6m } }
  - { name: b, backends: [http://h:2], outlierDetection: { baseEjectionTime: 20m, maxEjectionTime: 15m } }
${TWO_POOLS_ROUTES}`);
  assert.deepEqual(loadErrors({ file: pooled }), [`pools[1].outlierDetection.baseEjectionTime: ${message('20m', '15m')}`]);
});

test('hashKey without consistent-hash is a warning, not an error', () => {
  const warningsOf = (text: string): string[] => {
    const result = loadConfig({ file: writeConfig(text), env: {} });
    assert.equal(result.ok, true);
    return result.warnings;
  };
  assert.deepEqual(warningsOf('backends: [http://h:1]\nhashKey: path\n'), [
    'hashKey: "path" is ignored because pool "default" uses round-robin (hashKey applies only to consistent-hash)',
  ]);
  assert.deepEqual(warningsOf('backends: [http://h:1]\nalgorithm: consistent-hash\nhashKey: path\n'), []);
  assert.deepEqual(
    warningsOf(`
hashKey: header:x-user
pools:
  - { name: a, backends: [http://h:1], algorithm: consistent-hash }
  - { name: b, backends: [http://h:2], algorithm: ip-hash, hashKey: ip }
${TWO_POOLS_ROUTES}`),
    ['pools[1].hashKey: "ip" is ignored because pool "b" uses ip-hash (hashKey applies only to consistent-hash)'],
  );
  assert.deepEqual(
    warningsOf(`
hashKey: cookie:sid
pools:
  - { name: a, backends: [http://h:1] }
  - { name: b, backends: [http://h:2], algorithm: consistent-hash, hashKey: path }
${TWO_POOLS_ROUTES}`),
    ['hashKey: "cookie:sid" is ignored because no pool that inherits it uses consistent-hash'],
  );
});
