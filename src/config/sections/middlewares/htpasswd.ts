// htpasswd lines (`user:hash`) as basicAuth reads them from its usersFile and
// its inline users: which password hashes are accepted, taken apart into what
// checking a password needs, and a message for every line that cannot be used.
// The hashing itself is the basicAuth filter's (src/filters/password-check.ts).

/** A stored password hash, taken apart. */
export type PasswordHash =
  /** bcrypt ($2y$, $2a$, $2b$): the whole string, which carries its cost and salt. */
  | { scheme: 'bcrypt'; hash: string }
  /** glibc's SHA-crypt ($5$, $6$). */
  | { scheme: 'sha256-crypt' | 'sha512-crypt'; rounds: number; salt: string; digest: string }
  /** Apache's APR1-MD5 ($apr1$) and BSD/glibc MD5-crypt ($1$): the same algorithm with another magic. */
  | { scheme: 'apr1' | 'md5-crypt'; salt: string; digest: string }
  /** `{SHA}`: base64 of the password's SHA-1, unsalted (htpasswd -s). */
  | { scheme: 'sha1'; digest: string };

export type PasswordScheme = PasswordHash['scheme'];

export interface HtpasswdUser {
  name: string;
  hash: PasswordHash;
}

export const ACCEPTED_SCHEMES =
  'accepted: bcrypt $2y$, $2a$, $2b$ (htpasswd -B), SHA-512-crypt $6$ and SHA-256-crypt $5$ ' +
  '(openssl passwd -6 / -5, mkpasswd -m sha-512), APR1-MD5 $apr1$ (htpasswd -m) and MD5-crypt $1$, {SHA} (htpasswd -s)';

const B64 = '[./0-9A-Za-z]';
const BCRYPT = new RegExp(`^\\$2[aby]\\$(\\d\\d)\\$${B64}{53}$`);
const SHA_CRYPT = new RegExp(`^\\$([56])\\$(?:rounds=(\\d{1,9})\\$)?([^$:]{0,16})\\$(${B64}+)$`);
const MD5_CRYPT = new RegExp(`^\\$(apr1|1)\\$([^$:]{0,8})\\$(${B64}{22})$`);
const SHA1 = /^\{SHA\}([A-Za-z0-9+/]{27}=)$/;
const DES = new RegExp(`^${B64}{13}$`);

// glibc's bounds for SHA-crypt rounds (it clamps to them when hashing).
const MIN_ROUNDS = 1000;
const MAX_ROUNDS = 999_999_999;

/** The hash taken apart, or why it cannot be used. */
export function parsePasswordHash(text: string): { hash: PasswordHash } | { problem: string } {
  const bcrypt = BCRYPT.exec(text);
  if (bcrypt !== null) {
    const cost = Number(bcrypt[1]);
    if (cost < 4 || cost > 31) return { problem: `the bcrypt cost ${bcrypt[1]} is outside 04 to 31` };
    return { hash: { scheme: 'bcrypt', hash: text } };
  }
  const sha = SHA_CRYPT.exec(text);
  if (sha !== null) {
    const bits = sha[1] === '5' ? 256 : 512;
    const digest = sha[4]!;
    const length = bits === 256 ? 43 : 86;
    if (digest.length !== length) {
      return { problem: `a SHA-${bits}-crypt hash ends in ${length} characters after the salt, this one in ${digest.length}` };
    }
    const rounds = sha[2] === undefined ? 5000 : Number(sha[2]);
    if (rounds < MIN_ROUNDS || rounds > MAX_ROUNDS) {
      return { problem: `rounds=${sha[2]} is outside ${MIN_ROUNDS} to ${MAX_ROUNDS} (SHA-crypt's bounds)` };
    }
    return { hash: { scheme: bits === 256 ? 'sha256-crypt' : 'sha512-crypt', rounds, salt: sha[3]!, digest } };
  }
  const md5 = MD5_CRYPT.exec(text);
  if (md5 !== null) return { hash: { scheme: md5[1] === 'apr1' ? 'apr1' : 'md5-crypt', salt: md5[2]!, digest: md5[3]! } };
  const sha1 = SHA1.exec(text);
  if (sha1 !== null) return { hash: { scheme: 'sha1', digest: sha1[1]! } };
  return { problem: unacceptedScheme(text) };
}

/** Says what the hash looks like, so the fix is plain. */
function unacceptedScheme(text: string): string {
  if (text === '') return `the password hash is empty (${ACCEPTED_SCHEMES})`;
  const prefix = /^\$[^$]{1,10}\$/.exec(text)?.[0];
  if (prefix === '$y$' || prefix === '$7$' || prefix === '$gy$') {
    return `the ${prefix} (yescrypt/scrypt) scheme is not accepted (${ACCEPTED_SCHEMES}); e.g. mkpasswd -m sha-512 makes a $6$ hash`;
  }
  if (text.startsWith('$argon2')) return `the argon2 scheme is not accepted (${ACCEPTED_SCHEMES})`;
  if (prefix !== undefined && /^\$(2[aby]|5|6|apr1|1)\$$/.test(prefix)) {
    return `the ${prefix} hash is malformed (its parameters, salt or length are not what that scheme writes)`;
  }
  if (prefix !== undefined) return `unknown password scheme ${prefix} (${ACCEPTED_SCHEMES})`;
  if (DES.test(text)) return `a crypt(3) DES hash (htpasswd -d) is not accepted: it keeps only 8 characters of a password (${ACCEPTED_SCHEMES})`;
  return `not a password hash of an accepted scheme; plain-text passwords (htpasswd -p) are not accepted (${ACCEPTED_SCHEMES})`;
}

/** One `user:hash` line, or why it cannot be used. */
export function parseHtpasswdLine(line: string): { user: HtpasswdUser } | { problem: string } {
  const colon = line.indexOf(':');
  if (colon === -1) return { problem: 'expected user:hash (as htpasswd writes), found no ":"' };
  const name = line.slice(0, colon);
  if (name === '') return { problem: 'the user name before ":" is empty' };
  if (/[^\x21-\x7e\x80-\uffff]/.test(name)) return { problem: `the user name ${JSON.stringify(name)} contains white space or a control character` };
  const parsed = parsePasswordHash(line.slice(colon + 1).trim());
  if ('problem' in parsed) return { problem: `user ${name}: ${parsed.problem}` };
  return { user: { name, hash: parsed.hash } };
}

/** Every user of an htpasswd file's text, and a problem per line that cannot be used (1-based line numbers). */
export function parseHtpasswd(text: string): { users: HtpasswdUser[]; problems: { line: number; message: string }[] } {
  const users: HtpasswdUser[] = [];
  const problems: { line: number; message: string }[] = [];
  const lineOf = new Map<string, number>();
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/\r$/, '');
    if (line.trim() === '' || line.trimStart().startsWith('#')) return;
    const parsed = parseHtpasswdLine(line);
    if ('problem' in parsed) {
      problems.push({ line: i + 1, message: parsed.problem });
      return;
    }
    const earlier = lineOf.get(parsed.user.name);
    if (earlier !== undefined) {
      problems.push({ line: i + 1, message: `user ${parsed.user.name} appears twice (also on line ${earlier})` });
      return;
    }
    lineOf.set(parsed.user.name, i + 1);
    users.push(parsed.user);
  });
  return { users, problems };
}
