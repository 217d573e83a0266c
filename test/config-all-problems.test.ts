// `fairway validate` prints every problem in one pass: the checks across
// settings run alongside the field errors, a problem is reported at its root
// and not again as its consequences, and syntax errors carry line and column.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Command, CommanderError } from 'commander';
import { registerValidateCommand } from '../src/cli/validate-command.js';
import { loadErrors, writeConfig } from './config-helpers.js';
import { runCli } from './helpers/child-fairway.js';

/** Runs `fairway validate FILE` in-process with the usage hint the real binary has. */
async function validate(file: string): Promise<{ code: number; err: string }> {
  let err = '';
  const program = new Command('fairway')
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeOut: () => undefined, writeErr: (s) => (err += s) });
  registerValidateCommand(program);
  try {
    await program.parseAsync(['node', 'fairway', 'validate', file]);
    return { code: 0, err };
  } catch (e) {
    if (!(e instanceof CommanderError)) throw e;
    return { code: e.exitCode, err };
  }
}

test('cross-field checks are reported together with schema errors', async () => {
  const file = writeConfig(
    [
      'listen: { port: 8090 }',
      'algorithm: fastest',
      'pools:',
      '  - name: web',
      '    backends: [http://127.0.0.1:9001, nope]',
      '    sticky: { sameSite: None }',
      '    healthCheck: { interval: 1s, timeout: 5s }',
      '',
    ].join('\n'),
  );
  const result = await validate(file);
  assert.equal(result.code, 1);
  const lines = result.err.split('\n');
  assert.ok(lines.includes('warning: pools[0]: pool "web" health-check timeout (5s) is longer than its interval (1s)'), result.err);
  assert.ok(lines.includes(`${file}: 4 problems`), result.err);
  assert.ok(lines.some((l) => l.startsWith('algorithm: "fastest" is not a known algorithm')));
  assert.ok(lines.includes('pools[0].backends[1].url: "nope" is not an http(s) URL (expected http://host:port or https://host:port)'));
  assert.ok(lines.some((l) => l.startsWith('pools[0].sticky.sameSite: None requires secure: true')));
  assert.ok(lines.includes("admin.port: 8090 is also the proxy's listen.port (expected a different port, or admin.enabled: false)"));
});

test('a cross-field check is skipped while a setting it compares is invalid', () => {
  // With listen.port invalid, the default 8080 would stand in and "collide" with admin.port.
  const file = writeConfig('listen: { port: 99999 }\nadmin: { port: 8080 }\nbackends: [http://h:1]\nsticky: { secure: maybe, sameSite: None }\n');
  assert.deepEqual(loadErrors({ file }), [
    'listen.port: 99999 is not a port (expected an integer from 0 to 65535; 0 lets the OS pick)',
    'sticky.secure: "maybe" is not a boolean (expected true or false)',
  ]);
});

test('an invalid --backend is the only problem, without "no backends configured"', async () => {
  const result = await runCli(['-b', '127.0.0.1:18081', '--port', '0', '--admin-port', '0']);
  assert.equal(result.code, 1);
  assert.equal(
    result.stderr,
    'fairway: the configuration has 1 problem(s):\n--backend: "127.0.0.1:18081" is not an http(s) URL (expected http://host:port or https://host:port)\n',
  );
});

test('backends that are all invalid in the file give no "no backends configured" either', () => {
  const file = writeConfig('backends: [localhost:80]\n');
  assert.deepEqual(loadErrors({ file }), ['backends[0].url: "localhost:80" is not an http(s) URL (expected http://host:port or https://host:port)']);
});

test('an unset variable is reported once, naming the variable and where it is used, without its consequences', async () => {
  // Empty, `http://127.0.0.1:` would turn into a YAML key: "unknown key in backend" and "missing url".
  const file = writeConfig('backends:\n  - http://127.0.0.1:${NOPE_PORT}\n  - { host: 127.0.0.1, port: ${NOPE_PORT2} }\n');
  const result = await validate(file);
  assert.equal(
    result.err,
    [
      `${file}: 2 problems`,
      `${file}:2:22: environment variable NOPE_PORT is not set (used in backends[0]; set it, or give a default with \${NOPE_PORT:-value})`,
      `${file}:3:30: environment variable NOPE_PORT2 is not set (used in backends[1].port; set it, or give a default with \${NOPE_PORT2:-value})`,
      '',
    ].join('\n'),
  );
});

