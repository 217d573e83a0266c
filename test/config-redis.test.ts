// The `redis:` section: a URL read into host, port, database, user and
// password (the password never shown), timeouts with short defaults,
// REDIS_URL from the environment, and a clear problem for every bad URL.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadErrors, loadOk, writeConfig } from './config-helpers.js';

const POOL = 'pools:\n  - { name: api, backends: [http://h:1] }\n';

test('without a redis section or REDIS_URL there is no Redis', () => {
  assert.equal(loadOk({ file: writeConfig(POOL) }).redis, undefined);
});

test('a URL with user, password and database; the timeouts default to 100ms and 1s', () => {
  const config = loadOk({ file: writeConfig(`${POOL}redis: { url: "redis://fairway:p%40ss@redis.internal:6380/2" }\n`) });
  assert.deepEqual(config.redis, {
    host: 'redis.internal',
    port: 6380,
    tls: false,
    db: 2,
    username: 'fairway',
    password: 'p@ss',
    address: 'redis://fairway:***@redis.internal:6380/2',
    commandTimeoutMs: 100,
    connectTimeoutMs: 1_000,
  });
});

test('the short forms: the default port and database, a password without a user, rediss for TLS, an IPv6 host', () => {
  const read = (url: string) => loadOk({ file: writeConfig(`${POOL}redis: { url: "${url}", commandTimeout: 50ms, connectTimeout: 2s }\n`) }).redis;
  assert.deepEqual(read('redis://127.0.0.1'), { host: '127.0.0.1', port: 6379, tls: false, db: 0, address: 'redis://127.0.0.1:6379/0', commandTimeoutMs: 50, connectTimeoutMs: 2_000 });
  const withPassword = read('rediss://:secret@cache.example.com:6390/');
  assert.deepEqual([withPassword?.password, withPassword?.username, withPassword?.tls, withPassword?.address], ['secret', undefined, true, 'rediss://:***@cache.example.com:6390/0']);
  assert.deepEqual([read('redis://[::1]:7000/5')?.host, read('redis://[::1]:7000/5')?.address], ['::1', 'redis://[::1]:7000/5']);
});

test('REDIS_URL (or FAIRWAY_REDIS_URL) sets the server, with or without a redis section, and wins over the file', () => {
  assert.equal(loadOk({ file: writeConfig(POOL), env: { REDIS_URL: 'redis://10.0.0.5:6379' } }).redis?.host, '10.0.0.5');
  const both = loadOk({ file: writeConfig(`${POOL}redis: { url: redis://file-host:6379, commandTimeout: 30ms }\n`), env: { FAIRWAY_REDIS_URL: 'redis://env-host:6379' } }).redis;
  assert.deepEqual([both?.host, both?.commandTimeoutMs], ['env-host', 30]);
});

test('every bad URL says what is wrong, where, and what is accepted', () => {
  const problem = (url: string) => loadErrors({ file: writeConfig(`${POOL}redis: { url: "${url}" }\n`) });
  const accepted = '(expected redis://[user:password@]host:port[/db] or rediss:// for TLS, e.g. redis://127.0.0.1:6379)';
  assert.deepEqual(problem('http://127.0.0.1:6379'), [`redis.url: "http://127.0.0.1:6379" has the scheme http, not redis or rediss ${accepted}`]);
  assert.deepEqual(problem('127.0.0.1:6379'), [`redis.url: "127.0.0.1:6379" has no scheme; write redis://127.0.0.1:6379 ${accepted}`]);
  assert.deepEqual(problem('redis-host'), [`redis.url: "redis-host" has no scheme; write redis://redis-host ${accepted}`]);
  assert.deepEqual(problem('redis://h:99999'), [`redis.url: "redis://h:99999" is not a Redis URL ${accepted}`]);
  assert.deepEqual(problem('redis://h:6379/cache'), [`redis.url: "redis://h:6379/cache" has the path "/cache"; the path is the database number, e.g. /2 ${accepted}`]);
  assert.deepEqual(problem('redis://h:6379?db=2'), [`redis.url: "redis://h:6379?db=2" has a query or fragment, which fairway does not read; put the database in the path, e.g. /2 ${accepted}`]);
  assert.deepEqual(problem('redis://alice@h:6379'), [`redis.url: "redis://alice@h:6379" names the user "alice" without a password (write redis://alice:PASSWORD@…) ${accepted}`]);
  assert.deepEqual(problem('redis:///2'), [`redis.url: "redis:///2" names no host ${accepted}`]);
});

test('a redis section without a URL, unknown keys and bad timeouts are problems at their paths', () => {
  assert.deepEqual(loadErrors({ file: writeConfig(`${POOL}redis: { commandTimeout: 50ms }\n`) }), [
    'redis.url: missing (the redis section needs the server\'s URL, e.g. url: redis://127.0.0.1:6379, or REDIS_URL)',
  ]);
  const errors = loadErrors({ file: writeConfig(`${POOL}redis: { url: redis://h:6379, commandTimout: 50ms, connectTimeout: soon }\n`) });
  assert.equal(errors.length, 2, errors.join('\n'));
  assert.match(errors.find((e) => e.startsWith('redis.commandTimout'))!, /unknown key in redis \(did you mean "commandTimeout"\? accepted: url, commandTimeout, connectTimeout\)/);
  assert.match(errors.find((e) => e.startsWith('redis.connectTimeout'))!, /"soon"/);
});

test('a bad REDIS_URL names the variable', () => {
  assert.deepEqual(loadErrors({ file: writeConfig(POOL), env: { REDIS_URL: 'localhost:6379' } }), [
    'env REDIS_URL: "localhost:6379" has no scheme; write redis://localhost:6379 (expected redis://[user:password@]host:port[/db] or rediss:// for TLS, e.g. redis://127.0.0.1:6379)',
  ]);
});
