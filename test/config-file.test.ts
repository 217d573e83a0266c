// The config file format: shapes, defaults, and the exact problems for bad input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadErrors, loadOk, writeConfig } from './config-helpers.js';
import { ALGORITHMS } from '../src/config/types.js';

test('the documented full example loads with every default filled in', () => {
  const file = writeConfig(`
listen: { host: 0.0.0.0, port: 8080 }
admin:  { host: 127.0.0.1, port: 8090, token: \${ADMIN_TOKEN} }
pools:
  - name: web
    algorithm: round-robin
    backends:
      - { id: s1, url: http://10.0.0.11:80, weight: 3 }
      - { id: s2, url: http://10.0.0.12:80, maxConnections: 200 }
      - { id: spare, url: http://10.0.0.13:80, backup: true }
    healthCheck: { path: /health, interval: 10s, timeout: 2s, healthyThreshold: 2, unhealthyThreshold: 3 }
    timeouts: { connect: 2s, response: 30s, idle: 60s }
routes:
  - { host: api.example.com, pathPrefix: /v1, pool: web }
`);
  const config = loadOk({ file, env: { ADMIN_TOKEN: 'secret' } });
  assert.equal(config.admin.token, 'secret');
  assert.deepEqual(config.routes, [{ host: 'api.example.com', pathPrefix: '/v1', pool: 'web', middlewares: [] }]);
  const [pool] = config.pools;
  assert.equal(pool?.name, 'web');
  assert.deepEqual(pool?.backends, [
    { id: 's1', url: 'http://10.0.0.11', weight: 3, maxConnections: 256, backup: false, state: 'enabled' },
    { id: 's2', url: 'http://10.0.0.12', weight: 1, maxConnections: 200, backup: false, state: 'enabled' },
    { id: 'spare', url: 'http://10.0.0.13', weight: 1, maxConnections: 256, backup: true, state: 'enabled' },
  ]);
  assert.deepEqual(pool?.healthCheck, {
    enabled: true,
    method: 'GET',
    path: '/health',
    headers: {},
    intervalMs: 10_000,
    timeoutMs: 2000,
    healthyThreshold: 2,
    unhealthyThreshold: 3,
    expectedStatus: { min: 200, max: 399 },
    initialState: 'healthy',
  });
  assert.deepEqual(pool?.timeouts, { connectMs: 2000, responseMs: 30_000, idleMs: 60_000, tunnelMs: 3_600_000 });
});

test('shorthand top-level backends form one pool named default with a catch-all route', () => {
  const file = writeConfig(`
algorithm: round_robin
backends:
  - http://127.0.0.1:9001/
  - { url: "http://example.com:8443", weight: 2 }
healthCheck: { interval: 5, expectedStatus: "200-299" }
timeouts: { response: 1.5s }
`);
  const config = loadOk({ file });
  assert.equal(config.pools.length, 1);
  const pool = config.pools[0]!;
  assert.equal(pool.name, 'default');
  assert.equal(pool.algorithm, 'round-robin');
  assert.deepEqual(
    pool.backends.map((b) => [b.id, b.url, b.weight]),
    [
      ['127.0.0.1:9001', 'http://127.0.0.1:9001', 1],
      ['example.com:8443', 'http://example.com:8443', 2],
    ],
  );
  assert.equal(pool.healthCheck.intervalMs, 5000);
  assert.deepEqual(pool.healthCheck.expectedStatus, { min: 200, max: 299 });
  assert.equal(pool.timeouts.responseMs, 1500);
  assert.deepEqual(config.routes, [{ pathPrefix: '/', pool: 'default', middlewares: [] }]);
});

test('built-in defaults for everything a minimal file leaves out', () => {
  const config = loadOk({ file: writeConfig('backends: [http://127.0.0.1:9001]\n') });
  assert.deepEqual(config.listen, { host: '0.0.0.0', port: 8080, requestHeaderTimeoutMs: 10_000, keepAliveTimeoutMs: 5000, abortOnClientClose: false, limits: {} });
  assert.deepEqual(config.admin, { enabled: true, host: '127.0.0.1', port: 8090 });
  assert.equal(config.shutdownTimeoutMs, 30_000);
  assert.deepEqual(config.log, { level: 'info', format: 'json' });
});

