// `fairway demo`: three backends behind the balancer from one command, over
// HTTP and HTTPS (a self-signed certificate it makes), and Ctrl+C (SIGINT)
// stops every process it started.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { get as httpsGet } from 'node:https';
import { Agent } from 'undici';
import { CLI } from './helpers/child-fairway.js';
import { connectRefused, freePorts, get, waitFor } from './helpers/fixtures.js';

/** GET over https without checking the certificate, as `curl -k` does. */
function insecureGet(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpsGet(url, { rejectUnauthorized: false, agent: false, timeout: 10_000 }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
  });
}

test('demo: three different backends answer through the balancer, over HTTPS too; SIGINT stops all', async (t) => {
  const ports = await freePorts(3);
  const child = spawn(process.execPath, [CLI, 'demo', '--port', '0', '--https-port', '0', '--admin-port', '0', '--backend-ports', ports.join(','), '--log-format', 'json'], {
    env: { PATH: process.env.PATH },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  const client = new Agent();
  t.after(async () => {
    await client.close();
    if (child.exitCode === null) child.kill('SIGKILL');
  });

  await waitFor('demo banner', () => out.includes('Ctrl+C'), 20_000);
  const proxyUrl = /load balancer\s+(http:\/\/\S+)/.exec(out)![1]!;
  const adminUrl = /admin\s+(http:\/\/\S+)\/lb\/stats/.exec(out)![1]!;
  const backendPorts = [...out.matchAll(/backend\s+http:\/\/127\.0\.0\.1:(\d+)/g)].map((m) => Number(m[1]));
  assert.deepEqual(backendPorts, ports);
  assert.match(out, /control\?healthy=false/, 'the tip shows how to make a backend fail');

  const servers = new Set<string>();
  for (let i = 0; i < 3; i++) servers.add((JSON.parse((await get(client, proxyUrl.replace('localhost', '127.0.0.1'))).body) as { server: string }).server);
  assert.equal(servers.size, 3, `three different servers answered: ${[...servers].join(', ')}`);
  assert.equal((await get(client, `${adminUrl}/healthz`)).status, 200);

  const httpsUrl = /(https:\/\/\S+)\s+\(self-signed certificate: curl -k\)/.exec(out)![1]!;
  const secure = await insecureGet(httpsUrl.replace('localhost', '127.0.0.1'));
  assert.equal(secure.status, 200);
  assert.match((JSON.parse(secure.body) as { server: string }).server, /^backend-\d$/);

  child.kill('SIGINT');
  const code = await Promise.race([exited, new Promise((r) => setTimeout(() => r('timeout'), 15_000))]);
  assert.equal(code, 0);
  for (const port of backendPorts) assert.ok(await connectRefused(port), `backend on ${port} stopped`);
});
