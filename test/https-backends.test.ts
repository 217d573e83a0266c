// https:// backends: requests reach them over TLS, verified against the
// default CAs plus the pool's tls.ca, by the backend's host name (or
// tls.servername); keep-alive connections and TLS session resumption work; a
// certificate that fails verification is a 502 `upstream_tls`, not retried;
// an optional client certificate; health checks verify alike; and the files
// are checked when the config loads. The certificates are made for the test
// with the openssl CLI.
import { after, before, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type ServerOptions } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { pino } from 'pino';
import { loadConfig } from '../src/config/load.js';
import type { FairwayConfig } from '../src/config/types.js';
import { createFairway, type FairwayOptions } from '../src/index.js';
import { createSecureContext } from 'node:tls';
import { CertificateRejected } from '../src/upstream/http1/index.js';
import { startChildFairway } from './helpers/child-fairway.js';
import { get, silentLogger, testClient, waitFor } from './helpers/fixtures.js';
import { send, sendExpectingError, testPool } from './helpers/http1.js';

let dir = '';
/** Paths of the test PKI's files. */
const pki = { ca: '', caKey: '', otherCa: '', serverCert: '', serverKey: '', clientCert: '', clientKey: '' };

function openssl(...args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'], timeout: 30_000 });
}

/** A P-256 key and a certificate signed by the test CA with the given extensions. */
function issue(name: string, subject: string, extensions: string): void {
  writeFileSync(join(dir, `${name}.ext`), extensions);
  openssl('req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject);
  openssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2', '-out', `${name}.pem`, '-extfile', `${name}.ext`);
}

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'fairway-https-backends-'));
  const ca = ['-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'];
  for (const name of ['ca', 'other-ca']) {
    openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.pem`, '-days', '2', '-subj', `/CN=fairway test ${name}`, ...ca);
  }
  issue('server', '/CN=localhost', 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  issue('client', '/CN=fairway', 'extendedKeyUsage=clientAuth\n');
  Object.assign(pki, {
    ca: join(dir, 'ca.pem'),
    caKey: join(dir, 'ca.key'),
    otherCa: join(dir, 'other-ca.pem'),
    serverCert: join(dir, 'server.pem'),
    serverKey: join(dir, 'server.key'),
    clientCert: join(dir, 'client.pem'),
    clientKey: join(dir, 'client.key'),
  });
});

after(() => {
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});

interface HttpsBackend {
  server: Server;
  port: number;
  /** Completed TLS handshakes, and those that resumed a session. */
  handshakes: number;
  resumed: number;
  /** TCP connections accepted (handshakes that failed count here only). */
  connections: number;
  requests: number;
  /** The SNI of each handshake (false: none was sent). */
  servernames: (string | false | null)[];
}

async function httpsBackend(t: TestContext, options: ServerOptions = {}): Promise<HttpsBackend> {
  const server = createServer({ cert: readFileSync(pki.serverCert), key: readFileSync(pki.serverKey), ...options }, (req, res) => {
    backend.requests++;
    res.end(`${req.url} over TLS`);
  });
  const backend: HttpsBackend = { server, port: 0, handshakes: 0, resumed: 0, connections: 0, requests: 0, servernames: [] };
  server.on('connection', () => backend.connections++);
  server.on('secureConnection', (socket: TLSSocket) => {
    backend.handshakes++;
    if (socket.isSessionReused()) backend.resumed++;
    backend.servernames.push(socket.servername);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  backend.port = (server.address() as AddressInfo).port;
  t.after(() => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return backend;
}

/** A config file's text: one pool `web` of one backend, checks off unless `healthCheck` is given. */
function configText(url: string, tls: string | undefined, healthCheck = '{ enabled: false }'): string {
  return [
    'listen: { host: 127.0.0.1, port: 0 }',
    'admin: { enabled: false }',
    'log: { level: silent }',
    'pools:',
    '  - name: web',
    `    healthCheck: ${healthCheck}`,
    ...(tls === undefined ? [] : [`    tls: ${tls}`]),
    `    backends: [{ id: b1, url: ${JSON.stringify(url)} }]`,
  ].join('\n');
}

let files = 0;
function writeFile(text: string, ext = 'yaml'): string {
  const file = join(dir, `config-${++files}.${ext}`);
  writeFileSync(file, text);
  return file;
}

function load(text: string): { config: FairwayConfig; warnings: string[] } {
  const result = loadConfig({ file: writeFile(text), env: {} });
  if (!result.ok) throw new Error(result.errors.map((e) => `${e.path}: ${e.message}`).join('\n'));
  return { config: result.config, warnings: result.warnings };
}

function problems(text: string): string[] {
  const result = loadConfig({ file: writeFile(text), env: {} });
  assert.ok(!result.ok, 'expected the config to be refused');
  return result.errors.map((e) => `${e.path}: ${e.message}`);
}

interface Running {
  fairway: ReturnType<typeof createFairway>;
  url: string;
}

/** A fairway on port 0 for the config `text`, closed after the test. */
async function fairwayFor(t: TestContext, text: string, options: FairwayOptions = {}): Promise<Running> {
  const fairway = createFairway(load(text).config, { logger: silentLogger, ...options });
  const { proxy } = await fairway.listen();
  t.after(() => fairway.close(1_000));
  return { fairway, url: `http://127.0.0.1:${proxy.port}` };
}

