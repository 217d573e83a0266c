// The `basicAuth` middleware, end to end: a real `fairway` process from YAML,
// an htpasswd file written by Debian's htpasswd (-B bcrypt, -s {SHA}, -m APR1)
// with SHA-crypt lines from openssl passwd -5/-6, a backend that echoes what
// it received, and curl as the client. Right credentials pass and the backend
// does not see them; anything else is a 401 challenge that never reaches the
// backend; a reload reads the users file again, and a broken one changes nothing.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { startChildFairway } from './helpers/child-fairway.js';

interface Seen {
  rawHeaders: string[];
}

/** A backend that answers with the request headers it received and counts the requests. */
async function echoBackend(): Promise<{ server: Server; url: string; count: () => number }> {
  let count = 0;
  const server = createServer((req: IncomingMessage, res) => {
    count++;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ rawHeaders: req.rawHeaders }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, count: () => count };
}

function values(raw: string[], name: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) if (raw[i]!.toLowerCase() === name) out.push(raw[i + 1]!);
  return out;
}

/** curl's status, response headers (lower-case names) and body. */
async function curl(args: string[]): Promise<{ status: number; headers: Map<string, string>; body: string }> {
  const out = await new Promise<string>((resolve, reject) => {
    execFile('curl', ['-sS', '--max-time', '10', '-D', '-', ...args], { encoding: 'utf8', timeout: 15_000 }, (err, stdout) =>
      err ? reject(err) : resolve(stdout),
    );
  });
  const split = out.indexOf('\r\n\r\n');
  const [statusLine, ...lines] = out.slice(0, split).split('\r\n');
  const headers = new Map<string, string>();
  for (const line of lines) headers.set(line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim());
  return { status: Number(statusLine!.split(' ')[1]), headers, body: out.slice(split + 4) };
}

function openssl(...args: string[]): string {
  return execFileSync('openssl', ['passwd', ...args], { encoding: 'utf8', timeout: 10_000 }).trim();
}

/** An htpasswd file with one user of each scheme. */
function writeUsers(file: string, alicePassword: string): void {
  execFileSync('htpasswd', ['-B', '-C', '5', '-b', '-c', file, 'alice', alicePassword], { stdio: 'ignore', timeout: 10_000 });
  execFileSync('htpasswd', ['-s', '-b', file, 'bob', 'bob-pw'], { stdio: 'ignore', timeout: 10_000 });
  execFileSync('htpasswd', ['-m', '-b', file, 'frank', 'frank-pw'], { stdio: 'ignore', timeout: 10_000 });
  appendFileSync(file, `dave:${openssl('-5', '-salt', 'davesalt', 'dave-pw')}\nerin:${openssl('-6', '-salt', 'rounds=6000$erinsalt', 'erin-pw')}\n`);
}

function config(backendUrl: string, usersFile: string): string {
  const carol = openssl('-6', '-salt', 'carolsalt', 'carol-pw');
  return `listen: { host: 127.0.0.1, port: 0 }
admin: { port: 0 }
middlewares:
  login: { basicAuth: { usersFile: ${usersFile} } }
  staff: { basicAuth: { usersFile: ${usersFile}, removeHeader: false, headerField: X-Forwarded-User, realm: staff area } }
  inline: { basicAuth: { users: ["carol:${carol}"] } }
pools:
  - name: app
    healthCheck: { enabled: false }
    backends: [${backendUrl}]
routes:
  - { pathPrefix: /private, pool: app, middlewares: [login] }
  - { pathPrefix: /staff, pool: app, middlewares: [staff] }
  - { pathPrefix: /inline, pool: app, middlewares: [inline] }
  - { pathPrefix: /, pool: app }
`;
}

