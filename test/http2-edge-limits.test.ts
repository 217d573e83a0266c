// HTTP/2 at the edge: a client that makes us work without asking for
// anything (rapid reset, SETTINGS and PING floods) is cut off with GOAWAY
// ENHANCE_YOUR_CALM while other clients go on; idle connections are closed;
// shutdown sends GOAWAY and lets open streams finish.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect as http2Connect, constants, type ClientHttp2Session } from 'node:http2';
import { connect as netConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rawBackend, type RawBackend } from './helpers/raw-backend.js';
import { startRig, type Rig } from './helpers/tls-rig.js';

let dir: string;
let backend: RawBackend;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fairway-h2-edge-'));
  backend = await rawBackend((req, res) => {
    const delay = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('delay') ?? 0);
    setTimeout(() => res.end(`ok ${req.url}`), delay);
  });
});

after(async () => {
  await backend.close();
  rmSync(dir, { recursive: true, force: true });
});

function h2cRig(extra = ''): Promise<Rig> {
  return startRig(
    dir,
    [
      'admin: { port: 0 }',
      `listen: { keepAliveTimeout: 5s${extra} }`,
      'listeners:',
      '  - { name: web, host: 127.0.0.1, port: 0, http2: { cleartext: true } }',
      'pools:',
      `  - { name: app, backends: [{ url: ${backend.url} }], healthCheck: { enabled: false } }`,
    ].join('\n'),
  );
}

function get(session: ClientHttp2Session, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const stream = session.request({ ':path': path });
    let body = '';
    let status = 0;
    stream.on('response', (h) => (status = Number(h[':status'])));
    stream.setEncoding('utf8');
    stream.on('data', (d: string) => (body += d));
    stream.on('end', () => resolve({ status, body }));
    stream.on('error', reject);
  });
}

function closed(session: ClientHttp2Session): Promise<void> {
  return new Promise((resolve) => (session.closed || session.destroyed ? resolve() : session.once('close', () => resolve())));
}

// One HTTP/2 frame: 9-byte header, then the payload (RFC 9113 4.1).
function frame(type: number, flags: number, streamId: number, payload = Buffer.alloc(0)): Buffer {
  const head = Buffer.alloc(9);
  head.writeUIntBE(payload.length, 0, 3);
  head[3] = type;
  head[4] = flags;
  head.writeUInt32BE(streamId, 5);
  return Buffer.concat([head, payload]);
}
const SETTINGS = 0x4;
const PING = 0x6;
const GOAWAY = 0x7;

/** Sends the preface and `flood` frames on a raw socket; resolves with the GOAWAY error code fairway sent, if any, once it closes. */
function floodRaw(port: number, flood: () => Buffer, count: number): Promise<number | undefined> {
  return new Promise((resolve, reject) => {
    const socket = netConnect(port, '127.0.0.1');
    let received = Buffer.alloc(0);
    let goaway: number | undefined;
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error('fairway did not close the flooding connection within 5 s'));
    }, 5_000);
    socket.on('connect', () => {
      socket.write(Buffer.concat([Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'), frame(SETTINGS, 0, 0)]));
      for (let i = 0; i < count && socket.writable; i++) socket.write(flood());
    });
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      while (received.length >= 9) {
        const length = received.readUIntBE(0, 3);
        if (received.length < 9 + length) break;
        if (received[3] === GOAWAY) goaway ??= received.readUInt32BE(9 + 4);
        received = received.subarray(9 + length);
      }
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(goaway);
    });
  });
}

test('a client that resets every stream it opens (rapid reset) gets GOAWAY ENHANCE_YOUR_CALM, and others are still served', async () => {
  const rig = await h2cRig();
  try {
    const port = rig.ports['web']!;
    const attacker = http2Connect(`http://127.0.0.1:${port}`);
    attacker.on('error', () => {});
    let goaway: number | undefined;
    attacker.on('goaway', (code) => (goaway = code));
    await new Promise<void>((resolve) => attacker.once('connect', () => resolve()));
    let opened = 0;
    // Bounded: far more than the allowance, in batches so the client's own limits never bite.
    for (let batch = 0; batch < 100 && !attacker.closed && !attacker.destroyed; batch++) {
      for (let i = 0; i < 50 && !attacker.closed && !attacker.destroyed; i++) {
        const stream = attacker.request({ ':path': '/slow?delay=200' });
        stream.on('error', () => {});
        stream.close(constants.NGHTTP2_CANCEL);
        opened++;
      }
      await new Promise((r) => setTimeout(r, 5));
    }
    await Promise.race([closed(attacker), new Promise((r) => setTimeout(r, 3_000))]);
    attacker.destroy();
    assert.equal(goaway, constants.NGHTTP2_ENHANCE_YOUR_CALM, `after ${opened} reset streams`);
    assert.ok(opened < 5_000, `cut off before the client ran out of streams to reset (${opened})`);
    assert.ok(rig.logs.some((l) => l['kind'] === 'resets' && String(l['msg']).includes('ENHANCE_YOUR_CALM')));

    const other = http2Connect(`http://127.0.0.1:${port}`);
    try {
      assert.deepEqual(await get(other, '/after'), { status: 200, body: 'ok /after' });
    } finally {
      other.close();
    }
  } finally {
    await rig.close();
  }
});

