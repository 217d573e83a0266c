// Writes held to the end of the event loop's turn (src/net-io/turn-end-writes.ts):
// they go out when the turn's other work is done, together per socket, and a
// socket held while a batch goes out is not forgotten.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { Writable } from 'node:stream';
import { Http1Connection, type Http1ConnectionOwner } from '../src/frontend/http1/connection.js';
import { holdWritesToTurnEnd } from '../src/net-io/turn-end-writes.js';

/** A Writable that records what reaches its _write, and runs `onWrite` there. */
function recorder(onWrite: () => void = () => undefined): Writable & { got: string[] } {
  const got: string[] = [];
  const w = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      got.push(chunk.toString());
      onWrite();
      callback();
    },
    writev(chunks, callback) {
      got.push(chunks.map((c) => String(c.chunk)).join(''));
      onWrite();
      callback();
    },
  });
  return Object.assign(w, { got });
}

/** A connected pair of TCP sockets on loopback, closed after the test. */
async function socketPair(t: { after: (fn: () => Promise<void>) => void }): Promise<{ client: Socket; accepted: Socket }> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const accepting = new Promise<Socket>((r) => server.once('connection', r));
  const client = connect((server.address() as AddressInfo).port, '127.0.0.1');
  await new Promise<void>((r) => client.once('connect', () => r()));
  const accepted = await accepting;
  t.after(() => {
    client.destroy();
    accepted.destroy();
    return new Promise<void>((r) => server.close(() => r()));
  });
  return { client, accepted };
}

const nextTurn = () => new Promise<void>((r) => setImmediate(r));

test('held writes go out at the end of the turn, together', async () => {
  const w = recorder();
  holdWritesToTurnEnd(w);
  w.write('head,');
  holdWritesToTurnEnd(w); // already held: no second cork
  w.write('body');
  await Promise.resolve();
  assert.deepEqual(w.got, [], 'nothing is written before the turn ends');
  await nextTurn();
  assert.deepEqual(w.got, ['head,body']);
  assert.equal(w.writableCorked, 0);
});

test('a socket held while a batch goes out is sent at the next turn end, not left corked', async () => {
  const later = recorder();
  const first = recorder(() => {
    holdWritesToTurnEnd(later);
    later.write('late');
  });
  holdWritesToTurnEnd(first);
  first.write('first');
  for (let i = 0; i < 5 && later.got.length === 0; i++) await nextTurn();
  assert.deepEqual(first.got, ['first']);
  assert.deepEqual(later.got, ['late']);
  assert.equal(later.writableCorked, 0);
});

test('a held write on a TCP socket reaches the peer', async (t) => {
  const { client, accepted: peer } = await socketPair(t);
  let received = '';
  const arrived = new Promise<void>((resolve) =>
    peer.on('data', (c: Buffer) => {
      received += c.toString();
      if (received === 'GET / HTTP/1.1\r\n\r\n') resolve();
    }),
  );
  holdWritesToTurnEnd(client);
  client.write('GET / HTTP/1.1\r\n');
  client.write('\r\n');
  assert.ok(client.writableLength > 0, 'held in the socket until the turn ends');
  await arrived;
});

test('a client connection closed while its answer is still held sends the answer first', async (t) => {
  const { client, accepted: socket } = await socketPair(t);
  const owner: Http1ConnectionOwner = {
    settings: { requestHeaderTimeoutMs: 5_000, keepAliveTimeoutMs: 5_000, socketIdleMs: 5_000, abortOnClientClose: false },
    closing: false,
    onConnectionClosed: () => undefined,
    onHandOver: () => undefined,
  };
  // The answer is written at once; the listener then closes its idle connections in the same turn.
  const connection: Http1Connection = new Http1Connection(
    socket,
    owner,
    (downstream) => {
      downstream.respond(200, ['content-length', '2']);
      // As a proxied answer goes: the body as written chunks, then the end.
      downstream.write(Buffer.from('ok'));
      downstream.end();
      queueMicrotask(() => connection.closeIfIdle());
    },
    undefined,
  );
  let received = '';
  client.on('data', (c: Buffer) => (received += c.toString('latin1')));
  const closed = new Promise<void>((r) => client.once('close', () => r()));
  client.on('error', () => undefined);
  client.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
  await closed;
  assert.match(received, /^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\nok$/);
});
