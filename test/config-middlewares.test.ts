// The `middlewares:` section: named definitions of one kind each (headers for
// now), the chains that routes list, the catch-all route's chain without
// routes, and every problem reported with its path, all in one pass.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadErrors, loadOk, writeConfig } from './config-helpers.js';
import { runCli } from './helpers/child-fairway.js';

const TAG = `middlewares:
  tag:
    headers:
      request:  { set: { X-Env: prod }, remove: [X-Debug] }
      response: { set: { X-Frame-Options: DENY }, remove: [Server] }
`;

const ONE_POOL = 'pools:\n  - { name: api, backends: [http://h:1] }\n';

test('definitions resolve in file order, names kept as written for sending and lower-cased for matching', () => {
  const config = loadOk({
    file: writeConfig(
      `${TAG}  stamp:
    headers:
      request: { set: { Host: api.internal, X-Build: 42, X-Flag: true, X-Tabbed: "a\\tb" }, remove: [X-A, x-a, X-B] }
${ONE_POOL}routes:
  - { host: api.example.com, pathPrefix: /, pool: api, middlewares: [tag, stamp] }
  - { pathPrefix: /, pool: api }
`,
    ),
  });
  assert.deepEqual(config.middlewares, [
    {
      name: 'tag',
      kind: 'headers',
      headers: {
        request: { set: [{ name: 'X-Env', lower: 'x-env', value: 'prod' }], remove: ['x-debug'] },
        response: { set: [{ name: 'X-Frame-Options', lower: 'x-frame-options', value: 'DENY' }], remove: ['server'] },
      },
    },
    {
      name: 'stamp',
      kind: 'headers',
      headers: {
        request: {
          set: [
            { name: 'Host', lower: 'host', value: 'api.internal' },
            { name: 'X-Build', lower: 'x-build', value: '42' },
            { name: 'X-Flag', lower: 'x-flag', value: 'true' },
            { name: 'X-Tabbed', lower: 'x-tabbed', value: 'a\tb' },
          ],
          remove: ['x-a', 'x-b'],
        },
        response: { set: [], remove: [] },
      },
    },
  ]);
  assert.deepEqual(config.routes, [
    { host: 'api.example.com', pathPrefix: '/', pool: 'api', middlewares: ['tag', 'stamp'] },
    { pathPrefix: '/', pool: 'api', middlewares: [] },
  ]);
});

test('without middlewares there are no definitions and every chain is empty', () => {
  const config = loadOk({ file: writeConfig('backends: [http://h:1]\n') });
  assert.deepEqual(config.middlewares, []);
  assert.deepEqual(config.routes, [{ pathPrefix: '/', pool: 'default', middlewares: [] }]);
});

test("without routes, the catch-all route takes its chain from the single pool, or for the shorthand from routeMiddlewares", () => {
  const pool = loadOk({ file: writeConfig(`${TAG}pools:\n  - { name: api, backends: [http://h:1], middlewares: [tag] }\n`) });
  assert.deepEqual(pool.routes, [{ pathPrefix: '/', pool: 'api', middlewares: ['tag'] }]);

  const shorthand = loadOk({ file: writeConfig(`${TAG}backends: [http://h:1]\nrouteMiddlewares: [tag]\n`) });
  assert.deepEqual(shorthand.routes, [{ pathPrefix: '/', pool: 'default', middlewares: ['tag'] }]);
  assert.equal(shorthand.middlewares[0]?.name, 'tag');

  // BACKEND_SERVERS replaces the shorthand pool's backends, not its route's chain.
  const fromEnv = loadOk({ file: writeConfig(`${TAG}routeMiddlewares: [tag]\n`), env: { BACKEND_SERVERS: 'http://h:2' } });
  assert.deepEqual(fromEnv.routes, [{ pathPrefix: '/', pool: 'default', middlewares: ['tag'] }]);
});

