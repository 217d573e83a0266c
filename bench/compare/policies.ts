// The policies scenario of bench:compare: what a rate limit and gzip cost on
// the way through. Every proxy that has both gets the same work on
// /policies/: a per-client-IP rate limit set far above the offered load (so
// every request is counted and let through) and gzip at level 1 of a 2 KiB
// JSON answer from the backends. Level 1 is NGINX's and HAProxy's default
// (tune.comp.maxlevel), so all three compress alike. Other paths are
// untouched, so the other scenarios measure what they did before.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { request } from 'undici';

export const POLICIES_PATH = '/policies/2k.json';

// Far above anything one core can serve: the limit decides, never refuses.
const RATE = 100_000_000;

/** A JSON document of just over 2 KiB, the same every run. */
export function policiesBody(): string {
  const items: string[] = [];
  const document = () => `{"items":[${items.join(',')}]}\n`;
  for (let i = 0; document().length < 2048; i++) items.push(`{"id":${i},"name":"item-${i}","price":${(i * 7) % 100}.${i % 10}5,"tags":["a","b"]}`);
  return document();
}

/** Writes the document under the backends' web root. */
export function writePoliciesBody(wwwRoot: string): void {
  mkdirSync(join(wwwRoot, 'policies'), { recursive: true });
  writeFileSync(join(wwwRoot, 'policies', '2k.json'), policiesBody());
}

/** The backends' location for the document, served as JSON. */
export const BACKEND_POLICIES_LOCATION = (wwwRoot: string) =>
  `    location /policies/ { add_header x-backend policies; default_type application/json; root ${wwwRoot}; }`;

/** NGINX's http-level zone for the limit. */
export const NGINX_POLICIES_ZONE = `  limit_req_zone $binary_remote_addr zone=policies:10m rate=${RATE}r/s;`;

/** NGINX's location: limit_req per client address, then gzip of the proxied answer. */
export const NGINX_POLICIES_LOCATION = `    location /policies/ {
      limit_req zone=policies burst=1000 nodelay;
      gzip on;
      gzip_proxied any;
      gzip_types application/json;
      gzip_min_length 1024;
      gzip_comp_level 1;
      proxy_pass http://backends;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }`;

/** HAProxy's frontend lines: a stick table counting each source's request rate, and gzip of JSON. */
export const HAPROXY_POLICIES_LINES = [
  'stick-table type ip size 100k expire 30s store http_req_rate(1s)',
  'http-request track-sc0 src if { path_beg /policies/ }',
  `http-request deny deny_status 429 if { path_beg /policies/ } { sc_http_req_rate(0) gt ${RATE} }`,
  'compression algo gzip',
  'compression type application/json',
];

/** fairway's config file: the pool comes from the --backend flags (it is named "default"). */
export function fairwayPoliciesConfig(): string {
  return `middlewares:
  policies-limit: { rateLimit: { average: ${RATE}, period: 1s, burst: ${RATE} } }
  policies-gzip: { compress: { encodings: [gzip], gzipLevel: 1, minBytes: 1KiB } }
routes:
  - { pathPrefix: /policies/, pool: default, middlewares: [policies-limit, policies-gzip] }
  - { pathPrefix: /, pool: default }
`;
}

/** The document, gzip-encoded and intact; throws on anything else. */
export async function checkPolicies(target: string, base: string): Promise<void> {
  const answer = await request(`${base}${POLICIES_PATH}`, { headers: { 'accept-encoding': 'gzip' } });
  const body = Buffer.from(await answer.body.arrayBuffer());
  const encoding = answer.headers['content-encoding'];
  if (answer.statusCode !== 200 || encoding !== 'gzip') throw new Error(`${target}: GET ${POLICIES_PATH} answered ${answer.statusCode} with content-encoding ${String(encoding)}`);
  if (gunzipSync(body).toString() !== policiesBody()) throw new Error(`${target}: GET ${POLICIES_PATH} decoded to something else than the document`);
}
