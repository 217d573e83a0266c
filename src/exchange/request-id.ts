// Request ids: random version-4 UUIDs, as crypto.randomUUID() makes them,
// from a pool of random bytes refilled 256 ids at a time. randomUUID joins
// its hex pieces with `+`: a string of many parts, which V8 flattens again
// when the answer head's fields are checked and when the head is written
// (about 1.5 % of a small GET's time in a profile). Text written into one
// Buffer and read back as latin1 is a single flat string from the start.
import { Buffer } from 'node:buffer';
import { randomFillSync } from 'node:crypto';
import { latin1Text } from '../net-io/latin1.js';

const IDS_PER_FILL = 256;
const pool = Buffer.alloc(16 * IDS_PER_FILL);
let nextId = IDS_PER_FILL;
const text = Buffer.alloc(36);
const HEX = Buffer.from('0123456789abcdef', 'latin1');

/** A new random UUID (RFC 9562 version 4), lower-case. */
export function newRequestId(): string {
  if (nextId === IDS_PER_FILL) {
    randomFillSync(pool);
    nextId = 0;
  }
  const at = nextId++ * 16;
  let out = 0;
  for (let i = 0; i < 16; i++) {
    let byte = pool[at + i]!;
    if (i === 6) byte = (byte & 0x0f) | 0x40; // version 4
    else if (i === 8) byte = (byte & 0x3f) | 0x80; // variant 10
    if (i === 4 || i === 6 || i === 8 || i === 10) text[out++] = 0x2d; // -
    text[out++] = HEX[byte >> 4]!;
    text[out++] = HEX[byte & 15]!;
  }
  return latin1Text(text, 0, 36);
}
