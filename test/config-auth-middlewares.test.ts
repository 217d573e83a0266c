// The basicAuth and forwardAuth middleware kinds in the config: what they
// resolve to with their defaults, and every problem with its path and what is
// accepted — an htpasswd file's problems name the file and the line.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadErrors, loadOk, writeConfig } from './config-helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'fairway-auth-config-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function usersFile(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

const ACCEPTED =
  '(accepted: bcrypt $2y$, $2a$, $2b$ (htpasswd -B), SHA-512-crypt $6$ and SHA-256-crypt $5$ (openssl passwd -6 / -5, mkpasswd -m sha-512), ' +
  'APR1-MD5 $apr1$ (htpasswd -m) and MD5-crypt $1$, {SHA} (htpasswd -s))';

const BCRYPT = '$2y$05$6wmXMFkkRM09jkvDUcf4jOKmFfDyTPKMLl1rOaIWrvDFpWrvrRGQ6';
const SHA256 = '$5$saltsalt$9k0iflfLhuazVMAUTm0egnVlpP5ays5xBLqSJuoPfB9';
const SHA512_ROUNDS = '$6$rounds=10000$saltstringsaltst$OW1/O6BYHV6BcXZu8QVeXbDWra3Oeqh0sbHbbMCVNSnCM/UrjmM0Dp8vOuZeHBy/YTBmSK6H9qs/y3RnOaw5v.';
const APR1 = '$apr1$abcdefgh$rK/lObuciIG5ziaV8BdHR/';
const SHA1 = '{SHA}GpHWL3ymc5liWkNopqtdSjuqYHM=';

test('basicAuth resolves the file and the inline users (the file wins for a name in both), with its defaults', () => {
  const file = usersFile('good', `# staff\nalice:${BCRYPT}\r\n\nbob:${SHA256}\ncarol:${SHA512_ROUNDS}\ndan:${APR1}\n`);
  const config = loadOk({
    file: writeConfig(`middlewares:
  login: { basicAuth: { usersFile: ${file}, users: ["erin:${SHA1}", "alice:${SHA256}"] } }
  staff: { basicAuth: { users: ["erin:${SHA1}"], realm: Staff only, removeHeader: false, headerField: X-Forwarded-User } }
backends: [http://h:1]
`),
  });
  assert.deepEqual(config.middlewares, [
    {
      name: 'login',
      kind: 'basicAuth',
      basicAuth: {
        usersFile: file,
        realm: 'fairway',
        removeHeader: true,
        users: [
          { name: 'alice', hash: { scheme: 'bcrypt', hash: BCRYPT } },
          { name: 'bob', hash: { scheme: 'sha256-crypt', rounds: 5000, salt: 'saltsalt', digest: SHA256.slice(12) } },
          { name: 'carol', hash: { scheme: 'sha512-crypt', rounds: 10000, salt: 'saltstringsaltst', digest: SHA512_ROUNDS.slice(33) } },
          { name: 'dan', hash: { scheme: 'apr1', salt: 'abcdefgh', digest: 'rK/lObuciIG5ziaV8BdHR/' } },
          { name: 'erin', hash: { scheme: 'sha1', digest: SHA1.slice(5) } },
        ],
      },
    },
    {
      name: 'staff',
      kind: 'basicAuth',
      basicAuth: {
        realm: 'Staff only',
        removeHeader: false,
        headerField: 'X-Forwarded-User',
        users: [{ name: 'erin', hash: { scheme: 'sha1', digest: SHA1.slice(5) } }],
      },
    },
  ]);
});

