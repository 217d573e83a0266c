// rediss://: the connection speaks TLS and checks the server's certificate
// against the CAs Node trusts — the system's, plus NODE_EXTRA_CA_CERTS —
// so a server whose CA is not trusted is refused, and one whose CA is added
// that way is used.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { rmSync } from 'node:fs';
import { RedisConnection } from '../src/state/redis-connection.js';
import { RedisServer } from './helpers/redis-server.js';
import { TestCertificates, skipWithoutOpenssl } from './helpers/test-certificates.js';

const CONNECTION_MODULE = fileURLToPath(new URL('../src/state/redis-connection.js', import.meta.url));

test('a rediss connection checks the certificate: refused with an unknown CA, used once NODE_EXTRA_CA_CERTS adds it', { skip: skipWithoutOpenssl }, async (t) => {
  const certs = new TestCertificates();
  t.after(() => rmSync(certs.dir, { recursive: true, force: true }));
  const pair = certs.server('redis', ['localhost']);
  const server = await RedisServer.start([], { ...pair, ca: certs.ca.cert });
  t.after(() => server.stop());

  const reasons: string[] = [];
  const untrusted = new RedisConnection({ host: 'localhost', port: server.port, tls: true, db: 0, commandTimeoutMs: 500, connectTimeoutMs: 1_000, onStateChange: (_s, reason) => reasons.push(reason ?? '') });
  t.after(() => untrusted.close());
  const deadline = Date.now() + 5_000;
  while (reasons.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  assert.match(reasons[0] ?? '', /certificate/);
  assert.notEqual(untrusted.state, 'connected');

  // The CA is read at process start, so the trusting client is a child process.
  const script = `
    import { RedisConnection } from ${JSON.stringify(CONNECTION_MODULE)};
    const c = new RedisConnection({ host: 'localhost', port: ${server.port}, tls: true, db: 0, commandTimeoutMs: 500, connectTimeoutMs: 1000 });
    const deadline = Date.now() + 5000;
    while (c.state !== 'connected' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    console.log(await c.command(['PING']).catch((e) => e.message));
    await c.close();`;
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { env: { ...process.env, NODE_EXTRA_CA_CERTS: certs.ca.cert }, encoding: 'utf8', timeout: 15_000 });
  assert.equal(child.stdout.trim(), 'PONG', child.stderr);
});
