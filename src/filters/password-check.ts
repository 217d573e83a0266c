// Whether a password matches a stored hash of one of the schemes basicAuth
// accepts (the config's htpasswd.ts takes the hashes apart). bcrypt runs in
// bcryptjs's asynchronous chunks and SHA-crypt yields between its rounds, so
// neither holds the event loop for a whole check; digests are compared in
// constant time.
import { Buffer } from 'node:buffer';
import { createHash, timingSafeEqual } from 'node:crypto';
import bcrypt from 'bcryptjs';
import type { PasswordHash } from '../config/types.js';
import { md5CryptDigest } from './md5-crypt.js';
import { shaCryptDigest } from './sha-crypt.js';

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Resolves true when `password` (UTF-8 bytes) is the one `stored` was made from. */
export async function passwordMatches(stored: PasswordHash, password: Buffer): Promise<boolean> {
  switch (stored.scheme) {
    case 'bcrypt':
      // bcrypt reads at most 72 bytes of a password, as every implementation does.
      return bcrypt.compare(password.toString('utf8'), stored.hash);
    case 'sha256-crypt':
    case 'sha512-crypt': {
      const digest = await shaCryptDigest(stored.scheme === 'sha256-crypt' ? 256 : 512, password, stored.salt, stored.rounds);
      return sameText(digest, stored.digest);
    }
    case 'apr1':
    case 'md5-crypt':
      return sameText(md5CryptDigest(password, stored.salt, stored.scheme === 'apr1' ? '$apr1$' : '$1$'), stored.digest);
    case 'sha1':
      return sameText(createHash('sha1').update(password).digest('base64'), stored.digest);
  }
}
