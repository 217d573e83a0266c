// Certificates change without a restart and without a dropped connection:
// files replaced on disk are picked up within seconds, POST /api/reload and
// SIGHUP re-read them; a broken pair keeps the one in use and says why.
// Every certificate's expiry shows in /lb/stats and /metrics, and an expired
// one is warned about.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { copyFileSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { join } from 'node:path';
import { startChildFairway } from './helpers/child-fairway.js';
import { waitFor } from './helpers/fixtures.js';
import type { RawBackend } from './helpers/raw-backend.js';
import { TestCertificates, skipWithoutOpenssl, type Pair } from './helpers/test-certificates.js';
import { handshake, headerEchoBackend, startRig } from './helpers/tls-rig.js';

const skip = skipWithoutOpenssl;
let certs: TestCertificates;
let backend: RawBackend;
let first: Pair;
let renewed: Pair;
let expired: Pair;

before(async () => {
  if (skip) return;
  certs = new TestCertificates();
  first = certs.server('first', ['a.example.com']);
  renewed = certs.server('renewed', ['renewed.example.com', 'a.example.com']);
  expired = certs.server('expired', ['old.example.com'], -1);
  backend = await headerEchoBackend();
});

after(async () => {
  if (skip) return;
  await backend.close();
  certs.remove();
});

/** Replaces `to` with a copy of `from` the way certbot and editors do: a new file renamed over it. */
function replace(from: string, to: string): void {
  copyFileSync(from, `${to}.tmp`);
  renameSync(`${to}.tmp`, to);
}

function config(certificates: string, extra = ''): string {
  return [
    'admin: { port: 0 }',
    'listeners:',
    '  - name: websecure',
    '    host: 127.0.0.1',
    '    port: 0',
    `    tls: { certificates: [${certificates}] }`,
    'pools:',
    `  - { name: app, backends: [{ url: ${backend.url} }], healthCheck: { enabled: false } }`,
    'routes:',
    '  - { pathPrefix: /, pool: app }',
    extra,
  ].join('\n');
}

interface KeptAnswer {
  status: number;
  reusedSocket: boolean;
  socket: unknown;
}

/** A request on a keep-alive agent: its status, and the connection it went over. */
function keptRequest(agent: Agent, port: number): Promise<KeptAnswer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/', agent, servername: 'a.example.com', timeout: 5_000 }, (res) => {
      const socket = res.socket;
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, reusedSocket: req.reusedSocket, socket }));
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end();
  });
}

const cnOf = async (port: number) => (await handshake(port, { servername: 'a.example.com' })).cn;

test('certificate files replaced on disk: new connections get the new one within seconds, an open keep-alive connection goes on; a broken pair keeps it and logs why', { skip }, async (t) => {
  const live = { cert: join(certs.dir, 'live.pem'), key: join(certs.dir, 'live.key') };
  copyFileSync(first.cert, live.cert);
  copyFileSync(first.key, live.key);
  const rig = await startRig(certs.dir, config(`{ name: live, cert: ${live.cert}, key: ${live.key} }`, 'listen: { keepAliveTimeout: 60s }'), 'watch.yaml');
  const agent = new Agent({ keepAlive: true, maxSockets: 1, rejectUnauthorized: false });
  t.after(async () => {
    agent.destroy();
    await rig.close();
  });
  const port = rig.ports['websecure']!;
  const before = await keptRequest(agent, port);
  assert.equal(before.status, 200);
  assert.equal(before.reusedSocket, false);
  // The session of the old certificate, to resume after the swap.
  const session = (await handshake(port, { servername: 'a.example.com', maxVersion: 'TLSv1.2' })).session;

  replace(renewed.key, live.key);
  replace(renewed.cert, live.cert);
  await waitFor('new connections to get the renewed certificate', async () => (await cnOf(port)) === 'renewed.example.com', 5_000, 100);
  assert.ok(rig.logs.some((l) => l['msg'] === 'certificates reloaded from disk' && l['listener'] === 'websecure'));

  const during = await keptRequest(agent, port);
  assert.equal(during.status, 200, 'the open connection, made with the old certificate, still works');
  assert.equal(during.reusedSocket, true);
  assert.equal(during.socket, before.socket);
  const resumed = await handshake(port, { servername: 'a.example.com', maxVersion: 'TLSv1.2', session });
  assert.equal(resumed.reused, true, 'the ticket key outlives the swap');

  // A key that does not belong to the certificate: refused, the renewed pair stays.
  replace(first.key, live.key);
  await waitFor(
    'the log to say why the files cannot be used',
    () => rig.logs.find((l) => l['msg'] === 'certificate files changed but cannot be used; keeping the certificates in use'),
    8_000,
    100,
  );
  const failure = rig.logs.find((l) => l['msg'] === 'certificate files changed but cannot be used; keeping the certificates in use')!;
  assert.match(String(failure['problem']), /^listeners\[0\]\.tls\.certificates\[0\]\.key: the key in .*live\.key does not belong to the certificate in .*live\.pem$/);
  assert.equal(await cnOf(port), 'renewed.example.com');
  const still = await keptRequest(agent, port);
  assert.equal(still.status, 200);
  assert.equal(still.socket, before.socket);
});

