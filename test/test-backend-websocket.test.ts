// The test backend's WebSocket echo at /ws, spoken to directly by the ws
// client: the first message names the server, messages come back whole
// (fragments joined, text and binary kept apart), pings get pongs, a close
// gets a close with the same code, and an Upgrade elsewhere gets 404. close()
// ends upgraded connections too.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { startTestBackend, type TestBackend } from '../src/tools/test-backend.js';
import { webSocketAcceptKey } from '../src/tools/websocket-echo.js';

async function backend(t: TestContext): Promise<TestBackend> {
  const started = await startTestBackend({ name: 'echo-1' });
  t.after(() => started.close());
  return started;
}

/** Resolves with the first `count` messages (data and whether binary), failing after `timeoutMs`. */
function messages(ws: WebSocket, count: number, timeoutMs = 5_000): Promise<{ data: Buffer; binary: boolean }[]> {
  const got: { data: Buffer; binary: boolean }[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`got ${got.length} of ${count} messages in ${timeoutMs} ms`)), timeoutMs);
    ws.on('message', (data: Buffer, binary: boolean) => {
      got.push({ data, binary });
      if (got.length === count) {
        clearTimeout(timer);
        resolve(got);
      }
    });
  });
}

function opened(ws: WebSocket, timeoutMs = 5_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no handshake in time')), timeoutMs);
    ws.once('open', () => {
      clearTimeout(timer);
      resolve();
    });
    ws.once('error', reject);
  });
}

test('the accept key is the one RFC 6455 gives for its sample key', () => {
  assert.equal(webSocketAcceptKey('dGhlIHNhbXBsZSBub25jZQ=='), 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
});

test('/ws greets with the server name, then echoes text and binary messages whole, fragments joined', async (t) => {
  const b = await backend(t);
  const ws = new WebSocket(`ws://127.0.0.1:${b.port}/ws`);
  t.after(() => ws.terminate());
  const received = messages(ws, 4);
  await opened(ws);
  ws.send('plain text');
  ws.send(Buffer.from('in '), { fin: false });
  ws.send(Buffer.from('three '), { fin: false });
  ws.send(Buffer.from('parts'), { fin: true });
  ws.send(Buffer.from([0, 1, 2, 255]), { binary: true });
  const [greeting, text, joined, binary] = await received;
  assert.deepEqual(JSON.parse(greeting!.data.toString()), { server: 'echo-1', port: b.port });
  assert.equal(text!.data.toString(), 'plain text');
  assert.equal(text!.binary, false);
  assert.equal(joined!.data.toString(), 'in three parts');
  assert.deepEqual([...binary!.data], [0, 1, 2, 255]);
  assert.equal(binary!.binary, true);
});

test('/ws answers a ping with a pong carrying its payload, and a close with the same code', async (t) => {
  const b = await backend(t);
  const ws = new WebSocket(`ws://127.0.0.1:${b.port}/ws`);
  t.after(() => ws.terminate());
  await opened(ws);
  const pong = new Promise<string>((resolve) => ws.once('pong', (data: Buffer) => resolve(data.toString())));
  ws.ping('are you there');
  assert.equal(await pong, 'are you there');
  const closed = new Promise<number>((resolve) => ws.once('close', (code: number) => resolve(code)));
  ws.close(4001, 'done');
  assert.equal(await closed, 4001);
});

test('an Upgrade request to another path is answered 404 naming the server', async (t) => {
  const b = await backend(t);
  const ws = new WebSocket(`ws://127.0.0.1:${b.port}/elsewhere`);
  ws.on('error', () => undefined);
  const status = await new Promise<number>((resolve) => {
    ws.once('unexpected-response', (req, res) => {
      assert.equal(res.headers['x-backend'], 'echo-1');
      req.destroy();
      resolve(res.statusCode ?? 0);
    });
  });
  assert.equal(status, 404);
});

test('close() ends open WebSocket connections', async () => {
  const b = await startTestBackend();
  const ws = new WebSocket(`ws://127.0.0.1:${b.port}/ws`);
  ws.on('error', () => undefined);
  await opened(ws);
  const closed = new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), 3_000);
    ws.once('close', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
  await b.close();
  assert.equal(await closed, true);
});
