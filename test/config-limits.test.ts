// The `limits` middleware kind and a listener's `limits:` block: every
// setting resolved (sizes in bytes, durations in ms), listen.limits shared by
// every listener with listeners[i].limits over it key by key, and every bad
// value reported at its path with what is accepted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RequestLimitsConfig } from '../src/config/types.js';
import { loadErrors, loadOk, writeConfig } from './config-helpers.js';

const withLimits = (settings: string): string => `middlewares:\n  small: { limits: ${settings} }\nbackends: [http://h:1]\nrouteMiddlewares: [small]\n`;

function limitsOf(settings: string): RequestLimitsConfig {
  const d = loadOk({ file: writeConfig(withLimits(settings)) }).middlewares[0]!;
  assert.equal(d.kind, 'limits');
  return (d as Extract<typeof d, { kind: 'limits' }>).limits;
}

const errorsOf = (settings: string): string[] => loadErrors({ file: writeConfig(withLimits(settings)) });

const KEYS = 'maxUrlBytes, maxHeaderBytes, maxBodyBytes, bodyTimeout';
const LISTENER_KEYS = `${KEYS}, headerTimeout`;

test('every setting resolves: sizes in bytes (bare integers, k/KiB, m/MiB), the timeout in ms; unset ones stay unset', () => {
  assert.deepEqual(limitsOf('{ maxBodyBytes: 1MiB, maxHeaderBytes: 16KiB, maxUrlBytes: 4k, bodyTimeout: 30s }'), {
    maxBodyBytes: 1024 * 1024,
    maxHeaderBytes: 16 * 1024,
    maxUrlBytes: 4096,
    bodyTimeoutMs: 30_000,
  });
  assert.deepEqual(limitsOf('{ maxBodyBytes: 10 }'), { maxBodyBytes: 10 });
  assert.deepEqual(limitsOf('{ bodyTimeout: 250ms }'), { bodyTimeoutMs: 250 });
  assert.deepEqual(limitsOf('{ maxBodyBytes: 10240m }'), { maxBodyBytes: 10240 * 1024 * 1024 });
});

test('an empty limits block is an error: it names the settings, at least one of which is needed', () => {
  const message = `middlewares.small.limits: empty: limits sets at least one of ${KEYS}`;
  assert.deepEqual(errorsOf('{}'), [message]);
  assert.deepEqual(errorsOf('null'), [message]);
  assert.deepEqual(errorsOf('1MiB'), [
    `middlewares.small.limits: "1MiB" is not a limits block (expected an object with some of ${KEYS}, e.g. { maxBodyBytes: 1MiB })`,
  ]);
  assert.deepEqual(errorsOf('[1]'), [`middlewares.small.limits: a list is not a limits block (expected an object with some of ${KEYS}, e.g. { maxBodyBytes: 1MiB })`]);
});

test('zero, negative, unparsable and too large sizes are reported at their path', () => {
  assert.deepEqual(errorsOf('{ maxBodyBytes: 0 }'), ['middlewares.small.limits.maxBodyBytes: 0 is too small (expected at least 1 byte; leave maxBodyBytes out for no limit)']);
  assert.deepEqual(errorsOf('{ maxHeaderBytes: 0k }'), ['middlewares.small.limits.maxHeaderBytes: 0 is too small (expected at least 1 byte; leave maxHeaderBytes out for no limit)']);
  assert.deepEqual(errorsOf('{ maxUrlBytes: -1 }'), ['middlewares.small.limits.maxUrlBytes: -1 is not a size (expected a number of bytes, or e.g. 64k, 64KiB, 1m, 1MiB)']);
  assert.deepEqual(errorsOf('{ maxBodyBytes: "-5k" }'), ['middlewares.small.limits.maxBodyBytes: "-5k" is not a size (expected a number of bytes, or e.g. 64k, 64KiB, 1m, 1MiB)']);
  assert.deepEqual(errorsOf('{ maxBodyBytes: 1GB }'), ['middlewares.small.limits.maxBodyBytes: "1GB" is not a size (expected a number of bytes, or e.g. 64k, 64KiB, 1m, 1MiB)']);
  assert.deepEqual(errorsOf('{ maxHeaderBytes: 2m }'), ['middlewares.small.limits.maxHeaderBytes: "2m" is too large (expected at most 1MiB)']);
  assert.deepEqual(errorsOf('{ maxUrlBytes: 1.5 }'), ['middlewares.small.limits.maxUrlBytes: 1.5 is not a size (expected a number of bytes, or e.g. 64k, 64KiB, 1m, 1MiB)']);
});

