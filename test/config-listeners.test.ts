// `listeners:`, its shorthand `listen:` (and HOST/PORT, --port), the
// quick-start TLS flags, and every mistake reported with its path: unknown
// listener names in routes, duplicate names and ports, settings on the
// wrong kind of listener, http2 on the wrong kind, missing certificate files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '../src/config/load.js';
import { LISTENER_TLS_DEFAULTS } from '../src/config/sections/listener-tls.js';
import { runCli } from './helpers/child-fairway.js';
import { loadErrors, loadOk, writeConfig } from './config-helpers.js';

const pool = ['pools:', '  - { name: app, backends: [{ url: http://127.0.0.1:9001 }] }'].join('\n');
// HTTP/2 as every listener gets it by default: on over TLS (ALPN), off on a plain port.
const h2Limits = { maxConcurrentStreams: 100, streamWindowBytes: 65_536, connectionWindowBytes: 1_048_576, maxHeaderListBytes: 32_768 };
const h2Off = { enabled: false, ...h2Limits };
const h2On = { enabled: true, ...h2Limits };
const tls = (extra = '') => `tls: { certificates: [{ cert: /etc/fairway/a.pem, key: /etc/fairway/a.key }]${extra} }`;

test('without listeners, listen: (and --port) is the one plain listener "web"', () => {
  assert.deepEqual(loadOk({ flags: { backend: ['http://127.0.0.1:9001'] } }).listeners, [{ name: 'web', host: '0.0.0.0', port: 8080, configPath: 'listen', http2: h2Off, middlewares: [], limits: {} }]);
  const file = writeConfig(['listen: { host: 127.0.0.1, port: 7000 }', 'backends: [{ url: http://127.0.0.1:9001 }]'].join('\n'));
  assert.deepEqual(loadOk({ file, flags: { port: '7001' } }).listeners, [{ name: 'web', host: '127.0.0.1', port: 7001, configPath: 'listen', http2: h2Off, middlewares: [], limits: {} }]);
});

test('listeners: names, hosts (default 0.0.0.0), ports, TLS with the profile defaults; HOST/PORT address the listener named web', () => {
  const file = writeConfig(
    [
      'listeners:',
      '  - { name: web, port: 80, redirectToHttps: true }',
      `  - { name: websecure, host: 10.0.0.1, port: 443, ${tls()}, hsts: { maxAge: 1h } }`,
      pool,
    ].join('\n'),
  );
  const config = loadOk({ file, env: { PORT: '8000' } });
  assert.deepEqual(config.listeners, [
    { name: 'web', host: '0.0.0.0', port: 8000, configPath: 'listeners[0]', redirectToHttps: {}, http2: h2Off, middlewares: [], limits: {} },
    {
      name: 'websecure',
      host: '10.0.0.1',
      port: 443,
      configPath: 'listeners[1]',
      tls: { ...LISTENER_TLS_DEFAULTS, certificates: [{ cert: '/etc/fairway/a.pem', key: '/etc/fairway/a.key' }] },
      hsts: { maxAgeSeconds: 3600, includeSubDomains: false, preload: false },
      http2: h2On,
      middlewares: [],
      limits: {},
    },
  ]);
  assert.equal(
    LISTENER_TLS_DEFAULTS.ciphers,
    'ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:DHE-RSA-CHACHA20-POLY1305',
  );
  assert.equal(LISTENER_TLS_DEFAULTS.ecdhCurve, 'X25519:P-256:P-384');
  assert.equal(LISTENER_TLS_DEFAULTS.minVersion, 'TLSv1.2');

  const noWeb = writeConfig(['listeners:', `  - { name: edge, port: 443, ${tls()} }`, pool].join('\n'));
  const result = loadConfig({ file: noWeb, env: { PORT: '8000' } });
  assert.ok(result.ok);
  assert.equal(result.config.listeners[0]!.port, 443);
  assert.ok(result.warnings.some((w) => w.includes('listener named "web", and listeners has none; ignored')), result.warnings.join('\n'));
});

