// The dashboard's static files (built by scripts/build-dashboard.mjs into
// dist/dashboard): GET / serves index.html (no-cache, ETag, with the page's
// settings filled in), GET /assets/NAME serves the hashed bundles with a
// year-long immutable cache. Files are read once and kept gzipped too.
import { Buffer } from 'node:buffer';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AdminRoute } from './server.js';
import { sendProblem } from './http.js';

export const DEFAULT_DASHBOARD_DIR = fileURLToPath(new URL('../../dashboard/', import.meta.url));

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
};
const COMPRESSIBLE = new Set(['.html', '.js', '.css', '.map', '.svg']);
const CONFIG_MARK = '<!--fairway-config-->';

/** What the page needs to know before its first API call. */
export interface PageSettings {
  /** /api/* needs the admin token. */
  tokenRequired: boolean;
  /** /lb/stats and the rest need it too (admin.protectReads). */
  readsProtected: boolean;
  /** The demo's backend-process controls exist (/api/demo). */
  demo: boolean;
}

interface Asset {
  body: Buffer;
  gzip: Buffer | undefined;
  type: string;
  etag: string;
}

function makeAsset(body: Buffer, ext: string): Asset {
  const gzip = COMPRESSIBLE.has(ext) && body.length > 512 ? gzipSync(body) : undefined;
  return { body, gzip, type: TYPES[ext] ?? 'application/octet-stream', etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` };
}

/**
 * Whether Accept-Encoding allows gzip: named (or `*`) with a q-value above 0.
 * `gzip;q=0` refuses it, and so does `*;q=0` when gzip is not named.
 */
export function acceptsGzip(header: string | undefined): boolean {
  if (header === undefined) return false;
  let gzip: number | undefined;
  let any: number | undefined;
  for (const part of header.split(',')) {
    const [name = '', ...params] = part.split(';').map((x) => x.trim());
    let q = 1;
    for (const param of params) {
      const m = /^q\s*=\s*([0-9.]+)$/i.exec(param);
      if (m) q = Number(m[1]);
    }
    if (!Number.isFinite(q)) q = 0;
    const coding = name.toLowerCase();
    if (coding === 'gzip' || coding === 'x-gzip') gzip = Math.max(gzip ?? 0, q);
    else if (coding === '*') any = q;
  }
  return (gzip ?? any ?? 0) > 0;
}

function send(req: IncomingMessage, res: ServerResponse, asset: Asset, cacheControl: string, extra: Record<string, string> = {}): void {
  const gzip = asset.gzip !== undefined && acceptsGzip(req.headers['accept-encoding']);
  // The gzip encoding is another representation of the same bytes: it gets a
  // weak tag, so it never passes for the plain bytes under strong comparison,
  // while If-None-Match (weak comparison) revalidates either.
  const etag = gzip ? `W/${asset.etag}` : asset.etag;
  const headers: Record<string, string | number> = {
    'content-type': asset.type,
    'cache-control': cacheControl,
    etag,
    vary: 'accept-encoding',
    'x-content-type-options': 'nosniff',
    ...extra,
  };
  const match = req.headers['if-none-match'];
  if (match !== undefined && match.split(',').some((tag) => tag.trim().replace(/^W\//, '') === asset.etag)) {
    res.writeHead(304, headers);
    res.end();
    return;
  }
  const body = gzip ? asset.gzip! : asset.body;
  if (gzip) headers['content-encoding'] = 'gzip';
  headers['content-length'] = body.length;
  res.writeHead(200, headers);
  res.end(body);
}

const PAGE_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

export function dashboardAssetRoutes(settings: () => PageSettings, dir = DEFAULT_DASHBOARD_DIR): AdminRoute[] {
  let template: string | undefined;
  let assets: Map<string, Asset> | undefined;
  let page: { key: string; asset: Asset } | undefined;

  const load = (): boolean => {
    if (template !== undefined) return true;
    const index = join(dir, 'index.html');
    if (!existsSync(index)) return false;
    template = readFileSync(index, 'utf8');
    assets = new Map();
    const assetDir = join(dir, 'assets');
    if (existsSync(assetDir)) {
      for (const name of readdirSync(assetDir)) assets.set(name, makeAsset(readFileSync(join(assetDir, name)), extname(name)));
    }
    return true;
  };

  const notBuilt = (res: ServerResponse) =>
    sendProblem(res, 503, 'dashboard_not_built', `the dashboard files are missing from ${dir}; run \`npm run build\``);

  return [
    {
      method: 'GET',
      path: '/',
      handle: ({ req, res }) => {
        if (!load()) return notBuilt(res);
        const values = settings();
        const key = JSON.stringify(values);
        if (page?.key !== key) {
          // JSON in a non-executed script tag; "<" is escaped so it cannot end the tag.
          const json = key.replace(/</g, '\\u003c');
          const html = template!.replace(CONFIG_MARK, `<script id="fairway-config" type="application/json">${json}</script>`);
          page = { key, asset: makeAsset(Buffer.from(html), '.html') };
        }
        send(req, res, page.asset, 'no-cache', PAGE_HEADERS);
      },
    },
    {
      method: 'GET',
      path: '/assets/:file',
      handle: ({ req, res, params }) => {
        if (!load()) return notBuilt(res);
        const asset = assets!.get(params['file']!);
        if (asset === undefined) return sendProblem(res, 404, 'not_found', `no dashboard asset named ${params['file']}`);
        // Names carry a content hash: a new build means new names.
        send(req, res, asset, 'public, max-age=31536000, immutable');
      },
    },
  ];
}
