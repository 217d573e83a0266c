// Loading: ${VAR} substitution, reading and parse errors, and the precedence
// defaults < file < environment < flags.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadErrors, loadOk, writeConfig } from './config-helpers.js';
import { formatProblems } from '../src/config/load.js';
import { ALGORITHMS } from '../src/config/types.js';

test('${VAR} and ${VAR:-default} are replaced from the environment before parsing', () => {
  const file = writeConfig(`
listen: { host: \${BIND:-127.0.0.1}, port: \${LB_PORT} }
admin: { token: "\${TOKEN}", enabled: \${ADMIN_ON:-true} }
backends: [\${UPSTREAM}]
healthCheck: { path: "/$\${literal}" }
`);
  const config = loadOk({ file, env: { LB_PORT: '9999', TOKEN: 'a#b', UPSTREAM: 'http://10.1.1.1:81' } });
  assert.equal(config.listen.host, '127.0.0.1');
  assert.equal(config.listen.port, 9999);
  assert.equal(config.admin.token, 'a#b');
  assert.equal(config.admin.enabled, true);
  assert.equal(config.pools[0]!.backends[0]!.url, 'http://10.1.1.1:81');
  assert.equal(config.pools[0]!.healthCheck.path, '/${literal}');
});

test('${VAR} works in JSON strings too, numbers included', () => {
  const file = writeConfig('{ "listen": { "port": "${P}" }, "backends": ["http://h:${BP}"] }', 'json');
  const config = loadOk({ file, env: { P: '81', BP: '82' } });
  assert.equal(config.listen.port, 81);
  assert.equal(config.pools[0]!.backends[0]!.url, 'http://h:82');
});

test('an unset variable without default is a problem naming it and its place, alongside other problems', () => {
  const file = writeConfig('backends: [http://h:1]\nadmin: { token: ${MISSING_TOKEN} }\nlisten: { port: -1 }\n');
  assert.deepEqual(loadErrors({ file }), [
    `${file}:2:17: environment variable MISSING_TOKEN is not set (used in admin.token; set it, or give a default with \${MISSING_TOKEN:-value})`,
    'listen.port: -1 is not a port (expected an integer from 0 to 65535; 0 lets the OS pick)',
  ]);
});

test('unreadable files and syntax errors are problems with a position, not exceptions', () => {
  const missing = `${writeConfig('')}.nope`;
  assert.deepEqual(loadErrors({ file: missing }), [`${missing}: cannot read the config file (no such file)`]);

  const yaml = writeConfig('backends:\n  - http://h:1\n listen: {port: 1}\n');
  const [yamlError, ...more] = loadErrors({ file: yaml });
  assert.equal(more.length, 0);
  assert.match(yamlError!, new RegExp(`^${yaml.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:3:\\d+: invalid YAML: `));

  const json = writeConfig('{\n  "backends": ["http://h:1"],\n}\n', 'json');
  const [jsonError] = loadErrors({ file: json });
  assert.match(jsonError!, /:3:1: invalid JSON: /);

  const dup = writeConfig('backends: [http://h:1]\nbackends: [http://h:2]\n');
  assert.match(loadErrors({ file: dup })[0]!, /:2:1: invalid YAML: Map keys must be unique/);
});

test('a .json file is parsed as JSON, anything else as YAML (which also reads JSON)', () => {
  const text = '{ "backends": ["http://h:1"], "log": { "format": "pretty" } }';
  assert.equal(loadOk({ file: writeConfig(text, 'json') }).log.format, 'pretty');
  assert.equal(loadOk({ file: writeConfig(text, 'conf') }).log.format, 'pretty');
});

const layered = 'listen: { host: 10.0.0.1, port: 7000 }\nhealthCheck: { interval: 30s }\nalgorithm: round-robin\nbackends: [http://file:1]\nlog: { level: warn }\n';

test('precedence: defaults < file < environment < flags', () => {
  const file = writeConfig(layered);
  const fromFile = loadOk({ file });
  assert.equal(fromFile.listen.host, '10.0.0.1');
  assert.equal(fromFile.listen.port, 7000);
  assert.equal(fromFile.listen.requestHeaderTimeoutMs, 10_000, 'default kept');
  assert.equal(fromFile.pools[0]!.healthCheck.intervalMs, 30_000);
  assert.equal(fromFile.log.level, 'warn');

  const env = { HOST: '10.0.0.2', PORT: '7001', HEALTH_CHECK_INTERVAL: '5', LOG_LEVEL: 'debug', BACKEND_SERVERS: 'http://env:1, http://env:2' };
  const fromEnv = loadOk({ file, env });
  assert.equal(fromEnv.listen.host, '10.0.0.2');
  assert.equal(fromEnv.listen.port, 7001);
  assert.equal(fromEnv.pools[0]!.healthCheck.intervalMs, 5000);
  assert.equal(fromEnv.log.level, 'debug');
  assert.deepEqual(fromEnv.pools[0]!.backends.map((b) => b.url), ['http://env:1', 'http://env:2']);

  const flags = { port: '7002', interval: '250ms', logLevel: 'error', backend: ['http://flag:1'] };
  const fromFlags = loadOk({ file, env, flags });
  assert.equal(fromFlags.listen.host, '10.0.0.2', 'env still beats file where no flag is given');
  assert.equal(fromFlags.listen.port, 7002);
  assert.equal(fromFlags.pools[0]!.healthCheck.intervalMs, 250);
  assert.equal(fromFlags.log.level, 'error');
  assert.deepEqual(fromFlags.pools[0]!.backends.map((b) => [b.id, b.url]), [['flag:1', 'http://flag:1']]);
});

