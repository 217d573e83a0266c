// The transport over real loopback sockets: keep-alive reuse, framing on
// the wire, the idle-connection race, timeouts, aborts, backpressure and
// malformed answers. Backends are raw `net` servers sending scripted bytes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, Socket, type AddressInfo } from 'node:net';
import { PassThrough, Readable } from 'node:stream';
import { ConnectionPool, type ConnectFunction } from '../src/upstream/http1/index.js';
import { delay, header, okResponse, scriptedServer, send, sendExpectingError, testPool } from './helpers/http1.js';
import { freePort } from './helpers/fixtures.js';

test('sequential requests reuse one keep-alive connection', async (t) => {
  const server = await scriptedServer(({ socket, index }) => socket.write(okResponse(`answer ${index}`)));
  t.after(() => server.close());
  const pool = testPool(t, server.url);
  for (let i = 0; i < 5; i++) {
    const reply = await send(pool);
    assert.equal(reply.status, 200);
    assert.equal(reply.body.toString(), `answer ${i}`);
  }
  assert.equal(server.connections(), 1);
  assert.equal(pool.idleCount, 1);
});

test('a response written one byte at a time arrives whole, and the connection is reused', async (t) => {
  const raw = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-Name: slow\r\n\r\n4;ext=1\r\nslow\r\n6\r\n bytes\r\n0\r\nX-Trailer: t\r\n\r\n';
  const server = await scriptedServer(async ({ socket }) => {
    for (const ch of raw) {
      socket.write(ch, 'latin1');
      await delay(1);
    }
  });
  t.after(() => server.close());
  const pool = testPool(t, server.url);
  for (let i = 0; i < 2; i++) {
    const reply = await send(pool);
    assert.equal(reply.body.toString(), 'slow bytes');
    assert.equal(header(reply, 'x-name'), 'slow');
  }
  assert.equal(server.connections(), 1);
});

test('a close-delimited body ends with the connection, which is not reused', async (t) => {
  const server = await scriptedServer(({ socket, index }) => {
    socket.end(`HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil close ${index}`);
  });
  t.after(() => server.close());
  const pool = testPool(t, server.url);
  assert.equal((await send(pool)).body.toString(), 'until close 0');
  assert.equal((await send(pool)).body.toString(), 'until close 0');
  assert.equal(server.connections(), 2);
});

test('Connection: close and HTTP/1.0 answers are not reused', async (t) => {
  const answers = [okResponse('a', 'Connection: close\r\n'), 'HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\nb', okResponse('c')];
  let n = 0;
  const server = await scriptedServer(({ socket }) => socket.write(answers[n++]!));
  t.after(() => server.close());
  const pool = testPool(t, server.url);
  for (const body of ['a', 'b', 'c']) assert.equal((await send(pool)).body.toString(), body);
  assert.equal(server.connections(), 3);
});

test('HEAD, 204 and 304 answers carry no body and keep the connection', async (t) => {
  const answers = [
    'HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n',
    'HTTP/1.1 204 No Content\r\n\r\n',
    'HTTP/1.1 304 Not Modified\r\nContent-Length: 50\r\n\r\n',
    okResponse('after'),
  ];
  let n = 0;
  const server = await scriptedServer(({ socket }) => socket.write(answers[n++]!));
  t.after(() => server.close());
  const pool = testPool(t, server.url);
  assert.equal((await send(pool, { method: 'HEAD' })).body.length, 0);
  assert.equal((await send(pool)).status, 204);
  assert.equal((await send(pool)).status, 304);
  assert.equal((await send(pool)).body.toString(), 'after');
  assert.equal(server.connections(), 1);
});

test('interim 100 and 103 answers are skipped; a 101 fails the request', async (t) => {
  const server = await scriptedServer(({ socket, head }) => {
    if (head.startsWith('GET /upgrade')) socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\nConnection: Upgrade\r\n\r\n');
    else socket.write('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </s.css>\r\n\r\n' + okResponse('final'));
  });
  t.after(() => server.close());
  const pool = testPool(t, server.url);
  const reply = await send(pool);
  assert.equal(reply.status, 200);
  assert.equal(reply.body.toString(), 'final');
  const err = await sendExpectingError(pool, { path: '/upgrade' });
  assert.equal(err.code, 'UND_ERR_NOT_SUPPORTED');
});