test('an unset variable in JSON, inside or outside a string, is the only problem', () => {
  const file = writeConfig('{\n  "listen": { "port": ${NOPE_A} },\n  "backends": ["http://h:${NOPE_B}"]\n}\n', 'json');
  assert.deepEqual(loadErrors({ file }), [
    `${file}:2:23: environment variable NOPE_A is not set (used in listen.port; set it, or give a default with \${NOPE_A:-value})`,
    `${file}:3:26: environment variable NOPE_B is not set (used in backends[0]; set it, or give a default with \${NOPE_B:-value})`,
  ]);
});

test('an unset variable in a YAML comment is no problem', () => {
  const file = writeConfig('backends: [http://h:1]\n# listen: { port: ${NOT_USED} }\n');
  assert.deepEqual(loadErrors({ file, flags: { port: 'x' } }), [
    '--port: "x" is not a port (expected an integer from 0 to 65535; 0 lets the OS pick)',
  ]);
});

test('malformed JSON is reported with line and column', () => {
  const cases: [string, string][] = [
    ['{\n  "backends": ["http://h:1"]\n  "listen": {}\n}\n', `:3:3: invalid JSON: unexpected '"' (expected ',' or '}' after a property value)`],
    ['{\n  "backends": ["http://h:1",]\n}\n', `:2:29: invalid JSON: a trailing comma before ']' (JSON allows none)`],
    ['{\n  "listen": { "port": 1 }', ":2:26: invalid JSON: unexpected the end of the file (expected ',' or '}' after a property value)"],
    ["{ 'backends': [] }", ':1:3: invalid JSON: unexpected \'\'\' (expected a property name in double quotes)'],
    ['{ "a": "x\ny" }', ':1:8: invalid JSON: unterminated string (expected a closing \'"\')'],
    ['{ "a": tru }', ':1:8: invalid JSON: unexpected \'t\' (expected a value: an object, a list, a "string", a number, true, false or null)'],
    ['{} {}', ":1:4: invalid JSON: unexpected '{' (expected the end of the file after the value)"],
  ];
  for (const [text, expected] of cases) {
    const file = writeConfig(text, 'json');
    assert.deepEqual(loadErrors({ file }), [`${file}${expected}`], JSON.stringify(text));
  }
});

test('a YAML alias without its anchor is reported with line and column', () => {
  const file = writeConfig('backends: [http://h:1]\nlisten: { port: *nope }\n');
  assert.deepEqual(loadErrors({ file }), [
    `${file}:2:17: invalid YAML: Unresolved alias (the anchor must be set before the alias): nope`,
  ]);
});

test('config-file problems get no "(run with --help for usage)", command-line usage errors do', async () => {
  const file = writeConfig('algorithm: fastest\nbackends: [http://h:1]\n');
  const bad = await runCli(['validate', file]);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /algorithm: "fastest" is not a known algorithm/);
  assert.doesNotMatch(bad.stderr, /--help/);

  const usage = await runCli(['validate']);
  assert.equal(usage.code, 1);
  assert.match(usage.stderr, /missing required argument 'file'\n\(run with --help for usage\)\n$/);
});

test('a check reads only the keys it compares: a bad neighbour key does not hide it', () => {
  const file = writeConfig('backends: [http://h:1]\noutlierDetection: { baseEjectionTime: 10m, maxEjectionTime: 1m, consecutive5xx: -1 }\n');
  assert.deepEqual(loadErrors({ file }), [
    'outlierDetection.consecutive5xx: -1 is not a valid failure count (expected an integer from 0 to 1000)',
    'outlierDetection.baseEjectionTime: 10m is longer than maxEjectionTime 1m (an ejection lasts baseEjectionTime × times ejected, capped at maxEjectionTime; lower baseEjectionTime or raise maxEjectionTime)',
  ]);
});

test('a pool named by an unset variable gives no "pool is not defined" for the route that names it', () => {
  const file = writeConfig('pools:\n  - name: ${POOL_NAME}\n    backends: [http://h:1]\nroutes: [{ pool: web }]\n');
  assert.deepEqual(loadErrors({ file }), [
    `${file}:2:11: environment variable POOL_NAME is not set (used in pools[0].name; set it, or give a default with \${POOL_NAME:-value})`,
  ]);
});
