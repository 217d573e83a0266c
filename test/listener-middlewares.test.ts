// Listener-level middlewares, end to end: a listener's `middlewares` run on
// every route served on it, before the route's own; another listener serving
// the same route does not run them; a reload changes them for new requests.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { request } from 'undici';
import { echoBackend, echoed, headerValues, listenerPorts, requestFrom, startFromYaml } from './helpers/client-addresses.js';

function yaml(backendUrl: string, publicChain: string): string {
  return `listeners:
  - { name: public, host: 127.0.0.1, port: 0, middlewares: ${publicChain} }
  - { name: internal, host: 127.0.0.1, port: 0 }
admin: { port: 0 }
middlewares:
  edge-tag:   { headers: { request: { set: { X-Edge: public, X-Order: listener } } } }
  route-tag:  { headers: { request: { set: { X-Order: route } } } }
  only-local: { ipAllowList: { sourceRange: [127.0.0.2] } }
pools:
  - { name: app, healthCheck: { enabled: false }, backends: [${backendUrl}] }
routes:
  - { pathPrefix: /tagged, pool: app, middlewares: [route-tag] }
  - { pathPrefix: /, pool: app }
`;
}

test("a listener's middlewares run on each of its routes before the route's own, and only on that listener", async (t) => {
  const backend = await echoBackend('a');
  t.after(() => backend.server.close());
  const { lb, file } = await startFromYaml(t, yaml(backend.url, '[edge-tag, only-local]'));
  const ports = listenerPorts(lb);
  const get = (listener: string, path: string, from = '127.0.0.2') => requestFrom('127.0.0.1', ports[listener]!, path, { localAddress: from });

  const tagged = echoed(await get('public', '/tagged'));
  assert.deepEqual(headerValues(tagged.rawHeaders, 'x-edge'), ['public']);
  assert.deepEqual(headerValues(tagged.rawHeaders, 'x-order'), ['route'], "the route's middleware ran after the listener's");
  const plain = echoed(await get('public', '/other'));
  assert.deepEqual(headerValues(plain.rawHeaders, 'x-order'), ['listener'], 'a route without middlewares of its own gets the listener chain');
  assert.equal((await get('public', '/other', '127.0.0.1')).status, 403, "the listener's allow list applies to every route");

  const internal = await get('internal', '/tagged', '127.0.0.1');
  assert.equal(internal.status, 200, 'the other listener does not run them');
  assert.deepEqual(headerValues(echoed(internal).rawHeaders, 'x-edge'), []);
  assert.deepEqual(headerValues(echoed(internal).rawHeaders, 'x-order'), ['route']);

  writeFileSync(file, yaml(backend.url, '[]'));
  const reload = await request(`http://127.0.0.1:${lb.adminPort}/api/reload`, { method: 'POST' });
  const result = (await reload.body.json()) as { ok: boolean; changes: string[] };
  assert.equal(result.ok, true);
  assert.ok(result.changes.includes('listener public: middlewares changed'), result.changes.join('; '));
  const afterReload = await get('public', '/other', '127.0.0.1');
  assert.equal(afterReload.status, 200);
  assert.deepEqual(headerValues(echoed(afterReload).rawHeaders, 'x-edge'), []);
});

test('the shorthand listen: takes middlewares too', async (t) => {
  const backend = await echoBackend('a');
  t.after(() => backend.server.close());
  const { lb } = await startFromYaml(
    t,
    `listen: { host: 127.0.0.1, port: 0, middlewares: [edge-tag] }
admin: { port: 0 }
middlewares:
  edge-tag: { headers: { request: { set: { X-Edge: shorthand } } } }
backends: [${backend.url}]
healthCheck: { enabled: false }
`,
  );
  const answer = await requestFrom('127.0.0.1', lb.port, '/');
  assert.deepEqual(headerValues(echoed(answer).rawHeaders, 'x-edge'), ['shorthand']);
});
