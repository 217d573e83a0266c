// The `forwardAuth` middleware, end to end: a real `fairway` process from
// YAML, an authentication service started here (node:http on port 0) whose
// answer the client picks with a header, and a backend that echoes what it
// received. A 2xx lets the request through with the granted headers (never
// the client's own copies); any other answer goes back to the client as it
// is; a service that is down or too slow is a 503; a client that leaves
// takes the question with it.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { startChildFairway } from './helpers/child-fairway.js';

interface Question {
  method: string;
  url: string;
  rawHeaders: string[];
  closed: Promise<void>;
}

function values(raw: readonly string[], name: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) if (raw[i]!.toLowerCase() === name) out.push(raw[i + 1]!);
  return out;
}

/** `promise`, or a failure naming `what` after `ms`. */
async function within<T>(ms: number, promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not within ${ms}ms`)), ms);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

/** The authentication service: the client's X-Test-Auth header says how it answers; every question is kept. */
async function authService(t: TestContext) {
  const questions: Question[] = [];
  const waiting: ((q: Question) => void)[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const closed = once(res, 'close').then(() => undefined);
    const question = { method: req.method!, url: req.url!, rawHeaders: req.rawHeaders, closed };
    questions.push(question);
    waiting.shift()?.(question);
    req.resume();
    switch (req.headers['x-test-auth']) {
      case 'ok':
        res.writeHead(200, { 'x-user': 'alice', 'x-groups': 'admins', 'x-other': 'not copied', 'set-cookie': ['session=abc; Path=/', 'tracking=1'] });
        res.end('ignored body');
        return;
      case 'ok-anonymous':
        res.writeHead(204);
        res.end();
        return;
      case 'deny':
        res.writeHead(401, { 'www-authenticate': 'Bearer realm="sso"', 'set-cookie': 'tried=1', 'content-type': 'text/plain', 'x-request-id': 'theirs' });
        res.end('denied by sso');
        return;
      case 'login':
        res.writeHead(302, { location: 'https://login.example/?rd=/app' });
        res.end('go and log in');
        return;
      case 'slow':
        return; // never answers; closed when the test ends
      default:
        res.writeHead(403);
        res.end('forbidden');
    }
  });
  const port = await listen(server);
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  /** The next question the service receives. */
  const nextQuestion = () => new Promise<Question>((resolve) => waiting.push(resolve));
  return { port, questions, nextQuestion };
}

async function echoBackend(t: TestContext) {
  let count = 0;
  const server = createServer((req, res) => {
    count++;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ rawHeaders: req.rawHeaders }));
  });
  const port = await listen(server);
  t.after(() => server.close());
  return { url: `http://127.0.0.1:${port}`, count: () => count };
}