test('wrong types and bad durations are reported at their path', () => {
  assert.deepEqual(errorsOf('{ maxBodyBytes: true }'), ['middlewares.small.limits.maxBodyBytes: true is not a size (expected a number of bytes, or e.g. 64k, 64KiB, 1m, 1MiB)']);
  assert.deepEqual(errorsOf('{ maxHeaderBytes: [1] }'), ['middlewares.small.limits.maxHeaderBytes: a list is not a size (expected a number of bytes, or e.g. 64k, 64KiB, 1m, 1MiB)']);
  assert.deepEqual(errorsOf('{ bodyTimeout: soon }'), ['middlewares.small.limits.bodyTimeout: "soon" is not a duration (expected e.g. 250ms, 5s, 1.5s, 2m, 1h, or a bare number of seconds)']);
  assert.deepEqual(errorsOf('{ bodyTimeout: 0 }'), ['middlewares.small.limits.bodyTimeout: 0 is too short (expected at least 1ms)']);
  assert.deepEqual(errorsOf('{ bodyTimeout: -1 }'), ['middlewares.small.limits.bodyTimeout: -1 is not a duration (expected e.g. 250ms, 5s, 1.5s, 2m, 1h, or a bare number of seconds)']);
});

test('unknown keys are errors that list the accepted ones; headerTimeout belongs to a listener', () => {
  assert.deepEqual(errorsOf('{ maxBodyByte: 1m }'), [`middlewares.small.limits.maxBodyByte: unknown key in limits (did you mean "maxBodyBytes"? accepted: ${KEYS})`]);
  assert.deepEqual(errorsOf('{ client_max_body_size: 1m }'), [`middlewares.small.limits.client_max_body_size: unknown key in limits (accepted: ${KEYS})`]);
  assert.deepEqual(errorsOf('{ maxBodyBytes: 1m, headerTimeout: 5s }'), [`middlewares.small.limits.headerTimeout: unknown key in limits (accepted: ${KEYS})`]);
});

const pool = 'pools: [{ name: p, backends: [http://h:1] }]\nroutes: [{ pathPrefix: /, pool: p }]';

test('listener limits: listen.limits is what every listener starts from, listeners[i].limits overrides it key by key', () => {
  const shorthand = loadOk({ file: writeConfig(`listen: { port: 0, limits: { maxHeaderBytes: 8k, headerTimeout: 2s } }\n${pool}\n`) });
  assert.deepEqual(shorthand.listeners[0]!.limits, { maxHeaderBytes: 8192, headerTimeoutMs: 2000 });
  assert.deepEqual(shorthand.listen.limits, { maxHeaderBytes: 8192, headerTimeoutMs: 2000 });

  const named = loadOk({
    file: writeConfig(
      [
        'listen: { limits: { maxBodyBytes: 1m, maxUrlBytes: 2k } }',
        'listeners:',
        '  - { name: web, port: 0 }',
        '  - { name: upload, port: 0, limits: { maxBodyBytes: 100m, bodyTimeout: 1m, headerTimeout: 3s } }',
        pool,
      ].join('\n'),
    ),
  });
  assert.deepEqual(
    named.listeners.map((l) => l.limits),
    [
      { maxBodyBytes: 1024 * 1024, maxUrlBytes: 2048 },
      { maxBodyBytes: 100 * 1024 * 1024, maxUrlBytes: 2048, bodyTimeoutMs: 60_000, headerTimeoutMs: 3000 },
    ],
  );
  assert.deepEqual(loadOk({ file: writeConfig(`${pool}\n`) }).listeners[0]!.limits, {}, 'none by default');
});

test('listener limits: bad values and unknown keys at their path; requestHeaderTimeout and limits.headerTimeout are one setting', () => {
  assert.deepEqual(loadErrors({ file: writeConfig(`listen: { limits: {} }\n${pool}\n`) }), [`listen.limits: empty: limits sets at least one of ${LISTENER_KEYS}`]);
  assert.deepEqual(loadErrors({ file: writeConfig(`listen: { limits: { headerTimeout: 0 } }\n${pool}\n`) }), ['listen.limits.headerTimeout: 0 is too short (expected at least 1ms)']);
  assert.deepEqual(
    loadErrors({ file: writeConfig(`listeners: [{ name: web, port: 0, limits: { maxBodyByte: 1m, maxUrlBytes: 0 } }]\n${pool}\n`) }),
    [
      'listeners[0].limits.maxUrlBytes: 0 is too small (expected at least 1 byte; leave maxUrlBytes out for no limit)',
      `listeners[0].limits.maxBodyByte: unknown key in limits (did you mean "maxBodyBytes"? accepted: ${LISTENER_KEYS})`,
    ],
  );
  assert.deepEqual(loadErrors({ file: writeConfig(`listen: { requestHeaderTimeout: 5s, limits: { headerTimeout: 2s } }\n${pool}\n`) }), [
    'listen.limits.headerTimeout: listen.requestHeaderTimeout sets the same timeout; keep one of the two',
  ]);
  assert.deepEqual(loadErrors({ file: writeConfig(`listeners: [{ name: web, port: 0, limits: false }]\n${pool}\n`) }), [
    `listeners[0].limits: false is not a limits block (expected an object with some of ${LISTENER_KEYS}, e.g. { maxBodyBytes: 1MiB })`,
  ]);
});
