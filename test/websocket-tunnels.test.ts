// WebSocket tunnels end to end: a real client (the ws package), a real
// fairway and the test backend's /ws echo. A tunnel is routed and picked like
// a request, holds its backend's slot while open (least-connections and
// maxConnections see it), has its own idle limit, survives a drain until its
// deadline, is cut at the shutdown deadline, shows in /lb/stats and
// /metrics, and is recorded once, as a 101 with its bytes, when it closes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import type { PoolConfig } from '../src/config/types.js';
import type { RequestRecord } from '../src/observability/events.js';
import { startTestBackend, type TestBackend } from '../src/tools/test-backend.js';
import { get, poolConfig, startFairway, testClient, testConfig, waitFor, type RunningFairway } from './helpers/fixtures.js';
import { promtoolCheck, scrape, value } from './helpers/metrics.js';

type After = { after: (fn: () => Promise<void> | void) => void };

/** A WebSocket client whose messages queue up until the test asks for them. */
class Client {
  private readonly messages: Buffer[] = [];
  private readonly wakers = new Set<() => void>();
  /** The close code, once closed. */
  closeCode: number | undefined;
  closedAt = 0;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data: Buffer) => {
      this.messages.push(data);
      this.wake();
    });
    ws.on('close', (code: number) => {
      this.closeCode = code;
      this.closedAt = performance.now();
      this.wake();
    });
    ws.on('error', () => undefined);
  }

  /** Connects; resolves once the handshake is done, failing after `timeoutMs`. */
  static open(url: string, timeoutMs = 5_000): Promise<Client> {
    const ws = new WebSocket(url);
    const client = new Client(ws);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        ws.terminate();
        reject(new Error(`no handshake with ${url} within ${timeoutMs} ms`));
      }, timeoutMs);
      ws.once('open', () => {
        clearTimeout(timer);
        resolve(client);
      });
      ws.once('unexpected-response', (_req, res) => {
        clearTimeout(timer);
        reject(new Error(`handshake answered ${res.statusCode}`));
      });
      ws.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
  }

  /** Opens a client and reads its first message: the name of the backend it reached. */
  static async toBackend(url: string): Promise<{ client: Client; server: string }> {
    const client = await Client.open(url);
    const greeting = JSON.parse((await client.next()).toString()) as { server: string };
    return { client, server: greeting.server };
  }

  private wake(): void {
    for (const w of [...this.wakers]) w();
  }

  private until<T>(what: string, check: () => T | undefined, timeoutMs: number): Promise<T> {
    return new Promise((resolve, reject) => {
      const tryNow = () => {
        const value = check();
        if (value === undefined) return;
        clearTimeout(timer);
        this.wakers.delete(tryNow);
        resolve(value);
      };
      const timer = setTimeout(() => {
        this.wakers.delete(tryNow);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      this.wakers.add(tryNow);
      tryNow();
    });
  }

  next(timeoutMs = 5_000): Promise<Buffer> {
    return this.until('a message', () => this.messages.shift(), timeoutMs);
  }

  /** The close code once the connection is closed. */
  closed(timeoutMs = 5_000): Promise<number> {
    return this.until('the close', () => this.closeCode, timeoutMs);
  }

  /** Sends `text` and returns the echo. */
  async echo(text: string): Promise<string> {
    this.ws.send(text);
    return (await this.next()).toString();
  }

  end(): void {
    this.ws.terminate();
  }
}

/** Answers the handshake's status, for answers other than 101. */
function refusedHandshake(url: string, timeoutMs = 5_000): Promise<{ status: number; body: string }> {
  const ws = new WebSocket(url);
  ws.on('error', () => undefined);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error(`no answer from ${url} within ${timeoutMs} ms`));
    }, timeoutMs);
    ws.once('open', () => {
      clearTimeout(timer);
      ws.terminate();
      reject(new Error('the handshake succeeded'));
    });
    ws.once('unexpected-response', (req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => {
        clearTimeout(timer);
        req.destroy();
        resolve({ status: res.statusCode ?? 0, body });
      });
    });
  });
}

function quietPool(urls: string[], overrides: Partial<PoolConfig> = {}): PoolConfig {
  const pool = poolConfig(urls, overrides);
  pool.healthCheck = { ...pool.healthCheck, enabled: false };
  pool.outlierDetection = { ...pool.outlierDetection, enabled: false };
  return pool;
}