const client = testClient();
after(() => client.close());

test('with tls.ca set, requests reach an https backend, and sequential requests share one TLS connection', async (t) => {
  const backend = await httpsBackend(t);
  const lb = await fairwayFor(t, configText(`https://localhost:${backend.port}`, `{ ca: ${JSON.stringify(pki.ca)} }`));
  for (let i = 0; i < 20; i++) {
    const res = await get(client, `${lb.url}/item/${i}`);
    assert.equal(res.status, 200, res.body);
    assert.equal(res.body, `/item/${i} over TLS`);
  }
  assert.equal(backend.requests, 20);
  assert.equal(backend.handshakes, 1, 'keep-alive: one handshake for all twenty requests');
  assert.equal(backend.connections, 1);
  assert.deepEqual(backend.servernames, ['localhost'], 'SNI is the host of the backend URL');
});

test('a new connection after the first one closes resumes its TLS session', async (t) => {
  const backend = await httpsBackend(t);
  const lb = await fairwayFor(t, configText(`https://localhost:${backend.port}`, `{ ca: ${JSON.stringify(pki.ca)} }`));
  assert.equal((await get(client, `${lb.url}/first`)).status, 200);
  // The backend closes its idle connection; the next request needs a new one
  // (should fairway not have seen the close yet, the idle race is retried on one).
  backend.server.closeIdleConnections();
  await new Promise((r) => setTimeout(r, 200));
  const res = await get(client, `${lb.url}/second`);
  assert.equal(res.status, 200, res.body);
  assert.equal(backend.handshakes, 2);
  assert.equal(backend.resumed, 1, 'the second handshake resumed the session of the first');
});

test('an IP literal backend gets no SNI, and the IP is checked against the certificate', async (t) => {
  const backend = await httpsBackend(t);
  const lb = await fairwayFor(t, configText(`https://127.0.0.1:${backend.port}`, `{ ca: ${JSON.stringify(pki.ca)} }`));
  const res = await get(client, `${lb.url}/by-ip`);
  assert.equal(res.status, 200, res.body);
  assert.deepEqual(backend.servernames, [false], 'RFC 6066: no IP address as SNI');
});

