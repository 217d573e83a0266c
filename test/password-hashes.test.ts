// The password hashes basicAuth accepts, checked against hashes made by the
// real tools people use: Debian's htpasswd (-B bcrypt, -m APR1, -s {SHA}) and
// openssl passwd (-5, -6 with and without rounds=, -1, -apr1). Each hash must
// accept its password and refuse a near miss.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { parsePasswordHash } from '../src/config/sections/middlewares/htpasswd.js';
import type { PasswordHash } from '../src/config/types.js';
import { passwordMatches } from '../src/filters/password-check.js';
import { shaCryptDigest } from '../src/filters/sha-crypt.js';

function openssl(...args: string[]): string {
  return execFileSync('openssl', ['passwd', ...args], { encoding: 'utf8', timeout: 10_000 }).trim();
}

/** `htpasswd -n -b <flags> user password` prints `user:hash`. */
function htpasswd(flags: string[], password: string): string {
  const line = execFileSync('htpasswd', ['-n', '-b', ...flags, 'user', password], { encoding: 'utf8', timeout: 10_000 }).trim();
  return line.slice(line.indexOf(':') + 1);
}

function parsed(text: string): PasswordHash {
  const result = parsePasswordHash(text);
  if ('problem' in result) throw new Error(`${text}: ${result.problem}`);
  return result.hash;
}

async function assertChecks(hash: string, password: string, scheme: PasswordHash['scheme']): Promise<void> {
  const stored = parsed(hash);
  assert.equal(stored.scheme, scheme, hash);
  assert.equal(await passwordMatches(stored, Buffer.from(password)), true, `${hash} accepts ${JSON.stringify(password)}`);
  assert.equal(await passwordMatches(stored, Buffer.from(`${password}x`)), false, `${hash} refuses a longer password`);
  assert.equal(await passwordMatches(stored, Buffer.from(password.slice(0, -1))), false, `${hash} refuses a shorter password`);
}

const PASSWORDS = ['s3cret', 'Hello world!', 'pässwörd with ümlauts', 'x'.repeat(100), 'a:b:c'];

test('SHA-256-crypt and SHA-512-crypt hashes from openssl passwd -5 / -6 check, with default and explicit rounds', async () => {
  for (const password of PASSWORDS) {
    await assertChecks(openssl('-5', '-salt', 'saltstring', password), password, 'sha256-crypt');
    await assertChecks(openssl('-6', '-salt', 'saltstring', password), password, 'sha512-crypt');
  }
  await assertChecks(openssl('-5', '-salt', 'rounds=1000$short', 'pw'), 'pw', 'sha256-crypt');
  await assertChecks(openssl('-6', '-salt', 'rounds=12345$abcdefghijklmnop', 'pw'), 'pw', 'sha512-crypt');
  // A random salt of openssl's own choosing, 16 characters.
  await assertChecks(openssl('-6', 'random'), 'random', 'sha512-crypt');
});

test("SHA-crypt digests match the specification's examples", async () => {
  // From "Unix crypt using SHA-256 and SHA-512" (the test vectors at its end); the salt is cut to 16 characters.
  assert.equal(await shaCryptDigest(512, Buffer.from('Hello world!'), 'saltstring', 5000),
    'svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1');
  assert.equal(await shaCryptDigest(512, Buffer.from('Hello world!'), 'saltstringsaltstring', 10000),
    'OW1/O6BYHV6BcXZu8QVeXbDWra3Oeqh0sbHbbMCVNSnCM/UrjmM0Dp8vOuZeHBy/YTBmSK6H9qs/y3RnOaw5v.');
  assert.equal(await shaCryptDigest(256, Buffer.from('Hello world!'), 'saltstringsaltstring', 10000),
    '3xv.VbSHBb41AL9AvLeujZkZRBAwqFMz2.opqey6IcA');
});

test('bcrypt hashes from htpasswd -B ($2y$) check, at more than one cost, and $2a$/$2b$ spellings too', async () => {
  await assertChecks(htpasswd(['-B', '-C', '4'], 's3cret'), 's3cret', 'bcrypt');
  await assertChecks(htpasswd(['-B', '-C', '5'], 'pässwörd with ümlauts'), 'pässwörd with ümlauts', 'bcrypt');
  const y = htpasswd(['-B', '-C', '4'], 'other');
  await assertChecks(y.replace('$2y$', '$2a$'), 'other', 'bcrypt');
  await assertChecks(y.replace('$2y$', '$2b$'), 'other', 'bcrypt');
});

test('APR1 (htpasswd -m, openssl passwd -apr1), MD5-crypt (openssl passwd -1) and {SHA} (htpasswd -s) hashes check', async () => {
  for (const password of PASSWORDS) {
    await assertChecks(htpasswd(['-m'], password), password, 'apr1');
    await assertChecks(openssl('-apr1', '-salt', 'abcdefgh', password), password, 'apr1');
    await assertChecks(openssl('-1', '-salt', 'saltsalt', password), password, 'md5-crypt');
    await assertChecks(htpasswd(['-s'], password), password, 'sha1');
  }
});
