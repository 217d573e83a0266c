// bench:idle's pieces: idle keep-alive clients that count only complete 200
// answers and notice when the server closes them, the open-file limit read
// from /proc, source addresses beyond the ephemeral range, RSS from /proc
// and the per-connection arithmetic of its table.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { answerComplete, openIdleClients } from '../bench/idle/idle-connections.js';
import { idleTable, perConnection } from '../bench/idle/markdown.js';
import { parseOpenFileLimit } from '../bench/idle/open-file-limit.js';
import { childPids, rssBytes } from '../bench/idle/process-memory.js';
import { sourceAddresses } from '../bench/idle/source-addresses.js';

test('an answer is complete once its head and its Content-Length or chunked body have arrived', () => {
  assert.deepEqual(answerComplete('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhel'), { done: false, status: 200 });
  assert.deepEqual(answerComplete('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello'), { done: true, status: 200 });
  assert.deepEqual(answerComplete('HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n'), { done: false, status: 404 });
  assert.deepEqual(answerComplete('HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n'), { done: true, status: 404 });
  assert.deepEqual(answerComplete('HTTP/1.1 200 OK\r\nContent-'), { done: false });
});

test('the open-file limit is read from /proc limits, unlimited as Infinity', () => {
  const limits = 'Limit                     Soft Limit           Hard Limit           Units\nMax open files            1024                 524288               files\n';
  assert.deepEqual(parseOpenFileLimit(limits), { soft: 1024, hard: 524288 });
  assert.deepEqual(parseOpenFileLimit('Max open files            unlimited            unlimited            files'), { soft: Infinity, hard: Infinity });
});

test('connections that fit in the ephemeral range need no source address; more take 127.0.0.2 and up', () => {
  assert.deepEqual(sourceAddresses(10_000, 28_232), []);
  assert.deepEqual(sourceAddresses(60_000, 28_232), ['127.0.0.2', '127.0.0.3', '127.0.0.4']);
});

async function server(t: { after(fn: () => unknown): void }, status: number, keepAliveTimeout: number): Promise<number> {
  const s: Server = createServer((_req, res) => {
    res.statusCode = status;
    res.end('hello');
  });
  s.keepAliveTimeout = keepAliveTimeout;
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    s.closeAllConnections();
    s.close();
  });
  return (s.address() as AddressInfo).port;
}

const options = (port: number, count: number) => ({ host: '127.0.0.1', port, count, concurrency: 7, sourceAddresses: [], timeoutMs: 5_000 });

test('every connection is answered once and then stays open', async (t) => {
  const port = await server(t, 200, 60_000);
  const clients = await openIdleClients(options(port, 30));
  t.after(() => clients.close());
  assert.equal(clients.answered, 30);
  assert.equal(clients.failures.size, 0);
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(clients.stillOpen(), 30);
});

test('an answer other than 200 is a failure with its status, not an answered connection', async (t) => {
  const port = await server(t, 404, 60_000);
  const clients = await openIdleClients(options(port, 5));
  t.after(() => clients.close());
  assert.equal(clients.answered, 0);
  assert.deepEqual([...clients.failures], [['answered 404', 5]]);
});

test('connections the server closes after its keep-alive timeout no longer count as held', async (t) => {
  const port = await server(t, 200, 200);
  const clients = await openIdleClients(options(port, 10));
  t.after(() => clients.close());
  assert.equal(clients.answered, 10);
  const deadline = Date.now() + 5_000;
  while (clients.stillOpen() > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  assert.equal(clients.stillOpen(), 0);
});

test('RSS is read from /proc and a child process is found by its parent', async (t) => {
  assert.ok(rssBytes(process.pid) > 1024 * 1024);
  const child = spawn('sleep', ['5'], { stdio: 'ignore' });
  t.after(() => child.kill('SIGKILL'));
  await new Promise((resolve) => child.once('spawn', resolve));
  assert.ok(childPids(process.pid).includes(child.pid!));
});

test('the table divides the added RSS by the connections still held', () => {
  const row = { label: 'p', before: 10 * 1048576, idle: 20 * 1048576, answered: 1024, stillOpen: 1024, asked: 1024, failures: [] };
  assert.equal(perConnection(row), '10.0 KiB');
  assert.match(idleTable([row]), /\| p \| 10\.0 MiB \| 20\.0 MiB \| 10\.0 MiB \| 10\.0 KiB \| 1,024\/1,024 \|/);
  assert.equal(perConnection({ ...row, stillOpen: 0 }), '–');
});