test('the connection pool of an https origin sends its host as SNI by default, and names why a certificate was refused', async (t) => {
  // SNI as the backend reads it, also from handshakes that fail.
  const asked: string[] = [];
  const serverContext = createSecureContext({ cert: readFileSync(pki.serverCert), key: readFileSync(pki.serverKey) });
  const backend = await httpsBackend(t, {
    SNICallback: (name, done) => {
      asked.push(name);
      done(null, serverContext);
    },
  });
  const untrusting = testPool(t, `https://localhost:${backend.port}`);
  const err = await sendExpectingError(untrusting);
  assert.ok(err instanceof CertificateRejected, `${err.name}: ${err.message}`);
  assert.equal(err.code, 'FAIRWAY_TLS_CERTIFICATE');
  assert.equal(err.reason, 'UNABLE_TO_VERIFY_LEAF_SIGNATURE');
  assert.match(err.message, /^the TLS certificate of localhost:\d+ was not accepted: UNABLE_TO_VERIFY_LEAF_SIGNATURE \(/);
  assert.equal((err as { reusedConnection?: boolean }).reusedConnection, undefined);
  assert.deepEqual(asked, ['localhost']);
  assert.deepEqual(backend.servernames, [], 'the handshake did not complete');

  const trusting = testPool(t, `https://localhost:${backend.port}`, {
    tls: { servername: 'localhost', secureContext: createSecureContext({ ca: readFileSync(pki.ca) }) },
  });
  const reply = await send(trusting, { path: '/pooled' });
  assert.equal(reply.status, 200);
  assert.equal(reply.body.toString(), '/pooled over TLS');
  assert.deepEqual(backend.servernames, ['localhost']);
});

test("without tls.ca the backend's certificate is refused: 502 upstream_tls, and the try is not repeated", async (t) => {
  const backend = await httpsBackend(t);
  const lb = await fairwayFor(t, configText(`https://localhost:${backend.port}`, undefined));
  const res = await get(client, `${lb.url}/untrusted`, { accept: 'application/json' });
  assert.equal(res.status, 502);
  const body = JSON.parse(res.body) as { error: string; message: string };
  assert.equal(body.error, 'upstream_tls');
  assert.equal(body.message, "the backend's TLS certificate could not be verified");
  assert.equal(backend.requests, 0);
  assert.equal(backend.connections, 1, 'one try: a certificate failure is not retried as a reset would be');
  assert.equal(lb.fairway.stats().totals.retries, 0);
});

test('the debug log of a refused certificate names the TLS reason', async (t) => {
  const backend = await httpsBackend(t);
  const lines: string[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => lines.push(line) });
  const lb = await fairwayFor(t, configText(`https://localhost:${backend.port}`, `{ ca: ${JSON.stringify(pki.otherCa)} }`), { logger });
  assert.equal((await get(client, `${lb.url}/`)).status, 502);
  const failed = lines.map((l) => JSON.parse(l) as { msg: string; kind?: string; err?: string }).find((l) => l.msg === 'upstream try failed');
  assert.equal(failed?.kind, 'upstream_tls');
  assert.match(failed?.err ?? '', /UNABLE_TO_VERIFY_LEAF_SIGNATURE/);
});

test('tls.servername is what the certificate must name: a certificate for localhost is refused for other.test', async (t) => {
  const backend = await httpsBackend(t);
  const lb = await fairwayFor(t, configText(`https://127.0.0.1:${backend.port}`, `{ ca: ${JSON.stringify(pki.ca)}, servername: other.test }`));
  const res = await get(client, `${lb.url}/`);
  assert.equal(res.status, 502);
  assert.match(res.body, /\(upstream_tls, /);
  assert.deepEqual(backend.servernames, [], 'no handshake completed');
  assert.equal(backend.connections, 1);
});

test('tls.insecureSkipVerify accepts any certificate and fairway warns about it at start-up, naming the pool', async (t) => {
  const backend = await httpsBackend(t);
  const text = configText(`https://localhost:${backend.port}`, '{ insecureSkipVerify: true }').replace('log: { level: silent }', 'log: { level: info }');
  const { warnings } = load(text);
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!, /^pools\[0\]: pool "web" does not verify the TLS certificates of its https backends \(tls\.insecureSkipVerify: true\)/);
  const lb = await startChildFairway(['--config', writeFile(text)]);
  t.after(() => lb.stop());
  const res = await get(client, `${lb.url}/lab`);
  assert.equal(res.status, 200, res.body);
  assert.equal(res.body, '/lab over TLS');
  const logged = lb.lines.map((l) => JSON.parse(l) as { level: number; msg: string }).find((l) => l.msg.includes('tls.insecureSkipVerify'));
  assert.equal(logged?.level, 40, 'logged as a warning');
  assert.match(logged?.msg ?? '', /pool "web"/);
});