test('the quick-start flags add websecure (port 8443 by default) beside web, and need both files', () => {
  const flags = { backend: ['http://127.0.0.1:9001'], host: '127.0.0.1', tlsCert: '/tls/cert.pem', tlsKey: '/tls/key.pem' };
  const listeners = loadOk({ flags }).listeners;
  assert.deepEqual(
    listeners.map((l) => [l.name, l.host, l.port, l.tls?.certificates]),
    [
      ['web', '127.0.0.1', 8080, undefined],
      ['websecure', '127.0.0.1', 8443, [{ cert: '/tls/cert.pem', key: '/tls/key.pem' }]],
    ],
  );
  assert.equal(loadOk({ flags: { ...flags, httpsPort: '9443' } }).listeners[1]!.port, 9443);
  assert.equal(loadOk({ flags: { backend: flags.backend }, env: { TLS_CERT: '/c.pem', TLS_KEY: '/k.pem', HTTPS_PORT: '4443' } }).listeners[1]!.port, 4443);
  assert.deepEqual(loadErrors({ flags: { backend: flags.backend, tlsCert: '/tls/cert.pem' } }), [
    '--tls-key: missing: --tls-cert adds the TLS listener "websecure", which needs both --tls-cert FILE and --tls-key FILE (or TLS_CERT and TLS_KEY)',
  ]);
  assert.deepEqual(loadErrors({ flags: { backend: flags.backend, httpsPort: '8443' } }), [
    '--tls-cert: missing: --https-port adds the TLS listener "websecure", which needs both --tls-cert FILE and --tls-key FILE (or TLS_CERT and TLS_KEY)',
  ]);
  const file = writeConfig(['listeners:', `  - { name: websecure, port: 443, ${tls()} }`, pool].join('\n'));
  assert.deepEqual(loadErrors({ file, flags: { tlsCert: '/c.pem', tlsKey: '/k.pem' } }), [
    '--tls-cert: listeners already defines "websecure"; set its certificate and port there instead of with --tls-cert, --tls-key and --https-port',
  ]);
});

test('http2: on over TLS unless false, h2c on a plain listener only with cleartext, limits in sizes', () => {
  const file = writeConfig(
    [
      'listeners:',
      '  - { name: plain, port: 8080 }',
      '  - { name: h2c, port: 8081, http2: { cleartext: true, maxConcurrentStreams: 50, streamWindow: 128KiB, connectionWindow: 4MiB, maxHeaderListSize: 16k } }',
      `  - { name: secure, port: 8443, ${tls()} }`,
      `  - { name: h1only, port: 8444, ${tls()}, http2: false }`,
      pool,
    ].join('\n'),
  );
  assert.deepEqual(
    loadOk({ file }).listeners.map((l) => [l.name, l.http2]),
    [
      ['plain', h2Off],
      ['h2c', { enabled: true, maxConcurrentStreams: 50, streamWindowBytes: 131_072, connectionWindowBytes: 4_194_304, maxHeaderListBytes: 16_384 }],
      ['secure', h2On],
      ['h1only', h2Off],
    ],
  );
});

