// Replies in RESP2, read incrementally: TCP hands over bytes in any chunking,
// so a reply may arrive split anywhere (even inside `\r\n`) or many replies
// in one chunk. Whatever is incomplete waits for the next chunk.
import { Buffer } from 'node:buffer';
import { RedisReplyError } from './redis-errors.js';

/** A reply: simple and bulk strings, integers, nil, arrays of replies, and error replies as values (an array may hold one). */
export type RespValue = string | number | null | RedisReplyError | RespValue[];

/** Returned by a read that ran out of bytes. */
const INCOMPLETE = Symbol('incomplete');
type Read = { value: RespValue; end: number } | typeof INCOMPLETE;

const CR = 13;

export class RespParser {
  private pending: Buffer = Buffer.alloc(0);

  /**
   * Takes the next chunk and returns every reply it completes, in order.
   * Throws on bytes that are not RESP2 (the connection cannot recover from that).
   */
  push(chunk: Buffer): RespValue[] {
    // Replies to rate-limit scripts are a few dozen bytes, so re-reading an
    // incomplete one from its start when more arrives costs nothing worth a
    // resumable state machine.
    const bytes = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const replies: RespValue[] = [];
    let start = 0;
    while (start < bytes.length) {
      const read = readValue(bytes, start);
      if (read === INCOMPLETE) break;
      replies.push(read.value);
      start = read.end;
    }
    this.pending = start === bytes.length ? Buffer.alloc(0) : Buffer.from(bytes.subarray(start));
    return replies;
  }

  /** Bytes of a reply not complete yet. */
  get buffered(): number {
    return this.pending.length;
  }
}

/** The line from `start` (after the type byte) up to `\r\n`, and where the next one begins. */
function readLine(bytes: Buffer, start: number): { line: string; end: number } | typeof INCOMPLETE {
  const cr = bytes.indexOf(CR, start);
  if (cr === -1 || cr + 1 >= bytes.length) return INCOMPLETE;
  if (bytes[cr + 1] !== 10) throw new Error('RESP protocol error: a CR not followed by LF');
  return { line: bytes.toString('utf8', start, cr), end: cr + 2 };
}

function readLength(line: string): number {
  if (!/^-?\d+$/.test(line)) throw new Error(`RESP protocol error: ${JSON.stringify(line)} is not a length`);
  return Number(line);
}

function readValue(bytes: Buffer, start: number): Read {
  if (start >= bytes.length) return INCOMPLETE;
  const type = bytes[start];
  const head = readLine(bytes, start + 1);
  if (head === INCOMPLETE) return INCOMPLETE;
  switch (type) {
    case 0x2b: // + simple string
      return { value: head.line, end: head.end };
    case 0x2d: // - error
      return { value: new RedisReplyError(head.line), end: head.end };
    case 0x3a: {
      // : integer
      if (!/^-?\d+$/.test(head.line)) throw new Error(`RESP protocol error: ${JSON.stringify(head.line)} is not an integer`);
      return { value: Number(head.line), end: head.end };
    }
    case 0x24: {
      // $ bulk string: <length>\r\n<bytes>\r\n, or $-1 for nil
      const length = readLength(head.line);
      if (length < 0) return { value: null, end: head.end };
      const end = head.end + length + 2;
      if (end > bytes.length) return INCOMPLETE;
      if (bytes[end - 2] !== CR || bytes[end - 1] !== 10) throw new Error('RESP protocol error: a bulk string longer than its length');
      return { value: bytes.toString('utf8', head.end, end - 2), end };
    }
    case 0x2a: {
      // * array of <count> replies, or *-1 for nil
      const count = readLength(head.line);
      if (count < 0) return { value: null, end: head.end };
      const items: RespValue[] = [];
      let next = head.end;
      for (let i = 0; i < count; i++) {
        const item = readValue(bytes, next);
        if (item === INCOMPLETE) return INCOMPLETE;
        items.push(item.value);
        next = item.end;
      }
      return { value: items, end: next };
    }
    default:
      throw new Error(`RESP protocol error: unexpected type byte 0x${(type ?? 0).toString(16)}`);
  }
}