test('a backend that requires a client certificate accepts fairway with tls.cert and tls.key, and refuses it without', async (t) => {
  const backend = await httpsBackend(t, { requestCert: true, rejectUnauthorized: true, ca: [readFileSync(pki.ca)] });
  const url = `https://localhost:${backend.port}`;
  const ca = JSON.stringify(pki.ca);
  const withCert = await fairwayFor(t, configText(url, `{ ca: ${ca}, cert: ${JSON.stringify(pki.clientCert)}, key: ${JSON.stringify(pki.clientKey)} }`));
  const accepted = await get(client, `${withCert.url}/mtls`);
  assert.equal(accepted.status, 200, accepted.body);
  assert.equal(accepted.body, '/mtls over TLS');

  const without = await fairwayFor(t, configText(url, `{ ca: ${ca} }`));
  const refused = await get(client, `${without.url}/mtls`);
  assert.equal(refused.status, 502);
  assert.equal(backend.requests, 1, 'only the request with the client certificate got through');
});

test('health checks of an https backend verify it as requests do: healthy with the right CA, unhealthy with another', async (t) => {
  const backend = await httpsBackend(t);
  const url = `https://localhost:${backend.port}`;
  const checks = '{ path: /health, interval: 100ms, timeout: 1s, healthyThreshold: 1, unhealthyThreshold: 1, initialState: unhealthy }';
  const good = await fairwayFor(t, configText(url, `{ ca: ${JSON.stringify(pki.ca)} }`, checks));
  const trusted = good.fairway.pools[0]!.backends[0]!;
  await waitFor('the backend to be checked healthy', () => trusted.healthy, 5_000);
  assert.equal(trusted.lastCheck?.reason, 'HTTP 200');

  const wrong = await fairwayFor(t, configText(url, `{ ca: ${JSON.stringify(pki.otherCa)} }`, checks.replace('unhealthy }', 'healthy }')));
  const untrusted = wrong.fairway.pools[0]!.backends[0]!;
  await waitFor('the backend to be checked unhealthy', () => !untrusted.healthy, 5_000);
  assert.equal(untrusted.lastCheck?.reason, 'UNABLE_TO_VERIFY_LEAF_SIGNATURE');
  assert.equal(trusted.healthy, true, 'the other pool still trusts it');
});

test("a health check's Host header is not its SNI: the backend's own name is sent and verified, and an IP backend gets none", async (t) => {
  const backend = await httpsBackend(t);
  const checks = '{ path: /health, interval: 100ms, timeout: 1s, healthyThreshold: 1, unhealthyThreshold: 1, initialState: unhealthy, headers: { host: api.internal } }';
  for (const host of ['localhost', '127.0.0.1']) {
    const running = await fairwayFor(t, configText(`https://${host}:${backend.port}`, `{ ca: ${JSON.stringify(pki.ca)} }`, checks));
    const checked = running.fairway.pools[0]!.backends[0]!;
    await waitFor(`${host} to be checked healthy`, () => checked.healthy, 5_000);
    assert.equal(checked.lastCheck?.reason, 'HTTP 200');
  }
  assert.ok(backend.servernames.length >= 2, `handshakes: ${backend.servernames.length}`);
  assert.deepEqual([...new Set(backend.servernames)], ['localhost', false]);
});