test('a backend that closes an idle connection: the next request opens a new one without error', async (t) => {
  const server = await scriptedServer(({ socket }) => {
    socket.write(okResponse());
    setTimeout(() => socket.end(), 20);
  });
  t.after(() => server.close());
  const pool = testPool(t, server.url);
  await send(pool);
  await delay(100);
  assert.equal(pool.size, 0, 'the closed connection left the pool');
  assert.equal((await send(pool)).status, 200);
  assert.equal(server.connections(), 2);
});

test('a reused connection closed before any response byte marks the error as the idle race', async (t) => {
  const server = await scriptedServer(({ socket, index }) => {
    if (index === 0) socket.write(okResponse());
    else socket.destroy(); // the backend closed "idle" as our request arrived
  });
  t.after(() => server.close());
  const pool = testPool(t, server.url);
  await send(pool);
  const err = await sendExpectingError(pool);
  assert.equal(err.reusedConnection, true);
  assert.ok(['UND_ERR_SOCKET', 'ECONNRESET', 'EPIPE'].includes(err.code!), err.code);
});

test('a fresh connection closed before answering is not marked as the idle race', async (t) => {
  const server = await scriptedServer(({ socket }) => socket.destroy());
  t.after(() => server.close());
  const pool = testPool(t, server.url);
  const err = await sendExpectingError(pool);
  assert.equal(err.reusedConnection, undefined);
  assert.ok(['UND_ERR_SOCKET', 'ECONNRESET'].includes(err.code!), err.code);
});

test('a reused connection closed after part of the answer is not the idle race', async (t) => {
  const server = await scriptedServer(({ socket, index }) => {
    if (index === 0) socket.write(okResponse());
    else socket.end('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort');
  });
  t.after(() => server.close());
  const pool = testPool(t, server.url);
  await send(pool);
  const err = await sendExpectingError(pool);
  assert.equal(err.code, 'UND_ERR_SOCKET');
  assert.equal(err.reusedConnection, undefined);
});

test('connection refused passes through as ECONNREFUSED', async (t) => {
  const pool = testPool(t, `http://127.0.0.1:${await freePort()}`);
  assert.equal((await sendExpectingError(pool)).code, 'ECONNREFUSED');
  assert.equal(pool.size, 0);
});

test('a connect that never completes fails with UND_ERR_CONNECT_TIMEOUT', async (t) => {
  const sockets: Socket[] = [];
  // A socket that never connects stands in for an unreachable address.
  const connect: ConnectFunction = () => {
    const s = new Socket();
    sockets.push(s);
    return s;
  };
  const pool = testPool(t, 'http://10.255.255.1:80', { connect, connectTimeoutMs: 100 });
  const started = performance.now();
  // A real connecting socket keeps the process alive; the stand-in does not.
  const keepAlive = setTimeout(() => {}, 5_000);
  const err = await sendExpectingError(pool);
  clearTimeout(keepAlive);
  assert.equal(err.code, 'UND_ERR_CONNECT_TIMEOUT');
  const took = performance.now() - started;
  assert.ok(took >= 95 && took < 1000, `took ${took} ms`);
  assert.equal(sockets[0]!.destroyed, true);
});

test('no response head in time fails with UND_ERR_HEADERS_TIMEOUT and closes the connection', async (t) => {
  let closed = 0;
  const server = await scriptedServer(({ socket }) => socket.on('close', () => closed++));
  t.after(() => server.close());
  const pool = testPool(t, server.url, { headersTimeoutMs: 150 });
  const started = performance.now();
  const err = await sendExpectingError(pool);
  assert.equal(err.code, 'UND_ERR_HEADERS_TIMEOUT');
  assert.ok(performance.now() - started >= 145);
  // A per-request headersTimeout overrides the pool's.
  const quick = performance.now();
  assert.equal((await sendExpectingError(pool, { headersTimeout: 50 })).code, 'UND_ERR_HEADERS_TIMEOUT');
  assert.ok(performance.now() - quick < 145);
  await delay(50);
  assert.equal(closed, 2);
});

test('a body that goes silent fails with UND_ERR_BODY_TIMEOUT', async (t) => {
  const server = await scriptedServer(({ socket }) => {
    socket.write('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nfirst part');
  });
  t.after(() => server.close());
  const pool = testPool(t, server.url, { bodyTimeoutMs: 150 });
  const err = await sendExpectingError(pool);
  assert.equal(err.code, 'UND_ERR_BODY_TIMEOUT');
});

