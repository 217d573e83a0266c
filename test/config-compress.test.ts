// The `compress` middleware kind's settings: every default, every setting
// resolved, every bad value reported at its path with what is accepted, and
// zstd listed on a Node whose zlib lacks it: a warning, not an error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '../src/config/load.js';
import { DEFAULT_COMPRESSED_TYPES, ZSTD_AVAILABLE } from '../src/config/sections/middlewares/compress.js';
import type { CompressMiddlewareConfig } from '../src/config/types.js';
import { middlewareFilters } from '../src/filters/middleware-filters.js';
import { loadErrors, loadOk, writeConfig } from './config-helpers.js';
import { runCli } from './helpers/child-fairway.js';

const withCompress = (settings: string): string => `middlewares:\n  gz: { compress: ${settings} }\nbackends: [http://h:1]\nrouteMiddlewares: [gz]\n`;

function compressOf(settings: string): CompressMiddlewareConfig {
  const config = loadOk({ file: writeConfig(withCompress(settings)) });
  const d = config.middlewares[0]!;
  assert.equal(d.kind, 'compress');
  return (d as Extract<typeof d, { kind: 'compress' }>).compress;
}

const defaults = (): CompressMiddlewareConfig => ({
  encodings: ZSTD_AVAILABLE ? ['zstd', 'br', 'gzip'] : ['br', 'gzip'],
  unsupported: [],
  minBytes: 1024,
  types: DEFAULT_COMPRESSED_TYPES.slice(),
  brotliQuality: 4,
  gzipLevel: 6,
  zstdLevel: 3,
});

test('compress: {} and a bare compress: take every default (zstd first only where node:zlib has it)', () => {
  assert.deepEqual(compressOf('{}'), defaults());
  assert.deepEqual(compressOf('null'), defaults());
  const types = defaults().types;
  for (const t of ['text/*', 'application/json', 'application/*+json', 'application/javascript', 'application/xml', 'application/*+xml', 'image/svg+xml']) {
    assert.ok(types.includes(t), `default types include ${t}`);
  }
});

test('every setting resolves: encodings in the given order, sizes in bytes, types lower-cased', () => {
  assert.deepEqual(compressOf('{ encodings: [GZIP, br], minBytes: 4k, types: [Text/HTML, application/*+json, text/*], brotliQuality: 11, gzipLevel: 1, zstdLevel: 19 }'), {
    encodings: ['gzip', 'br'],
    unsupported: [],
    minBytes: 4096,
    types: ['text/html', 'application/*+json', 'text/*'],
    brotliQuality: 11,
    gzipLevel: 1,
    zstdLevel: 19,
  });
  assert.equal(compressOf('{ minBytes: 0 }').minBytes, 0);
});

test('bad encodings are reported one by one, with what is accepted', () => {
  const accepted = '(accepted: zstd, br, gzip)';
  assert.deepEqual(loadErrors({ file: writeConfig(withCompress('{ encodings: [gizp, brotli, deflate, x-gzip, identity, 7, br, br] }')) }), [
    `middlewares.gz.compress.encodings[0]: "gizp" is not an encoding fairway compresses with (did you mean "gzip"? accepted: zstd, br, gzip)`,
    `middlewares.gz.compress.encodings[1]: "brotli" is spelled br, as HTTP names it ${accepted}`,
    `middlewares.gz.compress.encodings[2]: deflate is not offered: clients disagree on its framing, and every client that takes deflate takes gzip ${accepted}`,
    `middlewares.gz.compress.encodings[3]: x-gzip is an old name of gzip: list gzip (a client asking for x-gzip gets gzip) ${accepted}`,
    `middlewares.gz.compress.encodings[4]: identity (no compression) needs no listing: it is what a client gets when no listed encoding suits it ${accepted}`,
    `middlewares.gz.compress.encodings[5]: 7 is not an encoding ${accepted}`,
    'middlewares.gz.compress.encodings[7]: br is listed twice (the list is an order of preference; keep one)',
  ]);
  assert.deepEqual(loadErrors({ file: writeConfig(withCompress('{ encodings: [] }')) }), [
    'middlewares.gz.compress.encodings: an empty list is not a list of encodings (expected some of zstd, br, gzip in preference order, e.g. [br, gzip])',
  ]);
  assert.deepEqual(loadErrors({ file: writeConfig(withCompress('{ encodings: gzip }')) }), [
    'middlewares.gz.compress.encodings: "gzip" is not a list of encodings (expected some of zstd, br, gzip in preference order, e.g. [br, gzip])',
  ]);
});

