// bench:compare's count of served client connections: from `ss` and the load
// generator's own socket inodes, a connection counts once it received an
// answer (over TLS: more than its handshake brought).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { ConnectionTally, parseSs, watchServedConnections } from '../bench/compare/served-connections.js';

const SS_OUTPUT = [
  'ESTAB 0      0      127.0.0.1:57614 127.0.0.1:36047 ino:242275 sk:1 cgroup:/ <->',
  '\t ts sack bbr wscale:10,10 rto:204 mss:32768 cwnd:11 bytes_sent:18 bytes_acked:19 bytes_received:40 segs_out:4 segs_in:3 data_segs_out:1',
  'ESTAB 0      0      127.0.0.1:57616 127.0.0.1:36047 ino:242276 sk:2 cgroup:/ <->',
  '\t ts sack bbr wscale:10,10 rto:204 mss:32741 cwnd:10 bytes_acked:1 segs_out:2 segs_in:1',
  'TIME-WAIT 0 0 127.0.0.1:57000 127.0.0.1:36047 timer:(timewait,59sec,0) ino:0 sk:3',
  '',
].join('\n');

test('ss output reads as one sample per socket; no bytes_received means 0; sockets without an inode are left out', () => {
  assert.deepEqual(parseSs(SS_OUTPUT), [
    { inode: 242275, bytesReceived: 40 },
    { inode: 242276, bytesReceived: 0 },
  ]);
});

test('over plain HTTP a socket that received any byte was served; sockets of other processes are not counted', () => {
  const tally = new ConnectionTally();
  tally.add(parseSs(SS_OUTPUT), new Set([242275, 242276]));
  tally.add([{ inode: 999, bytesReceived: 100 }], new Set([242275, 242276]));
  assert.deepEqual(tally.result(2, false), { asked: 2, seen: 2, served: 1 });
});

test('over TLS a socket counts as served only when it received more after it was first seen', () => {
  const tally = new ConnectionTally();
  const own = new Set([1, 2]);
  tally.add([{ inode: 1, bytesReceived: 2400 }, { inode: 2, bytesReceived: 2400 }], own);
  tally.add([{ inode: 1, bytesReceived: 2700 }, { inode: 2, bytesReceived: 2400 }], own);
  assert.deepEqual(tally.result(2, true), { asked: 2, seen: 2, served: 1 });
  assert.deepEqual(tally.result(2, false), { asked: 2, seen: 2, served: 2 });
});

/** A server that answers the first `answered` connections and leaves the rest without a byte. */
async function partlyAnsweringServer(t: { after(fn: () => unknown): void }, answered: number): Promise<number> {
  let accepted = 0;
  const held: Socket[] = [];
  const server = createServer((socket) => {
    held.push(socket);
    if (accepted++ < answered) socket.once('data', () => socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    for (const s of held) s.destroy();
    server.close();
  });
  return (server.address() as AddressInfo).port;
}

async function openClients(t: { after(fn: () => unknown): void }, port: number, n: number): Promise<void> {
  const clients: Socket[] = [];
  t.after(() => clients.forEach((c) => c.destroy()));
  for (let i = 0; i < n; i++) {
    const c = connect(port, '127.0.0.1');
    clients.push(c);
    // One at a time, so the server's first connections are the first clients.
    await new Promise<void>((resolve) => c.once('connect', () => resolve()));
    c.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
  }
}

test('watching real sockets counts the connections that got an answer among those the process holds', async (t) => {
  const port = await partlyAnsweringServer(t, 3);
  await openClients(t, port, 5);
  const watch = watchServedConnections({ pid: process.pid, port, asked: 5, tls: false, durationS: 1, cpu: 0 });
  await new Promise((r) => setTimeout(r, 1_000));
  assert.deepEqual(await watch.stop(), { asked: 5, seen: 5, served: 3 });
});

test('connections held by another process than the load generator are not counted', async (t) => {
  const port = await partlyAnsweringServer(t, 5);
  await openClients(t, port, 5);
  const other = spawn('sleep', ['5'], { stdio: 'ignore' });
  t.after(() => other.kill('SIGKILL'));
  await new Promise((resolve) => other.once('spawn', resolve));
  const watch = watchServedConnections({ pid: other.pid!, port, asked: 5, tls: false, durationS: 1, cpu: 0 });
  await new Promise((r) => setTimeout(r, 1_000));
  assert.deepEqual(await watch.stop(), { asked: 5, seen: 0, served: 0 });
});