test('FAIRWAY_<NAME> beats the bare name', () => {
  const env = {
    PORT: '1',
    FAIRWAY_PORT: '2',
    ADMIN_PORT: '3',
    FAIRWAY_ADMIN_PORT: '4',
    BACKEND_SERVERS: 'http://bare:1',
    FAIRWAY_BACKEND_SERVERS: 'http://prefixed:1',
    LOG_FORMAT: 'json',
    FAIRWAY_LOG_FORMAT: 'pretty',
  };
  const config = loadOk({ env });
  assert.equal(config.listen.port, 2);
  assert.equal(config.admin.port, 4);
  assert.equal(config.pools[0]!.backends[0]!.url, 'http://prefixed:1');
  assert.equal(config.log.format, 'pretty');
});

test('ALGORITHM=round_robin and --algorithm round-robin both work and apply to every pool', () => {
  const file = writeConfig('pools:\n  - { name: a, backends: [http://h:1] }\n  - { name: b, backends: [http://h:2] }\nroutes: [{ pool: a }, { pathPrefix: /b, pool: b }]\n');
  assert.deepEqual(loadOk({ file, env: { ALGORITHM: 'round_robin' } }).pools.map((p) => p.algorithm), ['round-robin', 'round-robin']);
  assert.deepEqual(loadOk({ file, flags: { algorithm: 'ROUND-ROBIN' } }).pools.map((p) => p.algorithm), ['round-robin', 'round-robin']);
});

test('bad environment values and flags are problems named after the variable or flag', () => {
  const env = { PORT: 'eighty', FAIRWAY_ALGORITHM: 'random-ish', BACKEND_SERVERS: 'http://ok:1,localhost:80', HEALTH_CHECK_INTERVAL: '0' };
  const flags = { adminPort: '70000', logFormat: 'xml', interval: 'often' };
  assert.deepEqual(loadErrors({ env, flags }), [
    'env PORT: "eighty" is not a port (expected an integer from 0 to 65535; 0 lets the OS pick)',
    'env HEALTH_CHECK_INTERVAL: "0" is too short (expected at least 1ms)',
    `env FAIRWAY_ALGORITHM: "random-ish" is not a known algorithm (accepted: ${ALGORITHMS.join(', ')})`,
    'env BACKEND_SERVERS: "localhost:80" is not an http(s) URL (expected http://host:port or https://host:port)',
    '--interval: "often" is not a duration (expected e.g. 250ms, 5s, 1.5s, 2m, 1h, or a bare number of seconds)',
    '--admin-port: "70000" is not a port (expected an integer from 0 to 65535; 0 lets the OS pick)',
    '--log-format: "xml" is not a log format (accepted: json, pretty)',
  ]);
});

test('--backend is refused when the file has several named pools, accepted with one', () => {
  const two = writeConfig('pools:\n  - { name: a, backends: [http://h:1] }\n  - { name: b, backends: [http://h:2] }\nroutes: [{ pool: a }, { pathPrefix: /b, pool: b }]\n');
  assert.deepEqual(loadErrors({ file: two, flags: { backend: ['http://x:1'] } }), [
    "--backend: backends from --backend work only with a single pool, but the config file defines 2 pools (a, b); list the backends in the file's pools instead",
  ]);
  const one = writeConfig('pools:\n  - { name: web, backends: [http://h:1] }\n');
  const config = loadOk({ file: one, flags: { backend: ['http://x:1,http://x:2', 'http://x:3'] } });
  assert.equal(config.pools[0]!.name, 'web');
  assert.deepEqual(config.pools[0]!.backends.map((b) => b.id), ['x:1', 'x:2', 'x:3']);
});

test('flags alone, without file or environment, make a complete config', () => {
  const config = loadOk({ flags: { backend: ['http://127.0.0.1:9001'], host: '127.0.0.1', port: '0', adminHost: 'localhost', adminPort: '0' } });
  assert.equal(config.listen.host, '127.0.0.1');
  assert.equal(config.listen.port, 0);
  assert.equal(config.admin.host, 'localhost');
});

test('formatProblems prints one "path: message" line per problem', () => {
  assert.equal(
    formatProblems([
      { path: 'pools[0].backends[1].url', message: '"localhost:80" is not an http(s) URL (expected http://host:port or https://host:port)' },
      { path: 'env PORT', message: 'bad' },
    ]),
    'pools[0].backends[1].url: "localhost:80" is not an http(s) URL (expected http://host:port or https://host:port)\nenv PORT: bad',
  );
});