test('listener mistakes are reported with their paths, all at once', () => {
  const file = writeConfig(
    [
      'listen: { port: 8080, keepAliveTimeout: 10s }',
      'listeners:',
      '  - { name: web, port: 8080, hsts: { maxAge: 60 } }',
      `  - { name: web, port: 8443, ${tls()}, redirectToHttps: true }`,
      '  - { name: other, port: 8080, http2: true }',
      `  - { name: h2, port: 8444, ${tls()}, http2: { cleartext: true, maxConcurrentStreams: 0, window: 1 } }`,
      `  - { name: secure, port: 9443, ${tls(', defaultCertificate: main, minVersion: TLSv1.1, ciphers: NOT-A-CIPHER')} }`,
      pool,
      'routes:',
      '  - { pathPrefix: /, pool: app, listeners: [web, websecure] }',
    ].join('\n'),
  );
  assert.deepEqual(loadErrors({ file }), [
    'listeners[3].http2.maxConcurrentStreams: 0 is not a valid stream count (expected an integer from 1 to 10000)',
    'listeners[3].http2.window: unknown key in http2 (accepted: enabled, cleartext, maxConcurrentStreams, streamWindow, connectionWindow, maxHeaderListSize)',
    'listeners[4].tls.minVersion: "TLSv1.1" is not a TLS version fairway accepts (TLS 1.1 and older are not offered: they are insecure) (accepted: TLSv1.2, TLSv1.3)',
    'listeners[4].tls.ciphers: "NOT-A-CIPHER" is not a usable cipher list (no cipher match)',
    'listen.port: with listeners, each listener says where it listens (listeners[i].port); remove listen.port (listen keeps the timeouts every listener shares)',
    'listeners[0].hsts: HSTS is sent by TLS listeners only (browsers ignore it over plain HTTP); give this listener tls, or move hsts to the TLS one',
    'listeners[1].name: duplicate listener name "web" (also listeners[0])',
    'listeners[1].redirectToHttps: a TLS listener is HTTPS already; redirectToHttps belongs on a plain listener',
    'listeners[2].http2: a plain listener speaks HTTP/2 only as h2c with prior knowledge: say http2: { cleartext: true } (browsers use h2 over TLS only)',
    'listeners[3].http2.cleartext: cleartext is h2c on a plain listener; a TLS listener offers h2 through ALPN already (http2: false turns it off)',
    'listeners[4].tls.defaultCertificate: no certificate of this listener is named "main" (give the one you mean a name: field)',
  ]);

  const resolved = writeConfig(
    [
      'listeners:',
      '  - { name: web, port: 8080 }',
      '  - { name: also, host: 127.0.0.1, port: 8080 }',
      '  - { name: apart, host: 127.0.0.1, port: 8081 }',
      '  - { name: beside, host: 127.0.0.2, port: 8081 }',
      pool,
      'admin: { port: 8081 }',
      'routes:',
      '  - { pathPrefix: /, pool: app, listeners: [web, websecure] }',
    ].join('\n'),
  );
  assert.deepEqual(loadErrors({ file: resolved }), [
    'listeners[1].port: 8080 is also the port of listener "web" (expected a port of its own)',
    'routes[0].listeners[1]: listener "websecure" is not defined (defined listeners: web, also, apart, beside)',
    'admin.port: 8081 is also the port of listener "apart" (expected a different port, or admin.enabled: false)',
  ]);
});

test('a listener no route applies to is warned about, unless it redirects', () => {
  const file = writeConfig(
    [
      'listeners:',
      '  - { name: web, port: 8080, redirectToHttps: true }',
      `  - { name: websecure, port: 8443, ${tls()} }`,
      '  - { name: internal, port: 9000 }',
      pool,
      'routes:',
      '  - { pathPrefix: /, pool: app, listeners: [websecure] }',
    ].join('\n'),
  );
  const result = loadConfig({ file, env: {} });
  assert.ok(result.ok);
  assert.deepEqual(
    result.warnings.filter((w) => w.includes('no route applies')),
    ['listeners[2]: no route applies to listener "internal", so it answers every request 404 (list it in a route\'s listeners, or give that route none)'],
  );
});

test('fairway validate and start report a certificate file that cannot be read, with its path', async () => {
  const file = writeConfig(['listeners:', `  - { name: websecure, host: 127.0.0.1, port: 0, ${tls()} }`, pool, 'admin: { port: 0 }'].join('\n'));
  const validate = await runCli(['validate', file]);
  assert.equal(validate.code, 1);
  assert.match(validate.stderr, /listeners\[0\]\.tls\.certificates\[0\]\.cert: cannot read the certificate file \/etc\/fairway\/a\.pem \(no such file\)/);
  const start = await runCli(['--config', file]);
  assert.equal(start.code, 1);
  assert.equal(start.stderr, 'fairway: the configuration has 1 problem(s):\nlisteners[0].tls.certificates[0].cert: cannot read the certificate file /etc/fairway/a.pem (no such file)\n');
});