test('an htpasswd line that cannot be used is a problem naming the file, the line and the accepted schemes', () => {
  const file = usersFile(
    'bad',
    [
      'alice:$apr1$abc$x',
      '# a comment',
      '',
      'bob',
      ':nohash',
      'carol:plaintext',
      'dave:abcdefghijklm',
      'erin:$y$j9T$abc$def',
      'frank:$2y$05$short',
      'gus:$5$rounds=10$salt$aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
      'hank:$6$salt$tooshort',
      `ivy:${SHA1}`,
      `ivy:${SHA1}`,
      'jo:',
      'kim:$argon2id$v=19$m=65536',
      'lee:$md5$x$y',
      `bad name:${SHA1}`,
      `zed:${BCRYPT.replace('$05$', '$99$')}`,
    ].join('\n'),
  );
  const at = `middlewares.login.basicAuth.usersFile: ${JSON.stringify(file)}`;
  assert.deepEqual(loadErrors({ file: writeConfig(`middlewares:\n  login: { basicAuth: { usersFile: ${file} } }\nbackends: [http://h:1]\n`) }), [
    `${at} line 1: user alice: the $apr1$ hash is malformed (its parameters, salt or length are not what that scheme writes)`,
    `${at} line 4: expected user:hash (as htpasswd writes), found no ":"`,
    `${at} line 5: the user name before ":" is empty`,
    `${at} line 6: user carol: not a password hash of an accepted scheme; plain-text passwords (htpasswd -p) are not accepted ${ACCEPTED}`,
    `${at} line 7: user dave: a crypt(3) DES hash (htpasswd -d) is not accepted: it keeps only 8 characters of a password ${ACCEPTED}`,
    `${at} line 8: user erin: the $y$ (yescrypt/scrypt) scheme is not accepted ${ACCEPTED}; e.g. mkpasswd -m sha-512 makes a $6$ hash`,
    `${at} line 9: user frank: the $2y$ hash is malformed (its parameters, salt or length are not what that scheme writes)`,
    `${at} line 10: user gus: rounds=10 is outside 1000 to 999999999 (SHA-crypt's bounds)`,
    `${at} line 11: user hank: a SHA-512-crypt hash ends in 86 characters after the salt, this one in 8`,
    `${at} line 13: user ivy appears twice (also on line 12)`,
    `${at} line 14: user jo: the password hash is empty ${ACCEPTED}`,
    `${at} line 15: user kim: the argon2 scheme is not accepted ${ACCEPTED}`,
    `${at} line 16: user lee: unknown password scheme $md5$ ${ACCEPTED}`,
    `${at} line 17: the user name "bad name" contains white space or a control character`,
    `${at} line 18: user zed: the bcrypt cost 99 is outside 04 to 31`,
  ]);
});

test('a users file that cannot be read, or names nobody, is a problem; so is a basicAuth without users', () => {
  const folder = join(dir, 'folder');
  mkdirSync(folder, { recursive: true });
  const empty = usersFile('empty', '# nobody yet\n');
  const missing = join(dir, 'missing');
  const file = writeConfig(`middlewares:
  a: { basicAuth: { usersFile: ${missing} } }
  b: { basicAuth: { usersFile: ${folder} } }
  c: { basicAuth: { usersFile: ${empty} } }
  d: { basicAuth: {} }
  e: { basicAuth: { usersFile: 5, users: [] } }
backends: [http://h:1]
`);
  const noUsers = '(expected usersFile: /etc/fairway/htpasswd, or users: ["name:hash", ...])';
  assert.deepEqual(loadErrors({ file }), [
    `middlewares.a.basicAuth.usersFile: cannot read ${JSON.stringify(missing)} (no such file)`,
    `middlewares.b.basicAuth.usersFile: cannot read ${JSON.stringify(folder)} (it is a directory)`,
    `middlewares.c.basicAuth: no users: usersFile and users name no user ${noUsers}`,
    `middlewares.d.basicAuth: no users: neither usersFile nor users is set ${noUsers}`,
    'middlewares.e.basicAuth.usersFile: 5 is not a file path (expected an htpasswd file, e.g. /etc/fairway/htpasswd)',
  ]);
});

test("basicAuth's inline users, realm, removeHeader, headerField and unknown keys are checked", () => {
  const file = writeConfig(`middlewares:
  f: { basicAuth: { users: ["x", 7, "y:plain", "z:${SHA1}", "z:${SHA1}"], realm: 'say "hi"', removeHeader: maybe, headerField: Content-Length, user: [] } }
  g: { basicAuth: { users: "alice:x", realm: "", headerField: "X Bad" } }
  h: { basicAuth: { users: ["a:${SHA1}"], headerField: Authorization } }
backends: [http://h:1]
`);
  assert.deepEqual(loadErrors({ file }), [
    'middlewares.f.basicAuth.users[0]: expected user:hash (as htpasswd writes), found no ":"',
    'middlewares.f.basicAuth.users[1]: 7 is not a user (expected "name:hash" text)',
    `middlewares.f.basicAuth.users[2]: user y: not a password hash of an accepted scheme; plain-text passwords (htpasswd -p) are not accepted ${ACCEPTED}`,
    'middlewares.f.basicAuth.users[4]: user z is listed twice (also users[3])',
    'middlewares.f.basicAuth.realm: "say \\"hi\\"" is not a realm (expected visible ASCII text without quotes or backslashes, e.g. fairway)',
    'middlewares.f.basicAuth.removeHeader: "maybe" is not a boolean (expected true or false)',
    'middlewares.f.basicAuth.headerField: header Content-Length cannot carry the user name (choose a header of its own, e.g. X-Forwarded-User)',
    'middlewares.f.basicAuth.user: unknown key in basicAuth (did you mean "users"? accepted: usersFile, users, realm, removeHeader, headerField)',
    'middlewares.g.basicAuth.users: "alice:x" is not a list of users (expected e.g. ["alice:$2y$05$..."], as htpasswd -nB prints them)',
    'middlewares.g.basicAuth.realm: "" is not a realm (expected visible ASCII text without quotes or backslashes, e.g. fairway)',
    'middlewares.g.basicAuth.headerField: "X Bad" is not a header name (expected an HTTP token, e.g. X-Forwarded-User)',
    'middlewares.h.basicAuth.headerField: header Authorization cannot carry the user name (choose a header of its own, e.g. X-Forwarded-User)',
  ]);
});