test('top-level algorithm, healthCheck and timeouts are defaults for named pools', () => {
  const file = writeConfig(`
healthCheck: { interval: 3s, path: /ping }
timeouts: { connect: 1s }
pools:
  - { name: a, backends: [http://h:1], healthCheck: { path: /ready } }
  - { name: b, backends: [http://h:2] }
routes: [{ pathPrefix: /a, pool: a }, { pathPrefix: /, pool: b }]
`);
  const [a, b] = loadOk({ file }).pools;
  assert.equal(a?.healthCheck.path, '/ready');
  assert.equal(a?.healthCheck.intervalMs, 3000);
  assert.equal(b?.healthCheck.path, '/ping');
  assert.equal(b?.timeouts.connectMs, 1000);
});

test('a bare JSON array of {id, host, port} is a backend list', () => {
  const file = writeConfig(
    JSON.stringify([
      { id: 'alpha', host: '127.0.0.1', port: 9001 },
      { id: 'beta', host: 'localhost', port: 9002, weight: 3 },
      { id: 'gamma', host: '::1', port: 9003 },
    ]),
    'json',
  );
  const config = loadOk({ file });
  assert.deepEqual(
    config.pools[0]!.backends.map((b) => [b.id, b.url, b.weight]),
    [
      ['alpha', 'http://127.0.0.1:9001', 1],
      ['beta', 'http://localhost:9002', 3],
      ['gamma', 'http://[::1]:9003', 1],
    ],
  );
  assert.equal(config.pools[0]!.name, 'default');
});

test('bad entries of a bare JSON array are reported with their index', () => {
  const file = writeConfig('[{"id": "a", "host": "h", "port": 99999}, {"id": "a", "host": "h", "port": 2, "wieght": 1}]', 'json');
  assert.deepEqual(loadErrors({ file }), [
    '[0].port: 99999 is not a port (expected an integer from 0 to 65535; 0 lets the OS pick)',
    '[1].wieght: unknown key in backend (did you mean "weight"? accepted: id, url, host, port, weight, maxConnections, backup, state)',
    '[1].id: duplicate backend id "a" (also [0])',
  ]);
});

test('unknown keys are errors, with a suggestion for likely typos', () => {
  const file = writeConfig(`
backends: [http://h:1]
listen: { prot: 80 }
healthcheck: { interval: 5s }
colour: blue
`);
  assert.deepEqual(loadErrors({ file }), [
    'listen.prot: unknown key in listen (did you mean "port"? accepted: host, port, requestHeaderTimeout, keepAliveTimeout, abortOnClientClose, middlewares, limits)',
    'healthcheck: unknown key in the config file (did you mean "healthCheck"? accepted: listen, listeners, admin, redis, pools, middlewares, routes, routeMiddlewares, shutdownTimeout, trustedProxies, log, accessLog, backends, algorithm, hashKey, healthCheck, timeouts, queue, outlierDetection, retries, slowStart, panicThreshold, sticky, tls)',
    'colour: unknown key in the config file (accepted: listen, listeners, admin, redis, pools, middlewares, routes, routeMiddlewares, shutdownTimeout, trustedProxies, log, accessLog, backends, algorithm, hashKey, healthCheck, timeouts, queue, outlierDetection, retries, slowStart, panicThreshold, sticky, tls)',
  ]);
});

test('exact messages for bad values, all reported at once', () => {
  const file = writeConfig(`
pools:
  - name: web
    algorithm: fastest
    backends:
      - { id: s1, url: http://10.0.0.1:80 }
      - { id: s2, url: "localhost:80" }
      - { id: s1, url: http://10.0.0.3:80 }
      - { id: s4, url: http://10.0.0.4:80, weight: -2 }
      - { id: s5, url: "http://10.0.0.5/app" }
    healthCheck: { interval: soon, expectedStatus: 700 }
routes:
  - { pathPrefix: /, pool: wbe }
shutdownTimeout: 1x
`);
  assert.deepEqual(loadErrors({ file }), [
    `pools[0].algorithm: "fastest" is not a known algorithm (accepted: ${ALGORITHMS.join(', ')})`,
    'pools[0].backends[1].url: "localhost:80" is not an http(s) URL (expected http://host:port or https://host:port)',
    'pools[0].backends[3].weight: -2 is not a valid weight (expected an integer from 0 to 1000)',
    'pools[0].backends[4].url: "http://10.0.0.5/app" has a path, query or fragment (expected only http://host:port; request paths are forwarded unchanged)',
    'pools[0].healthCheck.interval: "soon" is not a duration (expected e.g. 250ms, 5s, 1.5s, 2m, 1h, or a bare number of seconds)',
    'pools[0].healthCheck.expectedStatus: 700 is not a status range (expected a status like 200, a range like "200-399", or { min: 200, max: 399 }; codes 100-599, min <= max)',
    'shutdownTimeout: "1x" is not a duration (expected e.g. 250ms, 5s, 1.5s, 2m, 1h, or a bare number of seconds)',
    'pools[0].backends[2].id: duplicate backend id "s1" (also pools[0].backends[0])',
    'routes[0].pool: pool "wbe" is not defined (defined pools: web)',
  ]);
});