test('idle connections close after the keep-alive timeout', async (t) => {
  const server = await scriptedServer(({ socket }) => socket.write(okResponse()));
  t.after(() => server.close());
  const pool = testPool(t, server.url, { keepAliveTimeoutMs: 100 });
  await send(pool);
  assert.equal(pool.size, 1);
  await delay(400);
  assert.equal(pool.size, 0);
  assert.equal(server.open(), 0);
});

test('a malformed answer fails with UND_ERR_INVALID_RESPONSE and the connection is dropped', async (t) => {
  const server = await scriptedServer(({ socket }) => {
    socket.write('HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n');
  });
  t.after(() => server.close());
  const pool = testPool(t, server.url);
  assert.equal((await sendExpectingError(pool)).code, 'UND_ERR_INVALID_RESPONSE');
  await delay(50);
  assert.equal(server.open(), 0);
});

test('bytes after a complete answer mean the connection is out of step: it is not reused', async (t) => {
  const server = await scriptedServer(({ socket }) => socket.write(okResponse('one') + 'garbage'));
  t.after(() => server.close());
  const pool = testPool(t, server.url);
  assert.equal((await send(pool)).body.toString(), 'one');
  assert.equal((await send(pool)).body.toString(), 'one');
  assert.equal(server.connections(), 2);
});

test('abort before the connection is up ends with onError(reason) once, and abort inside onConnect too', async (t) => {
  const server = await scriptedServer(({ socket }) => socket.write(okResponse()));
  t.after(() => server.close());
  const pool = testPool(t, server.url);
  const reason = new Error('changed my mind');
  for (const when of ['sync', 'soon'] as const) {
    const errors: Error[] = [];
    let completes = 0;
    pool.dispatch(
      { path: '/', method: 'GET', headers: ['host', 'x'], body: null },
      {
        onConnect(abort) {
          if (when === 'sync') abort(reason);
          else queueMicrotask(() => abort(reason));
        },
        onHeaders: () => true,
        onData: () => true,
        onComplete: () => completes++,
        onError: (err) => errors.push(err),
      },
    );
    await delay(50);
    assert.deepEqual(errors, [reason], when);
    assert.equal(completes, 0);
  }
  // The pool is still fine.
  assert.equal((await send(pool)).status, 200);
});

test('abort after the head destroys the socket and ends with onError(reason)', async (t) => {
  let closed = false;
  const server = await scriptedServer(({ socket }) => {
    socket.on('close', () => (closed = true));
    socket.write('HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\npartial');
  });
  t.after(() => server.close());
  const pool = testPool(t, server.url);
  const reason = new Error('client went away');
  const result = await new Promise<Error>((resolve, reject) => {
    let abortFn: ((e?: Error) => void) | undefined;
    pool.dispatch(
      { path: '/', method: 'GET', headers: ['host', 'x'], body: null },
      {
        onConnect: (abort) => (abortFn = abort),
        onHeaders: () => {
          setImmediate(() => abortFn!(reason));
          return true;
        },
        onData: () => true,
        onComplete: () => reject(new Error('completed')),
        onError: resolve,
      },
    );
  });
  assert.equal(result, reason);
  await delay(50);
  assert.equal(closed, true);
  assert.equal(pool.size, 0);
});

