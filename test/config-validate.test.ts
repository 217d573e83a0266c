// `fairway validate FILE` through commander, in-process and as a real process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError } from 'commander';
import { registerValidateCommand } from '../src/cli/validate-command.js';
import { writeConfig } from './config-helpers.js';
import { ALGORITHMS } from '../src/config/types.js';

/** Runs `fairway validate ...args` in-process; returns the exit code and both streams. */
async function runValidate(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const program = new Command('fairway')
    .exitOverride()
    .configureOutput({ writeOut: (s) => (out += s), writeErr: (s) => (err += s) });
  registerValidateCommand(program);
  try {
    await program.parseAsync(['node', 'fairway', 'validate', ...args]);
    return { code: 0, out, err };
  } catch (e) {
    if (!(e instanceof CommanderError)) throw e;
    return { code: e.exitCode, out, err };
  }
}

test('validate prints OK and a summary for a good file', async () => {
  const file = writeConfig('backends: [http://127.0.0.1:9001, http://127.0.0.1:9002]\nlisten: { port: 8081 }\n');
  const result = await runValidate([file]);
  assert.equal(result.code, 0);
  assert.equal(
    result.out,
    `${file}: OK\n  1 pool (default: 2 backends, round-robin), 1 route; proxy on 0.0.0.0:8081, admin on 127.0.0.1:8090\n`,
  );
  assert.equal(result.err, '');
});

test('validate prints every problem to stderr and exits 1', async () => {
  const file = writeConfig('backends:\n  - http://ok:1\n  - localhost:80\nalgorithm: fastest\nlisten: { prot: 1 }\n');
  const result = await runValidate([file]);
  assert.equal(result.code, 1);
  assert.equal(result.out, '');
  assert.equal(
    result.err,
    [
      `${file}: 3 problems`,
      'listen.prot: unknown key in listen (did you mean "port"? accepted: host, port, requestHeaderTimeout, keepAliveTimeout, abortOnClientClose, middlewares, limits)',
      'backends[1].url: "localhost:80" is not an http(s) URL (expected http://host:port or https://host:port)',
      `algorithm: "fastest" is not a known algorithm (accepted: ${ALGORITHMS.join(', ')})`,
      '',
    ].join('\n'),
  );
});

test('validate as a real process: exit codes and no stack trace', () => {
  const root = fileURLToPath(new URL('../../', import.meta.url));
  const entry = new URL('../src/cli/validate-command.js', import.meta.url).href;
  // A tiny stand-in for the fairway binary, run from the repo so `commander` resolves.
  const script = `import { Command } from 'commander';
import { registerValidateCommand } from ${JSON.stringify(entry)};
const program = new Command('fairway');
registerValidateCommand(program);
await program.parseAsync(process.argv.slice(1), { from: 'user' });`;
  const run = (file: string) =>
    spawnSync(process.execPath, ['--input-type=module', '-e', script, 'validate', file], {
      cwd: root,
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '' },
    });

  const good = run(writeConfig('[{"id": "a", "host": "127.0.0.1", "port": 9001}]', 'json'));
  assert.equal(good.status, 0, good.stderr);
  assert.match(good.stdout, /: OK\n {2}1 pool \(default: 1 backend, round-robin\)/);

  const bad = run(writeConfig('pools:\n  - { name: web, backends: [{ id: s1, url: http://h:1, weight: -1 }] }\nroutes: [{ pool: nope }]\n'));
  assert.equal(bad.status, 1);
  assert.equal(bad.stdout, '');
  assert.match(bad.stderr, /: 2 problems\n/);
  assert.match(bad.stderr, /^pools\[0\]\.backends\[0\]\.weight: -1 is not a valid weight \(expected an integer from 0 to 1000\)$/m);
  assert.match(bad.stderr, /^routes\[0\]\.pool: pool "nope" is not defined \(defined pools: web\)$/m);
  assert.doesNotMatch(bad.stderr, /\n\s+at /, 'no stack trace');

  const missing = run('/definitely/not/here.yaml');
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /\/definitely\/not\/here\.yaml: cannot read the config file \(no such file\)/);
});
