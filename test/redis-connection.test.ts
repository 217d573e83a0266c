// fairway's own Redis client against a real redis-server: pipelined replies
// reach their callers in order, error replies reject, AUTH and SELECT happen
// on connect, a hung server makes commands time out instead of hang, a dead
// one makes them fail at once (no offline queue), and the connection comes
// back by itself when the server does.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { RedisConnection, type RedisConnectionOptions, type RedisConnectionState } from '../src/state/redis-connection.js';
import { RedisReplyError, RedisTimeoutError, RedisUnavailableError } from '../src/state/redis-errors.js';
import { RedisServer } from './helpers/redis-server.js';

/** Generous bound for "did not hang": far above every timeout used here, far below the test timeout. */
const HANG_BOUND_MS = 5_000;

async function startRedis(t: TestContext, args: string[] = []): Promise<RedisServer> {
  const server = await RedisServer.start(args);
  t.after(() => server.stop());
  return server;
}

function connect(t: TestContext, server: RedisServer, options: Partial<RedisConnectionOptions> = {}): { connection: RedisConnection; states: string[] } {
  const states: string[] = [];
  const connection = new RedisConnection({
    host: '127.0.0.1',
    port: server.port,
    tls: false,
    db: 0,
    commandTimeoutMs: 200,
    connectTimeoutMs: 1_000,
    backoff: { firstMs: 20, maxMs: 200 },
    onStateChange: (state, reason) => states.push(reason === undefined ? state : `${state}: ${reason}`),
    ...options,
  });
  t.after(() => connection.close());
  return { connection, states };
}