test('forwardAuth resolves with its defaults: replaced X-Forwarded-*, every client header, a 5s timeout', () => {
  const config = loadOk({
    file: writeConfig(`middlewares:
  sso: { forwardAuth: { address: "http://127.0.0.1:9000/auth?x=1" } }
  full:
    forwardAuth:
      address: https://auth.internal/check
      trustForwardHeader: true
      authResponseHeaders: [X-User, X-Groups]
      authRequestHeaders: [Cookie, Authorization]
      timeout: 750ms
      addAuthCookiesToResponse: [session]
backends: [http://h:1]
`),
  });
  assert.deepEqual(config.middlewares, [
    {
      name: 'sso',
      kind: 'forwardAuth',
      forwardAuth: { address: 'http://127.0.0.1:9000/auth?x=1', trustForwardHeader: false, authResponseHeaders: [], timeoutMs: 5000, addAuthCookiesToResponse: [] },
    },
    {
      name: 'full',
      kind: 'forwardAuth',
      forwardAuth: {
        address: 'https://auth.internal/check',
        trustForwardHeader: true,
        authResponseHeaders: ['X-User', 'X-Groups'],
        authRequestHeaders: ['cookie', 'authorization'],
        timeoutMs: 750,
        addAuthCookiesToResponse: ['session'],
      },
    },
  ]);
});

test("forwardAuth's address, header lists, timeout, cookie names and unknown keys are checked", () => {
  const url = '(expected an http:// or https:// URL, e.g. http://127.0.0.1:9000/auth)';
  const file = writeConfig(`middlewares:
  i: { forwardAuth: {} }
  j: { forwardAuth: { address: ftp://x/, trustForwardHeader: 1, authResponseHeaders: [Host, "X Bad", 3, Transfer-Encoding], authRequestHeaders: X-User, timeout: 0, addAuthCookiesToResponse: ["a=b", 5], adress: x } }
  k: { forwardAuth: { address: "not a url", authRequestHeaders: [Content-Length] } }
  l: { forwardAuth: { address: "http://u:p@h/x" } }
  m: { forwardAuth: { address: "http://h/x#f", timeout: soon, addAuthCookiesToResponse: session } }
backends: [http://h:1]
`);
  const framing = 'cannot be copied: fairway writes Host and the connection and framing headers itself';
  assert.deepEqual(loadErrors({ file }), [
    'middlewares.i.forwardAuth.address: missing (required)',
    `middlewares.j.forwardAuth.address: "ftp://x/" has the scheme ftp ${url}`,
    'middlewares.j.forwardAuth.trustForwardHeader: 1 is not a boolean (expected true or false)',
    `middlewares.j.forwardAuth.authResponseHeaders[0]: header Host ${framing}`,
    'middlewares.j.forwardAuth.authResponseHeaders[1]: "X Bad" is not a header name (expected an HTTP token, e.g. X-User)',
    'middlewares.j.forwardAuth.authResponseHeaders[2]: 3 is not a header name (expected an HTTP token, e.g. X-User)',
    `middlewares.j.forwardAuth.authResponseHeaders[3]: header Transfer-Encoding ${framing}`,
    'middlewares.j.forwardAuth.authRequestHeaders: "X-User" is not a list of header names (expected e.g. [Cookie, Authorization])',
    'middlewares.j.forwardAuth.timeout: 0 is too short (expected at least 1ms)',
    'middlewares.j.forwardAuth.addAuthCookiesToResponse[0]: "a=b" is not a cookie name (expected an HTTP token, e.g. session)',
    'middlewares.j.forwardAuth.addAuthCookiesToResponse[1]: 5 is not a cookie name (expected an HTTP token, e.g. session)',
    'middlewares.j.forwardAuth.adress: unknown key in forwardAuth (did you mean "address"? accepted: address, trustForwardHeader, authResponseHeaders, authRequestHeaders, timeout, addAuthCookiesToResponse)',
    `middlewares.k.forwardAuth.address: "not a url" is not a URL ${url}`,
    `middlewares.k.forwardAuth.authRequestHeaders[0]: header Content-Length ${framing}`,
    `middlewares.l.forwardAuth.address: "http://u:p@h/x" carries credentials, which fairway does not send ${url}`,
    `middlewares.m.forwardAuth.address: "http://h/x#f" has a #fragment ${url}`,
    'middlewares.m.forwardAuth.timeout: "soon" is not a duration (expected e.g. 250ms, 5s, 1.5s, 2m, 1h, or a bare number of seconds)',
    'middlewares.m.forwardAuth.addAuthCookiesToResponse: "session" is not a list of cookie names (expected e.g. [session])',
  ]);
});