test('bad types are reported one by one: parameters, every type at once, malformed, twice, an empty list', () => {
  const hint = 'expected a media type such as application/json, a family such as text/*, or a suffix such as application/*+json';
  assert.deepEqual(loadErrors({ file: writeConfig(withCompress('{ types: ["text/html; charset=utf-8", "*/*", json, "text/ht ml", "application/*json", 5, text/*, TEXT/*] }')) }), [
    'middlewares.gz.compress.types[0]: "text/html; charset=utf-8" has parameters; types are matched without them (write "text/html")',
    `middlewares.gz.compress.types[1]: "*/*" would compress every type, images and archives included, which are compressed already (${hint})`,
    `middlewares.gz.compress.types[2]: "json" is not a media type (${hint})`,
    `middlewares.gz.compress.types[3]: "text/ht ml" is not a media type (${hint})`,
    `middlewares.gz.compress.types[4]: "application/*json" is not a media type (${hint})`,
    `middlewares.gz.compress.types[5]: 5 is not a media type (${hint})`,
    'middlewares.gz.compress.types[7]: text/* is listed twice',
  ]);
  assert.deepEqual(loadErrors({ file: writeConfig(withCompress('{ types: [] }')) }), [
    `middlewares.gz.compress.types: an empty list (it would compress nothing) is not a list of media types (${hint}; leave types out for the default list)`,
  ]);
});

test('bad sizes, levels and keys name the accepted values', () => {
  assert.deepEqual(
    loadErrors({ file: writeConfig(withCompress('{ minBytes: lots, brotliQuality: 12, gzipLevel: 0, zstdLevel: 2.5, level: 5 }')) }),
    [
      'middlewares.gz.compress.minBytes: "lots" is not a size (expected a number of bytes, or e.g. 64k, 64KiB, 1m, 1MiB)',
      'middlewares.gz.compress.brotliQuality: 12 is not a valid brotli quality (expected an integer from 0 to 11)',
      'middlewares.gz.compress.gzipLevel: 0 is not a valid gzip level (expected an integer from 1 to 9)',
      'middlewares.gz.compress.zstdLevel: 2.5 is not a valid zstd level (expected an integer from 1 to 22)',
      'middlewares.gz.compress.level: unknown key in compress (accepted: encodings, minBytes, types, brotliQuality, gzipLevel, zstdLevel)',
    ],
  );
  assert.deepEqual(loadErrors({ file: writeConfig(withCompress('{ gzipLevl: 5 }')) }), [
    'middlewares.gz.compress.gzipLevl: unknown key in compress (did you mean "gzipLevel"? accepted: encodings, minBytes, types, brotliQuality, gzipLevel, zstdLevel)',
  ]);
  assert.deepEqual(loadErrors({ file: writeConfig(withCompress('gzip')) }), [
    'middlewares.gz.compress: expected an object (key: value mapping), got "gzip"',
  ]);
});

test('zstd listed where node:zlib lacks it is skipped with one warning naming the Node version; where it has it, it is kept without one', () => {
  const file = writeConfig(withCompress('{ encodings: [zstd, gzip] }'));
  const loaded = loadConfig({ env: {}, file });
  assert.ok(loaded.ok);
  const compress = (loaded.config.middlewares[0] as Extract<(typeof loaded.config.middlewares)[number], { kind: 'compress' }>).compress;
  const zstdWarnings = loaded.warnings.filter((w) => w.includes('zstd'));
  if (ZSTD_AVAILABLE) {
    assert.deepEqual(compress.encodings, ['zstd', 'gzip']);
    assert.deepEqual(zstdWarnings, []);
  } else {
    assert.deepEqual(compress.encodings, ['gzip']);
    assert.deepEqual(compress.unsupported, ['zstd']);
    assert.deepEqual(zstdWarnings, [
      `middlewares.gz.compress.encodings: zstd is skipped: node:zlib of this Node (${process.version}) has no zstd, which needs Node 22.15 or 23.8 or later; answers are compressed with gzip`,
    ]);
  }
  // The default list never warns: it offers zstd only where there is one.
  assert.deepEqual(loadConfig({ env: {}, file: writeConfig(withCompress('{}')) }).warnings, []);
});

test('fairway validate as a real process prints the compress problems, and the zstd warning where it applies', async () => {
  const bad = writeConfig(withCompress('{ encodings: [gzip, gzip], types: [] }'));
  const result = await runCli(['validate', bad]);
  assert.equal(result.code, 1, result.stderr);
  assert.match(result.stderr, /middlewares\.gz\.compress\.encodings\[1\]: gzip is listed twice/);
  assert.match(result.stderr, /middlewares\.gz\.compress\.types: an empty list \(it would compress nothing\)/);

  const onlyZstd = writeConfig(withCompress('{ encodings: [zstd] }'));
  const checked = await runCli(['validate', onlyZstd]);
  assert.equal(checked.code, 0, checked.stderr);
  if (ZSTD_AVAILABLE) assert.doesNotMatch(checked.stderr, /zstd/);
  else assert.match(checked.stderr, /warning: middlewares\.gz\.compress\.encodings: zstd is skipped: .*; no listed encoding is left, so this middleware compresses nothing/);
});

test('a compress middleware left without an encoding (zstd alone, on a Node without it) gets no response hook, so it changes no answer', () => {
  const config = loadOk({ file: writeConfig(withCompress('{ encodings: [zstd] }')) });
  const filter = middlewareFilters(config.middlewares).get('gz')!;
  assert.equal(typeof filter.onResponseTransform, ZSTD_AVAILABLE ? 'function' : 'undefined');
  const withGzip = middlewareFilters(loadOk({ file: writeConfig(withCompress('{ encodings: [gzip] }')) }).middlewares).get('gz')!;
  assert.equal(typeof withGzip.onResponseTransform, 'function');
});
