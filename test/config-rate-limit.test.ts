// The rateLimit middleware's settings: defaults, the key forms, and a clear
// problem (path, what is accepted) for every bad value, including a Redis
// store without a Redis server.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadErrors, loadOk, writeConfig } from './config-helpers.js';

const ONE_POOL = 'pools:\n  - { name: api, backends: [http://h:1] }\nroutes:\n  - { pathPrefix: /, pool: api, middlewares: [limit] }\n';
const withLimit = (settings: string, extra = '') => writeConfig(`${extra}middlewares:\n  limit: { rateLimit: ${settings} }\n${ONE_POOL}`);

test('rateLimit: average alone takes every default (period 1s, burst = average, key ip /64, memory store)', () => {
  const config = loadOk({ file: withLimit('{ average: 100 }') });
  assert.deepEqual(config.middlewares, [
    {
      name: 'limit',
      kind: 'rateLimit',
      rateLimit: {
        average: 100,
        periodMs: 1000,
        burst: 100,
        key: { parts: [{ kind: 'ip' }], ipv6Prefix: 64 },
        store: 'memory',
        onStoreError: 'local',
        instances: 1,
        dryRun: false,
      },
    },
  ]);
});

test('rateLimit: every setting, a combined key (header names lower-cased), a fractional average rounds the default burst up', () => {
  const config = loadOk({
    file: withLimit(
      '{ average: 5, period: 1m, burst: 20, key: [ip, "header:X-Api-Key", host, path], ipv6Prefix: 56, store: redis, onStoreError: deny, instances: 3, dryRun: true }',
      'redis: { url: redis://127.0.0.1:6379 }\n',
    ),
  });
  assert.deepEqual(config.middlewares[0], {
    name: 'limit',
    kind: 'rateLimit',
    rateLimit: {
      average: 5,
      periodMs: 60_000,
      burst: 20,
      key: { parts: [{ kind: 'ip' }, { kind: 'header', name: 'x-api-key' }, { kind: 'host' }, { kind: 'path' }], ipv6Prefix: 56 },
      store: 'redis',
      onStoreError: 'deny',
      instances: 3,
      dryRun: true,
    },
  });
  const fractional = loadOk({ file: withLimit('{ average: 2.5, key: "header:Authorization" }') });
  const settings = (fractional.middlewares[0] as { rateLimit: { burst: number; key: unknown } }).rateLimit;
  assert.equal(settings.burst, 3);
  assert.deepEqual(settings.key, { parts: [{ kind: 'header', name: 'authorization' }], ipv6Prefix: 64 });
});

test('rateLimit: a store redis without a redis: server is a problem at the store; REDIS_URL counts as one', () => {
  assert.deepEqual(loadErrors({ file: withLimit('{ average: 1, store: redis }') }), [
    'middlewares.limit.rateLimit.store: store: redis needs a Redis server: add the top-level redis: { url: redis://HOST:6379 } (or set REDIS_URL), or use store: memory',
  ]);
  loadOk({ file: withLimit('{ average: 1, store: redis }'), env: { REDIS_URL: 'redis://127.0.0.1:6379' } });
});

test('rateLimit: every bad value is reported with its path and what is accepted', () => {
  const problems = loadErrors({
    file: withLimit(
      '{ average: 0, period: soon, burst: 0.5, key: [ip, ip, "header:", cookie, 7], ipv6Prefix: 129, store: disk, onStoreError: retry, instances: 0, dryRun: maybe, limit: 3 }',
    ),
  });
  assert.deepEqual(problems, [
    'middlewares.limit.rateLimit.average: 0 is not a rate (expected a number of requests per period above 0, e.g. 100, at most 1000000000)',
    'middlewares.limit.rateLimit.period: "soon" is not a duration (expected e.g. 250ms, 5s, 1.5s, 2m, 1h, or a bare number of seconds)',
    'middlewares.limit.rateLimit.burst: 0.5 is not a valid burst (the bucket size) (expected an integer from 1 to 1000000000)',
    'middlewares.limit.rateLimit.key[1]: ip is listed twice (header names are case-insensitive)',
    'middlewares.limit.rateLimit.key[2]: "header:" names no header (expected header:NAME with NAME an HTTP field name, e.g. "header:X-Api-Key")',
    'middlewares.limit.rateLimit.key[3]: "cookie" is not a request key (accepted: ip, host, path, header:NAME, or a list of them, e.g. [ip, "header:X-Api-Key"])',
    'middlewares.limit.rateLimit.key[4]: 7 is not a request key (accepted: ip, host, path, header:NAME, or a list of them, e.g. [ip, "header:X-Api-Key"])',
    'middlewares.limit.rateLimit.ipv6Prefix: 129 is not a valid IPv6 prefix length (expected an integer from 1 to 128)',
    'middlewares.limit.rateLimit.store: "disk" is not a rate-limit store (accepted: memory, redis)',
    'middlewares.limit.rateLimit.onStoreError: "retry" is not a store-error action (accepted: local, allow, deny)',
    'middlewares.limit.rateLimit.instances: 0 is not a valid instance count (expected an integer from 1 to 10000)',
    'middlewares.limit.rateLimit.dryRun: "maybe" is not a boolean (expected true or false)',
    'middlewares.limit.rateLimit.limit: unknown key in rateLimit (accepted: average, period, burst, key, ipv6Prefix, store, onStoreError, instances, dryRun)',
  ]);
  assert.deepEqual(loadErrors({ file: withLimit('{ period: 1s }') }), ['middlewares.limit.rateLimit.average: missing (required)']);
  assert.deepEqual(loadErrors({ file: withLimit('{ average: 1, key: [] }') }), [
    'middlewares.limit.rateLimit.key: an empty list is not a request key (accepted: ip, host, path, header:NAME, or a list of them, e.g. [ip, "header:X-Api-Key"]; leave key out for ip)',
  ]);
  assert.deepEqual(loadErrors({ file: withLimit('{ average: 1, key: "header:X-Api-Key", ipv6Prefix: 48 }') }), [
    'middlewares.limit.rateLimit.ipv6Prefix: ipv6Prefix applies to the ip part of the key, and this key has none (add ip to key, or leave ipv6Prefix out)',
  ]);
  assert.deepEqual(loadErrors({ file: withLimit('{ average: 1, key: hots }') }), [
    'middlewares.limit.rateLimit.key: "hots" is not a request key (did you mean "host"? accepted: ip, host, path, header:NAME, or a list of them, e.g. [ip, "header:X-Api-Key"])',
  ]);
});