test('POST /api/reload re-reads the certificates: a broken pair rejects the reload with its path and changes nothing; a good one is swapped in', { skip }, async (t) => {
  const rig = await startRig(certs.dir, config(`{ cert: ${first.cert}, key: ${first.key} }`), 'api.yaml');
  t.after(() => rig.close());
  const port = rig.ports['websecure']!;
  const reload = async () => {
    const res = await fetch(`${rig.adminUrl}/api/reload`, { method: 'POST' });
    return { status: res.status, body: (await res.json()) as { problems?: { path: string; message: string }[]; changes?: string[] } };
  };

  writeFileSync(rig.file, config(`{ cert: ${renewed.cert}, key: ${first.key} }`));
  const rejected = await reload();
  assert.equal(rejected.status, 400);
  assert.equal(rejected.body.problems?.[0]?.path, 'listeners[0].tls.certificates[0].key');
  assert.match(rejected.body.problems?.[0]?.message ?? '', /does not belong to the certificate/);
  assert.equal(await cnOf(port), 'a.example.com', 'the running certificate stays');

  writeFileSync(rig.file, config(`{ cert: ${join(certs.dir, 'missing.pem')}, key: ${first.key} }`));
  const missing = await reload();
  assert.equal(missing.body.problems?.[0]?.path, 'listeners[0].tls.certificates[0].cert');
  assert.match(missing.body.problems?.[0]?.message ?? '', /cannot read the certificate file .*missing\.pem \(no such file\)/);

  writeFileSync(rig.file, config(`{ cert: ${renewed.cert}, key: ${renewed.key} }`));
  const applied = await reload();
  assert.equal(applied.status, 200);
  assert.ok(applied.body.changes?.includes('listener websecure: TLS settings or certificates changed'), JSON.stringify(applied.body));
  assert.equal(await cnOf(port), 'renewed.example.com');
});

test('/lb/stats and /metrics show each certificate and its expiry; an expired one is warned about', { skip }, async (t) => {
  const rig = await startRig(certs.dir, config(`{ cert: ${first.cert}, key: ${first.key} }, { name: old, cert: ${expired.cert}, key: ${expired.key} }`), 'expiry.yaml');
  t.after(() => rig.close());
  const notAfter = (file: string) => new Date(new X509Certificate(readFileSync(file)).validTo);

  const warning = rig.logs.find((l) => l['level'] === 40 && String(l['msg']).includes('expired on'));
  assert.ok(warning, 'a warning for the expired certificate');
  assert.equal(warning['certificate'], 'old');

  const stats = (await (await fetch(`${rig.adminUrl}/lb/stats`)).json()) as { listeners: { name: string; secure: boolean; port: number; tls?: { certificates: unknown[] } }[] };
  const listener = stats.listeners[0]!;
  assert.equal(listener.name, 'websecure');
  assert.equal(listener.secure, true);
  assert.equal(listener.port, rig.ports['websecure']);
  assert.deepEqual(listener.tls?.certificates, [
    { name: 'a.example.com', subjectNames: ['a.example.com'], notBefore: new Date(new X509Certificate(readFileSync(first.cert)).validFrom).toISOString(), notAfter: notAfter(first.cert).toISOString(), expired: false, default: true },
    { name: 'old', subjectNames: ['old.example.com'], notBefore: new Date(new X509Certificate(readFileSync(expired.cert)).validFrom).toISOString(), notAfter: notAfter(expired.cert).toISOString(), expired: true, default: false },
  ]);

  const metrics = await (await fetch(`${rig.adminUrl}/metrics`)).text();
  const seconds = (file: string) => Math.floor(notAfter(file).getTime() / 1000);
  assert.ok(metrics.includes(`fairway_tls_certificate_expiry_timestamp_seconds{listener="websecure",name="a.example.com"} ${seconds(first.cert)}`), metrics);
  assert.ok(metrics.includes(`fairway_tls_certificate_expiry_timestamp_seconds{listener="websecure",name="old"} ${seconds(expired.cert)}`));
});

test('the quick start: --tls-cert, --tls-key and --https-port add websecure beside web; SIGHUP re-reads the certificate', { skip }, async (t) => {
  const live = { cert: join(certs.dir, 'quick.pem'), key: join(certs.dir, 'quick.key') };
  copyFileSync(first.cert, live.cert);
  copyFileSync(first.key, live.key);
  const lb = await startChildFairway(['--port', '0', '--https-port', '0', '--tls-cert', live.cert, '--tls-key', live.key, '--backend', backend.url, '--admin-port', '0']);
  t.after(() => lb.stop());
  const started = JSON.parse(lb.lines.find((l) => l.includes('fairway listening'))!) as { listeners: Record<string, string> };
  assert.deepEqual(Object.keys(started.listeners), ['web', 'websecure']);
  assert.match(started.listeners['web']!, /^http:\/\//);
  const port = Number(/^https:\/\/.*:(\d+)$/.exec(started.listeners['websecure']!)![1]);
  assert.equal(await cnOf(port), 'a.example.com');
  const answer = await new Promise<string>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/', servername: 'a.example.com', ca: readFileSync(certs.ca.cert), agent: false }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve(body));
    });
    req.on('error', reject);
    req.end();
  });
  assert.equal((JSON.parse(answer) as Record<string, string>)['x-forwarded-proto'], 'https');

  // Written in place (no rename), as `cp` does: the watcher may pick it up as well; SIGHUP surely does.
  writeFileSync(live.key, readFileSync(renewed.key));
  writeFileSync(live.cert, readFileSync(renewed.cert));
  lb.child.kill('SIGHUP');
  await waitFor('the renewed certificate after SIGHUP', async () => (await cnOf(port)) === 'renewed.example.com', 5_000, 100);
});
