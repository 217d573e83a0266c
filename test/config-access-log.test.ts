// accessLog in the config file: defaults, values, and the problems for bad input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '../src/config/load.js';
import { loadErrors, loadOk, writeConfig } from './config-helpers.js';

test('the access log is off by default: json, every request, to stdout', () => {
  const config = loadOk({ file: writeConfig('backends: [http://h:1]\n') });
  assert.deepEqual(config.accessLog, { enabled: false, format: 'json', sample: 1 });
});

test('accessLog keys are read from the file; a config without a file gets the defaults too', () => {
  const file = writeConfig(`
backends: [http://h:1]
accessLog: { enabled: true, format: combined, sample: 0.25, path: /var/log/fairway/access.log }
`);
  assert.deepEqual(loadOk({ file }).accessLog, {
    enabled: true,
    format: 'combined',
    sample: 0.25,
    path: '/var/log/fairway/access.log',
  });
  assert.deepEqual(loadOk({ flags: { backend: ['http://h:1'] } }).accessLog, { enabled: false, format: 'json', sample: 1 });
});

test('format is case-insensitive and sample may be a numeric string (from ${VAR})', () => {
  const file = writeConfig('backends: [http://h:1]\naccessLog: { enabled: "true", format: JSON, sample: "${RATE}" }\n');
  assert.deepEqual(loadOk({ file, env: { RATE: '0.5' } }).accessLog, { enabled: true, format: 'json', sample: 0.5 });
});

test('bad accessLog values name the field and what is accepted', () => {
  const file = writeConfig(`
backends: [http://h:1]
accessLog: { enabled: yes, format: common, sample: 1.5, path: "" }
`);
  assert.deepEqual(loadErrors({ file }), [
    'accessLog.enabled: "yes" is not a boolean (expected true or false)',
    'accessLog.format: "common" is not a known access log format (accepted: json, combined)',
    'accessLog.sample: 1.5 is not a sample rate (expected a number from 0 to 1, e.g. 0.1 to log one request in ten)',
    'accessLog.path: "" is not a file path (expected a file name, e.g. /var/log/fairway/access.log)',
  ]);
});

test('a negative sample and an unknown key are reported with a likely fix', () => {
  const file = writeConfig('backends: [http://h:1]\naccessLog: { sample: -0.1, file: /tmp/a.log }\n');
  assert.deepEqual(loadErrors({ file }), [
    'accessLog.sample: -0.1 is not a sample rate (expected a number from 0 to 1, e.g. 0.1 to log one request in ten)',
    'accessLog.file: unknown key in accessLog (accepted: enabled, format, sample, path)',
  ]);
});

test('an enabled access log with sample 0 loads with a warning', () => {
  const result = loadConfig({ env: {}, file: writeConfig('backends: [http://h:1]\naccessLog: { enabled: true, sample: 0 }\n') });
  assert.equal(result.ok, true);
  assert.deepEqual(result.warnings, [
    'accessLog.sample: 0 logs no request although accessLog.enabled is true (expected a share above 0, e.g. 0.1)',
  ]);
});
