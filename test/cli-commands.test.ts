// The command line itself: unknown commands are named (with a likely fix),
// `fairway` with only flags still starts, and the help texts show start's
// flags at the top level and every default the same way.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestBackend } from '../src/tools/test-backend.js';
import { runCli, startChildFairway } from './helpers/child-fairway.js';

test('a misspelt command is named as an unknown command, with the likely one', async () => {
  const result = await runCli(['strat']);
  assert.equal(result.code, 1);
  assert.equal(result.stderr, "error: unknown command 'strat'. Did you mean 'start'?\n(run with --help for usage)\n");
});

test('`fairway version` is an unknown command that points to --version', async () => {
  const result = await runCli(['version']);
  assert.equal(result.code, 1);
  assert.match(result.stderr, /^error: unknown command 'version'\. Did you mean '--version'\?\n/);
  assert.doesNotMatch(result.stderr, /too many arguments/);
});

test('an unknown command with no close match lists the commands', async () => {
  const result = await runCli(['frobnicate', '--port', '0']);
  assert.equal(result.code, 1);
  assert.match(result.stderr, /^error: unknown command 'frobnicate' \(commands: start, demo, backend, validate, bench, help\)\n/);
});

test('a config file given as a command suggests --config', async () => {
  const result = await runCli(['fairway.yaml']);
  assert.equal(result.code, 1);
  assert.match(result.stderr, /^error: unknown command 'fairway\.yaml'\. Did you mean '--config fairway\.yaml'\?\n/);
});

test('a stray word after start\'s options is named, not counted', async () => {
  for (const args of [['start', 'strat'], ['--port', '0', 'strat']]) {
    const result = await runCli(args);
    assert.equal(result.code, 1, args.join(' '));
    assert.match(result.stderr, /^error: unexpected argument 'strat' \(start takes only options/, args.join(' '));
  }
});

test('fairway with only flags still runs start, the default command', async (t) => {
  const backend = await startTestBackend({ port: 0, name: 'a' });
  const lb = await startChildFairway(['--host', '127.0.0.1', '--port', '0', '--admin-port', '0', '-b', backend.url]);
  t.after(async () => {
    await lb.stop();
    await backend.close();
  });
  const res = await fetch(`${lb.url}/`);
  assert.equal(res.headers.get('x-backend'), 'a');
  await res.arrayBuffer();
});

test('fairway --help shows the options of start', async () => {
  const result = await runCli(['--help']);
  assert.equal(result.code, 0);
  assert.match(result.stdout, /\nOptions of start, the default command \(fairway \[start\] \[options\]\):\n/);
  for (const flag of ['--config <file>', '--host <host>', '--port <port>', '--interval <duration>', '--algorithm <name>', '--backend <url>', '--admin-host <host>', '--admin-port <port>', '--log-level <level>', '--log-format <format>', '--watch']) {
    assert.ok(result.stdout.includes(flag), `${flag} in the top-level help`);
  }
  assert.match(result.stdout, /-p, --port <port> +port to listen on \(default: 8080\)/);
});

test('every help text shows defaults one way: "(default: VALUE)", unquoted', async () => {
  const texts = await Promise.all(
    [['--help'], ['start', '--help'], ['demo', '--help'], ['backend', '--help'], ['bench', '--help'], ['validate', '--help']].map(async (args) => {
      const result = await runCli(args);
      assert.equal(result.code, 0, args.join(' '));
      return result.stdout;
    }),
  );
  const all = texts.join('\n').replace(/\n +/g, ' ');
  const defaults = all.match(/\(default[^)]*\)?/g) ?? [];
  assert.ok(defaults.length >= 10, `found ${defaults.length} defaults`);
  for (const shown of defaults) assert.match(shown, /^\(default: [^"\s]/, shown);
  assert.match(all, /--admin-port <port> +admin listener port \(default: 8090\)/);
  assert.match(all, /--backend-ports <ports> +comma-separated ports, one test backend per port \(default: 9001,9002,9003\)/);
  assert.match(all, /--name <name> +server name in answers and x-backend \(default: backend-<port>, env: SERVER_ID\)/);
});