/** A port nothing listens on: one the OS gave a server that is closed again. */
async function deadPort(): Promise<number> {
  const server = createServer();
  const port = await listen(server);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function startGuarded(t: TestContext) {
  const auth = await authService(t);
  const backend = await echoBackend(t);
  const dead = await deadPort();
  const dir = mkdtempSync(join(tmpdir(), 'fairway-forward-auth-'));
  const file = join(dir, 'fairway.yaml');
  writeFileSync(
    file,
    `listen: { host: 127.0.0.1, port: 0 }
admin: { port: 0 }
middlewares:
  sso:
    forwardAuth:
      address: http://127.0.0.1:${auth.port}/check?from=fairway
      authResponseHeaders: [X-User, X-Groups]
      addAuthCookiesToResponse: [session]
      timeout: 500ms
  picky:
    forwardAuth:
      address: http://127.0.0.1:${auth.port}/picky
      authRequestHeaders: [Cookie, X-Test-Auth]
      trustForwardHeader: true
  patient: { forwardAuth: { address: http://127.0.0.1:${auth.port}/patient, timeout: 60s } }
  down: { forwardAuth: { address: http://127.0.0.1:${dead}/auth } }
pools:
  - name: app
    healthCheck: { enabled: false }
    backends: [${backend.url}]
routes:
  - { pathPrefix: /app, pool: app, middlewares: [sso] }
  - { pathPrefix: /picky, pool: app, middlewares: [picky] }
  - { pathPrefix: /patient, pool: app, middlewares: [patient] }
  - { pathPrefix: /down, pool: app, middlewares: [down] }
  - { pathPrefix: /, pool: app }
`,
  );
  const lb = await startChildFairway(['-c', file]);
  t.after(async () => {
    await lb.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  return { lb, auth, backend };
}

test('forwardAuth: a 2xx lets the request through with the granted headers replacing the client\'s, and the question carries the X-Forwarded-* facts', async (t) => {
  const { lb, auth } = await startGuarded(t);
  const res = await request(`${lb.url}/app/items?page=2`, {
    method: 'POST',
    body: 'payload',
    headers: { 'x-test-auth': 'ok', cookie: 'sid=1', 'x-user': 'mallory', 'X-USER': 'root', 'x-forwarded-host': 'spoofed.example', host: 'shop.example' },
  });
  assert.equal(res.statusCode, 200);
  const seen = (await res.body.json()) as { rawHeaders: string[] };
  assert.deepEqual(values(seen.rawHeaders, 'x-user'), ['alice'], "the service's X-User, none of the client's");
  assert.deepEqual(values(seen.rawHeaders, 'x-groups'), ['admins']);
  assert.deepEqual(values(seen.rawHeaders, 'x-other'), [], 'only the listed answer headers are copied');
  assert.deepEqual(res.headers['set-cookie'], 'session=abc; Path=/', 'the listed cookie is passed on, the other is not');

  const q = auth.questions.at(-1)!;
  assert.equal(q.method, 'GET');
  assert.equal(q.url, '/check?from=fairway');
  assert.deepEqual(values(q.rawHeaders, 'cookie'), ['sid=1']);
  assert.deepEqual(values(q.rawHeaders, 'x-forwarded-method'), ['POST']);
  assert.deepEqual(values(q.rawHeaders, 'x-forwarded-proto'), ['http']);
  assert.deepEqual(values(q.rawHeaders, 'x-forwarded-host'), ['shop.example'], "trustForwardHeader is off: the client's value is replaced");
  assert.deepEqual(values(q.rawHeaders, 'x-forwarded-uri'), ['/app/items?page=2']);
  assert.deepEqual(values(q.rawHeaders, 'x-forwarded-for'), ['127.0.0.1']);
  assert.deepEqual(values(q.rawHeaders, 'content-length'), [], 'no body is sent');
  assert.deepEqual(values(q.rawHeaders, 'host'), [`127.0.0.1:${auth.port}`]);
});

test('forwardAuth: a 2xx without the granted header still removes the client\'s copies', async (t) => {
  const { lb } = await startGuarded(t);
  const res = await request(`${lb.url}/app/`, { headers: { 'x-test-auth': 'ok-anonymous', 'x-user': 'mallory' } });
  assert.equal(res.statusCode, 200);
  const seen = (await res.body.json()) as { rawHeaders: string[] };
  assert.deepEqual(values(seen.rawHeaders, 'x-user'), []);
});

test('forwardAuth: a 401 or a 302 from the service goes back to the client with its headers and body, and the backend is not asked', async (t) => {
  const { lb, backend } = await startGuarded(t);
  const denied = await request(`${lb.url}/app/`, { headers: { 'x-test-auth': 'deny' } });
  assert.equal(denied.statusCode, 401);
  assert.equal(denied.headers['www-authenticate'], 'Bearer realm="sso"');
  assert.equal(denied.headers['set-cookie'], 'tried=1');
  assert.equal(denied.headers['content-type'], 'text/plain');
  assert.notEqual(denied.headers['x-request-id'], 'theirs', "the request id is fairway's");
  assert.equal(await denied.body.text(), 'denied by sso');

  const login = await request(`${lb.url}/app/`, { headers: { 'x-test-auth': 'login' } });
  assert.equal(login.statusCode, 302);
  assert.equal(login.headers['location'], 'https://login.example/?rd=/app');
  assert.equal(await login.body.text(), 'go and log in');

  const forbidden = await request(`${lb.url}/app/`);
  assert.equal(forbidden.statusCode, 403);
  assert.equal(await forbidden.body.text(), 'forbidden');
  assert.equal(backend.count(), 0);
});

test('forwardAuth: a service that is down, or slower than the timeout, is a 503 auth_unavailable', async (t) => {
  const { lb, auth, backend } = await startGuarded(t);
  const down = await request(`${lb.url}/down/`, { headers: { accept: 'application/json' } });
  assert.equal(down.statusCode, 503);
  const downBody = (await down.body.json()) as { error: string; message: string };
  assert.equal(downBody.error, 'auth_unavailable');
  assert.match(downBody.message, /ECONNREFUSED/);

  const slow = await request(`${lb.url}/app/`, { headers: { 'x-test-auth': 'slow', accept: 'application/json' } });
  assert.equal(slow.statusCode, 503);
  const slowBody = (await slow.body.json()) as { error: string; message: string };
  assert.equal(slowBody.error, 'auth_unavailable');
  assert.match(slowBody.message, /no answer within 500ms/);
  await within(10_000, auth.questions.at(-1)!.closed, 'the timed-out question is closed');
  assert.equal(backend.count(), 0);
});

test('forwardAuth: authRequestHeaders limits what the service sees; trustForwardHeader keeps the client\'s X-Forwarded-*', async (t) => {
  const { lb, auth } = await startGuarded(t);
  const res = await request(`${lb.url}/picky/`, {
    headers: { 'x-test-auth': 'ok', cookie: 'sid=2', authorization: 'Bearer t', 'x-forwarded-host': 'outer.example', 'x-forwarded-for': '203.0.113.7' },
  });
  assert.equal(res.statusCode, 200);
  await res.body.dump();
  const q = auth.questions.at(-1)!;
  assert.deepEqual(values(q.rawHeaders, 'cookie'), ['sid=2']);
  assert.deepEqual(values(q.rawHeaders, 'authorization'), [], 'not listed, not sent');
  assert.deepEqual(values(q.rawHeaders, 'x-forwarded-host'), ['outer.example']);
  assert.deepEqual(values(q.rawHeaders, 'x-forwarded-for'), ['203.0.113.7, 127.0.0.1']);
});

test('forwardAuth: a client that leaves while the service thinks takes the question with it', async (t) => {
  const { lb, auth } = await startGuarded(t);
  const asked = auth.nextQuestion();
  const socket = connect(lb.port, '127.0.0.1');
  await once(socket, 'connect');
  socket.on('error', () => {});
  socket.write('GET /patient/ HTTP/1.1\r\nHost: x\r\nX-Test-Auth: slow\r\n\r\n');
  const question = await asked;
  // A reset: a FIN alone is a half-close, after which an HTTP/1.1 client still waits for its answer.
  socket.resetAndDestroy();
  // The middleware's own timeout is 60s: only the client's leaving can close it this soon.
  await within(10_000, question.closed, "the question is closed when the client leaves");
});