async function startLogin(t: TestContext) {
  const backend = await echoBackend();
  const dir = mkdtempSync(join(tmpdir(), 'fairway-basic-auth-'));
  const users = join(dir, 'htpasswd');
  writeUsers(users, 'alice-pw');
  const file = join(dir, 'fairway.yaml');
  writeFileSync(file, config(backend.url, users));
  const lb = await startChildFairway(['-c', file]);
  t.after(async () => {
    await lb.stop();
    backend.server.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { lb, backend, users };
}

test('basicAuth: every scheme of the users file lets its user through, and the backend does not see Authorization', async (t) => {
  const { lb } = await startLogin(t);
  for (const [user, password] of [['alice', 'alice-pw'], ['bob', 'bob-pw'], ['frank', 'frank-pw'], ['dave', 'dave-pw'], ['erin', 'erin-pw']]) {
    // Twice: the second is answered from the remembered check.
    for (let i = 0; i < 2; i++) {
      const res = await curl(['-u', `${user}:${password}`, `${lb.url}/private/x`]);
      assert.equal(res.status, 200, `${user}: ${res.body}`);
      const seen = JSON.parse(res.body) as Seen;
      assert.deepEqual(values(seen.rawHeaders, 'authorization'), [], `${user}: Authorization removed before the backend`);
      assert.equal(values(seen.rawHeaders, 'x-forwarded-for').length, 1);
    }
  }
  const inline = await curl(['-u', 'carol:carol-pw', `${lb.url}/inline/`]);
  assert.equal(inline.status, 200, 'an inline user is accepted');
  const notInline = await curl(['-u', 'alice:alice-pw', `${lb.url}/inline/`]);
  assert.equal(notInline.status, 401, "the file's users are not the inline middleware's");
});

test('basicAuth: a wrong password, an unknown user, a malformed header or none at all get a 401 challenge and never reach the backend', async (t) => {
  const { lb, backend } = await startLogin(t);
  const before = backend.count();
  const cases: string[][] = [
    ['-u', 'alice:wrong'],
    ['-u', 'alice:alice-pw-'],
    ['-u', 'mallory:alice-pw'],
    ['-u', 'dave:erin-pw'],
    ['-H', 'Authorization: Basic !!!notbase64'],
    ['-H', 'Authorization: Bearer abc'],
    ['-H', `Authorization: Basic ${Buffer.from('alice').toString('base64')}`],
    [],
  ];
  for (const args of cases) {
    const res = await curl([...args, `${lb.url}/private/x`]);
    assert.equal(res.status, 401, args.join(' '));
    assert.equal(res.headers.get('www-authenticate'), 'Basic realm="fairway", charset="UTF-8"', args.join(' '));
    assert.ok(res.headers.has('x-request-id'));
  }
  const staff = await curl(['-u', 'alice:nope', `${lb.url}/staff/`]);
  assert.equal(staff.headers.get('www-authenticate'), 'Basic realm="staff area", charset="UTF-8"', 'the configured realm');
  assert.equal(backend.count(), before, 'no refused request reached the backend');

  const open = await curl([`${lb.url}/public`]);
  assert.equal(open.status, 200, 'a route without the middleware asks for nothing');
});

test('basicAuth: removeHeader: false keeps Authorization, and headerField carries the user, replacing what the client sent', async (t) => {
  const { lb } = await startLogin(t);
  const res = await request(`${lb.url}/staff/`, {
    headers: {
      authorization: `Basic ${Buffer.from('erin:erin-pw').toString('base64')}`,
      'x-forwarded-user': 'admin',
      'X-FORWARDED-USER': 'root',
    },
  });
  assert.equal(res.statusCode, 200);
  const seen = (await res.body.json()) as Seen;
  assert.deepEqual(values(seen.rawHeaders, 'authorization'), [`Basic ${Buffer.from('erin:erin-pw').toString('base64')}`]);
  assert.deepEqual(values(seen.rawHeaders, 'x-forwarded-user'), ['erin'], "the client's copies are gone");
});

test('basicAuth: many requests with the same credentials at once all pass', async (t) => {
  const { lb } = await startLogin(t);
  const authorization = `Basic ${Buffer.from('alice:alice-pw').toString('base64')}`;
  const statuses = await Promise.all(
    Array.from({ length: 20 }, async () => {
      const res = await request(`${lb.url}/private/`, { headers: { authorization } });
      await res.body.dump();
      return res.statusCode;
    }),
  );
  assert.deepEqual(statuses, Array(20).fill(200));
});

test('basicAuth: a reload reads the users file again; a broken file is refused and the running users stay', async (t) => {
  const { lb, users } = await startLogin(t);
  const admin = `http://127.0.0.1:${lb.adminPort}`;
  const status = async (user: string, password: string) => (await curl(['-u', `${user}:${password}`, `${lb.url}/private/`])).status;
  assert.equal(await status('alice', 'alice-pw'), 200);

  writeUsers(users, 'new-pw');
  const reload = await request(`${admin}/api/reload`, { method: 'POST' });
  const result = (await reload.body.json()) as { ok: boolean; changes?: string[] };
  assert.equal(result.ok, true);
  assert.ok(result.changes!.includes('middlewares changed'), `changes: ${result.changes!.join('; ')}`);
  assert.equal(await status('alice', 'alice-pw'), 401, 'the old password no longer works (nor its remembered check)');
  assert.equal(await status('alice', 'new-pw'), 200);

  appendFileSync(users, 'zed:plaintext\n');
  const refused = await request(`${admin}/api/reload`, { method: 'POST' });
  assert.equal(refused.statusCode, 400);
  const problems = (await refused.body.json()) as { problems: { path: string; message: string }[] };
  assert.ok(
    problems.problems.some((e) => e.path === 'middlewares.login.basicAuth.usersFile' && e.message.startsWith(`${JSON.stringify(users)} line 6: user zed:`)),
    JSON.stringify(problems.problems),
  );
  assert.equal(await status('alice', 'new-pw'), 200, 'the running users stay');
});