test('the algorithm message lists whatever ALGORITHMS holds', () => {
  const errors = loadErrors({ file: writeConfig('algorithm: nope\nbackends: [http://h:1]\n') });
  assert.equal(errors.length, 1);
  for (const name of ALGORITHMS) assert.ok(errors[0]!.includes(name), errors[0]);
  assert.match(errors[0]!, /^algorithm: "nope" is not a known algorithm \(accepted: /);
});

test('duplicate ids derived from the same URL point at the url', () => {
  const file = writeConfig('backends: [http://h:1, "http://h:1/"]\n');
  assert.deepEqual(loadErrors({ file }), [
    'backends[1].url: duplicate backend id "h:1" taken from the url (also backends[0]); give each backend a unique id',
  ]);
});

test('pools and top-level backends together are an error, as are duplicate pool names', () => {
  const file = writeConfig(`
backends: [http://h:1]
pools:
  - { name: a, backends: [http://h:2] }
  - { name: a, backends: [http://h:3] }
`);
  assert.deepEqual(loadErrors({ file }), [
    'backends: top-level backends cannot be combined with pools (move them into a pool, or drop pools to use the single default pool)',
    'pools[1].name: duplicate pool name "a" (also pools[0])',
  ]);
});

test('several pools need routes; unrouted pools are a warning', () => {
  const two = 'pools:\n  - { name: a, backends: [http://h:1] }\n  - { name: b, backends: [http://h:2] }\n';
  assert.deepEqual(loadErrors({ file: writeConfig(two) }), [
    'routes: missing: with 2 pools (a, b) routes must say which host/pathPrefix goes to which pool',
  ]);
  const file = writeConfig(`${two}routes: [{ host: API.example.com, pool: a }]\n`);
  const result = loadOk({ file });
  assert.deepEqual(result.routes, [{ host: 'api.example.com', pathPrefix: '/', pool: 'a', middlewares: [] }]);
});

test('a missing field and a wrong type are named', () => {
  const file = writeConfig('pools:\n  - backends: [{ host: h }]\n  - name: b\n    backends: {}\n');
  assert.deepEqual(loadErrors({ file }), [
    'pools[0].name: missing (required)',
    'pools[0].backends[0].port: missing (a backend with a host needs a port)',
    'pools[1].backends: expected a list, got an object',
  ]);
});

test('non-loopback admin without a token is refused', () => {
  const file = writeConfig('admin: { host: 0.0.0.0 }\nbackends: [http://h:1]\n');
  assert.deepEqual(loadErrors({ file }), [
    'admin.token: required because admin.host 0.0.0.0 is not a loopback address (set admin.token or ADMIN_TOKEN, or bind admin to 127.0.0.1); the admin listener refuses to bind without one',
  ]);
  assert.equal(loadOk({ file, env: { ADMIN_TOKEN: 't' } }).admin.token, 't');
  assert.equal(loadOk({ file: writeConfig('admin: { host: "::1" }\nbackends: [http://h:1]\n') }).admin.host, '::1');
});

test('no backends anywhere says how to give some', () => {
  assert.deepEqual(loadErrors({ file: writeConfig('listen: { port: 0 }\n') }), [
    'backends: no backends configured (give some with --backend http://host:port, BACKEND_SERVERS=http://host1:80,http://host2:80, or a config file listing backends)',
  ]);
  assert.equal(loadErrors({}).length, 1);
});

test('port 0 is allowed and expectedStatus accepts {min, max}', () => {
  const file = writeConfig('listen: { port: 0 }\nadmin: { port: 0 }\nbackends: [http://h:1]\nhealthCheck: { expectedStatus: { min: 200, max: 204 }, initialState: unhealthy }\n');
  const config = loadOk({ file });
  assert.equal(config.listen.port, 0);
  assert.equal(config.admin.port, 0);
  assert.deepEqual(config.pools[0]!.healthCheck.expectedStatus, { min: 200, max: 204 });
  assert.equal(config.pools[0]!.healthCheck.initialState, 'unhealthy');
});