test('a name a chain lists must be defined, and listed once', () => {
  const file = writeConfig(
    `${TAG}  gzip: { headers: {} }
${ONE_POOL}routes:
  - { pathPrefix: /, pool: api, middlewares: [tag, tagg, gzip, tag] }
  - { pathPrefix: /x, pool: api, middlewares: [compress] }
`,
  );
  assert.deepEqual(loadErrors({ file }), [
    'routes[0].middlewares[1]: middleware "tagg" is not defined (did you mean "tag"? defined: tag, gzip)',
    'routes[0].middlewares[3]: middleware "tag" is listed twice in this chain (also routes[0].middlewares[0])',
    'routes[1].middlewares[0]: middleware "compress" is not defined (defined: tag, gzip)',
  ]);
});

test('names listed by a pool or by routeMiddlewares are checked too, also when nothing is defined', () => {
  assert.deepEqual(loadErrors({ file: writeConfig('pools:\n  - { name: api, backends: [http://h:1], middlewares: [tag] }\n') }), [
    'pools[0].middlewares[0]: middleware "tag" is not defined (no middlewares are defined; define it under the top-level middlewares)',
  ]);
  assert.deepEqual(loadErrors({ file: writeConfig(`${TAG}backends: [http://h:1]\nrouteMiddlewares: [tga]\n`) }), [
    'routeMiddlewares[0]: middleware "tga" is not defined (did you mean "tag"? defined: tag)',
  ]);
});

test('a definition names exactly one known kind', () => {
  const file = writeConfig(
    `middlewares:
  gzip: { gzip: { level: 5 } }
  typo: { header: {} }
  none: {}
  both: { headers: {}, circuitBreaker: {} }
  bare: headers
backends: [http://h:1]
`,
  );
  assert.deepEqual(loadErrors({ file }), [
    'middlewares.gzip: unknown middleware kind "gzip" (accepted kinds: headers, ipAllowList, ipDenyList, redirect, basicAuth, forwardAuth, compress, limits, rateLimit, connLimit)',
    'middlewares.typo: unknown middleware kind "header" (did you mean "headers"? accepted kinds: headers, ipAllowList, ipDenyList, redirect, basicAuth, forwardAuth, compress, limits, rateLimit, connLimit)',
    'middlewares.none: empty: a middleware definition names one kind with its settings (accepted kinds: headers, ipAllowList, ipDenyList, redirect, basicAuth, forwardAuth, compress, limits, rateLimit, connLimit)',
    'middlewares.both: unknown middleware kind "circuitBreaker" (accepted kinds: headers, ipAllowList, ipDenyList, redirect, basicAuth, forwardAuth, compress, limits, rateLimit, connLimit)',
    'middlewares.both: names 2 kinds (headers, circuitBreaker); a definition has exactly one: define each under its own name and list them all on the route',
    'middlewares.bare: "headers" is not a middleware definition (expected one kind with its settings, e.g. headers: {...}; accepted kinds: headers, ipAllowList, ipDenyList, redirect, basicAuth, forwardAuth, compress, limits, rateLimit, connLimit)',
  ]);
});

test('a list as the top-level middlewares is refused with the two forms explained', () => {
  const errors = loadErrors({ file: writeConfig('middlewares: [tag]\nbackends: [http://h:1]\n') });
  assert.equal(errors.length, 1, errors.join('\n'));
  assert.match(errors[0]!, /^middlewares: expected named middleware definitions, got a list \(top-level middlewares defines them, e\.g\. \{ tag: \{ headers: \{\.\.\.\} \} \}; a chain of names is listed on a route \(routes\[i\]\.middlewares\)/);
  assert.match(errors[0]!, /routeMiddlewares\)$/);
});