async function backends(t: After, ...names: string[]): Promise<TestBackend[]> {
  const started = await Promise.all(names.map((name) => startTestBackend({ name })));
  t.after(() => Promise.all(started.map((b) => b.close())).then(() => undefined));
  return started;
}

async function fairwayFor(t: After, pool: PoolConfig, shutdownTimeoutMs = 5_000): Promise<RunningFairway & { ws: string }> {
  const lb = await startFairway(testConfig([pool], { shutdownTimeoutMs }));
  t.after(() => lb.close());
  return { ...lb, ws: `ws://127.0.0.1:${lb.port}` };
}

const backendOf = (lb: RunningFairway, id: string) => lb.fairway.pools[0]!.backends.find((b) => b.id === id);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('the first message names the backend and every message is echoed through the tunnel', async (t) => {
  const [alpha] = await backends(t, 'alpha');
  const lb = await fairwayFor(t, quietPool([alpha!.url]));
  const { client, server } = await Client.toBackend(`${lb.ws}/ws`);
  t.after(() => client.end());
  assert.equal(server, 'alpha');
  assert.equal(await client.echo('hello'), 'hello');
  assert.equal(await client.echo('über ✓'), 'über ✓');
  client.ws.ping();
  client.ws.close(1000, 'bye');
  assert.equal(await client.closed(), 1000, 'the close handshake passes both ways');
});

test('with round-robin, WebSocket clients land on both backends', async (t) => {
  const [a, b] = await backends(t, 'a', 'b');
  const lb = await fairwayFor(t, quietPool([a!.url, b!.url], { algorithm: 'round-robin' }));
  const servers: string[] = [];
  for (let i = 0; i < 4; i++) {
    const { client, server } = await Client.toBackend(`${lb.ws}/ws`);
    t.after(() => client.end());
    servers.push(server);
  }
  assert.deepEqual(servers.slice().sort(), ['a', 'a', 'b', 'b']);
});

test('a big message goes through both ways intact, with backpressure', async (t) => {
  const [alpha] = await backends(t, 'alpha');
  const lb = await fairwayFor(t, quietPool([alpha!.url]));
  const { client } = await Client.toBackend(`${lb.ws}/ws`);
  t.after(() => client.end());
  const big = randomBytes(8 * 1024 * 1024);
  client.ws.send(big);
  client.ws.send('after');
  const echoed = await client.next(20_000);
  assert.equal(echoed.length, big.length);
  assert.ok(echoed.equals(big), 'the 8 MiB echo matches byte for byte');
  assert.equal((await client.next()).toString(), 'after', 'and what followed it, in order');
});

test('a backend that answers the handshake 404 is relayed to the client as 404', async (t) => {
  const [alpha] = await backends(t, 'alpha');
  const lb = await fairwayFor(t, quietPool([alpha!.url]));
  const answer = await refusedHandshake(`${lb.ws}/no-socket-here`);
  assert.equal(answer.status, 404);
  assert.match(answer.body, /no WebSocket endpoint at \/no-socket-here/);
  assert.equal(backendOf(lb, 's1')!.inFlight, 0, 'the slot is given back');
  assert.equal(backendOf(lb, 's1')!.openTunnels, 0);
});

test('least-connections counts open tunnels: with three tunnels on one backend, requests go to the other', async (t) => {
  const [a, b] = await backends(t, 'a', 'b');
  const lb = await fairwayFor(t, quietPool([a!.url, b!.url], { algorithm: 'least-connections' }));
  const pool = lb.fairway.pools[0]!;
  // Only a takes new work while the tunnels open.
  pool.setState(pool.findBackend('s2')!, 'disabled');
  for (let i = 0; i < 3; i++) {
    const { client, server } = await Client.toBackend(`${lb.ws}/ws`);
    t.after(() => client.end());
    assert.equal(server, 'a');
  }
  pool.setState(pool.findBackend('s2')!, 'enabled');
  assert.equal(backendOf(lb, 's1')!.inFlight, 3);
  const http = testClient();
  t.after(() => http.close());
  for (let i = 0; i < 3; i++) {
    const res = await get(http, `${lb.url}/`);
    assert.equal(res.headers['x-backend'], 'b', `request ${i + 1} avoids the backend holding three tunnels`);
  }
});

