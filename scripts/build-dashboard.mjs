// Bundles the dashboard page (dashboard/*.ts, its CSS and uPlot) with esbuild
// into dist/dashboard: index.html plus assets/ with content-hashed names, so
// the admin listener can cache assets for a year and index.html not at all.
// Type checking is tsc's job (dashboard/tsconfig.json); esbuild only bundles.
import { build } from 'esbuild';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const source = join(root, 'dashboard');
const out = join(root, 'dist', 'dashboard');

rmSync(out, { recursive: true, force: true });
mkdirSync(join(out, 'assets'), { recursive: true });

const result = await build({
  entryPoints: [join(source, 'main.ts')],
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: ['es2022', 'chrome110', 'firefox110', 'safari16'],
  minify: true,
  sourcemap: 'linked',
  outdir: join(out, 'assets'),
  entryNames: '[name]-[hash]',
  assetNames: '[name]-[hash]',
  metafile: true,
  legalComments: 'linked',
  logLevel: 'warning',
});

const outputs = Object.keys(result.metafile.outputs).map((file) => basename(file));
const script = outputs.find((name) => /^main-[A-Z0-9]+\.js$/.test(name));
const style = outputs.find((name) => /^main-[A-Z0-9]+\.css$/.test(name));
if (script === undefined || style === undefined) {
  console.error(`build-dashboard: expected a main-HASH.js and main-HASH.css, got ${outputs.join(', ')}`);
  process.exit(1);
}
const html = readFileSync(join(source, 'index.html'), 'utf8')
  .replace('{{script}}', `/assets/${script}`)
  .replace('{{style}}', `/assets/${style}`);
writeFileSync(join(out, 'index.html'), html);
console.log(`dashboard: dist/dashboard/index.html, assets/${script}, assets/${style}`);