test('https backends are accepted from --backend and BACKEND_SERVERS, on port 443 by default', () => {
  const flag = loadConfig({ env: {}, flags: { backend: ['https://api.internal'] } });
  assert.ok(flag.ok, JSON.stringify(!flag.ok && flag.errors));
  assert.deepEqual(flag.config.pools[0]!.backends.map((b) => [b.id, b.url]), [['api.internal:443', 'https://api.internal']]);
  const env = loadConfig({ env: { BACKEND_SERVERS: 'https://10.0.0.7:8443,http://10.0.0.8:80' } });
  assert.ok(env.ok, JSON.stringify(!env.ok && env.errors));
  assert.deepEqual(env.config.pools[0]!.backends.map((b) => b.url), ['https://10.0.0.7:8443', 'http://10.0.0.8']);
});

test('the tls files are read when the config loads: a missing tls.ca is an error naming its key and path', () => {
  const missing = join(dir, 'no-such-ca.pem');
  assert.deepEqual(problems(configText('https://localhost:1', `{ ca: ${JSON.stringify(missing)} }`)), [
    `pools[0].tls.ca: cannot read ${JSON.stringify(missing)} (no such file)`,
  ]);
  // The shorthand pool's tls is the top level's.
  assert.deepEqual(problems(`backends: [https://localhost:1]\ntls: { ca: ${JSON.stringify(missing)} }\n`), [
    `tls.ca: cannot read ${JSON.stringify(missing)} (no such file)`,
  ]);
  const notPem = writeFile('hello\n', 'pem');
  assert.deepEqual(problems(configText('https://localhost:1', `{ ca: ${JSON.stringify(notPem)} }`)), [
    `pools[0].tls.ca: ${JSON.stringify(notPem)} holds no PEM certificate (expected -----BEGIN CERTIFICATE----- blocks)`,
  ]);
  const loaded = load(configText('https://localhost:1', `{ ca: ${JSON.stringify(pki.ca)} }`)).config.pools[0]!.tls;
  assert.equal(loaded?.ca?.path, pki.ca);
  assert.equal(loaded?.ca?.pem, readFileSync(pki.ca, 'utf8'));
});

test('a client certificate needs both tls.cert and tls.key, and the key must be the certificate\'s', () => {
  const cert = JSON.stringify(pki.clientCert);
  const key = JSON.stringify(pki.clientKey);
  assert.deepEqual(problems(configText('https://localhost:1', `{ cert: ${cert} }`)), [
    'pools[0].tls.key: missing (tls.cert is set; a client certificate needs both tls.cert and tls.key)',
  ]);
  assert.deepEqual(problems(configText('https://localhost:1', `{ key: ${key} }`)), [
    'pools[0].tls.cert: missing (tls.key is set; a client certificate needs both tls.cert and tls.key)',
  ]);
  assert.deepEqual(problems(configText('https://localhost:1', `{ cert: ${cert}, key: ${JSON.stringify(pki.serverKey)} }`)), [
    `pools[0].tls.key: the key in ${JSON.stringify(pki.serverKey)} does not belong to the certificate in ${JSON.stringify(pki.clientCert)}`,
  ]);
  assert.ok(load(configText('https://localhost:1', `{ cert: ${cert}, key: ${key} }`)).config.pools[0]!.tls?.key);
});

test('a reload reads the tls.ca file again: a CA that changed on disk applies to new connections', async (t) => {
  const backend = await httpsBackend(t);
  const caFile = join(dir, 'reloaded-ca.pem');
  writeFileSync(caFile, readFileSync(pki.otherCa));
  const text = configText(`https://localhost:${backend.port}`, `{ ca: ${JSON.stringify(caFile)} }`);
  const file = writeFile(text);
  const lb = await fairwayFor(t, text, { loadConfig: () => loadConfig({ file, env: {} }) });
  assert.equal((await get(client, `${lb.url}/`)).status, 502);
  writeFileSync(caFile, readFileSync(pki.ca));
  const reloaded = await lb.fairway.reload();
  assert.ok(reloaded.ok, JSON.stringify(reloaded));
  assert.ok(reloaded.changes.includes('pool web: tls changed'), JSON.stringify(reloaded.changes));
  assert.equal((await get(client, `${lb.url}/`)).status, 200);
});
