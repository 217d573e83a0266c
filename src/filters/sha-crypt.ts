// SHA-256-crypt ($5$) and SHA-512-crypt ($6$), as glibc's crypt() computes
// them (Ulrich Drepper's "Unix crypt using SHA-256 and SHA-512"), written
// from the specification. The rounds loop yields to the event loop every few
// thousand rounds, so a hash with many rounds never stalls other requests.
import { Buffer } from 'node:buffer';
import { createHash } from 'node:crypto';
import { setImmediate as nextTurn } from 'node:timers/promises';

export type ShaCryptBits = 256 | 512;

/** The alphabet of crypt's own base64 ("./0-9A-Za-z", least significant bits first). */
const CRYPT64 = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** Rounds between two yields to the event loop. */
const ROUNDS_PER_TURN = 2000;

// The specification's byte order for the final encoding: each triple becomes
// four characters; the leftover bytes end it.
const ORDER_256 = [
  [0, 10, 20], [21, 1, 11], [12, 22, 2], [3, 13, 23], [24, 4, 14],
  [15, 25, 5], [6, 16, 26], [27, 7, 17], [18, 28, 8], [9, 19, 29],
];
const ORDER_512 = [
  [0, 21, 42], [22, 43, 1], [44, 2, 23], [3, 24, 45], [25, 46, 4], [47, 5, 26], [6, 27, 48],
  [28, 49, 7], [50, 8, 29], [9, 30, 51], [31, 52, 10], [53, 11, 32], [12, 33, 54], [34, 55, 13],
  [56, 14, 35], [15, 36, 57], [37, 58, 16], [59, 17, 38], [18, 39, 60], [40, 61, 19], [62, 20, 41],
];

/** crypt's base64 of the 24-bit number (b2, b1, b0), `n` characters. */
function crypt64(b2: number, b1: number, b0: number, n: number): string {
  let w = (b2 << 16) | (b1 << 8) | b0;
  let out = '';
  for (let i = 0; i < n; i++) {
    out += CRYPT64[w & 0x3f];
    w >>>= 6;
  }
  return out;
}

/** `length` bytes of `block` repeated. */
function repeatTo(block: Buffer, length: number): Buffer {
  const out = Buffer.alloc(length);
  for (let at = 0; at < length; at += block.length) block.copy(out, at, 0, Math.min(block.length, length - at));
  return out;
}

function encode(bits: ShaCryptBits, c: Buffer): string {
  let out = '';
  for (const [a, b, d] of bits === 256 ? ORDER_256 : ORDER_512) out += crypt64(c[a!]!, c[b!]!, c[d!]!, 4);
  return bits === 256 ? out + crypt64(0, c[31]!, c[30]!, 3) : out + crypt64(0, 0, c[63]!, 2);
}

/**
 * The digest part of a SHA-crypt hash (what follows the last `$`) for
 * `password`, `salt` (at most 16 characters are used) and `rounds`.
 */
export async function shaCryptDigest(bits: ShaCryptBits, password: Buffer, salt: string, rounds: number): Promise<string> {
  const algorithm = bits === 256 ? 'sha256' : 'sha512';
  const size = bits / 8;
  const h = () => createHash(algorithm);
  const p = password;
  const s = Buffer.from(salt.slice(0, 16), 'utf8');

  const b = h().update(p).update(s).update(p).digest();
  const a = h().update(p).update(s);
  a.update(repeatTo(b, p.length));
  for (let n = p.length; n > 0; n >>>= 1) a.update(n & 1 ? b : p);
  const digestA = a.digest();

  const dp = h();
  for (let i = 0; i < p.length; i++) dp.update(p);
  const pBytes = repeatTo(dp.digest(), p.length);

  const ds = h();
  for (let i = 0; i < 16 + digestA[0]!; i++) ds.update(s);
  const sBytes = repeatTo(ds.digest(), s.length);

  let c = digestA;
  for (let i = 0; i < rounds; i++) {
    if (i > 0 && i % ROUNDS_PER_TURN === 0) await nextTurn();
    const round = h();
    round.update(i & 1 ? pBytes : c);
    if (i % 3 !== 0) round.update(sBytes);
    if (i % 7 !== 0) round.update(pBytes);
    round.update(i & 1 ? c : pBytes);
    c = round.digest();
  }
  if (c.length !== size) throw new Error(`unexpected ${algorithm} digest length ${c.length}`);
  return encode(bits, c);
}
