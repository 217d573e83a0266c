// The connLimit middleware end to end, with a backend that holds /slow
// requests until the test lets them go: amount requests of a client in
// flight pass, one more is refused at once (429, or the configured 503); a
// slot frees when a request finishes or its client disconnects; other
// clients have their own count. And its settings' problems.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request as httpRequest, type ClientRequest, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadErrors, loadOk, writeConfig } from './config-helpers.js';
import { requestFrom } from './helpers/client-addresses.js';
import { startFairway, type RunningFairway } from './helpers/fixtures.js';

interface HoldingBackend {
  url: string;
  /** Requests to /slow the backend holds now. */
  held: ServerResponse[];
  /** Answers the oldest held request. */
  release(): void;
  /** Waits until `n` requests are held (bounded). */
  holding(n: number): Promise<void>;
}

async function holdingBackend(t: TestContext): Promise<HoldingBackend> {
  const held: ServerResponse[] = [];
  const server = createServer((req, res) => {
    if (req.url === '/slow') held.push(res);
    else res.end('fast');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    for (const res of held) res.destroy();
    server.closeAllConnections();
    return new Promise((resolve) => server.close(resolve));
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    held,
    release: () => held.shift()?.end('slow'),
    async holding(n) {
      const deadline = Date.now() + 5_000;
      while (held.filter((r) => !r.destroyed && !r.writableEnded).length < n) {
        if (Date.now() > deadline) assert.fail(`the backend holds ${held.length} requests, not ${n}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
  };
}

async function start(t: TestContext, settings: string, listen = ''): Promise<{ lb: RunningFairway; backend: HoldingBackend }> {
  const backend = await holdingBackend(t);
  const lb = await startFairway(
    loadOk({
      file: writeConfig(`listen: { host: 127.0.0.1, port: 0${listen} }
admin: { port: 0 }
log: { level: silent }
middlewares:
  per-client: { connLimit: ${settings} }
pools:
  - { name: app, healthCheck: { enabled: false }, backends: [${backend.url}] }
routes:
  - { pathPrefix: /, pool: app, middlewares: [per-client] }
`),
    }),
  );
  t.after(() => lb.close());
  return { lb, backend };
}

/** A request to /slow left open; its answer's status, once it comes, and a way to hang up (a TCP reset: a FIN alone is a half-close, after which the answer is still sent, unless listen.abortOnClientClose). */
function slow(lb: RunningFairway, from = '127.0.0.1'): { status: Promise<number>; hangUp(): void; close(): void } {
  let req: ClientRequest;
  const status = new Promise<number>((resolve, reject) => {
    req = httpRequest({ host: '127.0.0.1', port: lb.port, path: '/slow', localAddress: from, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
  return { status, hangUp: () => req.socket?.resetAndDestroy(), close: () => req.destroy() };
}

const fast = async (lb: RunningFairway, from = '127.0.0.1') => (await requestFrom('127.0.0.1', lb.port, '/fast', { localAddress: from, headers: { accept: 'application/json' } }));

test('amount requests of a client in flight pass; one more is refused 429 at once; a finished one frees its slot', async (t) => {
  const { lb, backend } = await start(t, '{ amount: 2 }');
  const first = slow(lb);
  const second = slow(lb);
  await backend.holding(2);
  const refused = await fast(lb);
  assert.equal(refused.status, 429);
  assert.equal(JSON.parse(refused.body).error, 'too_many_in_flight');
  assert.equal((await fast(lb, '127.0.0.2')).status, 200, 'another client has its own count');
  backend.release();
  // The backend answers the request it got first, which may be either.
  const [finished, left] = await Promise.race([first.status.then((s) => [s, second] as const), second.status.then((s) => [s, first] as const)]);
  assert.equal(finished, 200);
  assert.equal((await fast(lb)).status, 200, 'the finished request freed a slot');
  const third = slow(lb);
  await backend.holding(2);
  assert.equal((await fast(lb)).status, 429, 'two in flight again');
  backend.release();
  backend.release();
  assert.deepEqual(await Promise.all([left.status, third.status]), [200, 200]);
  assert.equal((await fast(lb)).status, 200);
});

test('a client that resets its connection frees its slot; status 503 when configured', async (t) => {
  const { lb, backend } = await start(t, '{ amount: 1, status: 503 }');
  const gone = slow(lb);
  gone.status.catch(() => undefined);
  await backend.holding(1);
  const refused = await fast(lb);
  assert.equal(refused.status, 503);
  assert.equal(JSON.parse(refused.body).status, 503);
  gone.hangUp();
  // The disconnect reaches fairway asynchronously: poll (bounded) until the slot is free.
  const deadline = Date.now() + 5_000;
  let status = 503;
  while (status === 503 && Date.now() < deadline) {
    status = (await fast(lb)).status;
    if (status === 503) await new Promise((r) => setTimeout(r, 20));
  }
  assert.equal(status, 200, 'the disconnected request no longer counts');
});

test('with listen.abortOnClientClose, a client that closes its side (FIN) frees its slot too', async (t) => {
  const { lb, backend } = await start(t, '{ amount: 1 }', ', abortOnClientClose: true');
  const gone = slow(lb);
  gone.status.catch(() => undefined);
  await backend.holding(1);
  assert.equal((await fast(lb)).status, 429);
  gone.close();
  const deadline = Date.now() + 5_000;
  let status = 429;
  while (status === 429 && Date.now() < deadline) {
    status = (await fast(lb)).status;
    if (status === 429) await new Promise((r) => setTimeout(r, 20));
  }
  assert.equal(status, 200);
});

test('connLimit settings: defaults, and every bad value with its path and what is accepted', () => {
  const file = (settings: string) =>
    writeConfig(`middlewares:\n  c: { connLimit: ${settings} }\npools:\n  - { name: api, backends: [http://h:1] }\nroutes:\n  - { pathPrefix: /, pool: api, middlewares: [c] }\n`);
  assert.deepEqual(loadOk({ file: file('{ amount: 20 }') }).middlewares[0], {
    name: 'c',
    kind: 'connLimit',
    connLimit: { amount: 20, key: { parts: [{ kind: 'ip' }], ipv6Prefix: 64 }, status: 429 },
  });
  assert.deepEqual(loadErrors({ file: file('{ amount: 0, status: 500, key: [ip, user], burst: 3 }') }), [
    'middlewares.c.connLimit.amount: 0 is not a valid amount (requests in flight per key) (expected an integer from 1 to 1000000)',
    'middlewares.c.connLimit.key[1]: "user" is not a request key (accepted: ip, host, path, header:NAME, or a list of them, e.g. [ip, "header:X-Api-Key"])',
    'middlewares.c.connLimit.status: 500 is not a connLimit status (accepted: 429, 503)',
    'middlewares.c.connLimit.burst: unknown key in connLimit (accepted: amount, key, ipv6Prefix, status)',
  ]);
  assert.deepEqual(loadErrors({ file: file('{ key: host }') }), ['middlewares.c.connLimit.amount: missing (required)']);
});
