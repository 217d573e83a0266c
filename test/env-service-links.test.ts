// Kubernetes service links (FAIRWAY_PORT=tcp://10.96.0.12:8080 from a Service
// named fairway) are not settings, and the start-up log says which settings the
// environment gave, without their values.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestBackend } from '../src/tools/test-backend.js';
import { loadErrors, loadOk } from './config-helpers.js';
import { startChildFairway } from './helpers/child-fairway.js';

interface LogLine {
  level: number;
  msg: string;
  variable?: string;
  fromEnvironment?: Record<string, string>;
}

const DEBUG = 20;
const INFO = 30;

test('fairway starts with the service links of Services named fairway and fairway-admin, logging once why it ignores them', async (t) => {
  const backend = await startTestBackend({ port: 0, name: 'a' });
  const lb = await startChildFairway([], {
    FAIRWAY_PORT: 'tcp://10.96.0.12:8080',
    FAIRWAY_ADMIN_PORT: 'tcp://10.96.0.13:8090',
    // The bare names are the real settings, reached once the links are passed over.
    PORT: '0',
    ADMIN_PORT: '0',
    HOST: '127.0.0.1',
    BACKEND_SERVERS: backend.url,
    LOG_LEVEL: 'debug',
  });
  t.after(async () => {
    await lb.stop();
    await backend.close();
  });
  assert.notEqual(lb.port, 8080, 'the OS picked the port, as PORT=0 asks');
  assert.notEqual(lb.adminPort, 8090);
  const lines = lb.lines.map((l) => JSON.parse(l) as LogLine);
  for (const variable of ['FAIRWAY_PORT', 'FAIRWAY_ADMIN_PORT']) {
    const about = lines.filter((l) => l.variable === variable);
    assert.equal(about.length, 1, `one line about ${variable}`);
    assert.equal(about[0]!.level, DEBUG);
    assert.match(about[0]!.msg, /Kubernetes service link/);
  }
  const service = lines.find((l) => l.variable === 'FAIRWAY_ADMIN_PORT')!;
  assert.match(service.msg, /Service named fairway-admin/);
});

test('the start-up log names each setting taken from the environment and its variable, never a secret value', async (t) => {
  const backend = await startTestBackend({ port: 0, name: 'a' });
  const dir = mkdtempSync(join(tmpdir(), 'fairway-env-'));
  const file = join(dir, 'fairway.yaml');
  writeFileSync(file, `listen: { host: 127.0.0.1, port: 8080 }\nadmin: { port: 0 }\nbackends: [${backend.url}]\n`);
  // A PaaS or a dev shell exports PORT, which beats the file's listen.port.
  const lb = await startChildFairway(['-c', file], { PORT: '0', FAIRWAY_ADMIN_TOKEN: 'very-secret-token-value' });
  t.after(async () => {
    await lb.stop();
    await backend.close();
    rmSync(dir, { recursive: true, force: true });
  });
  assert.notEqual(lb.port, 8080);
  const lines = lb.lines.map((l) => JSON.parse(l) as LogLine);
  const fromEnv = lines.filter((l) => l.fromEnvironment !== undefined);
  assert.equal(fromEnv.length, 1);
  assert.equal(fromEnv[0]!.level, INFO);
  assert.deepEqual(fromEnv[0]!.fromEnvironment, {
    'listen.port': 'PORT',
    'admin.token': 'FAIRWAY_ADMIN_TOKEN',
    'log.level': 'LOG_LEVEL',
  });
  assert.doesNotMatch(lb.lines.join('\n'), /very-secret-token-value/);
});

test('udp:// and sctp:// links are ignored too, and a link never hides the bare variable', () => {
  const config = loadOk({
    env: { FAIRWAY_PORT: 'udp://10.96.0.12:53', ADMIN_PORT: 'SCTP://10.96.0.14:9', PORT: '7000', BACKEND_SERVERS: 'http://h:1' },
  });
  assert.equal(config.listen.port, 7000);
  assert.equal(config.admin.port, 8090, 'the default, as ADMIN_PORT was a link (a Service named admin)');
});

test('a bare PORT holding a URL is still an error: no Service sets it', () => {
  assert.deepEqual(loadErrors({ env: { PORT: 'tcp://10.96.0.12:8080', BACKEND_SERVERS: 'http://h:1' } }), [
    'env PORT: "tcp://10.96.0.12:8080" is not a port (expected an integer from 0 to 65535; 0 lets the OS pick)',
  ]);
});