test('an open tunnel takes a connection of maxConnections: the next request waits in the queue, and gets 503 if it waits too long', async (t) => {
  const [alpha] = await backends(t, 'alpha');
  const pool = quietPool([alpha!.url], { queue: { size: 4, timeoutMs: 400 } });
  pool.backends[0]!.maxConnections = 1;
  const lb = await fairwayFor(t, pool);
  const { client } = await Client.toBackend(`${lb.ws}/ws`);
  t.after(() => client.end());
  const http = testClient();
  t.after(() => http.close());

  const started = performance.now();
  const timedOut = await get(http, `${lb.url}/`);
  assert.equal(timedOut.status, 503);
  assert.match(timedOut.body, /queue_timeout/);
  assert.ok(performance.now() - started >= 350, 'it waited in the queue first');

  const waiting = get(http, `${lb.url}/after-the-tunnel`);
  await waitFor('the request to queue', () => lb.fairway.pools[0]!.queue.length === 1, 2_000);
  client.ws.close(1000);
  const res = await waiting;
  assert.equal(res.status, 200, 'the slot the tunnel gave back goes to the queued request');
  assert.match(res.body, /"path":"\/after-the-tunnel"/);
});

test('an idle tunnel outlives timeouts.response and timeouts.idle, and is closed after timeouts.tunnel of silence', async (t) => {
  const [alpha] = await backends(t, 'alpha');
  const lb = await fairwayFor(t, quietPool([alpha!.url], { timeouts: { connectMs: 1_000, responseMs: 200, idleMs: 200, tunnelMs: 1_200 } }));
  const { client } = await Client.toBackend(`${lb.ws}/ws`);
  t.after(() => client.end());
  await sleep(700);
  assert.equal(client.closeCode, undefined, 'still open after more than the response and idle timeouts');
  assert.equal(await client.echo('still here'), 'still here');
  const lastActivity = performance.now();
  const code = await client.closed(5_000);
  const silentFor = client.closedAt - lastActivity;
  assert.equal(code, 1006, 'cut, not closed by a handshake');
  assert.ok(silentFor >= 1_100, `closed after ${Math.round(silentFor)} ms of silence, not before the limit`);
  assert.ok(silentFor < 3_000, `closed after ${Math.round(silentFor)} ms of silence, soon after the limit`);
  await waitFor('the slot to be given back', () => backendOf(lb, 's1')!.inFlight === 0, 2_000);
});

test('shutdown lets an open tunnel work during its grace period and closes it at the deadline', async (t) => {
  const [alpha] = await backends(t, 'alpha');
  const lb = await fairwayFor(t, quietPool([alpha!.url]));
  const { client } = await Client.toBackend(`${lb.ws}/ws`);
  t.after(() => client.end());
  const started = performance.now();
  const closing = lb.fairway.close(800);
  await sleep(100);
  assert.equal(await client.echo('during shutdown'), 'during shutdown');
  await client.closed(5_000);
  const closedAfter = client.closedAt - started;
  assert.ok(closedAfter >= 700, `cut at the deadline (${Math.round(closedAfter)} ms), not before`);
  let done = false;
  await Promise.race([closing.then(() => (done = true)), sleep(3_000)]);
  assert.equal(done, true, 'close() resolves once the tunnel is cut');
});

test('a backend removed by a reload keeps its tunnel until the drain deadline, then the tunnel is cut', async (t) => {
  const [a, b] = await backends(t, 'a', 'b');
  const lb = await fairwayFor(t, quietPool([a!.url]));
  const { client } = await Client.toBackend(`${lb.ws}/ws`);
  t.after(() => client.end());
  const next = testConfig([quietPool([b!.url])], { shutdownTimeoutMs: 1_000 });
  const reloadedAt = performance.now();
  assert.equal((await lb.fairway.apply(next)).ok, true);
  await sleep(300);
  assert.equal(await client.echo('draining'), 'draining', 'the tunnel goes on while its backend drains');
  assert.equal(backendOf(lb, 's1')?.url, a!.url, 'the leaving backend waits for its tunnel');
  const { client: fresh, server } = await Client.toBackend(`${lb.ws}/ws`);
  t.after(() => fresh.end());
  assert.equal(server, 'b', 'new tunnels go to the new member');
  await client.closed(5_000);
  const cutAfter = client.closedAt - reloadedAt;
  assert.ok(cutAfter >= 900, `cut at the drain deadline (${Math.round(cutAfter)} ms), not before`);
  await waitFor('the removed backend to leave', () => lb.fairway.pools[0]!.backends.every((x) => x.url !== a!.url), 2_000);
  assert.equal(await fresh.echo('unaffected'), 'unaffected');
});

