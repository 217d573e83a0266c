// Real HTTP/2 clients against an in-process fairway: curl over TLS (ALPN h2,
// verified against the test CA) and with prior knowledge on an h2c listener,
// and h2load's many streams over few connections. CI installs curl and
// nghttp2-client (.ci/run); elsewhere these are skipped when a tool is missing.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rawBackend, type RawBackend } from './helpers/raw-backend.js';
import { TestCertificates, skipWithoutOpenssl, type Pair } from './helpers/test-certificates.js';
import { startRig, type Rig } from './helpers/tls-rig.js';

/** The tool's version output, or undefined when it cannot run. */
function versionOf(tool: string): string | undefined {
  try {
    return execFileSync(tool, ['--version'], { stdio: ['ignore', 'pipe', 'ignore'], timeout: 5_000 }).toString();
  } catch {
    return undefined;
  }
}

const inCi = process.env['CI'] === 'true';
const curlVersion = versionOf('curl');
const skipCurl: string | false = inCi
  ? false
  : curlVersion === undefined
    ? 'curl is not installed (Debian package curl)'
    : !/^Features:.*\bHTTP2\b/m.test(curlVersion)
      ? 'this curl is built without HTTP/2 (nghttp2)'
      : false;
const skipH2load: string | false = inCi ? false : versionOf('h2load') === undefined ? 'h2load is not installed (Debian package nghttp2-client)' : false;
const skipTls = skipWithoutOpenssl;

let certs: TestCertificates | undefined;
let pair: Pair;
let dir: string;
let backend: RawBackend;
/** What the backend saw last: protocol version and forwarded proto. */
let lastSeen: { httpVersion: string; proto: string | undefined } | undefined;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fairway-h2-tools-'));
  if (!skipTls) {
    certs = new TestCertificates();
    pair = certs.server('h2-tools', ['a.example.com']);
  }
  backend = await rawBackend((req, res) => {
    req.resume();
    lastSeen = { httpVersion: req.httpVersion, proto: req.headers['x-forwarded-proto'] as string | undefined };
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '3' });
    res.end('ok\n');
  });
});

after(async () => {
  await backend.close();
  certs?.remove();
  rmSync(dir, { recursive: true, force: true });
});

/** A fairway with an h2 TLS listener (when certificates can be made) and an h2c one; closed after the test. */
async function rig(t: { after: (fn: () => Promise<void>) => void }): Promise<Rig> {
  const listeners = ['  - { name: web, host: 127.0.0.1, port: 0, http2: { cleartext: true } }'];
  if (certs !== undefined) listeners.push(`  - { name: websecure, host: 127.0.0.1, port: 0, tls: { certificates: [{ cert: ${pair.cert}, key: ${pair.key} }] } }`);
  const yaml = [
    'admin: { host: 127.0.0.1, port: 0 }',
    'log: { level: warn }',
    'listeners:',
    ...listeners,
    'pools:',
    `  - { name: app, backends: [{ url: ${backend.url} }], healthCheck: { enabled: false } }`,
    'routes:',
    '  - { pathPrefix: /, pool: app }',
  ].join('\n');
  const started = await startRig(certs?.dir ?? dir, yaml, `tools-${Math.random().toString(36).slice(2)}.yaml`);
  t.after(() => started.close());
  return started;
}

/** Runs a tool without blocking the event loop (fairway serves in this process); bounded to `timeoutMs`. */
function run(tool: string, args: string[], timeoutMs = 15_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(tool, args, { timeout: timeoutMs, maxBuffer: 4 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : null;
      resolve({ code, stdout, stderr });
    });
  });
}

test('curl --http2 over TLS negotiates h2 and gets 200 through fairway (verified against the test CA)', { skip: skipCurl || skipTls }, async (t) => {
  const lb = await rig(t);
  const port = lb.ports['websecure']!;
  lastSeen = undefined;
  const out = await run('curl', [
    '--http2',
    '--silent',
    '--show-error',
    '--max-time',
    '10',
    '--cacert',
    certs!.ca.cert,
    '--resolve',
    `a.example.com:${port}:127.0.0.1`,
    '--write-out',
    '\n%{http_version} %{http_code}',
    `https://a.example.com:${port}/curl`,
  ]);
  assert.equal(out.code, 0, out.stderr);
  assert.equal(out.stdout, 'ok\n\n2 200', 'HTTP/2, status 200, the backend body');
  assert.deepEqual(lastSeen, { httpVersion: '1.1', proto: 'https' }, 'the backend got HTTP/1.1 with X-Forwarded-Proto https');
});

test('curl --http2-prior-knowledge on an h2c listener gets HTTP/2 200', { skip: skipCurl }, async (t) => {
  const lb = await rig(t);
  lastSeen = undefined;
  const out = await run('curl', ['--http2-prior-knowledge', '--silent', '--show-error', '--max-time', '10', '--write-out', '\n%{http_version} %{http_code}', `http://127.0.0.1:${lb.ports['web']!}/prior`]);
  assert.equal(out.code, 0, out.stderr);
  assert.equal(out.stdout, 'ok\n\n2 200');
  assert.deepEqual(lastSeen, { httpVersion: '1.1', proto: 'http' });
  // And plain HTTP/1.1 curl on the same port.
  const h1 = await run('curl', ['--http1.1', '--silent', '--show-error', '--max-time', '10', '--write-out', '\n%{http_version} %{http_code}', `http://127.0.0.1:${lb.ports['web']!}/h1`]);
  assert.equal(h1.stdout, 'ok\n\n1.1 200');
});

/** h2load's summary, as its "requests:" and "status codes:" lines and the negotiated protocol say. */
function readH2loadSummary(text: string): { total: number; succeeded: number; failed: number; errored: number; timeout: number; status2xx: number; protocol: string | undefined } | undefined {
  const requests = /^requests: (\d+) total, \d+ started, \d+ done, (\d+) succeeded, (\d+) failed, (\d+) errored, (\d+) timeout$/m.exec(text);
  const codes = /^status codes: (\d+) 2xx, \d+ 3xx, \d+ 4xx, \d+ 5xx$/m.exec(text);
  if (requests === null || codes === null) return undefined;
  return {
    total: Number(requests[1]),
    succeeded: Number(requests[2]),
    failed: Number(requests[3]),
    errored: Number(requests[4]),
    timeout: Number(requests[5]),
    status2xx: Number(codes[1]),
    protocol: /^Application protocol: (\S+)$/m.exec(text)?.[1],
  };
}

test('h2load -n 2000 -c 10 -m 10 over TLS through fairway: every request succeeds with a 2xx, none failed or errored', { skip: skipH2load || skipTls }, async (t) => {
  const lb = await rig(t);
  const before = backend.requests();
  const out = await run('h2load', ['-n', '2000', '-c', '10', '-m', '10', `https://127.0.0.1:${lb.ports['websecure']!}/load`], 30_000);
  assert.equal(out.code, 0, `${out.stdout}\n${out.stderr}`);
  const summary = readH2loadSummary(out.stdout);
  assert.ok(summary, `h2load printed its summary:\n${out.stdout}`);
  assert.equal(summary.protocol, 'h2', 'h2 negotiated through ALPN');
  assert.deepEqual(
    { total: summary.total, succeeded: summary.succeeded, failed: summary.failed, errored: summary.errored, timeout: summary.timeout, status2xx: summary.status2xx },
    { total: 2000, succeeded: 2000, failed: 0, errored: 0, timeout: 0, status2xx: 2000 },
  );
  assert.equal(backend.requests() - before, 2000, 'every request reached the backend');
});
