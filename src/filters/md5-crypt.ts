// MD5-crypt ($1$, Poul-Henning Kamp's) and APR1-MD5 ($apr1$, the scheme
// Apache's htpasswd writes by default), which is MD5-crypt with "$apr1$" as its
// magic string. MD5 is weak and a thousand rounds is little; they are accepted
// because htpasswd files hold them.
import { Buffer } from 'node:buffer';
import { createHash } from 'node:crypto';

const CRYPT64 = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

function crypt64(w: number, n: number): string {
  let out = '';
  for (let i = 0; i < n; i++) {
    out += CRYPT64[w & 0x3f];
    w >>>= 6;
  }
  return out;
}

/** The digest part of an MD5-crypt hash (what follows the salt's `$`); at most 8 salt characters are used. */
export function md5CryptDigest(password: Buffer, salt: string, magic: '$1$' | '$apr1$'): string {
  const md5 = () => createHash('md5');
  const p = password;
  const s = Buffer.from(salt.slice(0, 8), 'utf8');

  let final = md5().update(p).update(s).update(p).digest();
  const ctx = md5().update(p).update(magic).update(s);
  for (let left = p.length; left > 0; left -= 16) ctx.update(final.subarray(0, Math.min(left, 16)));
  // Odd as it is, the original takes a zero byte or the password's first byte here.
  const zero = Buffer.from([0]);
  const first = p.subarray(0, 1);
  for (let n = p.length; n > 0; n >>>= 1) ctx.update(n & 1 ? zero : first);
  final = ctx.digest();

  for (let i = 0; i < 1000; i++) {
    const round = md5();
    round.update(i & 1 ? p : final);
    if (i % 3 !== 0) round.update(s);
    if (i % 7 !== 0) round.update(p);
    round.update(i & 1 ? final : p);
    final = round.digest();
  }

  const f = final;
  return (
    crypt64((f[0]! << 16) | (f[6]! << 8) | f[12]!, 4) +
    crypt64((f[1]! << 16) | (f[7]! << 8) | f[13]!, 4) +
    crypt64((f[2]! << 16) | (f[8]! << 8) | f[14]!, 4) +
    crypt64((f[3]! << 16) | (f[9]! << 8) | f[15]!, 4) +
    crypt64((f[4]! << 16) | (f[10]! << 8) | f[5]!, 4) +
    crypt64(f[11]!, 2)
  );
}
