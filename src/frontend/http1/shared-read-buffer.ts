// Client sockets read into one buffer shared by every plain connection.
//
// By default each read of a socket allocates a fresh 64 KiB buffer, wraps it
// and sends it through the socket's Readable ('data', the bookkeeping it
// schedules with nextTick). node:net's documented `onread` option reads into
// a buffer of the caller's instead and calls back with the byte count; the
// upstream's connections use it, and here it cut 7-22 % of the instructions
// per small GET (docs/benchmarks.md). node:net takes `onread` only for
// sockets it builds itself, though, not for those a server accepts. So this
// sets on an accepted socket the three fields net.Socket's constructor sets
// from `onread` (found by their names on a probe socket; Node 20 and 24 have
// them) and tells its handle to read into the buffer, as the constructor
// does. Where a Node lacks them, the caller goes on reading 'data'.
//
// The bytes are valid only during the callback: whatever outlives it must be
// copied. Copying a large body costs more than reading it into a buffer of
// its own, though, so `nextBuffer` (onread's buffer function) picks, after
// each read, the buffer of the socket's next read: the shared one, or one
// the connection may keep. pause() and resume() work as usual (net.Socket
// stops and starts the handle's reads when `onread` is set); 'end', 'error'
// and 'close' are as usual.
import { Buffer } from 'node:buffer';
import { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';

/** Node's reads go up to 64 KiB at a time; so do these. */
export const READ_BYTES = 64 * 1024;

/** The buffer every connection reads into unless it asks for one of its own. */
export const sharedReadBuffer = Buffer.allocUnsafeSlow(READ_BYTES);

/** Called with the count of bytes read into `buffer`; false pauses the socket. */
export type SharedReadCallback = (bytes: number, buffer: Buffer) => boolean;

/** The buffer the socket's next read lands in: sharedReadBuffer or one of the caller's. */
export type NextReadBuffer = () => Buffer;

interface OnreadFields {
  buffer: symbol;
  callback: symbol;
  nextBuffer: symbol;
}

interface ReadableHandle {
  useUserBuffer?: (buffer: Uint8Array) => void;
}

function findOnreadFields(): OnreadFields | undefined {
  const probe = new Socket();
  const byName = new Map(Object.getOwnPropertySymbols(probe).map((s) => [s.description, s]));
  probe.destroy();
  const buffer = byName.get('kBuffer');
  const callback = byName.get('kBufferCb');
  const nextBuffer = byName.get('kBufferGen');
  return buffer !== undefined && callback !== undefined && nextBuffer !== undefined ? { buffer, callback, nextBuffer } : undefined;
}

const fields = findOnreadFields();

/** Whether this Node lets accepted sockets read into the shared buffer. */
export const sharedReadsAvailable = fields !== undefined;

/**
 * Makes `socket` (a plain TCP socket a server accepted) read into the shared
 * buffer and call `callback` instead of emitting 'data'; after each callback,
 * `nextBuffer` says where the next read goes. False, with nothing
 * changed, where that cannot be done: this Node lacks the fields, the socket
 * has no TCP handle (TLS, or already closed), or bytes already wait in its
 * Readable (someone read and put them back).
 */
export function readIntoSharedBuffer(socket: Socket, callback: SharedReadCallback, nextBuffer: NextReadBuffer): boolean {
  if (fields === undefined || socket.readableLength > 0 || (socket as Partial<TLSSocket>).encrypted === true) return false;
  const handle = (socket as unknown as { _handle: ReadableHandle | null })._handle;
  if (handle === null || typeof handle.useUserBuffer !== 'function') return false;
  const slots = socket as unknown as Record<symbol, unknown>;
  slots[fields.buffer] = sharedReadBuffer;
  slots[fields.callback] = callback;
  slots[fields.nextBuffer] = nextBuffer;
  handle.useUserBuffer(sharedReadBuffer);
  return true;
}
