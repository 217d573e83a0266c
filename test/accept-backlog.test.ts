// Without reusePort a listener has one socket, and libuv accepts one
// connection from it per event-loop turn: a burst of new clients on a busy
// loop waits seconds. AcceptBacklog then opens copies of the listening
// descriptor (made by a short-lived child process), each one more accept
// per turn, and closes them once the accept queue is drained.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { AcceptBacklog, BACKLOG_COPIES, backlogBuilding, backlogDrained } from '../src/frontend/accept-backlog.js';
import { copyListeningSocket } from '../src/frontend/listen-socket-copies.js';

const ANSWER = 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok';

/** A server that answers every request and counts its open connections and those its copies accepted. */
function startServer(work: () => void = () => {}): Promise<{ server: Server; open: Set<Socket>; viaCopies: () => number }> {
  const open = new Set<Socket>();
  let viaCopies = 0;
  const server = createServer((socket) => {
    work();
    open.add(socket);
    if ((socket as Socket & { server?: Server }).server !== server) viaCopies++;
    socket.on('close', () => open.delete(socket));
    socket.on('error', () => socket.destroy());
    socket.on('data', () => socket.write(ANSWER));
  });
  return new Promise((resolve) => server.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, () => resolve({ server, open, viaCopies: () => viaCopies })));
}

/** Opens `n` connections at once, each sending one request; resolves with the sockets once every one has its answer. */
function clients(port: number, n: number): Promise<Socket[]> {
  return Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<Socket>((resolve, reject) => {
          const socket = connect(port, '127.0.0.1');
          const timer = setTimeout(() => reject(new Error('no answer within 20 s')), 20_000);
          socket.on('connect', () => socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
          socket.once('data', () => {
            clearTimeout(timer);
            resolve(socket);
          });
          socket.on('error', reject);
        }),
    ),
  );
}

/** Waits (polling, at most `ms`) until `ok()` holds. */
async function until(ok: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function portOf(server: Server): number {
  return (server.address() as { port: number }).port;
}

test('copies open after a streak of turns that each accepted, and close once few accepts come', () => {
  assert.equal(backlogBuilding(64), true, 'every one of 64 turns in a row accepted: clients are waiting');
  assert.equal(backlogBuilding(63), false, 'a streak too short to say');
  assert.equal(backlogDrained(0), true, 'nothing waits any more');
  assert.equal(backlogDrained(20), true, 'less than a turn of accepts in a window');
  assert.equal(backlogDrained(500), false, 'still accepting many a turn');
});

test('copies of a listening socket accept for it, and closing them leaves the socket listening', async (t) => {
  const { server, open, viaCopies } = await startServer();
  const backlog = new AcceptBacklog({ primary: server, socketOptions: {}, backlog: 4096 });
  t.after(async () => {
    await backlog.close();
    for (const s of open) s.destroy();
    await new Promise((resolve) => server.close(resolve));
  });
  await backlog.open();
  assert.equal(backlog.copiesOpen, BACKLOG_COPIES);
  const first = await clients(portOf(server), 200);
  assert.ok(viaCopies() > 0, `the copies accepted some of the 200 connections (the server's own socket took ${200 - viaCopies()})`);
  for (const s of first) s.destroy();
  await backlog.closeCopies();
  assert.equal(backlog.copiesOpen, 0);
  const before = viaCopies();
  const second = await clients(portOf(server), 20);
  assert.equal(viaCopies(), before, 'with the copies closed, only the server itself accepts');
  for (const s of second) s.destroy();
});

test('copying a socket that is not listening fails and leaves nothing open', async () => {
  await assert.rejects(copyListeningSocket(createServer(), 2), /not listening/);
});

test('a burst of new clients on a busy listener opens copies by itself, and they close once the queue is drained', async (t) => {
  // Each accept keeps the loop busy 2 ms, as a listener serving many busy connections would be.
  const busy = () => {
    const end = performance.now() + 2;
    while (performance.now() < end);
  };
  const { server, open, viaCopies } = await startServer(busy);
  let mostCopies = 0;
  const backlog = new AcceptBacklog({ primary: server, socketOptions: {}, backlog: 4096 });
  server.on('connection', () => (mostCopies = Math.max(mostCopies, backlog.copiesOpen)));
  t.after(async () => {
    await backlog.close();
    for (const s of open) s.destroy();
    await new Promise((resolve) => server.close(resolve));
  });
  const sockets = await clients(portOf(server), 600);
  assert.ok(mostCopies > 0, 'copies were opened during the burst');
  assert.ok(viaCopies() > 0, 'and accepted some of its connections');
  await until(() => backlog.copiesOpen === 0, 10_000, 'the copies to close once the queue is drained');
  for (const s of sockets) s.destroy();
  await until(() => open.size === 0, 5_000, 'every connection to close');
});