/** Waits, bounded, until the connection is in `state`. */
async function until(connection: RedisConnection, state: RedisConnectionState, withinMs = HANG_BOUND_MS): Promise<void> {
  const deadline = Date.now() + withinMs;
  while (connection.state !== state) {
    if (Date.now() > deadline) assert.fail(`still ${connection.state} after ${withinMs}ms (waiting for ${state})`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** How `promise` settles, or 'still pending' when it takes longer than `boundMs`. */
async function settlement(promise: Promise<unknown>, boundMs = HANG_BOUND_MS): Promise<{ value?: unknown; error?: unknown } | 'still pending'> {
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<'still pending'>((resolve) => (timer = setTimeout(() => resolve('still pending'), boundMs)));
  try {
    return await Promise.race([promise.then((value) => ({ value }), (error: unknown) => ({ error })), bound]);
  } finally {
    clearTimeout(timer);
  }
}

test('pipelined commands get their own replies, in order', async (t) => {
  const server = await startRedis(t);
  const { connection } = connect(t, server);
  await until(connection, 'connected');
  const replies = await Promise.all(Array.from({ length: 200 }, () => connection.command(['INCR', 'counter'])));
  assert.deepEqual(replies, Array.from({ length: 200 }, (_, i) => i + 1));
  assert.equal(await connection.command(['SET', 'greeting', 'grüß dich']), 'OK');
  assert.equal(await connection.command(['GET', 'greeting']), 'grüß dich');
  assert.equal(await connection.command(['GET', 'absent']), null);
});

test('an error reply rejects its command only; the next commands on the connection are answered', async (t) => {
  const server = await startRedis(t);
  const { connection } = connect(t, server);
  await until(connection, 'connected');
  await connection.command(['SET', 'text', 'abc']);
  const [bad, good] = await Promise.allSettled([connection.command(['INCR', 'text']), connection.command(['PING'])]);
  assert.equal(bad.status, 'rejected');
  assert.ok(bad.reason instanceof RedisReplyError);
  assert.equal(bad.reason.code, 'ERR');
  assert.match(bad.reason.message, /not an integer/);
  assert.deepEqual(good, { status: 'fulfilled', value: 'PONG' });
});

test('AUTH and SELECT are sent on connect: the password opens the server and keys land in the chosen database', async (t) => {
  const server = await startRedis(t, ['--requirepass', 's3cret']);
  const { connection: inDb3 } = connect(t, server, { password: 's3cret', db: 3 });
  const { connection: inDb0 } = connect(t, server, { password: 's3cret' });
  await until(inDb3, 'connected');
  await until(inDb0, 'connected');
  await inDb3.command(['SET', 'where', 'three']);
  assert.equal(await inDb3.command(['GET', 'where']), 'three');
  assert.equal(await inDb0.command(['GET', 'where']), null);
});

test('a wrong password keeps the connection down, says why, and commands fail at once', async (t) => {
  const server = await startRedis(t, ['--requirepass', 's3cret']);
  const { connection, states } = connect(t, server, { password: 'wrong' });
  const deadline = Date.now() + HANG_BOUND_MS;
  while (states.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  assert.match(states[0] ?? '', /^reconnecting: .*WRONGPASS/);
  const result = await settlement(connection.command(['PING']));
  assert.ok(result !== 'still pending' && result.error instanceof RedisUnavailableError, `got ${JSON.stringify(result)}`);
  assert.notEqual(connection.state, 'connected');
});

test('a hung server (SIGSTOP) makes a command time out instead of hang; the connection recovers once it resumes', async (t) => {
  const server = await startRedis(t);
  const { connection } = connect(t, server, { commandTimeoutMs: 100, connectTimeoutMs: 300 });
  await until(connection, 'connected');
  server.pause();
  t.after(() => server.resume());
  const result = await settlement(connection.command(['PING']));
  assert.ok(result !== 'still pending', 'the command hung');
  assert.ok(result.error instanceof RedisTimeoutError, `expected a timeout, got ${String(result.error ?? result.value)}`);
  assert.match(result.error.message, /no reply within 100ms/);
  server.resume();
  // Either the late PONG drains on the same connection or it reconnected: both end connected and answering.
  const deadline = Date.now() + HANG_BOUND_MS;
  for (;;) {
    const ping = await settlement(connection.command(['PING']));
    if (ping !== 'still pending' && ping.value === 'PONG') break;
    if (Date.now() > deadline) assert.fail('no PONG after the server resumed');
    await new Promise((r) => setTimeout(r, 20));
  }
});

test('a connection whose server stays hung is dropped and tried again, so commands fail at once meanwhile', async (t) => {
  const server = await startRedis(t);
  const { connection, states } = connect(t, server, { commandTimeoutMs: 50, connectTimeoutMs: 200 });
  await until(connection, 'connected');
  server.pause();
  t.after(() => server.resume());
  await settlement(connection.command(['PING']));
  await until(connection, 'reconnecting');
  assert.match(states.at(-1)!, /^reconnecting: no reply for \d+ms/);
  const result = await settlement(connection.command(['PING']));
  assert.ok(result !== 'still pending' && result.error instanceof RedisUnavailableError);
  server.resume();
  await until(connection, 'connected');
  assert.equal(await connection.command(['PING']), 'PONG');
});

test('a killed server fails commands at once (no offline queue), and a restarted one is reconnected to by itself', async (t) => {
  const server = await startRedis(t);
  const { connection, states } = connect(t, server);
  await until(connection, 'connected');
  await connection.command(['SET', 'before', '1']);
  await server.kill();
  await until(connection, 'reconnecting');
  const whileDown = await settlement(connection.command(['SET', 'queued', '1']));
  assert.ok(whileDown !== 'still pending', 'a command waited for a connection');
  assert.ok(whileDown.error instanceof RedisUnavailableError, `expected unavailable, got ${String(whileDown.error ?? whileDown.value)}`);
  assert.match(whileDown.error.message, /not connected \(reconnecting\)/);
  await server.restart();
  await until(connection, 'connected');
  assert.equal(await connection.command(['PING']), 'PONG');
  // The command refused while down was not kept and sent later.
  assert.equal(await connection.command(['GET', 'queued']), null);
  assert.deepEqual(states.map((s) => s.split(':')[0]), ['connected', 'reconnecting', 'connected']);
});

test('commands sent before the server dies are rejected when the connection drops, not left waiting', async (t) => {
  const server = await startRedis(t);
  const { connection } = connect(t, server, { commandTimeoutMs: 10_000 });
  await until(connection, 'connected');
  server.pause();
  // Watched from the start: it may fail while the kill is still being waited for.
  const inFlight = settlement(connection.command(['PING']));
  await server.kill();
  const result = await inFlight;
  assert.ok(result !== 'still pending' && result.error instanceof RedisUnavailableError, `got ${JSON.stringify(result)}`);
});

test('close() lets the commands in flight finish, then stops: later commands fail, nothing reconnects', async (t) => {
  const server = await startRedis(t);
  const { connection, states } = connect(t, server);
  await until(connection, 'connected');
  const inFlight = connection.command(['PING']);
  const closed = connection.close();
  assert.equal(await inFlight, 'PONG');
  await closed;
  await assert.rejects(connection.command(['PING']), /the connection is closed/);
  assert.deepEqual(states, ['connected', 'closed']);
});

test('close() waiting for a reply finishes when the connection dies instead', async (t) => {
  const server = await startRedis(t);
  const { connection } = connect(t, server, { commandTimeoutMs: 10_000 });
  await until(connection, 'connected');
  server.pause();
  const inFlight = settlement(connection.command(['PING']));
  const closed = settlement(connection.close());
  await server.kill();
  assert.deepEqual(await closed, { value: undefined });
  const result = await inFlight;
  assert.ok(result !== 'still pending' && result.error instanceof RedisUnavailableError);
});

test('a server that is not there: the first attempt fails and keeps being retried; commands fail at once', async (t) => {
  const server = await startRedis(t);
  await server.kill();
  const { connection, states } = connect(t, server);
  await until(connection, 'reconnecting');
  assert.match(states[0]!, /^reconnecting: connect ECONNREFUSED/);
  await assert.rejects(connection.command(['PING']), RedisUnavailableError);
  await server.restart();
  await until(connection, 'connected');
});