test('a SETTINGS flood is cut off with GOAWAY ENHANCE_YOUR_CALM', async () => {
  const rig = await h2cRig();
  try {
    const code = await floodRaw(rig.ports['web']!, () => frame(SETTINGS, 0, 0), 500);
    assert.equal(code, constants.NGHTTP2_ENHANCE_YOUR_CALM);
    assert.ok(rig.logs.some((l) => l['kind'] === 'settings'), 'cut off by fairway’s own bound');
  } finally {
    await rig.close();
  }
});

test('a PING flood is cut off with GOAWAY ENHANCE_YOUR_CALM', async () => {
  const rig = await h2cRig();
  try {
    const code = await floodRaw(rig.ports['web']!, () => frame(PING, 0, 0, Buffer.alloc(8)), 500);
    assert.equal(code, constants.NGHTTP2_ENHANCE_YOUR_CALM);
    assert.ok(rig.logs.some((l) => l['kind'] === 'pings'), 'cut off by fairway’s own bound');
  } finally {
    await rig.close();
  }
});

test('a few SETTINGS and PINGs, as browsers send them, are answered and the connection stays', async () => {
  const rig = await h2cRig();
  try {
    const session = http2Connect(`http://127.0.0.1:${rig.ports['web']!}`);
    try {
      await new Promise<void>((resolve) => session.once('connect', () => resolve()));
      for (let i = 0; i < 5; i++) {
        await new Promise<void>((resolve, reject) => session.ping((err) => (err ? reject(err) : resolve())));
        session.settings({ initialWindowSize: 65_535 + i });
      }
      assert.deepEqual(await get(session, '/still'), { status: 200, body: 'ok /still' });
    } finally {
      session.close();
    }
  } finally {
    await rig.close();
  }
});

test('an HTTP/2 connection with no open stream is closed with GOAWAY after the keep-alive timeout', async () => {
  const rig = await h2cRig().then(async (r) => {
    await r.close();
    return startRig(
      dir,
      [
        'admin: { port: 0 }',
        'listen: { keepAliveTimeout: 300ms }',
        'listeners:',
        '  - { name: web, host: 127.0.0.1, port: 0, http2: { cleartext: true } }',
        'pools:',
        `  - { name: app, backends: [{ url: ${backend.url} }], healthCheck: { enabled: false } }`,
      ].join('\n'),
    );
  });
  try {
    const session = http2Connect(`http://127.0.0.1:${rig.ports['web']!}`);
    session.on('error', () => {});
    let goaway: number | undefined;
    session.on('goaway', (code) => (goaway = code));
    // A stream longer than the idle timeout is not cut by it.
    assert.deepEqual(await get(session, '/long?delay=600'), { status: 200, body: 'ok /long?delay=600' });
    const started = Date.now();
    await Promise.race([closed(session), new Promise((r) => setTimeout(r, 3_000))]);
    session.destroy();
    assert.equal(goaway, constants.NGHTTP2_NO_ERROR);
    assert.ok(Date.now() - started < 2_500, 'closed soon after going idle');
  } finally {
    await rig.close();
  }
});

test('shutdown sends GOAWAY, lets the open stream finish, and refuses new ones', async () => {
  const rig = await h2cRig();
  let closing: Promise<void> | undefined;
  try {
    const session = http2Connect(`http://127.0.0.1:${rig.ports['web']!}`);
    session.on('error', () => {});
    let goaway: number | undefined;
    session.on('goaway', (code) => (goaway = code));
    assert.equal((await get(session, '/warm')).status, 200);
    const open = get(session, '/open?delay=400');
    await new Promise((r) => setTimeout(r, 100));
    closing = rig.fairway.close(5_000);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(goaway, constants.NGHTTP2_NO_ERROR, 'GOAWAY while the stream is open');
    assert.deepEqual(await open, { status: 200, body: 'ok /open?delay=400' });
    await assert.rejects(get(session, '/late'));
    session.destroy();
  } finally {
    await (closing ?? rig.close());
  }
});
