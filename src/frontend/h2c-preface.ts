// Tells, on a plain port that speaks both, an HTTP/2 client with prior
// knowledge from an HTTP/1.1 one by its first bytes: HTTP/2 opens with a
// fixed preface (RFC 9113 3.4) that no HTTP/1.1 request line can start with.
// The bytes read to tell are put back for whoever takes the connection.
import { Buffer } from 'node:buffer';
import type { Socket } from 'node:net';

const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

export type FirstBytesVerdict = 'h2' | 'http/1.1' | 'undecided';

/** What `start` (the bytes so far) says about the client's protocol. */
export function judgeFirstBytes(start: Buffer): FirstBytesVerdict {
  const n = Math.min(start.length, PREFACE.length);
  if (start.compare(PREFACE, 0, n, 0, n) !== 0) return 'http/1.1';
  return n === PREFACE.length ? 'h2' : 'undecided';
}

/**
 * Reads until the protocol is known, puts the bytes back and calls `decided`
 * once. A client that sends nothing within `timeoutMs` is closed.
 */
export function awaitFirstBytes(socket: Socket, timeoutMs: number, decided: (protocol: 'h2' | 'http/1.1') => void): void {
  let seen: Buffer = Buffer.alloc(0);
  const timer = setTimeout(() => socket.destroy(), timeoutMs);
  const finish = (protocol: 'h2' | 'http/1.1' | undefined): void => {
    clearTimeout(timer);
    socket.off('readable', onReadable);
    socket.off('close', onClose);
    if (protocol === undefined) return;
    if (seen.length > 0) socket.unshift(seen);
    decided(protocol);
  };
  const onReadable = (): void => {
    let chunk: Buffer | null;
    while ((chunk = socket.read() as Buffer | null) !== null) seen = seen.length === 0 ? chunk : Buffer.concat([seen, chunk]);
    const verdict = judgeFirstBytes(seen);
    if (verdict !== 'undecided') finish(verdict);
  };
  const onClose = (): void => finish(undefined);
  socket.on('readable', onReadable);
  socket.once('close', onClose);
}