test('header names must be tokens and values free of CR, LF, NUL and other control characters', () => {
  const file = writeConfig(
    `middlewares:
  tag:
    headers:
      request:
        set: { X Bad: 1, "X:Colon": 1, X-CR: "a\\rb", X-LF: "a\\nb", X-NUL: "a\\u0000b", X-Bell: "a\\u0007", X-Euro: "5 \\u20ac", X-Null: null, X-Ok: "tab\\tand space" }
        remove: [Bad Name, 7]
backends: [http://h:1]
`,
  );
  assert.deepEqual(loadErrors({ file }), [
    'middlewares.tag.headers.request.set.X Bad: "X Bad" is not a header name (expected an HTTP token: letters, digits and ! # $ % & \' * + - . ^ _ ` | ~, without spaces or colons)',
    'middlewares.tag.headers.request.set.X:Colon: "X:Colon" is not a header name (expected an HTTP token: letters, digits and ! # $ % & \' * + - . ^ _ ` | ~, without spaces or colons)',
    'middlewares.tag.headers.request.set.X-CR: header X-CR: "a\\rb" contains a carriage return (CR) (accepted: visible characters, spaces and tabs)',
    'middlewares.tag.headers.request.set.X-LF: header X-LF: "a\\nb" contains a line feed (LF) (accepted: visible characters, spaces and tabs)',
    'middlewares.tag.headers.request.set.X-NUL: header X-NUL: "a\\u0000b" contains a NUL character (accepted: visible characters, spaces and tabs)',
    'middlewares.tag.headers.request.set.X-Bell: header X-Bell: "a\\u0007" contains the control character U+0007 (accepted: visible characters, spaces and tabs)',
    'middlewares.tag.headers.request.set.X-Euro: header X-Euro: "5 €" contains "€" (U+20AC), which is outside Latin-1 (accepted: visible characters, spaces and tabs)',
    'middlewares.tag.headers.request.set.X-Null: header X-Null: null (empty) is not a header value (expected text; to drop the header, list it under remove)',
    'middlewares.tag.headers.request.remove[0]: "Bad Name" is not a header name (expected an HTTP token: letters, digits and ! # $ % & \' * + - . ^ _ ` | ~, without spaces or colons)',
    'middlewares.tag.headers.request.remove[1]: 7 is not a header name (expected text, e.g. Server)',
  ]);
});

test('connection and framing headers are refused on both sides; Host may be set on requests but not removed', () => {
  const owned = '(connection, keep-alive, transfer-encoding, content-length, te, trailer, upgrade, proxy-connection)';
  const file = writeConfig(
    `middlewares:
  tag:
    headers:
      request: { set: { Connection: close, Host: api.internal }, remove: [TE, Host] }
      response: { set: { Content-Length: 0 }, remove: [Transfer-Encoding, Host] }
backends: [http://h:1]
`,
  );
  assert.deepEqual(loadErrors({ file }), [
    `middlewares.tag.headers.request.set.Connection: header Connection cannot be set by a middleware: fairway writes the connection and framing headers itself ${owned}`,
    `middlewares.tag.headers.request.remove[0]: header TE cannot be removed by a middleware: fairway writes the connection and framing headers itself ${owned}`,
    'middlewares.tag.headers.request.remove[1]: header Host cannot be removed from requests: HTTP/1.1 requires it (set it to another value instead)',
    `middlewares.tag.headers.response.set.Content-Length: header Content-Length cannot be set by a middleware: fairway writes the connection and framing headers itself ${owned}`,
    `middlewares.tag.headers.response.remove[0]: header Transfer-Encoding cannot be removed by a middleware: fairway writes the connection and framing headers itself ${owned}`,
  ]);
});

test('a header set twice (in any case), or both set and removed, is refused; unknown keys name the accepted ones', () => {
  const file = writeConfig(
    `middlewares:
  tag:
    headers:
      request: { set: { X-Env: a, x-env: b } }
      response: { set: { Server: fairway }, remove: [server] }
  typo:
    headers: { reqest: {}, response: { add: {} } }
backends: [http://h:1]
`,
  );
  assert.deepEqual(loadErrors({ file }), [
    'middlewares.tag.headers.request.set.x-env: header x-env is set twice (also as X-Env; header names are case-insensitive)',
    'middlewares.tag.headers.response.remove[0]: header server is both set (as Server) and removed (set already replaces every value; keep one of the two)',
    'middlewares.typo.headers.response.add: unknown key in headers.response (accepted: set, remove)',
    'middlewares.typo.headers.reqest: unknown key in headers (did you mean "request"? accepted: request, response)',
  ]);
});

