// Read buffers a large body passes through, given back once its bytes are
// written on. Under 50 uploads of 1 MiB, fairway relayed about 1.1 GB a
// second, each 64 KiB read into a fresh buffer: 17,000 buffers a second,
// freed only by the garbage collector. V8 counts that memory and starts a
// full collection every 64 MB of it, so one ran every 60-80 ms at 8-13 ms
// each, and more often the longer the process ran.
//
// A connection reading a body in bulk reads into a buffer taken from here.
// When the body takes the whole read as one chunk, the chunk is lent
// (lendChunk) and the writer that sends it to the next socket gives it back
// once that socket has taken the bytes (giveBackOnceWritten). Otherwise the
// read is handled like one into a shared buffer (what outlives it is
// copied) and the buffer comes back at once (giveBackBuffer). Whoever may
// keep a chunk past its write (a filter, a transform) forgets the lend
// first (forgetLentChunk); a chunk nobody gives back is simply garbage.
import { Buffer } from 'node:buffer';

/** The size of every pooled buffer: one socket read, up to four times what Node reads at once. */
export const POOLED_BUFFER_BYTES = 256 * 1024;
/** Idle buffers kept, at most (16 MiB); more are left to the collector. */
const MAX_IDLE = 64;
/** Idle buffers not taken for this long are dropped, so a burst of uploads leaves no memory behind. */
const IDLE_DROP_MS = 10_000;

const idle: Buffer[] = [];
/** A lent chunk → the whole buffer its bytes are in. */
const lent = new WeakMap<Buffer, Buffer>();
let takenSinceSweep = false;
let givenBack = 0;
let sweeper: NodeJS.Timeout | undefined;

function sweepIdle(): void {
  if (!takenSinceSweep) idle.length = 0;
  takenSinceSweep = false;
  if (idle.length === 0) {
    clearInterval(sweeper);
    sweeper = undefined;
  }
}

/** A buffer for one read: an idle one, or a new one. */
export function takeBodyBuffer(): Buffer {
  takenSinceSweep = true;
  return idle.pop() ?? Buffer.allocUnsafeSlow(POOLED_BUFFER_BYTES);
}

/** Whether `buffer` is the size this pool hands out (the caller knows it took it from here). */
export function isPooledSize(buffer: Buffer): boolean {
  return buffer.length === POOLED_BUFFER_BYTES;
}

/** A buffer taken from here that nothing refers to any more (its read was copied). */
export function giveBackBuffer(whole: Buffer): void {
  givenBack++;
  if (idle.length >= MAX_IDLE) return;
  idle.push(whole);
  if (sweeper === undefined) {
    sweeper = setInterval(sweepIdle, IDLE_DROP_MS);
    sweeper.unref();
  }
}

/** `chunk` (a view of `whole`, taken from here) is the only view of its bytes handed on. */
export function lendChunk(chunk: Buffer, whole: Buffer): void {
  lent.set(chunk, whole);
}

/** Whether `chunk` is lent. */
export function isLentChunk(chunk: Buffer): boolean {
  return lent.has(chunk);
}

/** The caller may keep `chunk`: it is no longer lent, and its buffer never comes back. */
export function forgetLentChunk(chunk: Buffer): void {
  lent.delete(chunk);
}

/** `chunk`'s bytes are no longer needed: a lent chunk's buffer may take another read. Anything else is ignored. */
export function giveBackChunk(chunk: Buffer): void {
  const whole = lent.get(chunk);
  if (whole === undefined) return;
  lent.delete(chunk);
  giveBackBuffer(whole);
}

/**
 * For a lent chunk about to be written, the write's callback that gives it
 * back once the socket has the bytes; undefined for any other chunk. The
 * writer must hold the last reference. Not after a failed write: the bytes
 * may still be queued.
 */
export function giveBackOnceWritten(chunk: Buffer): ((err?: Error | null) => void) | undefined {
  if (!lent.has(chunk)) return undefined;
  return (err) => {
    if (err == null) giveBackChunk(chunk);
  };
}

/** The memory of the idle buffers. */
export function idleBodyBufferBytes(): number {
  return idle.length * POOLED_BUFFER_BYTES;
}

/** Buffers given back so far (for tests). */
export function bodyBuffersGivenBack(): number {
  return givenBack;
}