test('a backend removed by a reload leaves as soon as its last tunnel closes', async (t) => {
  const [a, b] = await backends(t, 'a', 'b');
  const lb = await fairwayFor(t, quietPool([a!.url]));
  const { client } = await Client.toBackend(`${lb.ws}/ws`);
  t.after(() => client.end());
  assert.equal((await lb.fairway.apply(testConfig([quietPool([b!.url])], { shutdownTimeoutMs: 10_000 }))).ok, true);
  await sleep(200);
  assert.ok(lb.fairway.pools[0]!.backends.some((x) => x.url === a!.url), 'still draining while the tunnel is open');
  client.ws.close(1000);
  assert.equal(await client.closed(), 1000);
  await waitFor('the removed backend to leave', () => lb.fairway.pools[0]!.backends.every((x) => x.url !== a!.url), 2_000);
});

test('/lb/stats and /metrics show the open tunnels per backend', async (t) => {
  const [alpha] = await backends(t, 'alpha');
  const lb = await fairwayFor(t, quietPool([alpha!.url]));
  const clients = [await Client.toBackend(`${lb.ws}/ws`), await Client.toBackend(`${lb.ws}/ws`)].map((c) => c.client);
  t.after(() => clients.forEach((c) => c.end()));

  const stats = (await (await fetch(`${lb.adminUrl}/lb/stats`)).json()) as { pools: { backends: { id: string; openTunnels: number; activeRequests: number }[] }[] };
  const s1 = stats.pools[0]!.backends.find((b) => b.id === 's1')!;
  assert.equal(s1.openTunnels, 2);
  assert.equal(s1.activeRequests, 2, 'each tunnel is a connection in flight');
  const text = (await scrape(lb.adminUrl)).text;
  assert.equal(value(text, 'fairway_backend_open_tunnels', { pool: 'default', backend: 's1' }), 2);
  assert.equal(value(text, 'fairway_backend_in_flight', { pool: 'default', backend: 's1' }), 2);
  const check = promtoolCheck(text);
  assert.equal(check.code, 0, `promtool check metrics found problems:\n${check.output}`);

  clients[0]!.ws.close(1000);
  await clients[0]!.closed();
  await waitFor('one tunnel left in /metrics', async () => value((await scrape(lb.adminUrl)).text, 'fairway_backend_open_tunnels', { backend: 's1' }) === 1, 2_000);
  assert.equal(backendOf(lb, 's1')!.openTunnels, 1);
});

test('a tunnel is recorded once, when it closes, as a 101 with the bytes of both directions', async (t) => {
  const [alpha] = await backends(t, 'alpha');
  const lb = await fairwayFor(t, quietPool([alpha!.url]));
  const records: RequestRecord[] = [];
  lb.fairway.events.on('request', (r: RequestRecord) => records.push(r));
  const { client } = await Client.toBackend(`${lb.ws}/ws`);
  t.after(() => client.end());
  const payload = 'x'.repeat(10_000);
  assert.equal(await client.echo(payload), payload);
  await sleep(150);
  assert.equal(records.length, 0, 'nothing is recorded while the tunnel is open');
  client.ws.close(1000);
  await client.closed();
  await waitFor('the record', () => records.length > 0, 2_000);
  await sleep(100);
  assert.equal(records.length, 1, 'onDone ran once');
  const record = records[0]!;
  assert.equal(record.status, 101);
  assert.equal(record.path, '/ws');
  assert.equal(record.backend, 's1');
  assert.equal(record.errorKind, '');
  assert.ok(record.bytesIn >= payload.length, `bytesIn ${record.bytesIn} counts what the client sent`);
  assert.ok(record.bytesOut >= payload.length + '{"server":"alpha"'.length, `bytesOut ${record.bytesOut} counts the greeting and the echo`);
  assert.ok(record.durationMs >= 150, `the duration (${record.durationMs} ms) spans the tunnel's life`);
  assert.equal(lb.fairway.traffic.active, 0);
  assert.equal(backendOf(lb, 's1')!.inFlight, 0);
});