test('a chain outside routes belongs to the catch-all route of a single pool without routes', () => {
  const withRoutes = writeConfig(
    `${TAG}pools:\n  - { name: api, backends: [http://h:1], middlewares: [tag] }\nrouteMiddlewares: [tag]\nroutes: [{ pool: api }]\n`,
  );
  assert.deepEqual(loadErrors({ file: withRoutes }), [
    "routeMiddlewares: routeMiddlewares is the chain of the shorthand pool's catch-all route (top-level backends, no routes); with pools, list it on the pool when it is the only one and there are no routes (pools[0].middlewares), or else on each route (routes[i].middlewares)",
    "pools[0].middlewares: a pool's middlewares are the chain of the catch-all route of a single pool without routes, and with routes there is none; list the chain on each route instead (routes[i].middlewares)",
  ]);

  const shorthandWithRoutes = writeConfig(`${TAG}backends: [http://h:1]\nrouteMiddlewares: [tag]\nroutes: [{ pool: default }]\n`);
  assert.deepEqual(loadErrors({ file: shorthandWithRoutes }), [
    "routeMiddlewares: routeMiddlewares is the chain of the shorthand pool's catch-all route, which exists only without routes; list the chain on each route instead (routes[i].middlewares)",
  ]);

  // "routes: missing" reads the pools, one of whose settings is invalid, so it waits (as every such check does).
  const twoPools = writeConfig(`${TAG}pools:\n  - { name: a, backends: [http://h:1], middlewares: [tag] }\n  - { name: b, backends: [http://h:2] }\n`);
  assert.deepEqual(loadErrors({ file: twoPools }), [
    "pools[0].middlewares: a pool's middlewares are the chain of the catch-all route of a single pool without routes, and with 2 pools there is none (routes are required); list the chain on each route instead (routes[i].middlewares)",
  ]);
});

test('an invalid definition is reported where it is, and the routes naming it are not told it is undefined', () => {
  const file = writeConfig(
    `middlewares:
  tag: { headers: { request: { set: { X Bad: 1 } } } }
${ONE_POOL}routes:
  - { pathPrefix: /, pool: api, middlewares: [tag, nope] }
listen: { port: 99999 }
`,
  );
  assert.deepEqual(loadErrors({ file }), [
    'listen.port: 99999 is not a port (expected an integer from 0 to 65535; 0 lets the OS pick)',
    'middlewares.tag.headers.request.set.X Bad: "X Bad" is not a header name (expected an HTTP token: letters, digits and ! # $ % & \' * + - . ^ _ ` | ~, without spaces or colons)',
    'routes[0].middlewares[1]: middleware "nope" is not defined (defined: tag)',
  ]);
});

test('fairway validate as a real process prints every middleware problem at once', async () => {
  const file = writeConfig(
    `middlewares:
  tag:
    headers:
      response: { set: { X Frame: DENY } }
${ONE_POOL}routes:
  - { pathPrefix: /, pool: api, middlewares: [tagg] }
`,
  );
  const result = await runCli(['validate', file]);
  assert.equal(result.code, 1, result.stderr);
  assert.equal(result.stdout, '');
  assert.equal(
    result.stderr,
    [
      `${file}: 2 problems`,
      'middlewares.tag.headers.response.set.X Frame: "X Frame" is not a header name (expected an HTTP token: letters, digits and ! # $ % & \' * + - . ^ _ ` | ~, without spaces or colons)',
      'routes[0].middlewares[0]: middleware "tagg" is not defined (did you mean "tag"? defined: tag)',
      '',
    ].join('\n'),
  );
});
