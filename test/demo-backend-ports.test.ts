// `fairway demo --backend-ports`: one backend per port given (three by
// default, as the help says), and a list that cannot work is refused with a
// message naming the bad entry and what is accepted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli, startChildFairway } from './helpers/child-fairway.js';
import { freePorts } from './helpers/fixtures.js';
import { parseBackendPorts } from '../src/cli/demo-command.js';

test('demo --backend-ports: one backend per port, in order', () => {
  assert.deepEqual(parseBackendPorts('9001,9002,9003'), [9001, 9002, 9003]);
  assert.deepEqual(parseBackendPorts(' 9101 , 9102 '), [9101, 9102]);
  assert.deepEqual(parseBackendPorts('1,65535'), [1, 65535]);
});

test('demo --backend-ports: out-of-range, non-numeric, empty and duplicate entries are refused by name', () => {
  assert.throws(() => parseBackendPorts('0,9002'), /--backend-ports: "0" is not a port \(expected distinct ports 1-65535/);
  assert.throws(() => parseBackendPorts('9001,65536'), /"65536" is not a port/);
  assert.throws(() => parseBackendPorts('9001,abc'), /"abc" is not a port/);
  assert.throws(() => parseBackendPorts('9001,1e3'), /"1e3" is not a port/);
  assert.throws(() => parseBackendPorts('9001,,9003'), /"9001,,9003" has an empty entry/);
  assert.throws(() => parseBackendPorts(''), /has an empty entry/);
  assert.throws(() => parseBackendPorts('9001,9002,9001'), /--backend-ports: 9001 is given twice/);
});

test('demo --backend-ports with a duplicate: exits 1 with the message, starts nothing', async () => {
  const run = await runCli(['demo', '--port', '0', '--https-port', '0', '--admin-port', '0', '--backend-ports', '9001,9001']);
  assert.equal(run.code, 1);
  assert.match(run.stderr, /^fairway demo: --backend-ports: 9001 is given twice/);
  assert.equal(run.stdout, '');
});

test('demo help: says one backend per port and three by default', async () => {
  const run = await runCli(['demo', '--help']);
  assert.equal(run.code, 0);
  // Commander wraps lines to the terminal's width.
  const help = run.stdout.replace(/\s+/g, ' ');
  assert.match(help, /test backends \(three by default\)/);
  assert.match(help, /--backend-ports <ports> comma-separated ports, one test backend per port \(default: 9001,9002,9003\)/);
});

test('demo --backend-ports with two ports: two backends in the pool and the banner', async (t) => {
  const ports = await freePorts(2);
  const demo = await startChildFairway(['demo', '--port', '0', '--https-port', '0', '--admin-port', '0', '--backend-ports', ports.join(','), '--log-format', 'json']);
  t.after(() => demo.stop('SIGINT'));
  const listening = JSON.parse(demo.lines.find((l) => l.includes('fairway listening'))!) as { pools: { backends: string[] }[] };
  assert.deepEqual(listening.pools[0]!.backends, ports.map((p) => `http://127.0.0.1:${p}`));
});