test('a slow consumer pauses the socket: memory does not grow while paused', async (t) => {
  const total = 64 * 1024 * 1024;
  let serverBuffered = 0;
  const server = await scriptedServer(({ socket }) => {
    socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${total}\r\n\r\n`);
    const block = Buffer.alloc(64 * 1024, 7);
    let sent = 0;
    const pump = () => {
      while (sent < total) {
        sent += block.length;
        if (!socket.write(block)) {
          socket.once('drain', pump);
          return;
        }
      }
    };
    pump();
    const watch = setInterval(() => (serverBuffered = total - sent + socket.writableLength), 10);
    socket.on('close', () => clearInterval(watch));
  });
  t.after(() => server.close());
  const pool = testPool(t, server.url);
  let received = 0;
  let resume: () => void = () => {};
  let paused = true;
  const done = new Promise<void>((resolve, reject) => {
    pool.dispatch(
      { path: '/', method: 'GET', headers: ['host', 'x'], body: null },
      {
        onConnect() {},
        onHeaders: (_s, _h, r) => {
          resume = r;
          return true;
        },
        onData: (chunk) => {
          received += chunk.length;
          return !paused; // refuse more until resume()
        },
        onComplete: () => resolve(),
        onError: reject,
      },
    );
  });
  await delay(300);
  const whilePaused = received;
  await delay(200);
  assert.equal(received, whilePaused, 'nothing delivered while paused');
  assert.ok(whilePaused < 4 * 1024 * 1024, `delivered ${whilePaused} bytes despite the pause`);
  assert.ok(serverBuffered > total / 2, 'the backend is held back by TCP flow control');
  paused = false;
  resume();
  await done;
  assert.equal(received, total);
});

test('requests wait in FIFO order when every connection is busy', async (t) => {
  const order: string[] = [];
  const server = await scriptedServer(({ socket, head }) => {
    const path = head.split(' ')[1]!;
    order.push(path);
    setTimeout(() => socket.write(okResponse(path)), 20);
  });
  t.after(() => server.close());
  const pool = testPool(t, server.url, { connections: 1 });
  const replies = await Promise.all(['/a', '/b', '/c', '/d'].map((path) => send(pool, { path })));
  assert.deepEqual(replies.map((r) => r.body.toString()), ['/a', '/b', '/c', '/d']);
  assert.deepEqual(order, ['/a', '/b', '/c', '/d']);
  assert.equal(server.connections(), 1);
});

test('two connections in parallel, and the most recently used idle one is taken first', async (t) => {
  const server = await scriptedServer(({ socket, connection, head }) => {
    const wait = head.includes('slow') ? 50 : 0;
    setTimeout(() => socket.write(okResponse(`conn ${connection}`)), wait);
  });
  t.after(() => server.close());
  const pool = testPool(t, server.url, { connections: 2 });
  await Promise.all([send(pool, { path: '/slow' }), send(pool, { path: '/fast' })]);
  assert.equal(server.connections(), 2);
  // conn 0 took /slow and finished last: it is the warm one now.
  assert.equal((await send(pool)).body.toString(), 'conn 0');
});

test('request heads: Host added when missing, Content-Length for a Buffer body and an empty POST', async (t) => {
  const server = await scriptedServer(({ socket }) => socket.write(okResponse()));
  t.after(() => server.close());
  const pool = testPool(t, server.url);
  await send(pool, { headers: ['x-one', '1'] });
  await send(pool, { method: 'POST', headers: ['Host', 'example.test'], body: Buffer.from('hello') });
  await send(pool, { method: 'POST', headers: ['host', 'x'] });
  const wire = server.received[0]!.toString('latin1');
  assert.equal(
    wire,
    `GET / HTTP/1.1\r\nx-one: 1\r\nhost: 127.0.0.1:${server.port}\r\n\r\n` +
      'POST / HTTP/1.1\r\nHost: example.test\r\ncontent-length: 5\r\n\r\nhello' +
      'POST / HTTP/1.1\r\nhost: x\r\ncontent-length: 0\r\n\r\n',
  );
});

test('stream bodies: raw with a Content-Length, chunked without', async (t) => {
  // Answers each request once its bytes end with the next expected marker.
  const markers = ['helloworld', '3\r\nabc\r\n5\r\ndefgh\r\n0\r\n\r\n'];
  const wire: string[] = [];
  let connections = 0;
  const server = createServer((socket) => {
    connections++;
    let got = '';
    socket.on('data', (d: Buffer) => {
      got += d.toString('latin1');
      if (markers.length > 0 && got.endsWith(markers[0]!)) {
        markers.shift();
        wire.push(got);
        got = '';
        socket.write(okResponse());
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => new Promise<void>((r) => server.close(() => r())));
  const pool = testPool(t, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);

  const first = new PassThrough();
  const sent = send(pool, { method: 'PUT', headers: ['host', 'x', 'content-length', '10'], body: first });
  first.write('hello');
  setTimeout(() => first.end('world'), 20);
  assert.equal((await sent).status, 200);
  assert.equal(wire[0], 'PUT / HTTP/1.1\r\nhost: x\r\ncontent-length: 10\r\n\r\nhelloworld');

  const streamed = Readable.from([Buffer.from('abc'), Buffer.from('defgh')]);
  assert.equal((await send(pool, { method: 'POST', headers: ['host', 'x'], body: streamed })).status, 200);
  assert.equal(wire[1], 'POST / HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\n5\r\ndefgh\r\n0\r\n\r\n');
  assert.equal(connections, 1, 'the connection was reused after a streamed body');
});

test('a stream body shorter than its Content-Length fails the request and drops the connection', async (t) => {
  const server = await scriptedServer(() => {});
  t.after(() => server.close());
  const pool = testPool(t, server.url);
  const err = await sendExpectingError(pool, { method: 'PUT', headers: ['host', 'x', 'content-length', '10'], body: Readable.from([Buffer.from('short')]) });
  assert.equal(err.code, 'UND_ERR_REQ_CONTENT_LENGTH_MISMATCH');
  assert.equal(pool.size, 0);
});

test('a header value with a line break is refused before anything is sent', async (t) => {
  const server = await scriptedServer(({ socket }) => socket.write(okResponse()));
  t.after(() => server.close());
  const pool = testPool(t, server.url);
  const err = await sendExpectingError(pool, { headers: ['host', 'x', 'x-evil', 'a\r\nx-injected: 1'] });
  assert.equal(err.code, 'UND_ERR_INVALID_ARG');
  assert.equal((await send(pool)).status, 200);
  assert.doesNotMatch(server.received[0]!.toString('latin1'), /injected/);
});

test('close() lets running requests finish; destroy() fails them', async (t) => {
  const server = await scriptedServer(({ socket, head }) => {
    if (head.includes('/never')) return;
    setTimeout(() => socket.write(okResponse()), 30);
  });
  t.after(() => server.close());
  const pool = new ConnectionPool(server.url);
  const running = send(pool);
  const closed = pool.close();
  assert.equal((await running).status, 200);
  await closed;
  assert.equal((await sendExpectingError(pool)).code, 'UND_ERR_CLOSED');

  const pool2 = new ConnectionPool(server.url);
  const stuck = sendExpectingError(pool2, { path: '/never' });
  await delay(30);
  await pool2.destroy();
  assert.equal((await stuck).code, 'UND_ERR_DESTROYED');
});

test('an answer before the whole body, on a kept-alive connection: the rest is still sent, then the connection is reused', async (t) => {
  const server = await scriptedServer(({ socket }) => socket.write(okResponse('early')));
  t.after(() => server.close());
  const pool = testPool(t, server.url);
  const body = new PassThrough();
  const first = send(pool, { method: 'POST', headers: ['host', 'x', 'content-length', '10'], body });
  body.write('hello');
  const reply = await first;
  assert.equal(reply.status, 200);
  assert.equal(reply.body.toString(), 'early');
  // Still busy sending the body: not idle yet, and nothing was cut.
  assert.equal(pool.idleCount, 0);
  assert.equal(pool.size, 1);
  body.end('world');
  for (let i = 0; i < 100 && pool.idleCount === 0; i++) await delay(10);
  assert.equal(pool.idleCount, 1, 'idle once the body went out');
  assert.equal((await send(pool)).body.toString(), 'early');
  assert.equal(server.connections(), 1, 'the same connection served the next request');
  assert.match(server.received[0]!.toString('latin1'), /\r\n\r\nhelloworldGET \/ HTTP\/1\.1\r\n/);
});

test('an answer before the whole body, then a body that stalls: the connection closes after the body timeout', async (t) => {
  const server = await scriptedServer(({ socket }) => socket.write(okResponse('early')));
  t.after(() => server.close());
  const pool = testPool(t, server.url, { bodyTimeoutMs: 200 });
  const body = new PassThrough();
  const reply = await send(pool, { method: 'POST', headers: ['host', 'x', 'content-length', '10'], body });
  assert.equal(reply.status, 200);
  body.write('hel');
  for (let i = 0; i < 300 && pool.size > 0; i++) await delay(10);
  assert.equal(pool.size, 0, 'the connection was closed');
  assert.equal(body.destroyed, true, 'the unsent body was dropped');
});

test('an answer with Connection: close before the whole body: the rest is not sent and the body is dropped', async (t) => {
  const server = await scriptedServer(({ socket }) => socket.write('HTTP/1.1 413 Too Large\r\ncontent-length: 0\r\nconnection: close\r\n\r\n'));
  t.after(() => server.close());
  const pool = testPool(t, server.url);
  const body = new PassThrough();
  const sent = send(pool, { method: 'POST', headers: ['host', 'x', 'content-length', '10'], body });
  body.write('hello');
  assert.equal((await sent).status, 413);
  assert.equal(body.destroyed, true);
  assert.equal(pool.size, 0);
});
