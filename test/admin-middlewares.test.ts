// The admin API's middlewares on a real fairway over HTTP: GET lists every
// middleware with its settings (secrets left out), who uses it and counters
// that move with traffic; PATCH retunes a rateLimit in force (lower: the next
// requests are refused; higher: more go through), answers bad input with the
// config file's messages and changes nothing then, refuses other kinds; a
// reload goes back to the file; the admin token guards it all; with Redis
// unreachable, the onStoreError local share is retuned too.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { loadConfig } from '../src/config/load.js';
import { createFairway } from '../src/index.js';
import { loadErrors, writeConfig } from './config-helpers.js';
import { requestFrom } from './helpers/client-addresses.js';
import { silentLogger, waitFor } from './helpers/fixtures.js';

// The password "secret", in htpasswd's {SHA} form.
const SHA1 = '{SHA}5en6G6MezRroT3XKqkdPOmY/BfQ=';

/** A backend that answers at once, except /hold/*, which waits until release() (bounded by the test's end). */
async function holdingBackend(t: TestContext): Promise<{ url: string; held: () => number; release: () => void }> {
  const waiting: ServerResponse[] = [];
  const answer = (res: ServerResponse) => res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
  const server = createServer((req: IncomingMessage, res) => {
    if (req.url?.startsWith('/hold')) waiting.push(res);
    else answer(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const release = () => waiting.splice(0).forEach(answer);
  t.after(() => {
    release();
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, held: () => waiting.length, release };
}

const yamlFor = (backendUrl: string, limit: string, admin = '{ port: 0 }') => `listeners:
  - { name: web, host: 127.0.0.1, port: 0, middlewares: [tag] }
admin: ${admin}
log: { level: silent }
middlewares:
  limit: { rateLimit: ${limit} }
  tag: { headers: { request: { set: { X-Env: prod, Authorization: "Bearer upstream-secret" } } } }
  deny-two: { ipDenyList: { sourceRange: [127.0.0.2] } }
  login: { basicAuth: { users: ["erin:${SHA1}"] } }
  one-at-a-time: { connLimit: { amount: 1 } }
  ask: { forwardAuth: { address: "http://127.0.0.1:9/auth?token=abc" } }
pools:
  - { name: app, healthCheck: { enabled: false }, backends: [${backendUrl}] }
routes:
  - { pathPrefix: /limited, pool: app, middlewares: [limit] }
  - { pathPrefix: /private, pool: app, middlewares: [login] }
  - { pathPrefix: /hold, pool: app, middlewares: [one-at-a-time] }
  - { host: app.test, pathPrefix: /, pool: app, middlewares: [deny-two, limit] }
  - { pathPrefix: /, pool: app }
`;

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

async function start(t: TestContext, options: { limit?: string; admin?: string; extra?: string } = {}) {
  const backend = await holdingBackend(t);
  const file = writeConfig(yamlFor(backend.url, options.limit ?? '{ average: 1, period: 1h, burst: 100 }', options.admin) + (options.extra ?? ''));
  const load = () => loadConfig({ env: {}, file });
  const loaded = load();
  if (!loaded.ok) throw new Error(loaded.errors.map((e) => `${e.path}: ${e.message}`).join('\n'));
  const fairway = createFairway(loaded.config, { logger: silentLogger, loadConfig: load });
  const { proxy, admin } = await fairway.listen();
  t.after(() => fairway.close(1_000));
  const adminUrl = `http://127.0.0.1:${admin!.port}`;
  const api = async (method: 'GET' | 'PATCH' | 'POST', path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await request(`${adminUrl}${path}`, {
      method,
      headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.body.text();
    return { status: res.statusCode, body: (text === '' ? {} : JSON.parse(text)) as Json };
  };
  const send = (path: string, options: { from?: string; headers?: Record<string, string> } = {}) =>
    requestFrom('127.0.0.1', proxy.port, path, { localAddress: options.from, headers: options.headers });
  const statuses = async (n: number, path = '/limited') => {
    const out: number[] = [];
    for (let i = 0; i < n; i++) out.push((await send(path)).status);
    return out;
  };
  const counters = async (name: string) => (await api('GET', `/api/middlewares/${name}`)).body['counters'] as Json;
  return { api, send, statuses, counters, backend, file };
}

test('GET /api/middlewares lists every middleware with its settings, who uses it and counters that move with traffic', async (t) => {
  const { api, send, statuses, counters } = await start(t, { limit: '{ average: 1, period: 1h, burst: 2 }' });
  const before = await api('GET', '/api/middlewares');
  assert.equal(before.status, 200);
  const byName = new Map((before.body['middlewares'] as Json[]).map((m) => [m['name'], m]));
  assert.deepEqual([...byName.keys()], ['limit', 'tag', 'deny-two', 'login', 'one-at-a-time', 'ask'], 'every definition, in the order of the file');

  const limit = byName.get('limit')!;
  assert.equal(limit['kind'], 'rateLimit');
  assert.deepEqual(limit['settings'], {
    average: 1,
    periodMs: 3_600_000,
    burst: 2,
    key: { parts: [{ kind: 'ip' }], ipv6Prefix: 64 },
    store: 'memory',
    onStoreError: 'local',
    instances: 1,
    dryRun: false,
  });
  assert.deepEqual(limit['changedAtRunTime'], []);
  assert.deepEqual(limit['usedBy'], {
    routes: [
      { index: 0, host: null, pathPrefix: '/limited', pool: 'app' },
      { index: 3, host: 'app.test', pathPrefix: '/', pool: 'app' },
    ],
    listeners: [],
  });
  assert.deepEqual(limit['counters'], { allowed: 0, limited: 0, unavailable: 0, dryRunLimited: 0, storeErrors: 0, store: 'memory', keysInMemory: 0 });

  // Secrets stay out: no password hash, no credential header value.
  const login = byName.get('login')!;
  assert.equal(login['settings']['userCount'], 1);
  assert.equal(JSON.stringify(login).includes(SHA1), false, 'the hash is not shown');
  const tag = byName.get('tag')!;
  assert.deepEqual(tag['settings']['request']['set'], [
    { name: 'X-Env', value: 'prod' },
    { name: 'Authorization', value: '(hidden)' },
  ]);
  assert.deepEqual(tag['usedBy'], { routes: [], listeners: ['web'] });
  assert.equal(byName.get('ask')!['settings']['address'], 'http://127.0.0.1:9/auth?(hidden)', "the service's query string may hold a token");
  assert.deepEqual(byName.get('ask')!['usedBy'], { routes: [], listeners: [] });
  assert.deepEqual(byName.get('one-at-a-time')!['counters'], { inFlight: 0, keysInFlight: 0, refused: 0 });
  assert.deepEqual(byName.get('deny-two')!['counters'], { answered: 0 });

  assert.deepEqual(await statuses(4), [200, 200, 429, 429]);
  assert.deepEqual(await counters('limit'), { allowed: 2, limited: 2, unavailable: 0, dryRunLimited: 0, storeErrors: 0, store: 'memory', keysInMemory: 1 });

  assert.equal((await send('/', { from: '127.0.0.2', headers: { host: 'app.test' } })).status, 403);
  assert.equal((await send('/', { from: '127.0.0.1', headers: { host: 'app.test' } })).status, 429, 'past the deny list, the same bucket');
  assert.deepEqual(await counters('deny-two'), { answered: 1 }, 'the refusal is counted, the request it let through is not');
  assert.equal((await send('/private')).status, 401);
  assert.equal((await send('/private', { headers: { authorization: `Basic ${Buffer.from('erin:secret').toString('base64')}` } })).status, 200);
  assert.deepEqual(await counters('login'), { answered: 1 }, 'the challenge counts, the authenticated request does not');
  assert.deepEqual(await counters('tag'), { answered: 0 });

  const one = await api('GET', '/api/middlewares/limit');
  assert.equal(one.status, 200);
  assert.equal(one.body['name'], 'limit');
  assert.equal(one.body['counters']['limited'], 3);
});

test("connLimit's counters: requests and keys in flight now, and the ones refused", async (t) => {
  const { send, counters, backend } = await start(t);
  const held = send('/hold/1');
  await waitFor('the first request at the backend', () => backend.held() === 1, 5_000);
  assert.deepEqual(await counters('one-at-a-time'), { inFlight: 1, keysInFlight: 1, refused: 0 });
  assert.equal((await send('/hold/2')).status, 429);
  assert.deepEqual(await counters('one-at-a-time'), { inFlight: 1, keysInFlight: 1, refused: 1 });
  backend.release();
  assert.equal((await held).status, 200);
  const done = await waitFor('the request uncounted', async () => {
    const now = await counters('one-at-a-time');
    return now['inFlight'] === 0 ? now : undefined;
  }, 5_000);
  assert.deepEqual(done, { inFlight: 0, keysInFlight: 0, refused: 1 });
});

test('PATCH lowers a rate limit and the next requests are refused; raising it lets more through; a reload goes back to the file', async (t) => {
  const { api, statuses, counters } = await start(t);
  assert.deepEqual(await statuses(3), [200, 200, 200], 'a burst of 100');

  // The bucket still holds 97 tokens: a burst of 2 caps it at once.
  const lowered = await api('PATCH', '/api/middlewares/limit', { burst: 2 });
  assert.equal(lowered.status, 200);
  assert.equal(lowered.body['settings']['burst'], 2);
  assert.deepEqual(lowered.body['changedAtRunTime'], ['burst']);
  assert.deepEqual(await statuses(3), [200, 200, 429]);
  assert.equal((await api('GET', '/api/middlewares/limit')).body['settings']['burst'], 2, 'GET shows the setting in force');

  const raised = await api('PATCH', '/api/middlewares/limit', { average: 1_000_000, period: '1s', burst: 1000 });
  assert.equal(raised.status, 200);
  assert.deepEqual(raised.body['settings'], { ...raised.body['settings'], average: 1_000_000, periodMs: 1000, burst: 1000, dryRun: false });
  assert.deepEqual(await statuses(5), [200, 200, 200, 200, 200]);

  // dryRun lets everything through and counts what it would have refused.
  assert.equal((await api('PATCH', '/api/middlewares/limit', { average: 1, period: '1h', burst: 1, dryRun: true })).status, 200);
  const dry = (await counters('limit'))['dryRunLimited'] as number;
  assert.deepEqual(await statuses(3), [200, 200, 200]);
  assert.ok((await counters('limit'))['dryRunLimited'] >= dry + 2, 'refusals are counted, not made');

  const counted = await counters('limit');
  const reload = await api('POST', '/api/reload');
  assert.equal(reload.status, 200);
  // average and period are the file's again already; burst and dryRun go back.
  assert.deepEqual(reload.body['changes'], ['middleware limit: rateLimit burst reverted 1 → 100', 'middleware limit: rateLimit dryRun reverted true → false']);
  const back = (await api('GET', '/api/middlewares/limit')).body;
  assert.deepEqual([back['settings']['average'], back['settings']['periodMs'], back['settings']['burst'], back['settings']['dryRun']], [1, 3_600_000, 100, false]);
  assert.deepEqual(back['changedAtRunTime'], []);
  assert.deepEqual(back['counters'], counted, 'the counts outlive the reload');
});

test('a bad PATCH answers 400 with the config file\'s message, names the field and what is accepted, and changes nothing', async (t) => {
  const { api, statuses } = await start(t, { limit: '{ average: 1, period: 1h, burst: 2 }' });
  const fileSays = (setting: string) => {
    const line = loadErrors({ file: writeConfig(`backends: [http://127.0.0.1:1]\nmiddlewares: { limit: { rateLimit: { average: 1, ${setting} } } }\n`) })[0]!;
    return line.slice(line.indexOf(': ') + 2);
  };
  const negative = await api('PATCH', '/api/middlewares/limit', { average: -5 });
  assert.equal(negative.status, 400);
  assert.equal(negative.body['error'], 'bad_request');
  assert.equal(negative.body['field'], 'average');
  assert.match(negative.body['message'], /^average: -5 is not a rate \(expected a number of requests per period above 0/);
  // The file's own message, for the same value.
  assert.equal(
    loadErrors({ file: writeConfig('backends: [http://127.0.0.1:1]\nmiddlewares: { limit: { rateLimit: { average: -5 } } }\n') })[0],
    `middlewares.limit.rateLimit.${negative.body['message']}`,
  );

  const unknown = await api('PATCH', '/api/middlewares/limit', { average: 5, store: 'redis' });
  assert.equal(unknown.status, 400);
  assert.equal(unknown.body['field'], 'store');
  assert.equal(unknown.body['message'], 'store: unknown field "store"');
  assert.deepEqual(unknown.body['accepted'], ['average', 'period', 'burst', 'dryRun']);

  const wrong = await api('PATCH', '/api/middlewares/limit', { burst: 1.5, dryRun: 'yes', period: 'soon' });
  assert.equal(wrong.status, 400);
  assert.deepEqual(
    (wrong.body['problems'] as Json[]).map((p) => `${p['field']}: ${p['message']}`),
    [`period: ${fileSays('period: soon')}`, `burst: ${fileSays('burst: 1.5')}`, `dryRun: ${fileSays('dryRun: yes')}`],
  );

  const empty = await api('PATCH', '/api/middlewares/limit', {});
  assert.equal(empty.status, 400);
  assert.equal(empty.body['field'], '(body)');

  // One good field beside a bad one: nothing applied.
  assert.equal((await api('PATCH', '/api/middlewares/limit', { burst: 50, average: 0 })).status, 400);
  const after = (await api('GET', '/api/middlewares/limit')).body;
  assert.equal(after['settings']['burst'], 2);
  assert.deepEqual(after['changedAtRunTime'], []);
  assert.deepEqual(await statuses(3), [200, 200, 429], 'the file\'s burst of 2 still applies');

  const missing = await api('PATCH', '/api/middlewares/nope', { average: 5 });
  assert.equal(missing.status, 404);
  assert.equal(missing.body['error'], 'unknown_middleware');
  assert.deepEqual(missing.body['middlewares'], ['limit', 'tag', 'deny-two', 'login', 'one-at-a-time', 'ask']);
  assert.equal((await api('GET', '/api/middlewares/nope')).status, 404);

  const other = await api('PATCH', '/api/middlewares/one-at-a-time', { amount: 5 });
  assert.equal(other.status, 409);
  assert.equal(other.body['error'], 'not_changeable');
  assert.match(other.body['message'], /is a connLimit middleware: only rateLimit settings can be changed at run time/);
});

test('with admin.token, the middlewares endpoints need the bearer token and a PATCH without it changes nothing', async (t) => {
  const { api } = await start(t, { admin: '{ port: 0, token: s3cret }' });
  assert.equal((await api('GET', '/api/middlewares')).status, 401);
  assert.equal((await api('PATCH', '/api/middlewares/limit', { burst: 1 })).status, 401);
  const auth = { authorization: 'Bearer s3cret' };
  const read = await api('GET', '/api/middlewares/limit', undefined, auth);
  assert.equal(read.status, 200);
  assert.equal(read.body['settings']['burst'], 100, 'the refused PATCH changed nothing');
  const patched = await api('PATCH', '/api/middlewares/limit', { burst: 1 }, auth);
  assert.equal(patched.status, 200);
  assert.equal(patched.body['settings']['burst'], 1);
});

test("with store redis and Redis unreachable, a PATCH retunes the onStoreError local share too", async (t) => {
  // Nothing listens on port 1: every decision fails at once and the local share decides.
  const { api, statuses, counters } = await start(t, {
    limit: '{ average: 1, period: 1h, burst: 4, store: redis, onStoreError: local }',
    extra: 'redis: { url: "redis://127.0.0.1:1" }\n',
  });
  assert.deepEqual(await statuses(2), [200, 200]);
  assert.equal((await api('PATCH', '/api/middlewares/limit', { burst: 1 })).status, 200);
  assert.deepEqual(await statuses(2), [200, 429], 'the local bucket, 2 tokens left, is capped at the new burst of 1');
  const c = await counters('limit');
  assert.equal(c['store'], 'redis');
  assert.equal(c['storeErrors'], 4);
  assert.equal(c['keysInMemory'], 1, 'the local share keeps its buckets in memory');
});
